"""The ``meshgen`` command: a thin adapter from arguments to the library and back.

Exit codes: 0 success; 1 invalid input (the findings say why); 2 usage error;
3 internal error (a bug: rerun with --traceback and report it); 130 interrupted.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import gc
import json
import sys
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from meshgen import __version__
from meshgen.errors import InputError, MeshgenError
from meshgen.findings import Finding, Severity

if TYPE_CHECKING:
    from meshgen.config import Settings
    from meshgen.validation.schemaset import SchemaSet
    from meshgen.yamlio import Limits

EXIT_OK = 0
EXIT_INVALID = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 3
EXIT_INTERRUPTED = 130

COMMANDS = ("render", "validate", "explain", "import", "render-check", "schema", "schemas")

# Loading a large mesh creates millions of objects and few reference cycles; with the
# default thresholds the cyclic collector rescans the growing heap so often that time
# grows faster than the mesh. The command owns its process, so it collects less often.
GC_THRESHOLDS = (100_000, 50, 100)

# A fixed width keeps --help (and docs/cli.md, generated from it) the same on every terminal.
_FORMATTER = functools.partial(argparse.RawDescriptionHelpFormatter, width=88)

EPILOG = """\
exit codes:
  0    success
  1    invalid input: the messages above say what and where
  2    usage error
  3    internal error: a bug in meshgen; rerun with --traceback and report it
  130  interrupted
"""


def _add_limits(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("limits (no input may exhaust time or memory)")
    group.add_argument(
        "--max-file-size", type=_positive, metavar="MIB", help="the largest file read (default: 32)"
    )
    group.add_argument(
        "--max-documents",
        type=_positive,
        metavar="N",
        help="the most documents in one file (default: 10000)",
    )
    group.add_argument(
        "--max-depth", type=_positive, metavar="N", help="the deepest nesting (default: 100)"
    )


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value <= 0:
        raise argparse.ArgumentTypeError(f"expected a whole number above 0, got {text!r}")
    return value


def _limits(args: argparse.Namespace, settings: Settings | None = None) -> Limits:
    """Limits from the flags, else the settings, else the defaults."""
    from meshgen.yamlio import DEFAULT_LIMITS, Limits

    def pick(name: str, default: int) -> int:
        flag = getattr(args, name)
        setting = getattr(settings, name) if settings is not None else None
        return flag if flag is not None else setting if setting is not None else default

    size = pick("max_file_size", 0)
    return Limits(
        max_file_bytes=size * 1024 * 1024 if size else DEFAULT_LIMITS.max_file_bytes,
        max_documents=pick("max_documents", DEFAULT_LIMITS.max_documents),
        max_depth=pick("max_depth", DEFAULT_LIMITS.max_depth),
        max_nodes=DEFAULT_LIMITS.max_nodes,
    )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="meshgen",
        description="Typed service-mesh models to Istio manifests.",
        epilog=EPILOG,
        formatter_class=_FORMATTER,
    )
    parser.add_argument("--version", action="version", version=f"meshgen {__version__}")
    parser.add_argument(
        "--traceback", action="store_true", help="on an internal error, print the stack trace"
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    render = commands.add_parser(
        "render",
        help="render a model to Istio manifests",
        description="Render a meshgen model to Istio Gateway, DestinationRule and "
        "VirtualService manifests (multi-document YAML).",
        epilog=EPILOG,
        formatter_class=_FORMATTER,
    )
    render.add_argument("model", metavar="MODEL", help="the model file, or - for standard input")
    render.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        help="write to FILE (atomically: on any error the old file is kept) instead of stdout",
    )
    render.add_argument(
        "--templates",
        metavar="DIR",
        help="a folder of templates that override the built-in ones by file name",
    )
    _add_limits(render)
    render.add_argument(
        "--crds",
        metavar="FILE",
        help="check the output against these CRDs (see validate --crds) instead of the "
        "bundled Istio 1.18 schemas, for fields newer Istio releases added",
    )

    validate = commands.add_parser(
        "validate",
        help="check Istio manifests and meshgen models offline",
        description="Check Istio manifests (and meshgen models) offline against Istio's "
        "schemas.\nFiles, directories (every *.yaml and *.yml below them) and - for "
        "standard input.",
        epilog=EPILOG,
        formatter_class=_FORMATTER,
    )
    validate.add_argument(
        "paths",
        nargs="*",
        metavar="PATH",
        help="files, directories, or - (default: the settings' include, or the folder "
        "holding the settings file, or .)",
    )
    validate.add_argument(
        "--format",
        choices=("text", "json", "github", "sarif"),
        default="text",
        help="text (default): file:line:col lines and a summary; json: a list of findings; "
        "github: workflow annotations; sarif: SARIF 2.1.0 for code scanning",
    )
    validate.add_argument(
        "--strict",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="fail (exit 1) on warnings as well as errors",
    )
    validate.add_argument(
        "--context",
        nargs="+",
        default=[],
        metavar="PATH",
        help="more of the mesh, for checks across resources; their own problems are not "
        "reported (say, the whole repository when a hook passes only changed files)",
    )
    validate.add_argument(
        "--complete",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="the input is the whole mesh: a missing gateway or subset is an error, not a warning",
    )
    validate.add_argument(
        "--ignore",
        action="append",
        default=[],
        metavar="CODE",
        help="do not report findings with this code (repeatable)",
    )
    validate.add_argument(
        "--config",
        metavar="FILE",
        help="read settings from FILE instead of the nearest .meshgen.yaml or "
        "pyproject.toml [tool.meshgen]",
    )
    _add_limits(validate)
    validate.add_argument(
        "--crds",
        metavar="FILE",
        help="validate against the CRDs in FILE (an Istio release's crd-all.gen.yaml, "
        "kubectl get crd -o yaml, or a bundle from 'meshgen schemas import'), CEL rules "
        "included; kinds FILE does not define keep the bundled schemas",
    )
    validate.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        help="list the resources skipped for having no schema",
    )

    explain = commands.add_parser(
        "explain",
        help="show what a request will hit, from the YAML alone",
        description="Show which VirtualService rule a request meets, where it goes, and which "
        "DestinationRule policy applies, with Istio's semantics, from Istio manifests or "
        "meshgen models (rendered first).",
        epilog=EPILOG,
        formatter_class=_FORMATTER,
    )
    explain.add_argument("paths", nargs="+", metavar="PATH", help="manifests, models, folders")
    explain.add_argument("--host", required=True, help="the request's host (Host header)")
    explain.add_argument("--port", type=int, help="the request's port")
    explain.add_argument("--method", default="GET", help="the HTTP method (default: GET)")
    explain.add_argument("--path", default="/", help="the path, with ?query if any (default: /)")
    explain.add_argument("--scheme", default="http", help="http or https (default: http)")
    explain.add_argument(
        "--header", action="append", default=[], metavar="K=V", help="a request header (repeatable)"
    )
    explain.add_argument(
        "--query", action="append", default=[], metavar="K=V", help="a query parameter (repeatable)"
    )
    explain.add_argument(
        "--source-labels", default="", metavar="K=V,...", help="labels of the sending pod"
    )
    explain.add_argument(
        "--source-namespace", default="default", metavar="NS", help="the sender's namespace"
    )
    explain.add_argument(
        "--gateway",
        default="mesh",
        metavar="NAME",
        help="the gateway the request enters through, or mesh (a sidecar; the default)",
    )
    explain.add_argument("--format", choices=("text", "json"), default="text")

    importing = commands.add_parser(
        "import",
        help="write a model for existing Istio manifests",
        description="Read Istio manifests (files, folders, multi-document; other kinds are "
        "listed and left alone) and write a meshgen model that renders them back unchanged. "
        "What the model cannot express is kept as written, and reported.",
        epilog=EPILOG,
        formatter_class=_FORMATTER,
    )
    importing.add_argument("paths", nargs="+", metavar="PATH", help="manifests or folders, or -")
    importing.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        help="write the model to FILE (atomically) instead of stdout",
    )
    _add_limits(importing)

    check = commands.add_parser(
        "render-check",
        help="fail when a rendered file differs from rendering its model",
        description="Find rendered files (their first line names the model they came "
        "from), render each model again, and fail when the file differs: generated YAML "
        "never drifts from its source. Model paths are read relative to the current "
        "directory.",
        epilog=EPILOG,
        formatter_class=_FORMATTER,
    )
    check.add_argument(
        "paths", nargs="*", default=["."], metavar="PATH", help="files or directories (default: .)"
    )
    check.add_argument(
        "--templates", metavar="DIR", help="the templates the files were rendered with"
    )

    schemas = commands.add_parser(
        "schemas",
        help="manage the schemas manifests are validated against",
        description="Manage the schemas manifests are validated against.",
        formatter_class=_FORMATTER,
    )
    schemas_commands = schemas.add_subparsers(
        dest="schemas_command", metavar="ACTION", required=True
    )
    schemas_import = schemas_commands.add_parser(
        "import",
        help="store the schemas of a CRD file for validate --crds",
        description="Read CustomResourceDefinitions (an Istio release's crd-all.gen.yaml, or "
        "kubectl get crd -o yaml) and store every served version's schema, CEL rules "
        "included, as one JSON file that 'meshgen validate --crds' reads quickly.",
        formatter_class=_FORMATTER,
    )
    schemas_import.add_argument("crds", metavar="FILE", help="the CRD YAML")
    schemas_import.add_argument(
        "-o",
        "--output",
        metavar="OUT",
        default=".meshgen/schemas.json",
        help="where to store them (default: .meshgen/schemas.json)",
    )

    schema = commands.add_parser(
        "schema",
        help="print the JSON Schema of model files",
        description="Print the JSON Schema of meshgen model files, for editors "
        "(yaml-language-server) to check and complete them.",
        formatter_class=_FORMATTER,
    )
    schema.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of stdout")
    return parser


def _report(findings: Sequence[Finding], stream: TextIO) -> None:
    from meshgen.report import format_text

    for finding in findings:
        print(format_text(finding), file=stream)


def _emit(text: str, output: str | None, stdout: TextIO) -> None:
    if output is None:
        stdout.write(text)
    else:
        from meshgen._output import write_atomic

        write_atomic(output, text)


def _read_source(name: str, stdin: TextIO, limits: Limits | None = None) -> tuple[str, str]:
    from meshgen.yamlio import DEFAULT_LIMITS, check_size, decode, read_text

    limits = limits or DEFAULT_LIMITS
    if name == "-":
        data = stdin.buffer.read() if hasattr(stdin, "buffer") else stdin.read().encode()
        check_size(len(data), "<stdin>", limits)
        return decode(data, "<stdin>"), "<stdin>"
    return read_text(name, limits), name


def _render(args: argparse.Namespace, stdin: TextIO, stdout: TextIO, stderr: TextIO) -> int:
    from meshgen.model.load import parse_model
    from meshgen.rendering import render_loaded
    from meshgen.validation.validate import validate_rendered

    limits = _limits(args)
    text, source = _read_source(args.model, stdin, limits)
    model = parse_model(text, source, limits)
    rendered = render_loaded(model, args.templates, source)
    checked = validate_rendered(
        rendered.text, rendered.documents, f"{source} (rendered)", _schemas(args.crds)
    ).findings
    problems = [p for p in checked if p.level is not Severity.INFO]  # infos are for validate
    _report([*model.warnings, *problems], stderr)
    if any(p.is_error for p in problems):
        from meshgen.report import summary

        if not args.crds and any(p.code == "MG100" for p in problems):
            print(
                "meshgen: the bundled schemas are Istio 1.18's; for fields newer releases "
                "added, pass your Istio's CRDs with --crds",
                file=stderr,
            )
        print(
            f"meshgen: the rendered manifests are invalid: {summary(problems)}; nothing written",
            file=stderr,
        )
        return EXIT_INVALID
    _emit(rendered.text, args.output, stdout)
    return EXIT_OK


def _validate(args: argparse.Namespace, stdin: TextIO, stdout: TextIO, stderr: TextIO) -> int:
    from meshgen import report
    from meshgen.validation.validate import validate_paths

    settings = _settings(args)
    paths = args.paths or [_relative(settings.root, p) for p in settings.include or ["."]]
    stdin_text = _read_source("-", stdin)[0] if "-" in paths else None
    crds = args.crds or (settings.crds and _relative(settings.root, settings.crds))
    schemas = _schemas(crds)
    excluded = _exclusion(settings)
    context = args.context or [_relative(settings.root, c) for c in settings.context]
    result = validate_paths(
        paths,
        schemas=schemas,
        stdin_text=stdin_text,
        exclude=excluded,
        limits=_limits(args, settings),
        context=context,
        complete=settings.complete if args.complete is None else args.complete,
    )
    ignored = {*settings.ignore, *args.ignore}
    findings = [f for f in result.findings if f.code not in ignored]
    if args.format == "json":
        stdout.write(report.to_json(findings))
    elif args.format == "github":
        stdout.write(report.to_github(findings))
    elif args.format == "sarif":
        stdout.write(report.to_sarif(findings, __version__))
    else:
        for finding in findings:
            print(report.format_text(finding), file=stdout)
        files = f"{result.files} file{'s' if result.files != 1 else ''}"
        checked = len(result.checked)
        print(
            f"{report.summary(findings)} in {files} "
            f"({checked} resource{'s' if checked != 1 else ''} checked)",
            file=stdout,
        )
    if args.verbose:
        for skipped in result.skipped:
            print(
                f"{skipped.file}: skipped {skipped.api_version} {skipped.kind}: no schema",
                file=stderr,
            )
    strict = settings.strict if args.strict is None else args.strict
    failing = any(f.is_error for f in findings) or (strict and findings)
    return EXIT_INVALID if failing else EXIT_OK


def _schemas(crds: str | None) -> SchemaSet | None:
    """The bundled schemas, overlaid with those of a CRD file when one is given."""
    if not crds:
        return None
    from meshgen.validation.crds import load_schema_file
    from meshgen.validation.schemaset import bundled

    return bundled().overlaid(load_schema_file(crds))


def _settings(args: argparse.Namespace) -> Settings:
    from pathlib import Path

    from meshgen import config

    return config.load(Path(args.config)) if args.config else config.discover()


def _relative(root: Path | None, path: str) -> str:
    """A path from the settings file, as seen from the working directory."""
    import os

    if root is None or os.path.isabs(path) or path == "-":
        return path
    return os.path.relpath(root / path)


def _exclusion(settings: Settings) -> Callable[[str], bool] | None:
    if not settings.exclude:
        return None
    import fnmatch
    import os

    root = settings.root or Path.cwd()

    def excluded(path: str) -> bool:
        relative = Path(os.path.relpath(Path(path).resolve(), root.resolve())).as_posix()
        return any(fnmatch.fnmatch(relative, pattern) for pattern in settings.exclude)

    return excluded


def _pairs(items: Sequence[str], what: str) -> dict[str, str]:
    pairs = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise MeshgenError(f"{what} '{item}' is not KEY=VALUE")
        pairs[key] = value
    return pairs


def _explain(args: argparse.Namespace, stdin: TextIO, stdout: TextIO) -> int:
    from meshgen import report
    from meshgen.explanation import Request, explain

    resources, _ = _load_documents(args.paths, stdin, render_models=True)
    path, _, query = args.path.partition("?")
    request = Request(
        host=args.host,
        port=args.port,
        method=args.method.upper(),
        path=path or "/",
        scheme=args.scheme,
        headers=_pairs(args.header, "header"),
        query={
            **_pairs([q for q in query.split("&") if q], "query parameter"),
            **_pairs(args.query, "query parameter"),
        },
        source_labels=_pairs([s for s in args.source_labels.split(",") if s], "source label"),
        source_namespace=args.source_namespace,
        gateway=args.gateway,
    )
    explanation = explain(resources, request)
    text = (
        report.explanation_json(explanation)
        if args.format == "json"
        else report.format_explanation(explanation)
    )
    stdout.write(text)
    return EXIT_OK


def _import(args: argparse.Namespace, stdin: TextIO, stdout: TextIO, stderr: TextIO) -> int:
    from meshgen.importing import import_manifests
    from meshgen.yamlio import emit

    documents, files = _load_documents(args.paths, stdin, limits=_limits(args))
    imported = import_manifests(documents)
    for warning in imported.warnings:
        print(f"meshgen: warning: {warning}", file=stderr)
    for ignored in imported.ignored:
        print(f"meshgen: not imported (not an Istio networking resource): {ignored}", file=stderr)
    header = (
        f"# Imported by meshgen from {files} file{'s' if files != 1 else ''}; "
        "render with: meshgen render <this file>\n"
    )
    _emit(header + emit(imported.model) + "\n", args.output, stdout)
    return EXIT_OK


def _load_documents(
    paths: Sequence[str], stdin: TextIO, limits: Limits | None = None, render_models: bool = False
) -> tuple[list[Any], int]:
    """Every document in the files and folders given, and how many files there were; a
    meshgen model becomes the manifests it renders when ``render_models``."""
    from meshgen.validation.validate import expand_paths, is_model
    from meshgen.yamlio import DEFAULT_LIMITS, load_all

    limits = limits or DEFAULT_LIMITS
    found: list[Any] = []
    files = 0
    for path in expand_paths(paths):
        text, name = _read_source(path, stdin, limits)
        documents = [d for d in load_all(text, name, limits) if d is not None]
        if render_models and is_model(documents):
            from meshgen.model.load import parse_model
            from meshgen.rendering import render_loaded

            documents = render_loaded(parse_model(text, name, limits)).documents
        found += documents
        files += 1
    return found, files


def _render_check(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    from meshgen.banner import source_of
    from meshgen.validation.validate import expand_paths
    from meshgen.yamlio import read_text

    stale = checked = 0
    for path in expand_paths(args.paths):
        text = read_text(path)
        source = source_of(text)
        if source is None:
            continue
        from meshgen.model.load import parse_model
        from meshgen.rendering import render_loaded

        checked += 1
        model = parse_model(read_text(source), source)
        if render_loaded(model, args.templates, source).text != text:
            stale += 1
            print(
                f"{path}: differs from rendering {source}; run: meshgen render {source} -o {path}",
                file=stdout,
            )
    print(f"{checked - stale} of {checked} rendered files up to date", file=stderr)
    return EXIT_INVALID if stale else EXIT_OK


def _schemas_import(args: argparse.Namespace, stderr: TextIO) -> int:
    from pathlib import Path

    from meshgen._output import write_atomic
    from meshgen.validation.crds import bundle, schemas_from_crds
    from meshgen.yamlio import read_text

    text = read_text(args.crds)
    schemas = schemas_from_crds(text, args.crds)
    Path(args.output).parent.mkdir(parents=True, exist_ok=True)
    write_atomic(args.output, bundle(schemas, Path(args.crds).name, text))
    kinds = sorted({kind for _, kind in schemas})
    print(f"stored {len(schemas)} schemas ({len(kinds)} kinds) in {args.output}", file=stderr)
    return EXIT_OK


def _schema(args: argparse.Namespace, stdout: TextIO) -> int:
    from meshgen.schema import model_schema

    _emit(json.dumps(model_schema(), indent=2, ensure_ascii=False) + "\n", args.output, stdout)
    return EXIT_OK


def main(
    argv: Sequence[str] | None = None,
    *,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
) -> int:
    """Run meshgen with ``argv`` (default: the command line); return the exit code."""
    gc.set_threshold(*GC_THRESHOLDS)
    stdin = stdin or sys.stdin
    stdout = stdout or sys.stdout
    stderr = stderr or sys.stderr
    parser = _parser()
    try:
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
            args = parser.parse_args(argv)
    except SystemExit as e:  # argparse has printed usage or help
        return e.code if isinstance(e.code, int) else EXIT_USAGE
    try:
        if args.command == "render":
            return _render(args, stdin, stdout, stderr)
        if args.command == "validate":
            return _validate(args, stdin, stdout, stderr)
        if args.command == "explain":
            return _explain(args, stdin, stdout)
        if args.command == "import":
            return _import(args, stdin, stdout, stderr)
        if args.command == "render-check":
            return _render_check(args, stdout, stderr)
        if args.command == "schemas":
            return _schemas_import(args, stderr)
        return _schema(args, stdout)
    except InputError as e:
        _report(e.findings, stderr)
        if not e.findings:
            print(f"meshgen: {e}", file=stderr)
        else:
            from meshgen.report import summary

            written = "; nothing written" if args.command == "render" else ""
            print(f"meshgen: {summary(e.findings)}{written}", file=stderr)
        return EXIT_INVALID
    except MeshgenError as e:
        print(f"meshgen: {e}", file=stderr)
        return EXIT_INVALID
    except KeyboardInterrupt:
        print("meshgen: interrupted", file=stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        return EXIT_OK
    except Exception as e:
        if args.traceback:
            traceback.print_exc(file=stderr)
        print(
            f"meshgen: internal error: {type(e).__name__}: {e} "
            "(this is a bug; rerun with --traceback and report it)",
            file=stderr,
        )
        return EXIT_INTERNAL

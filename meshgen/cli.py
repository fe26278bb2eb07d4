"""The ``meshgen`` command: a thin adapter from arguments to the library and back.

Each command is a row of :data:`COMMANDS`: its help, the arguments it adds, and the
function that calls into the library and reports. Exit codes: 0 success; 1 invalid input
(the findings say why); 2 usage error; 3 internal error (a bug: rerun with --traceback
and report it); 130 interrupted.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import functools
import gc
import io as io_module
import json
import os
import signal
import sys
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TextIO

from meshgen import __version__
from meshgen.errors import InputError, MeshgenError, UsageError
from meshgen.findings import Finding, Severity
from meshgen.releases import ISTIO_RELEASE, KUBERNETES_RELEASE

if TYPE_CHECKING:
    from meshgen.config import Settings
    from meshgen.yamlio import Limits

EXIT_OK = 0
EXIT_INVALID = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 3
EXIT_INTERRUPTED = 130
EXIT_TERMINATED = 143


def tune_gc() -> None:
    """Turn off the cyclic garbage collector for a command that owns its process.

    A command builds millions of objects that live until it exits and makes almost no
    reference cycles (a few thousand objects on a whole repository, most from errors
    reported): each collection would scan what is kept anyway, a quarter of render's time
    at 10,000 services. Reference counting still frees everything else at once. main()
    leaves the collector alone for callers that run it in-process.
    """
    gc.disable()


# A fixed width keeps --help (and docs/cli.md, generated from it) the same on every terminal.
_FORMATTER = functools.partial(argparse.RawDescriptionHelpFormatter, width=88)

EPILOG = """\
exit codes:
  0    success
  1    invalid input: the messages above say what and where
  2    usage error
  3    internal error: a bug in meshgen; rerun with --traceback and report it
  130  interrupted
  143  terminated
"""


@dataclass(frozen=True)
class Streams:
    stdin: TextIO
    stdout: TextIO
    stderr: TextIO


@dataclass(frozen=True)
class Command:
    name: str
    help: str
    description: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace, Streams], int]
    epilog: str | None = EPILOG


# -- shared arguments ----------------------------------------------------------------------


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value <= 0:
        raise argparse.ArgumentTypeError(f"expected a whole number above 0, got {text!r}")
    return value


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


def _limits(args: argparse.Namespace, settings: Settings | None = None) -> Limits:
    from meshgen.config import Settings

    return (settings or Settings()).limits(args.max_file_size, args.max_documents, args.max_depth)


def _add_output(parser: argparse.ArgumentParser, what: str) -> None:
    parser.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        help=f"write {what} to FILE (atomically: on any error the old file is kept) "
        "instead of stdout",
    )


def _emit(text: str, output: str | None, stdout: TextIO) -> None:
    if output is None:
        stdout.write(text)
    else:
        from meshgen._output import write_atomic

        write_atomic(output, text)


def _refuse_overwriting(output: str | None, inputs: Sequence[str]) -> None:
    if output is not None:
        from meshgen._output import check_output

        check_output(output, [i for i in inputs if i != "-"])


def _banner_path(model: str, output: str | None) -> str:
    """The model's path from the folder the rendered file goes to (the working directory
    for standard output)."""
    import os
    from pathlib import Path

    folder = os.path.dirname(os.path.abspath(output)) if output else os.getcwd()
    return Path(os.path.relpath(os.path.abspath(model), folder)).as_posix()


def _print_findings(findings: Sequence[Finding], stream: TextIO) -> None:
    from meshgen.report import format_text

    for finding in findings:
        print(format_text(finding), file=stream)


# -- render --------------------------------------------------------------------------------


def _render_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("model", metavar="MODEL", help="the model file, or - for standard input")
    _add_output(parser, "the manifests")
    parser.add_argument(
        "--output-dir",
        metavar="DIR",
        help="write one file per kind (or per service, see --split) into DIR, named so that "
        "kubectl apply -f DIR applies namespaces first; files an earlier render wrote there "
        "and this one does not are removed",
    )
    parser.add_argument(
        "--split",
        choices=("kind", "service"),
        default="kind",
        help="with --output-dir: one file per kind (default) or per service",
    )
    parser.add_argument(
        "--only",
        choices=("istio", "workloads"),
        help="write only the Istio resources, or only the Kubernetes workloads "
        "(Namespaces, ServiceAccounts, Services, Deployments)",
    )
    parser.add_argument(
        "--templates",
        metavar="DIR",
        help="a folder of templates that override the built-in ones by file name",
    )
    _add_limits(parser)
    parser.add_argument(
        "--crds",
        metavar="FILE",
        help="check the output against these CRDs (see validate --crds) instead of the "
        "bundled Istio schemas, for the exact Istio you run",
    )


def _render(args: argparse.Namespace, io: Streams) -> int:
    from meshgen.manifests.sources import read
    from meshgen.model.load import parse_model
    from meshgen.rendering import render_loaded
    from meshgen.report import summary
    from meshgen.validation.schemaset import schemas_for
    from meshgen.validation.validate import validate_rendered

    if args.output and args.output_dir:
        raise UsageError("give -o FILE or --output-dir DIR, not both")
    limits = _limits(args)
    _refuse_overwriting(args.output, [args.model])
    source = read(args.model, io.stdin, limits)
    model = parse_model(source.text, source.name, limits)
    from_stdin = args.model == "-"
    banner_path = _banner_path(
        args.model, os.path.join(args.output_dir, "-") if args.output_dir else args.output
    )
    rendered = render_loaded(model, args.templates, banner_path, from_stdin=from_stdin)
    checked = validate_rendered(rendered, source, schemas_for(args.crds)).findings
    problems = [p for p in checked if p.severity is not Severity.INFO]  # infos are for validate
    _print_findings([*model.warnings, *problems], io.stderr)
    if any(p.is_error for p in problems):
        from meshgen.manifests import ROUTING_KINDS

        if not args.crds and any(
            p.code == "MG100" and p.resource is not None and p.resource.kind in ROUTING_KINDS
            for p in problems
        ):
            print(
                f"meshgen: the bundled schemas are Istio {ISTIO_RELEASE}'s; for a field of "
                "another release, pass your Istio's CRDs with --crds",
                file=io.stderr,
            )
        print(
            f"meshgen: the rendered manifests are invalid: {summary(problems)}; nothing written",
            file=io.stderr,
        )
        return EXIT_INVALID
    chosen = rendered.only(args.only)
    if args.only and not chosen.built:
        print(f"meshgen: warning: the model renders no {args.only} resources", file=io.stderr)
    if args.output_dir:
        from meshgen._output import write_folder

        files = chosen.files(args.split, banner_path, from_stdin=from_stdin)
        removed = write_folder(args.output_dir, files)
        for path in removed:
            print(f"meshgen: removed {path}, which the model no longer renders", file=io.stderr)
        return EXIT_OK
    _emit(chosen.text, args.output, io.stdout)
    return EXIT_OK


# -- validate ------------------------------------------------------------------------------


def _validate_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "paths",
        nargs="*",
        metavar="PATH",
        help="files, directories, or - (default: the settings' include, or the folder "
        "holding the settings file, or .)",
    )
    parser.add_argument(
        "--format",
        choices=("text", "json", "github", "sarif"),  # meshgen.report.FORMATS
        default="text",
        help="text (default): file:line:col lines and a summary; json: a list of findings; "
        "github: workflow annotations; sarif: SARIF 2.1.0 for code scanning",
    )
    parser.add_argument(
        "--strict",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="fail (exit 1) on warnings as well as errors",
    )
    parser.add_argument(
        "--context",
        action="append",
        default=[],
        metavar="PATH",
        help="more of the mesh, for checks across resources; its own problems are not "
        "reported (say, the whole repository when a hook passes only changed files); "
        "repeatable",
    )
    parser.add_argument(
        "--exclude",
        action="append",
        default=[],
        metavar="GLOB",
        help="skip files whose path (from the working directory) matches; * also matches "
        "across folders; repeatable, added to the settings' exclude",
    )
    parser.add_argument(
        "--complete",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="the input is the whole mesh: a missing gateway or subset is an error, not a warning",
    )
    parser.add_argument(
        "--cluster",
        action="append",
        default=[],
        metavar="NAME=PATH",
        help="a cluster of a multi-cluster mesh and its files (repeat a NAME to give it more): "
        "each cluster is validated as a mesh of its own, then their Services are compared; "
        "give no other PATH",
    )
    parser.add_argument(
        "--mesh-config",
        metavar="FILE",
        help="the mesh settings (a MeshConfig as istioctl's --meshConfigFile takes, the istio "
        "ConfigMap, or IstioOperator or Helm values with meshConfig) and mesh networks (a "
        "MeshNetworks document, or the ConfigMap's meshNetworks); default: the istio "
        "ConfigMap of istio-system if the input holds it, else Istio's defaults",
    )
    parser.add_argument(
        "--ignore",
        action="append",
        default=[],
        metavar="CODE[,CODE]",
        help="do not report findings with these codes: meshgen's (MG2402) or the Istio "
        "code they mirror (IST0101); repeatable",
    )
    parser.add_argument(
        "--suppress",
        action="append",
        default=[],
        metavar="CODE=KIND NAME[.NAMESPACE]",
        help="istioctl's form: do not report CODE on the resources named, with * as a "
        'wildcard (--suppress "IST0101=VirtualService reviews.*"); repeatable',
    )
    parser.add_argument(
        "--config",
        metavar="FILE",
        help="read settings from FILE instead of the nearest .meshgen.yaml or "
        "pyproject.toml [tool.meshgen]",
    )
    _add_limits(parser)
    parser.add_argument(
        "--crds",
        metavar="FILE",
        help="validate against the CRDs in FILE (an Istio release's crd-all.gen.yaml, "
        "kubectl get crd -o yaml, or a bundle from 'meshgen schemas import'), CEL rules "
        "included; kinds FILE does not define keep the bundled schemas. CRD YAML is kept "
        "as a bundle in meshgen's cache folder, keyed by its SHA-256, so later runs read "
        "it quickly ($MESHGEN_CACHE_DIR, default ~/.cache/meshgen; empty: no cache)",
    )
    parser.add_argument(
        "--gateway-api-channel",
        choices=("experimental", "standard"),
        help="the Gateway API release channel to check against: experimental (the default, "
        "a superset) or standard, which refuses experimental kinds and fields",
    )
    parser.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        help="list what was skipped: files that are not ours, kinds without a schema",
    )


def _settings(args: argparse.Namespace) -> Settings:
    from pathlib import Path

    from meshgen import config

    return config.load(Path(args.config)) if args.config else config.discover()


def _codes(values: list[str]) -> set[str]:
    """The codes of ``--ignore`` (comma lists allowed); an unknown one is a usage error."""
    from meshgen.findings import did_you_mean
    from meshgen.validation.rules import catalogue

    known = set(catalogue()) | {c.istio for c in catalogue().values() if c.istio}
    codes = {code.strip().upper() for value in values for code in value.split(",") if code.strip()}
    for code in sorted(codes - known):
        raise UsageError(f"--ignore: unknown code {code}{did_you_mean(code, known)}")
    return codes


def _suppressions(values: list[str]) -> list[tuple[str, str]]:
    """``CODE=KIND NAME[.NAMESPACE]`` pairs, as istioctl analyze --suppress takes them."""
    pairs = []
    for value in values:
        code, sep, resource = value.partition("=")
        if not sep or not resource.strip():
            raise UsageError(f"--suppress '{value}' is not CODE=KIND NAME[.NAMESPACE]")
        (code,) = _codes([code])
        pairs.append((code, resource.strip()))
    return pairs


def _suppressed(finding: Finding, suppressions: list[tuple[str, str]]) -> bool:
    import fnmatch

    resource = finding.resource
    if resource is None:
        return False
    names = [
        f"{resource.kind} {resource.name}",
        f"{resource.kind} {resource.name}.{resource.namespace or 'default'}",
    ]
    return any(
        code in (finding.code, finding.istio)
        and any(fnmatch.fnmatchcase(n, pattern) for n in names)
        for code, pattern in suppressions
    )


def _excluder(settings: Settings, patterns: list[str]) -> Callable[[str], bool] | None:
    if not settings.exclude and not patterns:
        return None
    import fnmatch
    import os
    from pathlib import Path

    def excluded(path: str) -> bool:
        relative = Path(os.path.relpath(path)).as_posix()
        return settings.excludes(path) or any(fnmatch.fnmatch(relative, p) for p in patterns)

    return excluded


def _default_paths(args: argparse.Namespace, settings: Settings) -> list[str]:
    """What to validate when no path is given: the settings' include, or their folder;
    nothing beside the clusters' own files."""
    if args.cluster:
        return []
    return [settings.path(p) for p in settings.include or ["."]]


def _clusters(given: list[str]) -> dict[str, list[str]]:
    clusters: dict[str, list[str]] = {}
    for entry in given:
        name, equals, path = entry.partition("=")
        if not equals or not name or not path:
            raise UsageError(f"--cluster {entry}: write it NAME=PATH, like east=clusters/east")
        clusters.setdefault(name, []).append(path)
    return clusters


def _validate(args: argparse.Namespace, io: Streams) -> int:
    from meshgen.validation.validate import validate

    settings = _settings(args)
    crds = args.crds or (settings.crds and settings.path(settings.crds))
    suppressions = _suppressions(args.suppress)
    channel = args.gateway_api_channel or settings.gateway_api_channel
    result = validate(
        args.paths or _default_paths(args, settings),
        crds=crds or None,
        gateway_api_channel=channel,
        complete=settings.complete if args.complete is None else args.complete,
        context=args.context or [settings.path(c) for c in settings.context],
        clusters=_clusters(args.cluster),
        mesh_config=args.mesh_config
        or (settings.mesh_config and settings.path(settings.mesh_config))
        or None,
        ignore={*settings.ignore, *_codes(args.ignore)},
        exclude=_excluder(settings, args.exclude),
        stdin=io.stdin,
        limits=_limits(args, settings),
    )
    findings = [f for f in result.findings if not _suppressed(f, suppressions)]
    io.stdout.write(_format_findings(args.format, findings, result.files, len(result.checked)))
    if args.verbose:
        from meshgen.validation.schemaset import schemas_for

        print(f"checked against {schemas_for(crds or None, channel).source}", file=io.stderr)
        for skipped in result.skipped:
            print(f"{skipped.file}: skipped {skipped.what}: {skipped.reason}", file=io.stderr)
    strict = settings.strict if args.strict is None else args.strict
    failing = any(f.is_error for f in findings) or (strict and findings)
    return EXIT_INVALID if failing else EXIT_OK


def _format_findings(form: str, findings: list[Finding], files: int, checked: int) -> str:
    from meshgen import report
    from meshgen.validation.rules import catalogue

    return report.FORMATS[form](findings, report.Run(files, checked, __version__, catalogue()))


# -- explain -------------------------------------------------------------------------------


def _explain_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="+", metavar="PATH", help="manifests, models, folders")
    parser.add_argument("--host", required=True, help="the request's host (Host header)")
    parser.add_argument("--port", type=int, help="the request's port")
    parser.add_argument("--method", default="GET", help="the HTTP method (default: GET)")
    parser.add_argument("--path", default="/", help="the path, with ?query if any (default: /)")
    parser.add_argument("--scheme", default="http", help="http or https (default: http)")
    parser.add_argument(
        "--header", action="append", default=[], metavar="K=V", help="a request header (repeatable)"
    )
    parser.add_argument(
        "--query", action="append", default=[], metavar="K=V", help="a query parameter (repeatable)"
    )
    parser.add_argument(
        "--source-labels", default="", metavar="K=V,...", help="labels of the sending pod"
    )
    parser.add_argument(
        "--source-namespace",
        metavar="NS",
        help="the sender's namespace (default: default, said in a note)",
    )
    parser.add_argument(
        "--gateway",
        default="mesh",
        metavar="NAME",
        help="the gateway the request enters through, or mesh (a sidecar; the default)",
    )
    parser.add_argument(
        "--protocol",
        choices=("http", "tcp", "tls"),
        default="http",
        help="http (the default), or a TCP connection or TLS stream, which meet the "
        "VirtualService's tcp or tls rules",
    )
    parser.add_argument("--sni", help="the TLS server name (default: the host)")
    parser.add_argument("--format", choices=("text", "json"), default="text")
    _add_limits(parser)


def _pairs(items: Sequence[str], what: str) -> dict[str, str]:
    pairs = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise UsageError(f"{what} '{item}' is not KEY=VALUE")
        pairs[key] = value
    return pairs


def _namespace_note(resources: list[Any]) -> str:
    from meshgen.manifests import identity

    found = sorted(
        {
            identity(r)[1]
            for r in resources
            if isinstance(r, dict) and r.get("kind") == "VirtualService"
        }
    )
    where = f"; the VirtualServices given are in {', '.join(found)}" if found else ""
    return f"sent from namespace default (no --source-namespace given){where}"


def _explain(args: argparse.Namespace, io: Streams) -> int:
    from meshgen.explanation import Request, explain
    from meshgen.rendering.inputs import manifests_of

    resources, _ = manifests_of(args.paths, io.stdin, _limits(args), render_models=True)
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
        source_namespace=args.source_namespace or "default",
        gateway=args.gateway,
        protocol=args.protocol,
        sni=args.sni,
    )
    explanation = explain(resources, request)
    if args.source_namespace is None:
        explanation.notes.append(_namespace_note(resources))
    if args.format == "json":
        io.stdout.write(json.dumps(explanation.to_dict(), indent=2, ensure_ascii=False) + "\n")
    else:
        io.stdout.write(explanation.to_text())
    return EXIT_OK


# -- import --------------------------------------------------------------------------------


def _import_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="+", metavar="PATH", help="manifests or folders, or -")
    _add_output(parser, "the model")
    _add_limits(parser)
    parser.add_argument(
        "--crds",
        metavar="FILE",
        help="read the manifests against these CRDs (see validate --crds), for fields "
        "newer Istio releases added",
    )


def _import(args: argparse.Namespace, io: Streams) -> int:
    from dataclasses import replace

    from meshgen.importing import import_manifests
    from meshgen.rendering.inputs import manifests_of
    from meshgen.validation.schemaset import schemas_for
    from meshgen.yamlio import emit

    _refuse_overwriting(args.output, args.paths)
    documents, files = manifests_of(args.paths, io.stdin, limits=_limits(args))
    imported = import_manifests(documents, schemas_for(args.crds))
    target = args.output or "<model>"
    _print_findings([replace(f, file=target) for f in imported.findings], io.stderr)
    header = (
        f"# Imported by meshgen from {files} file{'s' if files != 1 else ''}; "
        "render with: meshgen render <this file>\n"
    )
    _emit(header + emit(imported.model) + "\n", args.output, io.stdout)
    return EXIT_OK


# -- render-check --------------------------------------------------------------------------


def _render_check_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "paths", nargs="*", default=["."], metavar="PATH", help="files or directories (default: .)"
    )
    parser.add_argument(
        "--templates", metavar="DIR", help="the templates the files were rendered with"
    )


def _render_check(args: argparse.Namespace, io: Streams) -> int:
    from pathlib import Path

    from meshgen.findings import safe
    from meshgen.rendering.inputs import check_rendered

    checks = list(check_rendered(args.paths, args.templates))
    for check in checks:
        path = safe(check.path)
        if check.problem is not None:
            print(f"{path}:1:1: error: {safe(check.problem)}", file=io.stdout)
        elif not check.up_to_date and check.model_file is not None:
            model = safe(Path(os.path.relpath(check.model_file)).as_posix())
            print(
                f"{path}: differs from rendering {model}; run: {safe(check.command)}",
                file=io.stdout,
            )
    fresh = sum(c.up_to_date for c in checks)
    print(f"{fresh} of {len(checks)} rendered files up to date", file=io.stderr)
    return EXIT_OK if fresh == len(checks) else EXIT_INVALID


# -- schemas import, schema ----------------------------------------------------------------


def _schemas_arguments(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="schemas_command", metavar="ACTION", required=True)
    importing = actions.add_parser(
        "import",
        help="store the schemas of a CRD file for validate --crds",
        description="Read CustomResourceDefinitions (an Istio release's crd-all.gen.yaml, or "
        "kubectl get crd -o yaml) and store every served version's schema, CEL rules "
        "included, as one JSON file that 'meshgen validate --crds' reads quickly.",
        formatter_class=_FORMATTER,
    )
    importing.add_argument("crds", metavar="FILE", help="the CRD YAML")
    importing.add_argument(
        "-o",
        "--output",
        metavar="OUT",
        default=".meshgen/schemas.json",
        help="where to store them (default: .meshgen/schemas.json)",
    )


def _schemas(args: argparse.Namespace, io: Streams) -> int:
    from pathlib import Path

    from meshgen._output import write_atomic
    from meshgen.validation.crds import bundle, digest, schemas_from_crds
    from meshgen.yamlio import read_text

    text = read_text(args.crds)
    schemas = schemas_from_crds(text, args.crds)
    Path(args.output).parent.mkdir(parents=True, exist_ok=True)
    write_atomic(args.output, bundle(schemas, Path(args.crds).name, digest(text)))
    kinds = sorted({kind for _, kind in schemas})
    print(f"stored {len(schemas)} schemas ({len(kinds)} kinds) in {args.output}", file=io.stderr)
    return EXIT_OK


def _schema_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of stdout")


def _schema(args: argparse.Namespace, io: Streams) -> int:
    from meshgen.schema import model_schema

    _emit(json.dumps(model_schema(), indent=2, ensure_ascii=False) + "\n", args.output, io.stdout)
    return EXIT_OK


COMMANDS: tuple[Command, ...] = (
    Command(
        "render",
        "render a model to Istio manifests",
        "Render a meshgen model to Istio Gateway, DestinationRule and VirtualService "
        "manifests (multi-document YAML).",
        _render_arguments,
        _render,
    ),
    Command(
        "validate",
        "check Istio manifests and meshgen models offline",
        "Check Istio manifests (and meshgen models) offline against Istio's schemas.\n"
        "Files, directories (every *.yaml and *.yml below them) and - for standard input.",
        _validate_arguments,
        _validate,
    ),
    Command(
        "explain",
        "show what a request will hit, from the YAML alone",
        "Show which VirtualService rule a request meets, where it goes, and which "
        "DestinationRule policy applies, with Istio's semantics, from Istio manifests or "
        "meshgen models (rendered first).",
        _explain_arguments,
        _explain,
    ),
    Command(
        "import",
        "write a model for existing Istio manifests",
        "Read Istio manifests (files, folders, multi-document) and write a meshgen model "
        "that renders them back unchanged. Gateways, VirtualServices and DestinationRules "
        "become model; what the model cannot express, and every other Istio kind, is kept "
        "as written and reported; Kubernetes objects are listed and left alone.",
        _import_arguments,
        _import,
    ),
    Command(
        "render-check",
        "fail when a rendered file differs from rendering its model",
        "Find rendered files (their first line names the model they came from), render "
        "each model again, and fail when the file differs: generated YAML never drifts from "
        "its source. Model paths are read relative to the current directory.",
        _render_check_arguments,
        _render_check,
    ),
    Command(
        "schemas",
        "manage the schemas manifests are validated against",
        "Manage the schemas manifests are validated against.",
        _schemas_arguments,
        _schemas,
        epilog=None,
    ),
    Command(
        "schema",
        "print the JSON Schema of model files",
        "Print the JSON Schema of meshgen model files, for editors (yaml-language-server) "
        "to check and complete them.",
        _schema_arguments,
        _schema,
        epilog=None,
    ),
)
COMMAND_NAMES = tuple(c.name for c in COMMANDS)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="meshgen",
        description="Typed service-mesh models to Istio manifests.",
        epilog=EPILOG,
        formatter_class=_FORMATTER,
    )
    parser.add_argument(
        "--version",
        action="version",
        version=f"meshgen {__version__} (schemas of Istio {ISTIO_RELEASE} and Kubernetes "
        f"{KUBERNETES_RELEASE})",
    )
    parser.add_argument(
        "--traceback", action="store_true", help="on an internal error, print the stack trace"
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for command in COMMANDS:
        sub = commands.add_parser(
            command.name,
            help=command.help,
            description=command.description,
            epilog=command.epilog,
            formatter_class=_FORMATTER,
        )
        command.add_arguments(sub)
        sub.set_defaults(run=command.run)
    return parser


def main(
    argv: Sequence[str] | None = None,
    *,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
) -> int:
    """Run meshgen with ``argv`` (default: the command line); return the exit code."""
    io = Streams(
        stdin or sys.stdin or _Closed(), stdout or sys.stdout or _Closed(), stderr or sys.stderr
    )
    parser = _parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    command = next((a for a in argv if not a.startswith("-")), None)
    if command is None and not argv:
        parser.print_help(io.stdout)
        return EXIT_USAGE
    if command == "help":
        rest = argv[argv.index("help") + 1 :]
        argv = [*rest[:1], "--help"] if rest else ["--help"]
    elif command is not None and command not in COMMAND_NAMES and argv[0] == command:
        from meshgen.findings import did_you_mean

        hint = did_you_mean(command, COMMAND_NAMES) or f"; commands: {', '.join(COMMAND_NAMES)}"
        print(f"meshgen: unknown command '{command}'{hint}", file=io.stderr)
        return EXIT_USAGE
    try:
        with contextlib.redirect_stdout(io.stdout), contextlib.redirect_stderr(io.stderr):
            args = parser.parse_args(argv)
    except SystemExit as e:  # argparse has printed usage or help
        return e.code if isinstance(e.code, int) else EXIT_USAGE
    from meshgen.findings import safe

    try:
        code: int = args.run(args, io)
        io.stdout.flush()
        return code
    except UsageError as e:
        print(f"meshgen: {safe(str(e))}", file=io.stderr)
        return EXIT_USAGE
    except InputError as e:
        _print_findings(e.findings, io.stderr)
        if not e.findings:
            print(f"meshgen: {safe(str(e))}", file=io.stderr)
        else:
            from meshgen.report import summary

            written = "; nothing written" if args.command == "render" else ""
            print(f"meshgen: {summary(e.findings)}{written}", file=io.stderr)
        return EXIT_INVALID
    except MeshgenError as e:
        print(f"meshgen: {safe(str(e))}", file=io.stderr)
        return EXIT_INVALID
    except KeyboardInterrupt:
        print("meshgen: interrupted", file=io.stderr)
        return EXIT_INTERRUPTED
    except Terminated:
        print("meshgen: terminated", file=io.stderr)
        return EXIT_TERMINATED
    except OSError as e:  # writing the output failed: a full disk, a closed pipe
        with contextlib.suppress(OSError):
            print(f"meshgen: cannot write the output: {e.strerror or e}", file=io.stderr)
        return EXIT_INVALID
    except Exception as e:
        if args.traceback:
            traceback.print_exc(file=io.stderr)
        print(
            f"meshgen: internal error: {type(e).__name__}: {safe(str(e))} "
            "(this is a bug; rerun with --traceback and report it)",
            file=io.stderr,
        )
        return EXIT_INTERNAL


class _Closed(io_module.StringIO):
    """A standard stream the process was started without: using it is an OSError."""

    def write(self, text: str) -> int:
        raise OSError(errno.EBADF, "standard output is closed")

    def read(self, size: int | None = -1) -> str:
        raise OSError(errno.EBADF, "standard input is closed")


class Terminated(Exception):
    """SIGTERM arrived: unwind (so no temporary file is left) and exit 143."""


def _terminate(signum: int, frame: object) -> None:
    raise Terminated


def run() -> None:
    """The console entry point: tunes the process for large inputs, then runs main()."""
    try:
        signal.signal(signal.SIGTERM, _terminate)
        tune_gc()
        code = main()
    except KeyboardInterrupt:  # before main() could take over
        code = EXIT_INTERRUPTED
    try:
        if sys.stdout is not None:
            sys.stdout.flush()
    except (OSError, ValueError):
        # The reader went away or the disk filled up after main() returned: say so in
        # the exit code, and let the interpreter's own final flush find nothing to write.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        code = code or EXIT_INVALID
    sys.exit(code)

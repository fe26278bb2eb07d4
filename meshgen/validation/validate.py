"""Validate Istio manifests (and meshgen models) file by file, collecting every finding."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from meshgen import yamlio
from meshgen.errors import InputError
from meshgen.findings import Finding, Resource, Severity, describe, did_you_mean, format_path
from meshgen.validation.schemaset import ISTIO_GROUP, SchemaSet, bundled
from meshgen.validation.structural import prune_nulls

MODEL_KEYS = frozenset({"services", "gateways", "preset", "defaults"})
YAML_SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True)
class Skipped:
    file: str
    api_version: str
    kind: str


@dataclass
class Report:
    """What one validation run found, and what it checked and passed over."""

    findings: list[Finding] = field(default_factory=list)
    checked: list[Resource] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    files: int = 0
    mesh: list[Any] = field(default_factory=list)  # schema-valid Istio resources (Entry)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.is_error]


# -- messages ----------------------------------------------------------------------------


_TYPE_NAMES = {
    "object": "a mapping",
    "array": "a list",
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "a boolean",
}


def _expected(types: Any) -> str:
    names = [_TYPE_NAMES.get(t, t) for t in ([types] if isinstance(types, str) else types)]
    return " or ".join(names)


def _branch_fields(branches: Iterable[Any]) -> list[str]:
    names: list[str] = []
    for branch in branches:
        for name in branch.get("required", []) if isinstance(branch, dict) else []:
            if name not in names:
                names.append(name)
    return names


def _schema_issues(error: Any) -> Iterator[tuple[str, tuple[str | int, ...], str, bool]]:
    """(code, path, message, at_key) for one jsonschema error."""
    path = tuple(error.absolute_path)
    where = format_path(path)
    prefix = f"{where}: " if where else ""
    kind, instance, schema = error.validator, error.instance, error.schema
    if kind == "additionalProperties" and isinstance(instance, dict):
        known = list(schema.get("properties", {}))
        for key in instance:
            if key not in known:
                hint = did_you_mean(str(key), known)
                yield "MG100", (*path, key), f"{prefix}unknown field '{key}'{hint}", True
    elif kind == "type":
        yield (
            "MG101",
            path,
            f"{prefix}expected {_expected(error.validator_value)}, got {describe(instance)}",
            False,
        )
    elif kind == "enum":
        choices = [str(c) for c in error.validator_value]
        hint = did_you_mean(str(instance), choices)
        yield (
            "MG102",
            path,
            f"{prefix}{describe(instance)} is not one of {', '.join(choices)}{hint}",
            False,
        )
    elif kind == "required":
        missing = [
            n for n in error.validator_value if isinstance(instance, dict) and n not in instance
        ]
        for name in missing:
            yield "MG103", path, f"{prefix}missing required field '{name}'", False
    elif kind in ("oneOf", "anyOf") and not _branch_fields(error.validator_value):
        from jsonschema.exceptions import best_match

        cause = best_match(error.context) if error.context else None
        if cause is not None:
            yield from _schema_issues(cause)
        else:
            yield "MG102", path, f"{prefix}{error.message}", False
    elif kind == "oneOf":
        names = _branch_fields(error.validator_value)
        given = [n for n in names if isinstance(instance, dict) and n in instance]
        text = f"set at most one of {', '.join(names)}" + (
            f", not {' and '.join(given)}" if given else ""
        )
        yield "MG102", path, f"{prefix}{text}", False
    elif kind in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        bound = {
            "minimum": "at least",
            "maximum": "at most",
            "exclusiveMinimum": "more than",
            "exclusiveMaximum": "less than",
        }[kind]
        yield (
            "MG102",
            path,
            f"{prefix}must be {bound} {error.validator_value}, got {instance}",
            False,
        )
    else:
        yield "MG102", path, f"{prefix}{error.message}", False


# -- documents ---------------------------------------------------------------------------


def _resource(document: dict[str, Any]) -> Resource:
    metadata = document.get("metadata")
    metadata = metadata if isinstance(metadata, dict) else {}
    name, namespace = metadata.get("name"), metadata.get("namespace")
    return Resource(
        str(document.get("kind")),
        namespace if isinstance(namespace, str) else None,
        name if isinstance(name, str) else None,
    )


class _FileContext:
    """One file being validated: its name, text and lazily parsed positions."""

    def __init__(self, filename: str, text: str) -> None:
        self.filename = filename
        self.positions = yamlio.PositionIndex(text)

    def finding(
        self,
        code: str,
        message: str,
        path: Sequence[str | int] = (),
        *,
        document: int = 0,
        key: bool = False,
        resource: Resource | None = None,
        severity: Severity | None = None,
    ) -> Finding:
        where = self.positions.locate(path, key=key, document=document)
        return Finding(
            code,
            message,
            self.filename,
            where.line,
            where.column,
            format_path(tuple(path)),
            severity=severity,
            resource=resource,
        )


def _validate_document(
    context: _FileContext, index: int, document: Any, schemas: SchemaSet, report: Report
) -> None:
    if not isinstance(document, dict):
        report.findings.append(
            context.finding(
                "MG105",
                f"a manifest is a mapping; this document is {describe(document)}",
                document=index,
            )
        )
        return
    api_version, kind = document.get("apiVersion"), document.get("kind")
    if not isinstance(api_version, str) or not isinstance(kind, str):
        missing = [
            k for k, v in (("apiVersion", api_version), ("kind", kind)) if not isinstance(v, str)
        ]
        report.findings.append(
            context.finding(
                "MG105",
                f"not a Kubernetes resource: {' and '.join(missing)} "
                f"{'must be strings' if len(missing) > 1 else 'must be a string'}",
                document=index,
            )
        )
        return
    resource = _resource(document)
    group = api_version.rpartition("/")[0]
    validator = schemas.validator(api_version, kind)
    if validator is None:
        served = schemas.served_versions(group, kind)
        if served:
            report.findings.append(
                context.finding(
                    "MG104",
                    f"{kind} is not served as {api_version}; use "
                    + " or ".join(f"{group}/{v}" for v in served),
                    ("apiVersion",),
                    document=index,
                    resource=resource,
                )
            )
        else:
            report.skipped.append(Skipped(context.filename, api_version, kind))
        return
    report.checked.append(resource)
    pruned = prune_nulls(document)
    found = len(report.findings)
    for error in validator.iter_errors(pruned):
        for code, path, message, at_key in _schema_issues(error):
            report.findings.append(
                context.finding(code, message, path, document=index, key=at_key, resource=resource)
            )
    valid = len(report.findings) == found
    if group == ISTIO_GROUP:
        from meshgen.rules.analyzers import Entry

        # Part of the mesh for checks across resources, even with problems of its own.
        report.mesh.append(Entry(pruned, context, index, reported=True, valid=valid))
    if valid and group == ISTIO_GROUP:
        # Istio's own checks run on what the schema accepts, as its webhook does.
        from meshgen.rules import problems

        for entry, path, message in problems(pruned):
            where = format_path(path)
            report.findings.append(
                context.finding(
                    entry.code,
                    f"{where}: {message}" if where else message,
                    path,
                    document=index,
                    resource=resource,
                )
            )
    for violation in schemas.rule_violations(api_version, kind, pruned):
        where = format_path(violation.path)
        message = f"{where}: {violation.message}" if where else violation.message
        code = "MG106" if violation.evaluated else "MG107"
        report.findings.append(
            context.finding(code, message, violation.path, document=index, resource=resource)
        )
    ignored = _ignored_codes(document)
    if ignored:
        report.findings[found:] = [f for f in report.findings[found:] if f.code not in ignored]


IGNORE_ANNOTATION = "meshgen.io/ignore"


def _ignored_codes(document: dict[str, Any]) -> set[str]:
    """Codes a resource opts out of: ``meshgen.io/ignore: "MG2104,MG2301"``."""
    metadata = document.get("metadata")
    annotations = metadata.get("annotations") if isinstance(metadata, dict) else None
    value = annotations.get(IGNORE_ANNOTATION) if isinstance(annotations, dict) else None
    return {c.strip() for c in value.split(",")} if isinstance(value, str) else set()


def is_model(documents: list[Any]) -> bool:
    """Whether a file's documents are a meshgen model rather than manifests."""
    first = documents[0] if documents else None
    return (
        len(documents) == 1
        and isinstance(first, dict)
        and "apiVersion" not in first
        and "kind" not in first
        and bool(MODEL_KEYS & set(first))
    )


def _validate_model(filename: str, text: str, schemas: SchemaSet, report: Report) -> None:
    from meshgen.errors import ModelError
    from meshgen.model.load import parse_model
    from meshgen.rendering import render_loaded

    try:
        loaded = parse_model(text, filename)
    except ModelError as e:
        report.findings.extend(e.findings)
        return
    report.findings.extend(loaded.warnings)
    rendered = render_loaded(loaded, source=filename)
    _check_documents(f"{filename} (rendered)", rendered.text, rendered.documents, schemas, report)


def _check_documents(
    filename: str, text: str, documents: list[Any], schemas: SchemaSet, report: Report
) -> None:
    """Validate documents already parsed from ``text``, findings in position order."""
    found = len(report.findings)
    context = _FileContext(filename, text)
    for index, document in enumerate(documents):
        if document is not None:
            _validate_document(context, index, document, schemas, report)
    report.findings[found:] = sorted(report.findings[found:], key=lambda f: (f.line, f.column))


def validate_rendered(
    text: str, documents: list[Any], filename: str, schemas: SchemaSet | None = None
) -> Report:
    """Validate what a render produced (its text and the documents already read from it),
    as a mesh of its own, without parsing the text again."""
    report = Report(files=1)
    _check_documents(filename, text, documents, schemas or bundled(), report)
    analyze_mesh(report)
    return report


def validate_text(
    text: str,
    filename: str = "<input>",
    schemas: SchemaSet | None = None,
    report: Report | None = None,
    limits: yamlio.Limits = yamlio.DEFAULT_LIMITS,
) -> Report:
    """Validate one file's text: every document, or the model it holds.

    Given no ``report``, the file is also analysed as a mesh of its own; given one, the
    caller analyses everything it collected together (see :func:`analyze_mesh`).
    """
    schemas = schemas or bundled()
    if report is None:
        report = Report()
        validate_text(text, filename, schemas, report, limits)
        analyze_mesh(report)
        return report
    report.files += 1
    found = len(report.findings)
    documents, syntax = yamlio.load_all_partial(text, filename, limits)
    if syntax is not None:
        report.findings.append(syntax)
    if syntax is None and is_model(documents):
        _validate_model(filename, text, schemas, report)
        return report
    _check_documents(filename, text, documents, schemas, report)
    report.findings[found:] = sorted(report.findings[found:], key=lambda f: (f.line, f.column))
    return report


def analyze_mesh(report: Report, context: list[Any] = (), complete: bool = False) -> None:  # type: ignore[assignment]
    """Checks across every resource collected (and ``context`` entries, not reported)."""
    from meshgen.rules.analyzers import Mesh, analyze

    for code, (entry, path, message, severity) in analyze(Mesh([*report.mesh, *context], complete)):
        if code in _ignored_codes(entry.resource):
            continue
        where = format_path(path)
        resource = _resource(entry.resource)
        report.findings.append(
            entry.origin.finding(
                code,
                f"{where}: {message}" if where else message,
                path,
                document=entry.index,
                resource=resource,
                severity=severity,
            )
        )
    order: dict[str, int] = {}
    for finding in report.findings:
        order.setdefault(finding.file, len(order))
    report.findings.sort(key=lambda f: (order[f.file], f.line, f.column))


def expand_paths(paths: Iterable[str]) -> Iterator[str]:
    """Files as given, and the YAML files below directories, in a stable order."""
    for path in paths:
        if path == "-" or not Path(path).is_dir():
            yield path
            continue
        for found in sorted(Path(path).rglob("*")):
            hidden = any(part.startswith(".") for part in found.relative_to(path).parts)
            if found.suffix in YAML_SUFFIXES and found.is_file() and not hidden:
                yield str(found)


def validate_paths(
    paths: Iterable[str],
    schemas: SchemaSet | None = None,
    stdin_text: str | None = None,
    exclude: Callable[[str], bool] | None = None,
    limits: yamlio.Limits = yamlio.DEFAULT_LIMITS,
    context: Iterable[str] = (),
    complete: bool = False,
) -> Report:
    """Validate files and directories, together as one mesh; ``-`` reads ``stdin_text``;
    ``exclude`` skips files. ``context`` files join the mesh for cross-resource checks
    without their own problems being reported; ``complete`` says the input is the whole
    mesh, so references to what is missing are errors."""
    background = Report()
    files = list(expand_paths(paths))
    given = set(files)
    for path in expand_paths(context):
        if path in given or path == "-":
            continue
        try:
            validate_text(yamlio.read_text(path, limits), path, schemas, background, limits)
        except InputError:
            continue
    quiet = [dataclasses.replace(entry, reported=False) for entry in background.mesh]
    report = Report()
    for path in files:
        if exclude is not None and path != "-" and exclude(path):
            continue
        try:
            if path == "-":
                text = stdin_text or ""
                yamlio.check_size(len(text.encode("utf-8")), "<stdin>", limits)
            else:
                text = yamlio.read_text(path, limits)
        except InputError as e:
            report.files += 1
            report.findings.extend(
                e.findings or [Finding("MG003", str(e).removeprefix(f"{path}: "), path)]
            )
            continue
        validate_text(text, "<stdin>" if path == "-" else path, schemas, report, limits)
    analyze_mesh(report, quiet, complete)
    return report

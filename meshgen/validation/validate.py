"""Validate Istio manifests (and meshgen models) file by file, collecting every finding.

Each file is read (:mod:`meshgen.manifests.sources`), each document checked against its
schema, then against Istio's webhook rules when the schema accepts it; every Istio
resource joins the mesh, and the checks across resources run once on all of it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from os import PathLike
from typing import IO, TYPE_CHECKING, Any, NamedTuple

from meshgen import yamlio
from meshgen.errors import InputError, UsageError
from meshgen.findings import Finding, Resource, Severity, describe, did_you_mean
from meshgen.manifests import Manifest, group_of, is_istio
from meshgen.manifests.gatewayapi import is_gateway_api
from meshgen.manifests.index import MeshIndex
from meshgen.manifests.meshconfig import MeshConfig, read_mesh_config
from meshgen.manifests.nulls import drop_nulls, prune_nulls
from meshgen.manifests.sources import (
    STDIN,
    Source,
    classify,
    expand_paths,
    may_hold_resources,
    read,
    template_reason,
)
from meshgen.releases import ISTIO_RELEASE, NEWER_ISTIO_FIELDS
from meshgen.validation.apiserver import refusals
from meshgen.validation.schemaset import SchemaSet, bundled

if TYPE_CHECKING:
    from meshgen.rendering import Rendered
    from meshgen.validation.rules.registry import Scope


@dataclass(frozen=True)
class Skipped:
    """What was passed over, and why: a file that is not ours (a CI workflow, a Helm
    template...), or a document of a kind meshgen has no schema for."""

    file: str
    what: str  # "the file", or "apiVersion kind"
    reason: str


@dataclass
class Report:
    """What one validation run found, and what it checked and passed over."""

    findings: list[Finding] = field(default_factory=list)
    checked: list[Resource] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    files: int = 0
    mesh: list[Manifest] = field(default_factory=list)  # every Istio resource read

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.is_error]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity is Severity.WARNING]

    @property
    def ok(self) -> bool:
        """No errors."""
        return not self.errors


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


class SchemaIssue(NamedTuple):
    """What one jsonschema error means, in meshgen's words (the path is left out of the
    message). ``at_key`` places it at the key; ``quote`` marks a number or boolean where a
    string belongs, whose text as written is worth suggesting."""

    code: str
    path: tuple[Any, ...]
    message: str
    at_key: bool = False
    quote: bool = False


def _newer_istio(path: tuple[Any, ...], key: Any) -> str:
    """A hint when ``key`` is a field Istio added after the bundled release."""
    parent = next((p for p in reversed(path) if isinstance(p, str)), None)
    if (parent, key) in NEWER_ISTIO_FIELDS:
        return (
            f"; Istio added it after {ISTIO_RELEASE}, the release meshgen bundles: pass your "
            "Istio's CRDs with --crds"
        )
    return ""


def _schema_issues(error: Any) -> Iterator[SchemaIssue]:
    """The issues one jsonschema error stands for."""
    path = tuple(error.absolute_path)
    kind, instance, schema = error.validator, error.instance, error.schema
    if kind == "additionalProperties" and isinstance(instance, dict):
        known = list(schema.get("properties", {}))
        for key in instance:
            if key not in known:
                hint = did_you_mean(str(key), known) or _newer_istio(path, key)
                yield SchemaIssue("MG100", (*path, key), f"unknown field{hint}", at_key=True)
    elif kind == "type":
        yield SchemaIssue(
            "MG101",
            path,
            f"expected {_expected(error.validator_value)}, got {describe(instance)}",
            quote=_expected(error.validator_value) == "a string"
            and isinstance(instance, (bool, int, float)),
        )
    elif kind == "enum":
        choices = [str(c) for c in error.validator_value]
        hint = did_you_mean(str(instance), choices)
        yield SchemaIssue(
            "MG102", path, f"{describe(instance)} is not one of {', '.join(choices)}{hint}"
        )
    elif kind == "required":
        missing = [
            n for n in error.validator_value if isinstance(instance, dict) and n not in instance
        ]
        for name in missing:
            yield SchemaIssue("MG103", path, f"missing required field '{name}'")
    elif kind in ("oneOf", "anyOf") and not _branch_fields(error.validator_value):
        from jsonschema.exceptions import best_match

        cause = best_match(error.context) if error.context else None
        if cause is not None:
            yield from _schema_issues(cause)
        else:
            yield SchemaIssue("MG102", path, f"{error.message}")
    elif kind == "oneOf":
        names = _branch_fields(error.validator_value)
        given = [n for n in names if isinstance(instance, dict) and n in instance]
        text = f"set at most one of {', '.join(names)}" + (
            f", not {' and '.join(given)}" if given else ""
        )
        yield SchemaIssue("MG102", path, f"{text}")
    elif kind in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        bound = {
            "minimum": "at least",
            "maximum": "at most",
            "exclusiveMinimum": "more than",
            "exclusiveMaximum": "less than",
        }[kind]
        yield SchemaIssue("MG102", path, f"must be {bound} {error.validator_value}, got {instance}")
    elif kind in _SIZES:
        noun, most = _SIZES[kind]
        size = len(instance) if isinstance(instance, (str, list, dict)) else 0
        yield SchemaIssue(
            "MG102",
            path,
            f"has {size:,} {noun}; {'at most' if most else 'at least'} "
            f"{error.validator_value:,} allowed",
        )
    elif kind == "pattern":
        yield SchemaIssue("MG102", path, f"does not match the pattern {error.validator_value}")
    elif kind in ("const", "format", "uniqueItems", "not", "multipleOf"):
        yield SchemaIssue("MG102", path, f"breaks the schema's {kind} ({error.validator_value})")
    else:  # jsonschema's own words, without the value (which may be huge)
        yield SchemaIssue("MG102", path, f"breaks the schema's {kind} rule")


_SIZES = {
    "maxItems": ("items", True),
    "minItems": ("items", False),
    "maxLength": ("characters", True),
    "minLength": ("characters", False),
    "maxProperties": ("entries", True),
    "minProperties": ("entries", False),
}


# -- documents ---------------------------------------------------------------------------


def _not_a_resource(document: Any) -> str | None:
    if not isinstance(document, dict):
        return f"a manifest is a mapping; this document is {describe(document)}"
    missing = [k for k in ("apiVersion", "kind") if not isinstance(document.get(k), str)]
    if not missing:
        return None
    verb = "must be strings" if len(missing) > 1 else "must be a string"
    return f"not a Kubernetes resource: {' and '.join(missing)} {verb}"


def _validate_document(
    source: Source,
    index: int,
    document: Any,
    schemas: SchemaSet,
    report: Report,
    at: tuple[Any, ...] = (),
    *,
    without_nulls: bool = False,
) -> None:
    problem = _not_a_resource(document)
    if problem is not None:
        report.findings.append(source.finding("MG105", problem, at, document=index))
        return
    manifest = Manifest(document, source, index, at=at)
    api_version, kind = manifest.api_version, manifest.kind
    if kind == "List" and api_version == "v1" and isinstance(document.get("items"), list):
        for i, item in enumerate(document["items"]):  # what kubectl get -o yaml writes
            _validate_document(
                source, index, item, schemas, report, (*at, "items", i), without_nulls=without_nulls
            )
        return
    validator = schemas.validator(api_version, kind)
    if validator is None:
        group = group_of(api_version)
        served = schemas.served_versions(group, kind)
        if served:
            use = " or ".join(f"{group}/{v}" for v in served)
            report.findings.append(
                manifest.finding(
                    "MG104", f"{kind} is not served as {api_version}; use {use}", ("apiVersion",)
                )
            )
        else:
            report.skipped.append(Skipped(source.name, f"{api_version} {kind}", "no schema"))
            # Unchecked, but there: checks across resources may look it up.
            report.mesh.append(Manifest(document, source, index, valid=False, at=at))
        return
    report.checked.append(manifest.resource)
    # Every caller's documents are its own (read from a file, or rendered for this check).
    pruned = schemas.defaulted(
        api_version, kind, document if without_nulls else drop_nulls(document)
    )
    found: list[Finding] = []
    if validator.verdict(pruned) is not True:  # rejected or undecided: explain it in full
        odd = key_not_text(document)
        if odd is not None:  # no Kubernetes object has one; schema engines choke on them
            path, key = odd
            message = f"a key must be text, not {describe(key)}"
            report.findings.append(manifest.finding("MG101", message, path, key=True))
            return
        found = [
            _with_quote_hint(source, manifest.finding(i.code, i.message, i.path, key=i.at_key), i)
            for error in validator.full.iter_errors(pruned)
            for i in _schema_issues(error)
        ]
    # Part of the mesh for checks across resources, even with problems of its own; what
    # the schema accepts is checked as istioctl analyze does, whatever its name.
    report.mesh.append(Manifest(pruned, source, index, valid=not found, at=at))
    if not found and (scope := _rules_scope(pruned)) is not None:
        # Istio's own checks run on what the schema accepts, as its webhook does; a
        # Gateway API kind's cross-field rules, as its CRD's CEL rules do.
        found.extend(_rule_findings(manifest, pruned, scope))
    found.extend(
        manifest.finding(r.code, r.message, r.path, key=r.at_key)
        for r in refusals(api_version, kind, pruned)
    )
    for violation in schemas.rule_violations(api_version, kind, pruned):
        found.append(
            manifest.finding(
                violation.code if violation.evaluated else "MG107",
                violation.message,
                violation.path,
                severity=Severity.ERROR if violation.evaluated else Severity.INFO,
            )
        )
    report.findings.extend(f for f in found if not _suppressed(f, manifest.ignored))


def _with_quote_hint(source: Source, finding: Finding, issue: SchemaIssue) -> Finding:
    """A number or boolean where Istio wants a string: suggest the text as written
    (``1.10``, not the 1.1 YAML read; ``on``, not true)."""
    if not issue.quote or not finding.line:
        return finding
    written = yamlio.written_at(source.text, yamlio.Position(finding.line, finding.column))
    if not written:
        return finding
    return replace(finding, message=f'{finding.message}; quote it: "{written}"')


def key_not_text(document: Any) -> tuple[tuple[Any, ...], Any] | None:
    """The path of the first mapping key that is not a string (``1:``, ``null:``), if any."""
    if _keys_are_text(document):  # the common answer, found without building paths
        return None
    stack: list[tuple[tuple[Any, ...], Any]] = [((), document)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, dict):
            for key, item in value.items():
                if not isinstance(key, str):
                    return (*path, key), key
                stack.append(((*path, key), item))
        elif isinstance(value, list):
            stack.extend(((*path, i), item) for i, item in enumerate(value))
    return None


def _keys_are_text(document: Any) -> bool:
    stack = [document]
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            if not all(isinstance(key, str) for key in value):
                return False
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
    return True


def _rules_scope(document: dict[str, Any]) -> Scope | None:
    if is_istio(document):
        return "resource"
    return "gateway-api" if is_gateway_api(document) else None


def _rule_findings(manifest: Manifest, document: dict[str, Any], scope: Scope) -> Iterator[Finding]:
    from meshgen.validation.rules import resource_problems

    for rule, problem in resource_problems(document, scope):
        yield manifest.finding(
            rule.code,
            problem.message,
            problem.path,
            severity=problem.severity or rule.severity,
            istio=problem.istio or rule.istio,
        )


def _suppressed(finding: Finding, codes: Iterable[str]) -> bool:
    """Whether ``codes`` (meshgen's or Istio's) name this finding."""
    chosen = set(codes)
    return finding.code in chosen or (finding.istio is not None and finding.istio in chosen)


def schema_problems(document: Any, schemas: SchemaSet | None = None) -> list[Any] | None:
    """The schema's complaints about one document (jsonschema errors; empty when it is
    valid), or None when meshgen has no schema for its kind."""
    if _not_a_resource(document) is not None:
        return None
    validator = (schemas or bundled()).validator(document["apiVersion"], document["kind"])
    if validator is None:
        return None
    if key_not_text(document) is not None:  # a shape no schema engine takes
        from jsonschema.exceptions import ValidationError

        return [ValidationError("a key must be text", validator="type")]
    return list(validator.iter_errors(prune_nulls(document)))


def well_formed(document: Any, schemas: SchemaSet | None = None) -> bool:
    """Whether an Istio document has the shape its schema gives (mappings, lists and
    scalars where they belong), so code may walk it; unknown fields and bad values aside."""
    problems = schema_problems(document, schemas)
    return problems is not None and not any(
        error.validator == "type" or any(c.validator == "type" for c in error.context or ())
        for error in problems
    )


def _validate_model(source: Source, schemas: SchemaSet, report: Report) -> None:
    from meshgen.errors import ModelError
    from meshgen.model.load import parse_model
    from meshgen.rendering import render_loaded

    try:
        loaded = parse_model(source.text, source.name)
    except ModelError as e:
        report.findings.extend(e.findings)
        return
    report.findings.extend(loaded.warnings)
    rendered = render_loaded(loaded, source=source.name)
    from meshgen.rendering.placement import RenderedSource

    _check_documents(
        RenderedSource.of(rendered, source),
        rendered.documents,
        schemas,
        report,
        without_nulls=True,
    )


def _check_documents(
    source: Source,
    documents: Sequence[Any],
    schemas: SchemaSet,
    report: Report,
    *,
    without_nulls: bool = False,
) -> None:
    """Validate documents already parsed from ``source``, findings in position order;
    ``without_nulls``: they hold no null in a mapping (rendered documents)."""
    first = len(report.findings)
    for index, document in enumerate(documents):
        if document is not None:
            _validate_document(
                source, index, document, schemas, report, without_nulls=without_nulls
            )
    report.findings[first:] = sorted(report.findings[first:], key=lambda f: (f.line, f.column))


def validate_source(
    source: Source,
    schemas: SchemaSet | None = None,
    report: Report | None = None,
    limits: yamlio.Limits = yamlio.DEFAULT_LIMITS,
) -> Report:
    """Validate one file: every document, or the model it holds.

    Given no ``report``, the file is also analysed as a mesh of its own; given one, the
    caller analyses everything it collected together (see :func:`analyze_mesh`).
    """
    schemas = schemas or bundled()
    if report is None:
        report = validate_source(source, schemas, Report(), limits)
        analyze_mesh(report)
        return report
    report.files += 1
    documents, syntax = yamlio.load_all_partial(source.text, source.name, limits)
    kind = classify(documents)
    not_ours = template_reason(source.name, source.text, syntax is None)
    if (
        not_ours is None
        and kind == "other"
        and (syntax is None or not may_hold_resources(source.text))
    ):
        not_ours = "not Kubernetes resources or a meshgen model"
    if not_ours is not None:
        report.skipped.append(Skipped(source.name, "the file", not_ours))
        return report
    if syntax is None and kind in ("model", "legacy-model"):
        _validate_model(source, schemas, report)
        return report
    first = len(report.findings)
    _check_documents(source, documents, schemas, report)
    if syntax is not None:
        report.findings.append(syntax)
    report.findings[first:] = sorted(report.findings[first:], key=lambda f: (f.line, f.column))
    return report


def validate_text(
    text: str,
    filename: str = "<input>",
    schemas: SchemaSet | None = None,
    limits: yamlio.Limits = yamlio.DEFAULT_LIMITS,
) -> Report:
    """Validate one file's text as a mesh of its own."""
    return validate_source(Source(filename, text), schemas, None, limits)


def validate_rendered(
    rendered: Rendered, model: Source, schemas: SchemaSet | None = None
) -> Report:
    """Validate what a render produced (its documents, which hold no nulls), as a mesh
    of its own, findings placed in the model."""
    from meshgen.rendering.placement import RenderedSource

    report = Report(files=1)
    output = RenderedSource.of(rendered, model)
    _check_documents(output, rendered.documents, schemas or bundled(), report, without_nulls=True)
    analyze_mesh(report)
    return report


def analyze_mesh(
    report: Report,
    context: Iterable[Manifest] = (),
    complete: bool = False,
    settings: MeshConfig | None = None,
    clusters: dict[str, list[Manifest]] | None = None,
) -> None:
    """Checks across every resource collected (and ``context``, not reported); with
    ``clusters``, the checks that compare clusters."""
    from meshgen.validation.rules import mesh_problems

    index = MeshIndex.of([*report.mesh, *context], complete, settings)
    index.clusters = clusters or {}
    for rule, problem in mesh_problems(index):
        subject = problem.subject
        assert subject is not None
        finding = subject.finding(
            rule.code,
            problem.message,
            problem.path,
            severity=problem.severity or rule.severity,
            istio=problem.istio or rule.istio,
        )
        if not _suppressed(finding, subject.ignored):
            report.findings.append(finding)
    for first, again in index.duplicates:
        if again.reported:
            report.findings.append(
                again.finding(
                    "MG108",
                    f"{again.kind} {again.ref} is already defined at {_where(first)}; "
                    "applied together, the later one replaces the first",
                    ("metadata", "name"),
                    severity=Severity.WARNING,
                )
            )
    report.findings.sort(key=lambda f: (f.file, f.line, f.column))


def _where(manifest: Manifest) -> str:
    placed = manifest.finding("MG108", "", ("metadata", "name"))
    return f"{placed.file}:{placed.line}" if placed.line else placed.file


def validate_paths(
    paths: Iterable[str],
    schemas: SchemaSet | None = None,
    stdin: IO[Any] | None = None,
    exclude: Callable[[str], bool] | None = None,
    limits: yamlio.Limits = yamlio.DEFAULT_LIMITS,
    context: Iterable[str] = (),
    complete: bool = False,
    mesh_config: str | None = None,
    clusters: dict[str, list[str]] | None = None,
) -> Report:
    """Validate files and folders, together as one mesh; ``-`` reads ``stdin``;
    ``exclude`` skips files. ``context`` files join the mesh for cross-resource checks
    without their own problems being reported; ``complete`` says the input is the whole
    mesh, so references to what is missing are errors; ``mesh_config`` is a file with
    the mesh settings. ``clusters`` names the files of each cluster of a multi-cluster
    mesh: each cluster is validated as a mesh of its own, then the clusters are compared."""
    if clusters:
        if list(paths):
            raise UsageError(
                "with --cluster, give every file to a cluster (a file the clusters share may "
                "be named in each)"
            )
        return _validate_clusters(
            clusters, schemas, stdin, exclude, limits, context, complete, mesh_config
        )
    files = list(expand_paths(paths))
    report = Report()
    settings = None
    if mesh_config is not None:
        try:
            settings = read_mesh_config(mesh_config, limits)
        except InputError as e:
            report.findings.extend(
                e.findings
                or [Finding.of("MG003", str(e).removeprefix(f"{mesh_config}: "), mesh_config)]
            )
    background = Report()
    for path in expand_paths(context):
        if path in files or path == STDIN:
            continue
        try:
            validate_source(read(path, limits=limits), schemas, background, limits)
        except InputError:
            continue
    quiet = [replace(manifest, reported=False) for manifest in background.mesh]
    for path in files:
        if exclude is not None and path != STDIN and exclude(path):
            continue
        try:
            source = read(path, stdin, limits)
        except InputError as e:
            report.files += 1
            report.findings.extend(
                e.findings or [Finding.of("MG003", str(e).removeprefix(f"{path}: "), path)]
            )
            continue
        validate_source(source, schemas, report, limits)
    analyze_mesh(report, quiet, complete, settings)
    return report


def _validate_clusters(
    clusters: dict[str, list[str]],
    schemas: SchemaSet | None,
    stdin: IO[Any] | None,
    exclude: Callable[[str], bool] | None,
    limits: yamlio.Limits,
    context: Iterable[str],
    complete: bool,
    mesh_config: str | None,
) -> Report:
    """Each cluster's files as a mesh of its own; then the checks that compare the
    clusters' Services."""
    context = list(context)
    report = Report()
    services: dict[str, list[Manifest]] = {}
    for name, files in clusters.items():
        part = validate_paths(
            files, schemas, stdin, exclude, limits, context, complete, mesh_config
        )
        report.files += part.files
        report.findings += part.findings
        report.checked += part.checked
        report.skipped += part.skipped
        report.mesh += part.mesh
        services[name] = [m for m in part.mesh if m.kind == "Service" and m.api_version == "v1"]
    compared = Report()
    analyze_mesh(compared, (), complete, None, services)
    report.findings += compared.findings
    report.findings.sort(key=lambda f: (f.file, f.line, f.column))
    return report


def validate(
    source: str | PathLike[str] | Iterable[str | PathLike[str]],
    *,
    crds: str | PathLike[str] | None = None,
    gateway_api_channel: str = "experimental",
    complete: bool = False,
    context: Iterable[str | PathLike[str]] = (),
    mesh_config: str | PathLike[str] | None = None,
    clusters: Mapping[str, Iterable[str | PathLike[str]]] | None = None,
    ignore: Iterable[str] = (),
    exclude: Callable[[str], bool] | None = None,
    stdin: IO[Any] | None = None,
    limits: yamlio.Limits = yamlio.DEFAULT_LIMITS,
) -> Report:
    """Validate Istio manifests and meshgen models, as ``meshgen validate`` does.

    ``source`` is YAML text (a string with a line break), or one or more files and folders
    (``-`` reads ``stdin``). ``crds`` is a CRD file or schema bundle to validate against
    instead of the bundled schemas; ``gateway_api_channel`` (``experimental``, a superset,
    or ``standard``) chooses the Gateway API kinds and fields the bundled schemas serve;
    ``context`` joins the mesh for checks across resources
    without being reported; ``complete`` says the input is the whole mesh;
    ``mesh_config`` is a file with the mesh settings (a MeshConfig, the `istio`
    ConfigMap, or IstioOperator or Helm values with `meshConfig`); ``ignore`` drops
    findings by meshgen or Istio code. ``clusters`` names the files of each cluster of a
    multi-cluster mesh (``source`` is then empty): each cluster is validated on its own,
    then the clusters' Services are compared.
    """
    from meshgen.validation.schemaset import GATEWAY_API_CHANNELS, schemas_for

    if gateway_api_channel not in GATEWAY_API_CHANNELS:
        raise UsageError(
            f"the Gateway API channel is experimental or standard, not {gateway_api_channel!r}"
        )
    schemas = schemas_for(str(crds) if crds is not None else None, gateway_api_channel)
    if isinstance(source, str) and "\n" in source:
        report = validate_source(Source("<input>", source), schemas, None, limits)
    else:
        paths = [source] if isinstance(source, (str, PathLike)) else list(source)
        report = validate_paths(
            [str(p) for p in paths],
            schemas,
            stdin,
            exclude,
            limits,
            [str(c) for c in context],
            complete,
            str(mesh_config) if mesh_config is not None else None,
            {name: [str(p) for p in files] for name, files in (clusters or {}).items()},
        )
    ignored = set(ignore)
    if ignored:
        report.findings = [f for f in report.findings if not _suppressed(f, ignored)]
    return report

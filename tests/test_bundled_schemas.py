"""The bundled schemas know every field of today's Istio: each field path of each kind and
served version in Istio's own CRDs (../shared/istio/crd-all.gen.yaml) is accepted with a
value of its type (every enum value), and a misspelled sibling beside it is refused."""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import cache
from typing import Any

import pytest
import yaml
from conftest import SHARED

from meshgen import validate
from meshgen.validation.rules import RULES
from meshgen.validation.schemaset import bundled

CRDS = SHARED / "istio" / "crd-all.gen.yaml"

# Fields the bundled release does not have, with the reason: Istio added them after the
# newest release a package registry ships the schemas of (cloudcoil-models-istio 1.31).
# validate names them as newer (meshgen.releases.NEWER_ISTIO_FIELDS): see the last test.
NEWER = "added after Istio 1.31; validate says so and points to --crds"
GAPS = {
    "backendUtilization": NEWER,
    "ecdhCurves": NEWER,
    "presence": NEWER,
    "transportSocket": NEWER,
}


@cache
def _served() -> list[tuple[str, str, dict[str, Any]]]:
    """(apiVersion, kind, spec schema) of every served version of every Istio kind."""
    if not CRDS.is_file():
        return []
    out = []
    for crd in yaml.safe_load_all(CRDS.read_text(encoding="utf-8")):
        if not crd or crd.get("kind") != "CustomResourceDefinition":
            continue
        group, kind = crd["spec"]["group"], crd["spec"]["names"]["kind"]
        for version in crd["spec"]["versions"]:
            if version.get("served"):
                spec = version["schema"]["openAPIV3Schema"]["properties"]["spec"]
                out.append((f"{group}/{version['name']}", kind, spec))
    return out


def _sample(schema: dict[str, Any]) -> list[Any]:
    """Values the field accepts: every enum value, else one of its type."""
    if schema.get("enum"):
        return list(schema["enum"])
    if schema.get("x-kubernetes-int-or-string"):
        return [8080, "http"]
    kind = schema.get("type")
    if kind == "integer":
        return [max(1, schema.get("minimum", 1))]
    if kind == "number":
        return [1.5]
    if kind == "boolean":
        return [True]
    if kind == "array":
        return [[_sample(schema.get("items") or {})[0]]]
    if kind == "object":
        return [{}]
    return ["x"]


def _fields(
    schema: dict[str, Any], path: tuple[Any, ...] = ()
) -> Iterator[tuple[tuple[Any, ...], dict[str, Any]]]:
    """Every field path under ``schema`` (list items as index 0), with its schema."""
    if schema.get("x-kubernetes-preserve-unknown-fields"):
        return
    for name, sub in (schema.get("properties") or {}).items():
        yield (*path, name), sub
        yield from _fields(sub, (*path, name))
    items = schema.get("items")
    if isinstance(items, dict) and path:
        # a list's items: the fields of its first element
        for sub_path, sub in _fields(items, (*path, 0)):
            yield sub_path, sub


def _document(api_version: str, kind: str, path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    spec: Any = value
    for key in reversed(path):
        spec = [spec] if key == 0 else {key: spec}
    return {"apiVersion": api_version, "kind": kind, "metadata": {"name": "x"}, "spec": spec}


def _errors_at(
    api_version: str, kind: str, document: dict[str, Any], path: tuple[Any, ...]
) -> list[str]:
    """The errors about the field at ``path`` itself (unknown, wrong type, not in enum)."""
    validator = bundled().validator(api_version, kind)
    assert validator is not None, (api_version, kind)
    if validator.verdict(document) is True:
        return []
    full = ("spec", *path)
    found = []
    for error in validator.full.iter_errors(document):
        at = tuple(error.absolute_path)
        unknown = (
            error.validator == "additionalProperties"
            and at == full[:-1]
            and repr(full[-1]) in error.message
        )
        if (at == full and error.validator in ("type", "enum", "anyOf")) or unknown:
            found.append(f"{error.validator}: {error.message[:120]}")
    return found


CASES = [
    pytest.param(api_version, kind, id=f"{api_version}/{kind}")
    for api_version, kind, _ in _served()
]


@pytest.mark.skipif(not CRDS.is_file(), reason="../shared/istio/crd-all.gen.yaml is not here")
def test_every_served_kind_and_version_is_bundled() -> None:
    served = {(api_version, kind) for api_version, kind, _ in _served()}
    assert len(served) == 33
    missing = {key for key in served if bundled().schema(*key) is None and key not in GAPS}
    assert missing == set()


@pytest.mark.skipif(not CRDS.is_file(), reason="../shared/istio/crd-all.gen.yaml is not here")
@pytest.mark.parametrize(("api_version", "kind"), CASES or [("", "")])
def test_every_field_is_known_and_a_misspelling_is_not(api_version: str, kind: str) -> None:
    (spec,) = [s for v, k, s in _served() if (v, k) == (api_version, kind)]
    refused, accepted_typos, checked = [], [], 0
    for path, schema in _fields(spec):
        if any(key in GAPS for key in path):
            continue
        for value in _sample(schema):
            checked += 1
            errors = _errors_at(api_version, kind, _document(api_version, kind, path, value), path)
            if errors:
                refused.append((".".join(map(str, path)), value, errors))
        if isinstance(path[-1], str):
            typo = (*path[:-1], path[-1] + "Zz")
            document = _document(api_version, kind, typo, _sample(schema)[0])
            if not _errors_at(api_version, kind, document, typo):
                accepted_typos.append(".".join(map(str, typo)))
    assert checked > 0
    assert refused == []
    assert accepted_typos == []


def test_a_field_of_a_newer_istio_says_so() -> None:
    manifest = (
        "apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: r}\n"
        "spec:\n  host: r\n  trafficPolicy:\n    loadBalancer:\n"
        "      backendUtilization: {weightUpdatePeriod: 10s}\n"
    )
    (finding,) = validate(manifest).findings
    assert finding.code == "MG100"
    assert finding.message == (
        "unknown field; Istio added it after 1.31, the release meshgen bundles: pass your "
        "Istio's CRDs with --crds"
    )


EXAMPLES = SHARED / "istio" / "analyzer-tests" / "validation"
# Documents meshgen does not judge as Istio does yet, with the reason.
NOT_YET = {
    ("bundled", "reqauth-valid.yaml", 0): "jwtRules.presence is newer than the bundled 1.31",
    # go-yaml reads `[1.2.3.4, 001:db8::]` as two strings; libyaml refuses it (meshgen says
    # to quote the address) and PyYAML's own parser reads a mapping.
    ("bundled", "serviceentry-valid.yaml", 0): "libyaml refuses `001:db8::` in a flow list",
    ("crds", "serviceentry-valid.yaml", 0): "libyaml refuses `001:db8::` in a flow list",
}


def _examples() -> list[dict[str, Any]]:
    if not (EXAMPLES / "index.json").is_file():
        return []
    documents: list[dict[str, Any]] = json.loads((EXAMPLES / "index.json").read_text())["documents"]
    return documents


@cache
def _error_lines(file: str, crds: bool) -> tuple[int, ...]:
    with_crds = str(SHARED / "istio" / "crd-all.gen.yaml") if crds else None
    report = validate(str(EXAMPLES / file), crds=with_crds)
    # Each document is judged on its own, as Istio's test does: checks across resources
    # (three namespace-wide Telemetries of one file conflict) are not what it is about.
    across = {code for code, rule in RULES.items() if rule.scope == "mesh"} | {"MG108"}
    return tuple(f.line for f in report.findings if f.is_error and f.code not in across)


def _example_cases() -> list[Any]:
    cases = []
    for schemas in ("bundled", "crds"):
        for example in _examples():
            key = (schemas, example["file"], example["document"])
            marks = [pytest.mark.xfail(reason=NOT_YET[key], strict=True)] if key in NOT_YET else []
            cases.append(pytest.param(schemas, example, marks=marks, id="-".join(map(str, key))))
    return cases or [pytest.param("bundled", {}, marks=pytest.mark.skip(reason="no examples"))]


@pytest.mark.parametrize(("schemas", "example"), _example_cases())
def test_istio_crd_examples_are_judged_as_istio_judges_them(
    schemas: str, example: dict[str, Any]
) -> None:
    documents = [d for d in _examples() if d["file"] == example["file"]]
    starts = [d["line"] for d in documents] + [10**9]
    i = documents.index(example)
    lines = _error_lines(example["file"], schemas == "crds")
    rejected = any(starts[i] <= line < starts[i + 1] for line in lines)
    assert rejected == (example["expect"] == "reject")

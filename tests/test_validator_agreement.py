"""The compiled validator and jsonschema reach the same verdict on every document.

meshgen takes the verdict from the compiled validator (jsonschema-rs) and asks
jsonschema only to explain documents it rejects; that is sound only while the two agree.
The corpus: Istio's samples, the examples, the test cases, and generated mutations of
them, against the bundled schemas and (when ../shared is present) Istio's current CRDs.
"""

from __future__ import annotations

from typing import Any

import pytest
from conftest import ROOT, SHARED
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from meshgen import yamlio
from meshgen.manifests.nulls import prune_nulls
from meshgen.validation.schemaset import SchemaSet, bundled
from meshgen.validation.validate import key_not_text


def _documents() -> list[dict[str, Any]]:
    files = sorted(ROOT.glob("examples/*/istio.yaml")) + sorted(
        ROOT.glob("tests/cases/validate/*.yaml")
    )
    if SHARED.is_dir():
        files += sorted((SHARED / "istio" / "samples").rglob("*.yaml"))
    found = []
    for file in files:
        documents, _ = yamlio.load_all_partial(file.read_text(encoding="utf-8"))
        found += [
            d
            for d in documents
            # a key that is not text is reported before either validator sees the document
            if isinstance(d, dict) and isinstance(d.get("kind"), str) and key_not_text(d) is None
        ]
    return found


DOCUMENTS = _documents()


def _verdicts(schemas: SchemaSet, document: dict[str, Any]) -> tuple[bool, bool] | None:
    validator = schemas.validator(str(document.get("apiVersion")), document["kind"])
    if validator is None:
        return None
    instance = prune_nulls(document)
    fast = validator.verdict(instance)
    full = not any(True for _ in validator.full.iter_errors(instance))
    assert fast is not None, "the compiled validator is not available"
    return fast, full


def _schema_sets() -> list[SchemaSet]:
    sets = [bundled()]
    crds = SHARED / "istio" / "crd-all.gen.yaml"
    if crds.is_file():
        from meshgen.validation.crds import load_schema_file

        sets.append(bundled().overlaid(load_schema_file(str(crds))))
    return sets


@pytest.mark.parametrize("schemas", _schema_sets(), ids=lambda s: s.source)
def test_same_verdict_on_every_corpus_document(schemas: SchemaSet) -> None:
    compared = 0
    for document in DOCUMENTS:
        verdicts = _verdicts(schemas, document)
        if verdicts is not None:
            compared += 1
            assert verdicts[0] == verdicts[1], document
    assert compared >= 20


def _mutate(document: Any, path: list[int], value: Any) -> Any:
    """The document with one value replaced, chosen by walking ``path`` into it."""
    if not path or not isinstance(document, (dict, list)) or not document:
        return value
    items = list(document.items()) if isinstance(document, dict) else list(enumerate(document))
    key, child = items[path[0] % len(items)]
    copy = dict(document) if isinstance(document, dict) else list(document)
    copy[key] = _mutate(child, path[1:], value)
    return copy


values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 70000),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=8),
    st.sampled_from(["SIMPLE", "MUTUAL", "5xx", "1s", "0.5ms", "x" * 300]),
    st.lists(st.integers(0, 3), max_size=2),
    st.dictionaries(st.text(max_size=4), st.integers(), max_size=2),
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    index=st.integers(0, max(len(DOCUMENTS) - 1, 0)),
    path=st.lists(st.integers(0, 20), min_size=1, max_size=8),
    value=values,
)
def test_same_verdict_on_mutated_documents(index: int, path: list[int], value: Any) -> None:
    document = _mutate(DOCUMENTS[index], path, value)
    if not isinstance(document, dict) or not isinstance(document.get("kind"), str):
        return
    for schemas in _schema_sets():
        verdicts = _verdicts(schemas, document)
        if verdicts is not None:
            assert verdicts[0] == verdicts[1], document

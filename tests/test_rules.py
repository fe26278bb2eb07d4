"""Every semantic rule, from its example files (found by directory): the failing one must
trigger it, the passing near miss must not (and must pass the schema, so the rule really
ran)."""

from __future__ import annotations

import tempfile
from functools import cache
from pathlib import Path

import pytest
from conftest import SHARED

import meshgen
from meshgen.manifests.sources import Source
from meshgen.validation.rules import RULES
from meshgen.validation.schemaset import SchemaSet, bundled
from meshgen.validation.validate import Report, analyze_mesh, validate_source, validate_text

EXAMPLES = Path(__file__).parent.parent / "meshgen" / "validation" / "rules" / "examples"


@cache
def _schemas() -> SchemaSet:
    """Istio's current CRDs when they are beside the checkout (rules follow current
    Istio), else the bundled schemas."""
    crds = SHARED / "istio" / "crd-all.gen.yaml"
    if not crds.is_file():
        return bundled()
    from meshgen.validation.crds import load_schema_file

    return bundled().overlaid(load_schema_file(str(crds)))


COMPLETE = "# Checked with --complete"  # an example's first line, for rules that need it
CEL_TOO = "# Also a CEL rule of the CRD"  # ... for webhook rules the CRD's CEL rules repeat
# ... for webhook rules the CRD's schema repeats (minimum, pattern): with the CRDs the
# schema refuses first and the rule never runs, so they are checked on the bundled ones
SCHEMA_TOO = "# The CRD's schema says the same"
CLUSTERS = "# Checked with --cluster"  # ... for rules that compare clusters: one per document


def _validate(code: str, text: str) -> Report:
    if text.startswith(SCHEMA_TOO):
        return validate_text(text, f"{code}.yaml", bundled())
    if text.startswith(CLUSTERS):
        with tempfile.TemporaryDirectory() as temp:
            clusters = {}
            for i, document in enumerate(text.split("\n---\n")):
                path = Path(temp) / f"cluster-{i + 1}.yaml"
                path.write_text(document, encoding="utf-8")
                clusters[f"cluster-{i + 1}"] = [str(path)]
            return meshgen.validate([], clusters=clusters)
    if text.startswith(COMPLETE):
        report = validate_source(Source(f"{code}.yaml", text), _schemas(), Report())
        analyze_mesh(report, complete=True)
    else:
        report = validate_text(text, f"{code}.yaml", _schemas())
    if [f for f in report.findings if f.code == "MG100"] and _schemas() is bundled():
        pytest.skip("the example uses fields newer than the bundled schemas")
    return report


def test_every_rule_has_both_examples_and_every_example_a_rule() -> None:
    for outcome in ("fail", "pass"):
        found = {path.stem for path in (EXAMPLES / outcome).glob("*.yaml")}
        assert found == set(RULES), outcome


@pytest.mark.parametrize("code", sorted(RULES))
def test_failing_example_triggers_the_rule(code: str) -> None:
    example = RULES[code].example("fail")
    report = _validate(code, example)
    assert [f for f in report.findings if f.code == code], report.findings
    cel_too = example.startswith(CEL_TOO)  # the CRD's CEL rules say the same, with --crds
    assert not [
        f
        for f in report.findings
        if f.code.startswith("MG1") and not (cel_too and f.code == "MG106")
    ], "the example must pass the schema"


@pytest.mark.parametrize("code", sorted(RULES))
def test_near_miss_does_not(code: str) -> None:
    report = _validate(code, RULES[code].example("pass"))
    assert not [f for f in report.findings if f.code == code], report.findings
    assert not [f for f in report.findings if f.code.startswith("MG1")], (
        "the example must pass the schema"
    )


def test_the_rules_page_documents_every_rule() -> None:
    page = (Path(__file__).parent.parent / "docs" / "rules.md").read_text(encoding="utf-8")
    assert [code for code in RULES if f"### {code}\n" not in page] == []

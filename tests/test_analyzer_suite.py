"""Istio's own analyzer test suite (../shared/istio/analyzer-tests), case by case: meshgen
run over each case's inputs must report exactly the in-scope findings Istio expects.

Cases meshgen does not pass yet are listed below with the reason, as strict expected
failures: when one starts passing, the test says so and the list shrinks. The summary
per analyzer is printed by scripts/analyzer_suite.py.
"""

from __future__ import annotations

import sys

import pytest
from conftest import ROOT, SHARED

sys.path.insert(0, str(ROOT / "scripts"))
from analyzer_suite import run_case

CASES = SHARED / "istio" / "analyzer-tests" / "cases"

# Why each case still differs (by number; see scripts/analyzer_suite.py --failing).
NOT_YET = {
    "002": "deviation IST0136 (docs/rules.md): alpha-phase annotations are not reported",
    "038": "deviation IST0101 (docs/rules.md): a route without a destination is reported once",
    "040": "deviation IST0132 (docs/rules.md): a missing gateway is reported once, as IST0101",
}


def _cases() -> list[str]:
    return sorted(p.name for p in CASES.iterdir()) if CASES.is_dir() else []


@pytest.mark.skipif(not CASES.is_dir(), reason="../shared/istio/analyzer-tests is not here")
@pytest.mark.parametrize(
    "slug",
    [
        pytest.param(s, marks=pytest.mark.xfail(reason=NOT_YET[s[:3]], strict=True))
        if s[:3] in NOT_YET
        else s
        for s in _cases()
    ]
    or ["(absent)"],
)
def test_case_matches_istio(slug: str) -> None:
    outcome = run_case(CASES / slug)
    missing, extra = outcome.expected - outcome.found, outcome.found - outcome.expected
    assert not missing and not extra, f"missing {dict(missing)}; extra {dict(extra)}"

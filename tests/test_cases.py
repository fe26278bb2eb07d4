"""Each model under tests/cases renders (or fails) exactly as its golden file says.

The goldens hold the exit code, stdout and stderr of ``meshgen render`` run from the
repository root; ``python scripts/regenerate.py`` refreshes them after a deliberate change.
"""

from __future__ import annotations

import pytest
import yaml
from conftest import ROOT
from helpers import run

CASES = sorted(p.stem for p in (ROOT / "tests" / "cases").glob("*.yaml"))


def _golden(name: str) -> tuple[int, str, str]:
    text = (ROOT / "tests" / "cases" / f"{name}.golden").read_text(encoding="utf-8")
    head, rest = text.split("\n--- stdout\n", 1)
    stdout, stderr = rest.split("--- stderr\n", 1)
    return int(head.removeprefix("exit: ")), stdout, stderr


@pytest.mark.parametrize("name", CASES)
def test_case_matches_golden(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    assert run("render", f"tests/cases/{name}.yaml") == _golden(name)


@pytest.mark.parametrize("name", CASES)
def test_case_outcome_follows_its_name(name: str) -> None:
    code, stdout, stderr = _golden(name)
    if name.startswith("err-"):
        assert code == 1
        assert stdout == ""
        assert ": error: " in stderr
        assert stderr.endswith("; nothing written\n")
    else:
        assert code == 0
        assert (": warning: " in stderr) == name.startswith("warn-")
        assert all(isinstance(doc, dict) for doc in yaml.safe_load_all(stdout) if doc)

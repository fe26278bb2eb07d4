"""Each file under tests/cases/<command>/ gives exactly what its golden file says.

The goldens hold the exit code, stdout and stderr of ``meshgen <command> <file>`` run from
the repository root; ``python scripts/regenerate.py`` refreshes them after a deliberate
change. A case's name says what it must show: ``err-`` fails, ``warn-`` warns, others pass.
"""

from __future__ import annotations

import pytest
import yaml
from conftest import ROOT
from helpers import run

CASES = sorted(
    p.relative_to(ROOT / "tests" / "cases").with_suffix("").as_posix()
    for p in (ROOT / "tests" / "cases").glob("*/*.yaml")
)


def _golden(name: str) -> tuple[int, str, str]:
    text = (ROOT / "tests" / "cases" / f"{name}.golden").read_text(encoding="utf-8")
    head, rest = text.split("\n--- stdout\n", 1)
    stdout, stderr = rest.split("--- stderr\n", 1)
    return int(head.removeprefix("exit: ")), stdout, stderr


@pytest.mark.parametrize("name", CASES)
def test_case_matches_golden(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    command = name.split("/")[0]
    assert run(command, f"tests/cases/{name}.yaml") == _golden(name)


@pytest.mark.parametrize("name", CASES)
def test_case_outcome_follows_its_name(name: str) -> None:
    code, stdout, stderr = _golden(name)
    command, case = name.split("/")
    report = stderr if command == "render" else stdout
    assert code == (1 if case.startswith("err-") else 0)
    assert (": error: " in report) == case.startswith("err-")
    assert (": warning: " in report) == case.startswith("warn-")
    if command == "render" and code:
        assert stdout == ""
        assert stderr.endswith("; nothing written\n")
    elif command == "render":
        assert all(isinstance(doc, dict) for doc in yaml.safe_load_all(stdout) if doc)

"""Findings as text for people: the only place findings become strings."""

from __future__ import annotations

from collections.abc import Iterable

from meshgen.findings import Finding, Severity


def format_text(finding: Finding) -> str:
    """``file:line:col: severity: message [code]``, the form editors and CI can click."""
    where = finding.file
    if finding.line:
        where += f":{finding.line}:{finding.column or 1}"
    return f"{where}: {finding.level.value}: {finding.message} [{finding.code}]"


def summary(findings: Iterable[Finding]) -> str:
    counts = {level: 0 for level in Severity}
    for finding in findings:
        counts[finding.level] += 1
    parts = [f"{n} {level.value}{'s' if n != 1 else ''}" for level, n in counts.items() if n]
    return ", ".join(parts) if parts else "no problems"

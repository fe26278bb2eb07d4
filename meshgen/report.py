"""Findings as text for people and machines: the only place findings become strings.

Formats: ``text`` (``file:line:col: severity: message [code]``), ``json``, ``github``
(workflow commands that annotate a pull request) and ``sarif`` (SARIF 2.1.0, for code
scanning).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from meshgen.findings import Code, Finding, Severity, described, safe


def format_text(finding: Finding) -> str:
    """``file:line:col: severity: path: message [code/IST code]``, the form editors and CI
    can click (see :meth:`Finding.__str__`)."""
    return str(finding)


def summary(findings: Iterable[Finding]) -> str:
    counts = {level: 0 for level in Severity}
    for finding in findings:
        counts[finding.severity] += 1
    parts = [f"{n} {level.value}{'s' if n != 1 else ''}" for level, n in counts.items() if n]
    return ", ".join(parts) if parts else "no problems"


def json_path(path: str) -> str:
    """A finding's dotted path as a JSONPath: ``spec.http[0]`` -> ``$.spec.http[0]``."""
    if not path:
        return "$"
    return "$" + (path if path.startswith("[") else "." + path)


def to_json(findings: Sequence[Finding]) -> str:
    """A JSON list with one object per finding (the shape is documented in docs/validate.md)."""
    items = [
        {
            "file": f.file,
            "line": f.line,
            "column": f.column,
            "severity": f.severity.value,
            "code": f.code,
            "istioCode": f.istio,
            "message": f.message,
            "path": json_path(f.path),
            "resource": (
                {
                    "kind": f.resource.kind,
                    "namespace": f.resource.namespace,
                    "name": f.resource.name,
                }
                if f.resource
                else None
            ),
        }
        for f in findings
    ]
    return json.dumps(items, indent=2, ensure_ascii=False) + "\n"


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


_GITHUB_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def to_github(findings: Sequence[Finding]) -> str:
    """GitHub Actions workflow commands: each finding annotates its file and line."""
    lines = []
    for f in findings:
        props = [f"file={_escape_property(safe(f.file))}"]
        if f.line:
            props += [f"line={f.line}", f"col={f.column or 1}"]
        props.append(f"title={_escape_property(f'meshgen {f.code}')}")
        lines.append(
            f"::{_GITHUB_LEVEL[f.severity]} {','.join(props)}::{_escape_data(described(f))}"
        )
    return "".join(line + "\n" for line in lines)


_SARIF_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def _uri(file: str) -> str:
    path = Path(file)
    return path.as_posix() if not path.is_absolute() else path.as_uri()


def to_sarif(findings: Sequence[Finding], version: str, codes: dict[str, Code]) -> str:
    """A SARIF 2.1.0 log with one run, the rules used (described by ``codes``), and one
    result per finding."""
    used = sorted({f.code for f in findings})
    rules = [
        {
            "id": code,
            "name": codes[code].title.replace(" ", "-"),
            "shortDescription": {"text": codes[code].title},
            "defaultConfiguration": {"level": _SARIF_LEVEL[codes[code].severity]},
        }
        for code in used
    ]
    results: list[dict[str, Any]] = []
    for f in findings:
        location: dict[str, Any] = {"artifactLocation": {"uri": _uri(f.file)}}
        if f.line:
            location["region"] = {"startLine": f.line, "startColumn": f.column or 1}
        results.append(
            {
                "ruleId": f.code,
                "ruleIndex": used.index(f.code),
                "level": _SARIF_LEVEL[f.severity],
                "message": {"text": described(f)},
                "locations": [{"physicalLocation": location}],
            }
        )
    log = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {"driver": {"name": "meshgen", "version": version, "rules": rules}},
                "results": results,
            }
        ],
    }
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"


def to_text(findings: Sequence[Finding], files: int, checked: int) -> str:
    """One ``file:line:col`` line per finding, then a summary line."""
    lines = [format_text(f) for f in findings]
    lines.append(
        f"{summary(findings)} in {files} file{'s' if files != 1 else ''} "
        f"({checked} resource{'s' if checked != 1 else ''} checked)"
    )
    return "".join(line + "\n" for line in lines)


@dataclass(frozen=True)
class Run:
    """What the reporters say about a run besides its findings."""

    files: int
    checked: int
    version: str
    codes: dict[str, Code]


FORMATS: dict[str, Callable[[Sequence[Finding], Run], str]] = {
    "text": lambda findings, run: to_text(findings, run.files, run.checked),
    "json": lambda findings, run: to_json(findings),
    "github": lambda findings, run: to_github(findings),
    "sarif": lambda findings, run: to_sarif(findings, run.version, run.codes),
}

"""The semantic rules: what Istio's validation checks beyond the schema, one entry each.

A rule has a stable code, the Istio rules it implements (ids from Istio's validation
code, like G4 or V19), the Istio analyzer code it mirrors, a severity, a description, and
a failing and a passing example. The examples feed the generated docs and the tests.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from meshgen.findings import CODES, Code, Severity

Path = tuple[Any, ...]
Problem = tuple[Path, str]
Check = Callable[[dict[str, Any], dict[str, Any]], Iterator[Problem]]

ERROR, WARNING, INFO = Severity.ERROR, Severity.WARNING, Severity.INFO
SCHEMA_ERROR, SCHEMA_WARNING = "IST0106", "IST0133"


@dataclass(frozen=True)
class Rule:
    code: str
    kind: str
    severity: Severity
    title: str
    refs: tuple[str, ...]
    istio: str | None
    description: str
    bad: str
    good: str
    check: Check


RULES: dict[str, Rule] = {}


def register(entry: Rule) -> None:
    """Add a rule to the registry and its code to the codes findings use."""
    if entry.code in RULES:
        raise ValueError(f"rule code {entry.code} is registered twice")
    RULES[entry.code] = entry
    CODES[entry.code] = Code(entry.code, entry.severity, entry.title, entry.istio)


def rule(
    code: str,
    kind: str,
    severity: Severity,
    title: str,
    refs: str,
    bad: str,
    good: str,
    istio: str | None = None,
) -> Callable[[Check], Check]:
    """Register a check: ``check(spec, resource)`` yields (path under spec, message)."""

    def decorate(check: Check) -> Check:
        mirrored = istio or (SCHEMA_ERROR if severity is ERROR else SCHEMA_WARNING)
        description = " ".join((check.__doc__ or title).split())
        register(
            Rule(
                code,
                kind,
                severity,
                title,
                tuple(refs.split()),
                mirrored,
                description,
                bad,
                good,
                check,
            )
        )
        return check

    return decorate


def example(kind: str, spec: str, metadata: str = "{name: example, namespace: default}") -> str:
    """A whole manifest for a rule's example spec (YAML flow text)."""
    return f"apiVersion: networking.istio.io/v1\nkind: {kind}\nmetadata: {metadata}\nspec: {spec}\n"


_BY_KIND: dict[str, list[Rule]] = {}


def _rules_for(kind: str) -> list[Rule]:
    if len(_BY_KIND.get("", [])) != len(RULES):  # (re)built once every rule is registered
        _BY_KIND.clear()
        _BY_KIND[""] = list(RULES.values())
    if kind not in _BY_KIND:
        _BY_KIND[kind] = [r for r in RULES.values() if r.kind in (kind, "*")]
    return _BY_KIND[kind]


def problems(resource: dict[str, Any]) -> Iterator[tuple[Rule, Path, str]]:
    """Every rule the resource breaks: (rule, path from the document root, message)."""
    spec = resource.get("spec")
    if not isinstance(spec, dict):
        spec = {}
    for entry in _rules_for(str(resource.get("kind"))):
        for path, message in entry.check(spec, resource):
            yield entry, path, message

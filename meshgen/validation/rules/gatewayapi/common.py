"""What the Gateway API rules share: walking lists of objects, and the value checks
several kinds repeat."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from meshgen.manifests import mapping, sequence

Path = tuple[Any, ...]

SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")
QUALIFIED_KEY = re.compile(
    r"([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?"
    r"([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9]"
)


def items(value: Any, at: Path) -> Iterator[tuple[Path, dict[str, Any]]]:
    """Each mapping of a list, with its path."""
    for i, item in enumerate(sequence(value)):
        if isinstance(item, dict):
            yield (*at, i), item


def given(value: Any) -> bool:
    """Set, as CEL's ``has()`` and a non-empty value read it together."""
    return value not in (None, "", [], {})


def repeated(values: list[Any]) -> set[Any]:
    seen: set[Any] = set()
    twice: set[Any] = set()
    for value in values:
        (twice if value in seen else seen).add(value)
    return twice


def backend_refs(spec: dict[str, Any]) -> Iterator[tuple[Path, dict[str, Any]]]:
    """Every backend reference of a route's rules: backendRefs, and the backendRef of
    each RequestMirror and ExternalAuth filter, at the rule and at the backend."""
    for rule_at, rule in items(spec.get("rules"), ("spec", "rules")):
        for at, backend in items(rule.get("backendRefs"), (*rule_at, "backendRefs")):
            yield at, backend
            yield from _filter_backends(backend, at)
        yield from _filter_backends(rule, rule_at)


def _filter_backends(holder: dict[str, Any], at: Path) -> Iterator[tuple[Path, dict[str, Any]]]:
    for filter_at, entry in items(holder.get("filters"), (*at, "filters")):
        for field in ("requestMirror", "externalAuth"):
            backend = mapping(mapping(entry.get(field)).get("backendRef"))
            if backend:
                yield (*filter_at, field, "backendRef"), backend

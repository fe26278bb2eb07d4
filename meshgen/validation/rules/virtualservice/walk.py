"""Walking a VirtualService's spec: its HTTP rules, their match blocks, their names."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

VS = "VirtualService"


def rules(spec: dict[str, Any]) -> Iterator[tuple[int, dict[str, Any]]]:
    for i, entry in enumerate(spec.get("http") or []):
        if isinstance(entry, dict):
            yield i, entry


def matches(route: dict[str, Any]) -> Iterator[tuple[int, dict[str, Any]]]:
    for j, match in enumerate(route.get("match") or []):
        if isinstance(match, dict):
            yield j, match


def is_delegate(spec: dict[str, Any]) -> bool:
    return not spec.get("hosts")


def rule_name(route: dict[str, Any], index: int) -> str:
    return f'"{route["name"]}"' if route.get("name") else f"#{index}"

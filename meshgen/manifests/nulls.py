"""Nulls as the API server treats them: a null in a mapping is no field at all."""

from __future__ import annotations

from typing import Any


def drop_nulls(value: Any) -> Any:
    """``value`` itself, with every null inside a mapping removed in place, as the API
    server prunes them: for documents the caller owns (a copy of a large mesh would
    double what is held)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if None in item.values():
                for key in [k for k, v in item.items() if v is None]:
                    del item[key]
            stack.extend([v for v in item.values() if isinstance(v, (dict, list))])
        elif isinstance(item, list):
            stack.extend([v for v in item if isinstance(v, (dict, list))])
    return value


def prune_nulls(value: Any) -> Any:
    """A copy of ``value`` without nulls in mappings, as the API server keeps it, in
    JSON's shapes (a tuple becomes a list, as a YAML reader gives)."""
    if isinstance(value, dict):
        return {
            k: prune_nulls(v) if isinstance(v, _NESTED) else v
            for k, v in value.items()
            if v is not None
        }
    if isinstance(value, (list, tuple)):
        return [prune_nulls(item) if isinstance(item, _NESTED) else item for item in value]
    return value


_NESTED = (dict, list, tuple)

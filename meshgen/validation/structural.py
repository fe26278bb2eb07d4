"""Kubernetes structural schemas (a CRD's openAPIV3Schema) as plain JSON Schema.

What the API server does beyond JSON Schema, done here so that a stock validator can
check a manifest as ``kubectl apply`` with strict field validation would:

- unknown fields are rejected (``additionalProperties: false`` wherever an object lists
  its properties), except under ``x-kubernetes-preserve-unknown-fields``;
- ``x-kubernetes-int-or-string`` accepts an integer or a string;
- null values are dropped before validation, as the API server prunes them, unless the
  field is ``nullable`` (see :func:`prune_nulls`);
- ``x-kubernetes-validations`` (CEL rules) are collected separately: JSON Schema cannot
  express them.
"""

from __future__ import annotations

from typing import Any

_DROP = frozenset({"nullable", "format", "x-kubernetes-validations"})


_JUNCTORS = frozenset({"oneOf", "anyOf", "allOf", "not"})


def to_json_schema(node: Any, in_junctor: bool = False) -> Any:
    """A copy of a structural schema that a JSON Schema validator enforces faithfully.

    Inside ``oneOf``/``anyOf``/``allOf``/``not`` a schema only constrains values (a
    structural schema declares its fields outside them), so it refuses no field there."""
    if isinstance(node, list):
        return [to_json_schema(item, in_junctor) for item in node]
    if not isinstance(node, dict):
        return node
    out = {
        key: (
            {name: to_json_schema(prop, in_junctor) for name, prop in value.items()}
            if key in ("properties", "$defs", "definitions")
            else to_json_schema(value, in_junctor or key in _JUNCTORS)
        )
        for key, value in node.items()
        if key not in _DROP and not key.startswith("x-kubernetes-")
    }
    for combinator in ("oneOf", "anyOf"):
        branches = out.get(combinator)
        if isinstance(branches, list) and {"type": "null"} in branches:
            # nulls are pruned before validation, so "X or null" is just X
            kept = [b for b in branches if b != {"type": "null"}]
            del out[combinator]
            if len(kept) == 1:
                out = {**kept[0], **out}
            else:
                out[combinator] = kept
    if node.get("x-kubernetes-int-or-string"):
        out.pop("type", None)
        out["anyOf"] = [{"type": "integer"}, {"type": "string"}]
    preserve = node.get("x-kubernetes-preserve-unknown-fields")
    if (
        "properties" in node
        and "additionalProperties" not in node
        and not preserve
        and not in_junctor
    ):
        out["additionalProperties"] = False
    return out


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
    """The value with every null inside a mapping dropped, as the API server prunes them."""
    if isinstance(value, dict):
        return {
            k: prune_nulls(v) if isinstance(v, (dict, list)) else v
            for k, v in value.items()
            if v is not None
        }
    if isinstance(value, list):
        return [prune_nulls(item) if isinstance(item, (dict, list)) else item for item in value]
    return value

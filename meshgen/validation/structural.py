"""Kubernetes structural schemas (a CRD's openAPIV3Schema) as plain JSON Schema.

What the API server does beyond JSON Schema, done here so that a stock validator can
check a manifest as ``kubectl apply`` with strict field validation would:

- unknown fields are rejected (``additionalProperties: false`` wherever an object lists
  its properties), except under ``x-kubernetes-preserve-unknown-fields``;
- ``x-kubernetes-int-or-string`` accepts an integer or a string;
- null values are dropped before validation, as the API server prunes them, unless the
  field is ``nullable`` (see :mod:`meshgen.manifests.nulls`);
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
        if key not in _DROP and not key.startswith(("x-kubernetes-", "x-meshgen-"))
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

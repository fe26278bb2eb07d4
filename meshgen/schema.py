"""The JSON Schema of model files, for editors and for documentation."""

from __future__ import annotations

from typing import Any


def _tidy(node: Any) -> Any:
    """Drop what helps no reader: generated titles, null defaults, "or null" branches.

    Optional fields are optional by being left out; writing ``null`` is not encouraged.
    """
    if isinstance(node, list):
        return [_tidy(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {}
    for key, value in node.items():
        if key == "properties" and isinstance(value, dict):
            out[key] = {name: _tidy(prop) for name, prop in value.items()}
            continue
        if (key == "title" and isinstance(value, str)) or (key == "default" and value is None):
            continue
        out[key] = _tidy(value)
    branches = out.get("anyOf")
    if isinstance(branches, list):
        kept = [b for b in branches if b != {"type": "null"}]
        if len(kept) == 1:
            del out["anyOf"]
            out = {**kept[0], **out}
        elif len(kept) != len(branches):
            out["anyOf"] = kept
    return out


def model_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) that model files follow."""
    from meshgen.model.mesh import Mesh

    schema = _tidy(Mesh.model_json_schema(by_alias=True, mode="validation"))
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "meshgen model",
        **{k: v for k, v in schema.items() if k != "$schema"},
    }

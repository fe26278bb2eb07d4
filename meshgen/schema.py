"""The JSON Schema of model files, for editors and for documentation."""

from __future__ import annotations

from typing import Any


def model_schema() -> dict[str, Any]:
    from meshgen.model.mesh import Mesh

    schema = Mesh.model_json_schema(by_alias=True, mode="validation")
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        **schema,
        "title": "meshgen model",
    }

"""meshgen's Gateway API schemas (schemas/gateway-api/, written by
scripts/write_gateway_api_schemas.py): current with their script, and saying what the
upstream CRDs say field by field (type, bounds, pattern, enum, default, list type,
required), compared with the CRDs of both channels when ../shared has them."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import SHARED

from meshgen.validation.schemaset import standard_channel
from meshgen.yamlio import load_all

ROOT = Path(__file__).resolve().parent.parent
OURS = ROOT / "schemas" / "gateway-api"
UPSTREAM = SHARED / "gateway-api"
_COMPARED = (
    "type",
    "enum",
    "pattern",
    "minLength",
    "maxLength",
    "minimum",
    "maximum",
    "minItems",
    "maxItems",
    "maxProperties",
    "default",
    "x-kubernetes-list-type",
    "x-kubernetes-list-map-keys",
)


def test_the_schemas_are_what_their_script_writes() -> None:
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        from write_gateway_api_schemas import build
    finally:
        sys.path.pop(0)
    for path, text in build(Path()).items():
        assert (OURS / path).read_text("utf-8") == text, path


def _facts(schema: dict[str, Any], at: str = "spec") -> dict[str, Any]:
    """Field path → what the schema says of it."""
    facts = {at: {k: schema[k] for k in _COMPARED if k in schema}}
    facts[at]["required"] = sorted(schema.get("required", []))
    for name, child in (schema.get("properties") or {}).items():
        facts.update(_facts(child, f"{at}.{name}"))
    if isinstance(schema.get("items"), dict):
        facts.update(_facts(schema["items"], f"{at}[]"))
    if isinstance(schema.get("additionalProperties"), dict):
        facts.update(_facts(schema["additionalProperties"], f"{at}{{}}"))
    return facts


def _upstream(channel: str) -> dict[tuple[str, str], dict[str, Any]]:
    path = UPSTREAM / f"crds-{channel}-v1.6.0.yaml"
    served = {}
    for crd in load_all(path.read_text("utf-8")):
        if not isinstance(crd, dict) or crd.get("kind") != "CustomResourceDefinition":
            continue
        spec = crd["spec"]
        for version in spec["versions"]:
            if version.get("served"):
                schema = version["schema"]["openAPIV3Schema"]["properties"]["spec"]
                served[(f"{spec['group']}/{version['name']}", spec["names"]["kind"])] = schema
    return served


def _ours(channel: str) -> dict[tuple[str, str], dict[str, Any]]:
    found = {}
    for path in sorted(OURS.glob("*/*/*.json")):
        schema = json.loads(path.read_text("utf-8"))
        if channel == "standard" and (schema := standard_channel(schema)) is None:
            continue
        key = (f"{path.parent.parent.name}/{path.parent.name}", path.stem)
        found[key] = schema["properties"]["spec"]
    return found


@pytest.mark.skipif(not UPSTREAM.is_dir(), reason="../shared/gateway-api is not here")
@pytest.mark.parametrize("channel", ["standard", "experimental"])
def test_every_field_says_what_the_upstream_crds_say(channel: str) -> None:
    upstream, ours = _upstream(channel), _ours(channel)
    assert sorted(ours) == sorted(upstream)
    for key, schema in upstream.items():
        theirs, mine = _facts(schema), _facts(ours[key])
        assert sorted(mine) == sorted(theirs), key
        differ = {path: (mine[path], theirs[path]) for path in theirs if mine[path] != theirs[path]}
        assert differ == {}, key

"""Schemas by (apiVersion, kind), compiled into validators once and reused."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from meshgen._resources import data_dir
from meshgen.validation.structural import to_json_schema

ISTIO_GROUP = "networking.istio.io"
BUNDLED_KINDS = ("Gateway", "VirtualService", "DestinationRule")
BUNDLED_VERSIONS = ("v1", "v1beta1", "v1alpha3")


@dataclass
class SchemaSet:
    """Structural schemas keyed by (apiVersion, kind), and the validators built from them."""

    schemas: dict[tuple[str, str], dict[str, Any]]
    source: str
    _validators: dict[tuple[str, str], Any] = field(default_factory=dict, repr=False)

    def served_versions(self, group: str, kind: str) -> list[str]:
        return [
            api_version.partition("/")[2]
            for api_version, known in self.schemas
            if known == kind and api_version.partition("/")[0] == group
        ]

    def knows_kind(self, group: str, kind: str) -> bool:
        return bool(self.served_versions(group, kind))

    def schema(self, api_version: str, kind: str) -> dict[str, Any] | None:
        return self.schemas.get((api_version, kind))

    def validator(self, api_version: str, kind: str) -> Any:
        """A compiled JSON Schema validator, or None for a kind or version not served."""
        key = (api_version, kind)
        if key not in self._validators:
            structural = self.schemas.get(key)
            if structural is None:
                return None
            from jsonschema import Draft202012Validator

            self._validators[key] = Draft202012Validator(to_json_schema(structural))
        return self._validators[key]


@lru_cache(maxsize=1)
def bundled() -> SchemaSet:
    """The schemas shipped with meshgen (see schemas/istio/provenance.json)."""
    folder = data_dir("schemas") / "istio" / ISTIO_GROUP
    schemas = {}
    for version in BUNDLED_VERSIONS:
        for kind in BUNDLED_KINDS:
            text = (folder / version / f"{kind}.json").read_text(encoding="utf-8")
            schemas[(f"{ISTIO_GROUP}/{version}", kind)] = json.loads(text)
    return SchemaSet(schemas, "bundled schemas (Istio 1.18)")

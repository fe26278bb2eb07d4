"""Schemas from Kubernetes CustomResourceDefinitions, so users validate against exactly
their Istio release: an Istio release's ``crd-all.gen.yaml`` or ``kubectl get crd -o yaml``.

Every served version of every kind the file defines becomes a schema; its
``x-kubernetes-validations`` CEL rules are evaluated by :mod:`meshgen.validation.cel`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any

from meshgen import yamlio
from meshgen.errors import InputError
from meshgen.validation.schemaset import SchemaSet

BUNDLE_FORMAT = "meshgen-schemas/1"


def _definitions(documents: list[Any]) -> Iterator[dict[str, Any]]:
    for document in documents:
        if not isinstance(document, dict):
            continue
        if document.get("kind") == "CustomResourceDefinition":
            yield document
        elif document.get("kind") == "List":  # kubectl get crd -o yaml
            yield from _definitions(document.get("items") or [])


def schemas_from_crds(text: str, filename: str = "<crds>") -> dict[tuple[str, str], dict[str, Any]]:
    """(apiVersion, kind) -> openAPIV3Schema for every served version in a CRD file."""
    schemas: dict[tuple[str, str], dict[str, Any]] = {}
    for crd in _definitions(yamlio.load_all(text, filename)):
        spec = crd.get("spec") or {}
        group, kind = spec.get("group"), (spec.get("names") or {}).get("kind")
        for version in spec.get("versions") or []:
            schema = (version.get("schema") or {}).get("openAPIV3Schema")
            if version.get("served", True) and isinstance(schema, dict) and group and kind:
                schemas[(f"{group}/{version['name']}", kind)] = schema
    if not schemas:
        raise InputError(f"{filename}: holds no CustomResourceDefinition with a schema")
    return schemas


def bundle(schemas: dict[tuple[str, str], dict[str, Any]], source: str, text: str) -> str:
    """Imported schemas as one JSON file, for ``validate --crds`` to reuse quickly."""
    return (
        json.dumps(
            {
                "format": BUNDLE_FORMAT,
                "source": source,
                "sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(),
                "schemas": [
                    {"apiVersion": api_version, "kind": kind, "schema": schema}
                    for (api_version, kind), schema in sorted(schemas.items())
                ],
            },
            separators=(",", ":"),
        )
        + "\n"
    )


def load_schema_file(path: str) -> SchemaSet:
    """A SchemaSet from CRD YAML, or from a bundle written by ``meshgen schemas import``.

    Read once per process while the file is unchanged (a CRD file is large).
    """
    try:
        stat = Path(path).stat()
        identity = (str(Path(path).resolve()), stat.st_mtime_ns, stat.st_size)
    except OSError:
        identity = (path, 0, 0)
    return _load_schema_file(path, identity)


@lru_cache(maxsize=4)
def _load_schema_file(path: str, identity: tuple[str, int, int]) -> SchemaSet:
    text = yamlio.read_text(path)
    if text.lstrip().startswith("{"):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as e:
            raise InputError(f"{path}: not a schema bundle: {e}") from e
        if data.get("format") != BUNDLE_FORMAT:
            raise InputError(f"{path}: not a meshgen schema bundle (format {data.get('format')!r})")
        schemas = {(s["apiVersion"], s["kind"]): s["schema"] for s in data["schemas"]}
        return SchemaSet(schemas, f"schemas imported from {data.get('source')}")
    return SchemaSet(schemas_from_crds(text, path), f"CRDs in {Path(path).name}")

"""Schemas from Kubernetes CustomResourceDefinitions, so users validate against exactly
their Istio release: an Istio release's ``crd-all.gen.yaml`` or ``kubectl get crd -o yaml``.

Every served version of every kind the file defines becomes a schema; its
``x-kubernetes-validations`` CEL rules are evaluated by :mod:`meshgen.validation.cel`.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any

from meshgen import yamlio
from meshgen.errors import InputError
from meshgen.manifests import mapping, sequence
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
        spec = mapping(crd.get("spec"))
        group, kind = spec.get("group"), mapping(spec.get("names")).get("kind")
        if not isinstance(group, str) or not isinstance(kind, str):
            continue
        for version in sequence(spec.get("versions")):
            version = mapping(version)
            name = version.get("name")
            schema = mapping(version.get("schema")).get("openAPIV3Schema")
            if version.get("served", True) and isinstance(schema, dict) and isinstance(name, str):
                schemas[(f"{group}/{name}", kind)] = _local_refs_only(schema, filename)
    if not schemas:
        raise InputError(f"{filename}: holds no CustomResourceDefinition with a schema")
    return schemas


def _local_refs_only(schema: dict[str, Any], filename: str) -> dict[str, Any]:
    """The schema, if every ``$ref`` in it points inside it: meshgen reads only its
    inputs and never fetches a reference from the network or another file."""
    stack: list[Any] = [schema]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and not ref.startswith("#"):
                raise InputError(
                    f"{filename}: $ref '{ref}' points outside the CRD; meshgen does not "
                    "fetch references (inline the schema it names)"
                )
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return schema


def digest(text: str) -> str:
    """The SHA-256 of CRD text, which a bundle records and the cache is keyed by."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def bundle(schemas: dict[tuple[str, str], dict[str, Any]], source: str, sha256: str) -> str:
    """Imported schemas as one JSON file, for ``validate --crds`` to reuse quickly;
    ``sha256`` is the :func:`digest` of the CRD text they come from."""
    return (
        json.dumps(
            {
                "format": BUNDLE_FORMAT,
                "source": source,
                "sha256": sha256,
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
    if text.lstrip().startswith("{") and '"format"' in text[:200]:  # a bundle starts so
        return SchemaSet(_bundle_schemas(text, path), f"schemas imported from {path}")
    return SchemaSet(_cached_schemas_from_crds(text, path), f"CRDs in {Path(path).name}")


def cache_folder() -> Path | None:
    """Where CRD files are kept as bundles between runs: ``$MESHGEN_CACHE_DIR`` (empty:
    no cache), else ``$XDG_CACHE_HOME/meshgen``, else ``~/.cache/meshgen``."""
    configured = os.environ.get("MESHGEN_CACHE_DIR")
    if configured is not None:
        return Path(configured) if configured else None
    base = os.environ.get("XDG_CACHE_HOME", "")
    if not os.path.isabs(base):  # XDG: a relative path is to be ignored
        base = os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "meshgen" if os.path.isabs(base) else None


def _cached_schemas_from_crds(text: str, path: str) -> dict[tuple[str, str], dict[str, Any]]:
    """The schemas of CRD YAML, from the bundle stored for exactly this text (by its
    SHA-256) when there is one; otherwise read from the YAML and stored for next time.

    A cache that cannot be read or written is passed over: the YAML is the truth.
    """
    folder = cache_folder()
    sha256 = digest(text)
    stored = folder / "crds" / f"{sha256}.json" if folder is not None else None
    if stored is not None:
        try:
            cached = stored.read_text(encoding="utf-8")
            if f'"sha256":"{sha256}"' in cached:
                return _bundle_schemas(cached, str(stored))
        except (OSError, UnicodeDecodeError, InputError):
            pass
    schemas = schemas_from_crds(text, path)
    if stored is not None:
        from meshgen._output import write_atomic
        from meshgen.errors import MeshgenError

        try:
            stored.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            write_atomic(stored, bundle(schemas, Path(path).name, sha256))
        except (OSError, MeshgenError):
            pass
    return schemas


def _bundle_schemas(text: str, path: str) -> dict[tuple[str, str], dict[str, Any]]:
    try:
        data = json.loads(text)
    except (json.JSONDecodeError, RecursionError) as e:
        raise InputError(f"{path}: not a schema bundle: {e}") from e
    if not isinstance(data, dict) or data.get("format") != BUNDLE_FORMAT:
        found = data.get("format") if isinstance(data, dict) else None
        raise InputError(f"{path}: not a meshgen schema bundle (format {found!r})")
    schemas = {}
    for entry in sequence(data.get("schemas")):
        entry = mapping(entry)
        api_version, kind, schema = entry.get("apiVersion"), entry.get("kind"), entry.get("schema")
        if not (
            isinstance(api_version, str) and isinstance(kind, str) and isinstance(schema, dict)
        ):
            raise InputError(f"{path}: a schema entry lacks apiVersion, kind or schema")
        schemas[(api_version, kind)] = _local_refs_only(schema, path)
    if not schemas:
        raise InputError(f"{path}: the bundle holds no schemas")
    return schemas

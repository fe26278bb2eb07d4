"""Vendor Kubernetes' schemas for the kinds meshgen writes into schemas/kubernetes/.

    python scripts/vendor_kubernetes_schemas.py           # fetch the pinned wheel, rewrite
    python scripts/vendor_kubernetes_schemas.py --check   # fetch, compare, exit 1 on drift

Source: the PyPI package kubernetes-validate (Apache-2.0), which ships the JSON schemas
of each Kubernetes release's OpenAPI document; its "strict" variant refuses unknown
fields, as `kubectl apply --validate=strict` does. The wheel is fetched with
`pip download` and checked against the sha256 pinned below before anything is read.

Each written schema is the release's schema for one kind, with the definitions it
refers to (and only those) copied in under `$defs`, and descriptions left out (they are
most of the size and meshgen never shows them).
"""

from __future__ import annotations

import json
import sys
import zipfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from vendoring import ROOT, pip_wheel, vendor, with_provenance

OUT = ROOT / "schemas" / "kubernetes"

PACKAGE = ("kubernetes-validate", "1.37.0")
WHEEL = "kubernetes_validate-1.37.0-py3-none-any.whl"
WHEEL_SHA256 = "85136d018a27b50ec7fc049d902bfa5193f5976807e6c0f408e3ab6fe078cad9"
KUBERNETES_RELEASE = "1.37.0"
FOLDER = f"kubernetes_validate/kubernetes-json-schema/v{KUBERNETES_RELEASE}-local-strict"
# (apiVersion, kind, the file the package names it by)
KINDS = (
    ("v1", "Namespace", "namespace-v1.json"),
    ("v1", "ServiceAccount", "serviceaccount-v1.json"),
    ("v1", "Service", "service-v1.json"),
    ("apps/v1", "Deployment", "deployment-apps-v1.json"),
)
_DEFINITIONS = "/api/_definitions.json#/$defs/"


def fetch(into: Path) -> zipfile.ZipFile:
    return pip_wheel(PACKAGE[0], PACKAGE[1], WHEEL, WHEEL_SHA256, into)


def _without_descriptions(schema: Any) -> Any:
    """The schema without its ``description`` annotations (a property of that name stays)."""
    if isinstance(schema, list):
        return [_without_descriptions(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    out = {}
    for key, value in schema.items():
        if key == "description" and isinstance(value, str):
            continue
        if key in ("properties", "$defs", "patternProperties") and isinstance(value, dict):
            out[key] = {name: _without_descriptions(sub) for name, sub in value.items()}
        elif key == "$ref" and isinstance(value, str) and value.startswith(_DEFINITIONS):
            out[key] = "#/$defs/" + value.removeprefix(_DEFINITIONS)
        else:
            out[key] = _without_descriptions(value)
    return out


def _refs(node: Any) -> set[str]:
    if isinstance(node, dict):
        found = {
            value.removeprefix("#/$defs/")
            for key, value in node.items()
            if key == "$ref" and isinstance(value, str)
        }
        for value in node.values():
            found |= _refs(value)
        return found
    if isinstance(node, list):
        return set().union(*(_refs(item) for item in node)) if node else set()
    return set()


def build(wheel: zipfile.ZipFile) -> dict[str, str]:
    """Every vendored file's path (relative to schemas/kubernetes) and text."""
    definitions = _without_descriptions(
        json.loads(wheel.read(f"{FOLDER}/_definitions.json"))["$defs"]
    )
    files: dict[str, str] = {}
    for api_version, kind, name in KINDS:
        schema = _without_descriptions(json.loads(wheel.read(f"{FOLDER}/{name}")))
        schema.pop("$id", None)
        defs: dict[str, Any] = {}
        pending = sorted(_refs(schema))
        while pending:
            ref = pending.pop()
            if ref not in defs:
                defs[ref] = definitions[ref]
                pending.extend(sorted(_refs(defs[ref]) - set(defs)))
        schema["$defs"] = {ref: defs[ref] for ref in sorted(defs)}
        files[f"{api_version}/{kind}.json"] = json.dumps(schema, indent=1, sort_keys=True) + "\n"
    (license_name,) = [n for n in wheel.namelist() if n.endswith(".dist-info/licenses/LICENSE")]
    files["LICENSE"] = wheel.read(license_name).decode("utf-8")
    provenance = {
        "sources": [
            {
                "package": PACKAGE[0],
                "registry": "PyPI",
                "version": PACKAGE[1],
                "file": WHEEL,
                "sha256": WHEEL_SHA256,
                "license": "Apache-2.0",
                "used_for": f"{FOLDER}: the strict schemas of Kubernetes {KUBERNETES_RELEASE}",
            }
        ],
        "kubernetes_release": KUBERNETES_RELEASE,
        "generated_by": "scripts/vendor_kubernetes_schemas.py",
    }
    return with_provenance(files, provenance)


def main() -> int:
    return vendor(__doc__.splitlines()[0], OUT, lambda temp: build(fetch(temp)))


if __name__ == "__main__":
    sys.exit(main())

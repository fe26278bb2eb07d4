"""Vendor the schemas of every Istio kind and served version into schemas/istio/.

    python scripts/vendor_istio_schemas.py           # fetch the pinned packages, rewrite
    python scripts/vendor_istio_schemas.py --check   # fetch, compare, exit 1 on drift

Two registry sources, combined, because neither alone is both current and faithful:

- npm @kubernetes-models/istio 2.3.0 (MIT) embeds Istio 1.18.0's CRD schemas as
  JavaScript object literals: every constraint of the CRD (oneOf, required, enums,
  int-or-string, bounds), for the kinds and versions Istio 1.18 served. ObjectMeta comes
  from @kubernetes-models/apimachinery 1.2.2 (MIT). Both are fetched with `npm pack`.
- PyPI cloudcoil-models-istio 1.31.0.1 (Apache-2.0) is Pydantic source generated from
  Istio 1.31's CRDs: every kind, version and field Istio serves today, with types, enums
  and bounds, but not the CRD's oneOf and required rules. It is read with `ast`, never
  imported, from the wheel fetched with `pip download`.

Each written schema is Istio 1.18's for that kind (the nearest version it served, with
the apiVersion changed), with every field, nested field and enum value that Istio 1.31
adds merged in; a kind 1.18 did not have (TrafficExtension) is 1.31's alone. Every
package is checked against the integrity hash pinned below before anything is read.
"""

from __future__ import annotations

import ast
import base64
import hashlib
import json
import re
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from istio_fields import Module, merge
from vendoring import ROOT, pip_wheel, vendor, with_provenance

OUT = ROOT / "schemas" / "istio"

ISTIO = ("@kubernetes-models/istio", "2.3.0")
ISTIO_INTEGRITY = (
    "sha512-tA3/4u54DAVJerwCKDC/kJmBMgDfjuc2OC+bigI8oqi+1aZGmJco/c6txfLYXSe"
    "vdFcgeIWf6hQ/eyxj6GyZ2g=="
)
APIMACHINERY = ("@kubernetes-models/apimachinery", "1.2.2")
APIMACHINERY_INTEGRITY = (
    "sha512-d7r1sojRKFPJOgR7Oefh7hlzSZzCEi1hno8Rz6vD96gwmsBOi7KijUcOXnFJ7pgaw3"
    "jGuAr62idBkrBbqBz4XA=="
)
FIELDS = ("cloudcoil-models-istio", "1.31.0.1")
FIELDS_WHEEL = "cloudcoil_models_istio-1.31.0.1-py3-none-any.whl"
FIELDS_SHA256 = "c5b6c11a25d8848ad5bbb18a010b45a7569d3cde8b047074ad4d4b87a5d5645a"
ISTIO_RELEASE = "1.31"
CONSTRAINTS_RELEASE = "1.18.0"
# The version of the same kind in Istio 1.18 whose constraints a newer version inherits.
_EARLIER = {"v1": ("v1beta1", "v1alpha1"), "v1beta1": ("v1alpha3",)}

_LITERAL = re.compile(r"^const schema = (\{.*?^\});", re.S | re.M)
_REF = re.compile(r"^(io\.k8s\.[A-Za-z0-9.]+)#$")


def fetch(package: tuple[str, str], integrity: str, into: Path) -> Path:
    """`npm pack` one pinned package into ``into``, verify it, unpack it; return its root."""
    name, version = package
    result = subprocess.run(
        ["npm", "pack", f"{name}@{version}", "--json", "--pack-destination", str(into)],
        capture_output=True,
        text=True,
        check=True,
    )
    (packed,) = json.loads(result.stdout)
    tarball = into / packed["filename"]
    digest = hashlib.sha512(tarball.read_bytes()).digest()
    actual = "sha512-" + base64.b64encode(digest).decode()
    if actual != integrity:
        raise SystemExit(f"{name}@{version}: integrity {actual} is not the pinned {integrity}")
    root = into / f"{name.replace('/', '_')}-{version}"
    with tarfile.open(tarball) as archive:
        archive.extractall(root, filter="data")
    return root / "package"


def literal(js_file: Path) -> dict[str, Any]:
    match = _LITERAL.search(js_file.read_text(encoding="utf-8"))
    if match is None:
        raise SystemExit(f"{js_file}: no schema literal found")
    return json.loads(match.group(1))  # the literals are JSON


def _module_name(ref: str) -> str:
    """io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta -> IoK8sApimachinery…V1ObjectMeta"""
    return "".join(part[:1].upper() + part[1:] for part in ref.split("."))


def _refs(node: Any) -> set[str]:
    found: set[str] = set()
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str) and _REF.match(value):
                found.add(_REF.match(value).group(1))  # type: ignore[union-attr]
            else:
                found |= _refs(value)
    elif isinstance(node, list):
        for item in node:
            found |= _refs(item)
    return found


def _local_refs(node: Any) -> Any:
    if isinstance(node, dict):
        return {
            key: (
                f"#/$defs/{_REF.match(value).group(1)}"  # type: ignore[union-attr]
                if key == "$ref" and isinstance(value, str) and _REF.match(value)
                else _local_refs(value)
            )
            for key, value in node.items()
        }
    if isinstance(node, list):
        return [_local_refs(item) for item in node]
    return node


def apimachinery_defs(root: Path, wanted: set[str]) -> dict[str, Any]:
    """The apimachinery schemas ``wanted`` refers to, and everything they refer to."""
    defs: dict[str, Any] = {}
    pending = sorted(wanted)
    while pending:
        ref = pending.pop()
        if ref in defs:
            continue
        schema = literal(root / "_schemas" / f"{_module_name(ref)}.js")
        defs[ref] = schema
        pending.extend(sorted(_refs(schema) - set(defs)))
    return {name: _local_refs(defs[name]) for name in sorted(defs)}


def fetch_fields(into: Path) -> zipfile.ZipFile:
    """The pinned wheel of generated Istio models (built for Python 3.14, read as text)."""
    return pip_wheel(
        FIELDS[0], FIELDS[1], FIELDS_WHEEL, FIELDS_SHA256, into, "--python-version", "3.14"
    )


def current_kinds(wheel: zipfile.ZipFile) -> dict[tuple[str, str, str], dict[str, Any]]:
    """(group, version, kind) -> the spec schema Istio serves today."""
    out = {}
    for name in sorted(wheel.namelist()):
        parts = name.split("/")
        if len(parts) != 5 or not parts[4].startswith("v") or not parts[4].endswith(".py"):
            continue
        group, version = f"{parts[3]}.istio.io", parts[4].removesuffix(".py")
        module = Module(wheel.read(name).decode("utf-8"))
        for kind, spec in module.resources().items():
            out[(group, version, kind)] = module.schema(ast.Name(spec))
    return out


def _wrapped(group: str, version: str, kind: str, spec: dict[str, Any]) -> dict[str, Any]:
    """A kind Istio 1.18 did not have: its spec inside the fields every object has."""
    return {
        "type": "object",
        "properties": {
            "apiVersion": {"type": "string", "enum": [f"{group}/{version}"]},
            "kind": {"type": "string", "enum": [kind]},
            "metadata": {"$ref": f"#/$defs/{_OBJECT_META}"},
            "spec": spec,
            "status": {"type": "object", "x-kubernetes-preserve-unknown-fields": True},
        },
        "required": ["apiVersion", "kind", "spec"],
    }


_OBJECT_META = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"


def build(istio: Path, apimachinery: Path, fields: zipfile.ZipFile) -> dict[str, str]:
    """Every vendored file's path (relative to schemas/istio) and text."""
    files: dict[str, str] = {}
    combined = []
    for (group, version, kind), spec in sorted(current_kinds(fields).items()):
        earlier = [
            v
            for v in (version, *_EARLIER.get(version, ()))
            if (istio / group / v / f"{kind}.js").exists()
        ]
        if earlier:
            schema = _local_refs(literal(istio / group / earlier[0] / f"{kind}.js"))
            schema["properties"]["apiVersion"]["enum"] = [f"{group}/{version}"]
            schema["properties"]["spec"] = merge(schema["properties"]["spec"], spec)
            combined.append(f"{group}/{version} {kind}: Istio 1.18's {earlier[0]} + 1.31's fields")
        else:
            schema = _wrapped(group, version, kind, spec)
            combined.append(f"{group}/{version} {kind}: Istio 1.31's fields only")
        schema["$defs"] = apimachinery_defs(apimachinery, {_OBJECT_META})
        files[f"{group}/{version}/{kind}.json"] = json.dumps(schema, indent=1) + "\n"
    files["LICENSE"] = (istio / "LICENSE").read_text(encoding="utf-8")
    (license_name,) = [n for n in fields.namelist() if n.endswith("licenses/LICENSE")]
    files["LICENSE-cloudcoil-models-istio"] = fields.read(license_name).decode("utf-8")
    provenance = {
        "sources": [
            {
                "package": ISTIO[0],
                "registry": "npm",
                "version": ISTIO[1],
                "integrity": ISTIO_INTEGRITY,
                "license": "MIT",
                "used_for": f"the CRD schemas of Istio {CONSTRAINTS_RELEASE}: every constraint",
            },
            {
                "package": APIMACHINERY[0],
                "registry": "npm",
                "version": APIMACHINERY[1],
                "integrity": APIMACHINERY_INTEGRITY,
                "license": "MIT",
                "used_for": "ObjectMeta and the schemas it refers to",
            },
            {
                "package": FIELDS[0],
                "registry": "PyPI",
                "version": FIELDS[1],
                "file": FIELDS_WHEEL,
                "sha256": FIELDS_SHA256,
                "license": "Apache-2.0",
                "used_for": f"the kinds, versions, fields and enums of Istio {ISTIO_RELEASE}",
            },
        ],
        "istio_release": ISTIO_RELEASE,
        "generated_by": "scripts/vendor_istio_schemas.py",
        "schemas": combined,
        "gaps": [
            "A field added after Istio 1.18 has its type, enum and bounds, but not the CRD's "
            "oneOf or required rules (the generated models do not carry them).",
            "CEL rules (x-kubernetes-validations) are not bundled; validate --crds checks them.",
        ],
    }
    return with_provenance(files, provenance)


def main() -> int:
    return vendor(
        __doc__.splitlines()[0],
        OUT,
        lambda temp: build(
            fetch(ISTIO, ISTIO_INTEGRITY, temp),
            fetch(APIMACHINERY, APIMACHINERY_INTEGRITY, temp),
            fetch_fields(temp),
        ),
    )


if __name__ == "__main__":
    sys.exit(main())

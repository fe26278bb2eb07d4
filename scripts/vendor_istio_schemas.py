"""Vendor Istio's Gateway, VirtualService and DestinationRule schemas into schemas/istio/.

    python scripts/vendor_istio_schemas.py           # fetch the pinned packages, rewrite
    python scripts/vendor_istio_schemas.py --check   # fetch, compare, exit 1 on drift

Source: the npm package @kubernetes-models/istio (MIT), generated from Istio 1.18.0's
crd-all.gen.yaml, which embeds each schema as a JavaScript object literal, and
@kubernetes-models/apimachinery (MIT) for ObjectMeta. Both are fetched with `npm pack`
and checked against the integrity hashes pinned below before anything is read.

Each written schema is the package's literal, unchanged but for two things: ObjectMeta
and what it references are copied in under `$defs` (the package refers to another
package), and `v1`, which Istio 1.18 did not serve yet, is `v1beta1` with its apiVersion
changed (the two versions have the same fields in every later Istio release).
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import re
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
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
ISTIO_RELEASE = "1.18.0"
KINDS = ("Gateway", "VirtualService", "DestinationRule")
PACKAGE_VERSIONS = ("v1beta1", "v1alpha3")
GROUP = "networking.istio.io"

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


def build(istio: Path, apimachinery: Path) -> dict[str, str]:
    """Every vendored file's path (relative to schemas/istio) and text."""
    files: dict[str, str] = {}
    for version in PACKAGE_VERSIONS:
        for kind in KINDS:
            schema = literal(istio / GROUP / version / f"{kind}.js")
            schema = {
                **_local_refs(schema),
                "$defs": apimachinery_defs(apimachinery, _refs(schema)),
            }
            files[f"{GROUP}/{version}/{kind}.json"] = json.dumps(schema, indent=1) + "\n"
            if version == "v1beta1":
                v1 = json.loads(json.dumps(schema))
                v1["properties"]["apiVersion"]["enum"] = [f"{GROUP}/v1"]
                files[f"{GROUP}/v1/{kind}.json"] = json.dumps(v1, indent=1) + "\n"
    files["LICENSE"] = (istio / "LICENSE").read_text(encoding="utf-8")
    provenance = {
        "sources": [
            {
                "package": ISTIO[0],
                "version": ISTIO[1],
                "integrity": ISTIO_INTEGRITY,
                "license": "MIT",
            },
            {
                "package": APIMACHINERY[0],
                "version": APIMACHINERY[1],
                "integrity": APIMACHINERY_INTEGRITY,
                "license": "MIT",
                "used_for": "ObjectMeta and the schemas it refers to",
            },
        ],
        "istio_release": ISTIO_RELEASE,
        "generated_by": "scripts/vendor_istio_schemas.py",
        "notes": "v1 is v1beta1 with apiVersion networking.istio.io/v1 (Istio 1.18 served "
        "v1beta1 and v1alpha3 only; v1 has the same fields).",
        "sha256": {
            path: hashlib.sha256(text.encode("utf-8")).hexdigest()
            for path, text in sorted(files.items())
        },
    }
    files["provenance.json"] = json.dumps(provenance, indent=2) + "\n"
    return files


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="change nothing; fail on drift")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as temp:
        files = build(
            fetch(ISTIO, ISTIO_INTEGRITY, Path(temp)),
            fetch(APIMACHINERY, APIMACHINERY_INTEGRITY, Path(temp)),
        )
    stale = [
        p
        for p, text in files.items()
        if not (OUT / p).exists() or (OUT / p).read_text(encoding="utf-8") != text
    ]
    for path in stale:
        print(f"{'out of date' if args.check else 'rewritten'}: schemas/istio/{path}")
        if not args.check:
            (OUT / path).parent.mkdir(parents=True, exist_ok=True)
            (OUT / path).write_text(files[path], encoding="utf-8")
    return 1 if args.check and stale else 0


if __name__ == "__main__":
    sys.exit(main())

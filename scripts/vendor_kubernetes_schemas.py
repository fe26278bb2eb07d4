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

import argparse
import hashlib
import json
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
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
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--no-deps",
            "--only-binary",
            ":all:",
            "--dest",
            str(into),
            f"{PACKAGE[0]}=={PACKAGE[1]}",
        ],
        check=True,
        capture_output=True,
    )
    wheel = into / WHEEL
    actual = hashlib.sha256(wheel.read_bytes()).hexdigest()
    if actual != WHEEL_SHA256:
        raise SystemExit(f"{WHEEL}: sha256 {actual} is not the pinned {WHEEL_SHA256}")
    return zipfile.ZipFile(wheel)


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
        files = build(fetch(Path(temp)))
    stale = [
        p
        for p, text in files.items()
        if not (OUT / p).exists() or (OUT / p).read_text(encoding="utf-8") != text
    ]
    for path in stale:
        print(f"{'out of date' if args.check else 'rewritten'}: schemas/kubernetes/{path}")
        if not args.check:
            (OUT / path).parent.mkdir(parents=True, exist_ok=True)
            (OUT / path).write_text(files[path], encoding="utf-8")
    return 1 if args.check and stale else 0


if __name__ == "__main__":
    sys.exit(main())

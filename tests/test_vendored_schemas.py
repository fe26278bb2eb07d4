"""The vendored Istio schemas are exactly what their provenance says.

Re-fetching from the package registry (``python scripts/vendor_istio_schemas.py --check``)
needs npm and the network; this offline check catches any edit to a vendored file.
"""

from __future__ import annotations

import hashlib
import json

import pytest
from conftest import ROOT

SCHEMAS = ROOT / "schemas" / "istio"
PROVENANCE = json.loads((SCHEMAS / "provenance.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("path", sorted(PROVENANCE["sha256"]))
def test_file_matches_its_recorded_hash(path: str) -> None:
    data = (SCHEMAS / path).read_bytes()
    assert hashlib.sha256(data).hexdigest() == PROVENANCE["sha256"][path]


def test_every_vendored_file_is_accounted_for() -> None:
    present = {p.relative_to(SCHEMAS).as_posix() for p in SCHEMAS.rglob("*") if p.is_file()} - {
        "provenance.json"
    }
    assert present == set(PROVENANCE["sha256"])


def test_provenance_names_source_license_and_istio_release() -> None:
    (istio, apimachinery) = PROVENANCE["sources"]
    assert (istio["package"], istio["version"], istio["license"]) == (
        "@kubernetes-models/istio",
        "2.3.0",
        "MIT",
    )
    assert apimachinery["integrity"].startswith("sha512-")
    assert PROVENANCE["istio_release"] == "1.18.0"


@pytest.mark.parametrize("version", ["v1", "v1beta1", "v1alpha3"])
@pytest.mark.parametrize("kind", ["Gateway", "VirtualService", "DestinationRule"])
def test_every_served_version_of_every_kind_is_bundled(version: str, kind: str) -> None:
    schema = json.loads((SCHEMAS / "networking.istio.io" / version / f"{kind}.json").read_text())
    assert schema["properties"]["apiVersion"]["enum"] == [f"networking.istio.io/{version}"]
    assert schema["properties"]["kind"]["enum"] == [kind]

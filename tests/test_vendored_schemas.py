"""The vendored Istio schemas are exactly what their provenance says.

Re-fetching from the package registry (``python scripts/vendor_istio_schemas.py --check``)
needs npm and the network; this offline check catches any edit to a vendored file.
"""

from __future__ import annotations

import hashlib
import json

import pytest
from conftest import ROOT

from meshgen.releases import ISTIO_RELEASE, KUBERNETES_RELEASE

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


def test_provenance_names_sources_licenses_and_the_istio_release() -> None:
    constraints, apimachinery, fields = PROVENANCE["sources"]
    assert (constraints["package"], constraints["version"], constraints["license"]) == (
        "@kubernetes-models/istio",
        "2.3.0",
        "MIT",
    )
    assert apimachinery["integrity"].startswith("sha512-")
    assert (fields["package"], fields["registry"], fields["license"]) == (
        "cloudcoil-models-istio",
        "PyPI",
        "Apache-2.0",
    )
    assert len(fields["sha256"]) == 64
    assert PROVENANCE["istio_release"] == ISTIO_RELEASE


def test_the_kubernetes_release_is_the_vendored_one() -> None:
    provenance = json.loads((ROOT / "schemas/kubernetes/provenance.json").read_text())
    assert provenance["kubernetes_release"] == KUBERNETES_RELEASE


SERVED = [
    (group, version, kind)
    for group in ("networking.istio.io",)
    for version in ("v1", "v1beta1", "v1alpha3")
    for kind in (
        "DestinationRule",
        "Gateway",
        "ServiceEntry",
        "Sidecar",
        "VirtualService",
        "WorkloadEntry",
        "WorkloadGroup",
    )
] + [
    ("networking.istio.io", "v1alpha3", "EnvoyFilter"),
    ("networking.istio.io", "v1beta1", "ProxyConfig"),
    *(
        ("security.istio.io", version, kind)
        for version in ("v1", "v1beta1")
        for kind in ("AuthorizationPolicy", "PeerAuthentication", "RequestAuthentication")
    ),
    ("telemetry.istio.io", "v1", "Telemetry"),
    ("telemetry.istio.io", "v1alpha1", "Telemetry"),
    ("extensions.istio.io", "v1alpha1", "WasmPlugin"),
    ("extensions.istio.io", "v1alpha1", "TrafficExtension"),
]


@pytest.mark.parametrize(("group", "version", "kind"), SERVED)
def test_every_served_version_of_every_kind_is_bundled(group: str, version: str, kind: str) -> None:
    schema = json.loads((SCHEMAS / group / version / f"{kind}.json").read_text())
    assert schema["properties"]["apiVersion"]["enum"] == [f"{group}/{version}"]
    assert schema["properties"]["kind"]["enum"] == [kind]

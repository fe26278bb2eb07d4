"""Host resolution, written once in meshgen.manifests.hosts, and the same answer from
validate (which VirtualServices conflict) and explain (which one a request meets)."""

from __future__ import annotations

import pytest

import meshgen
from meshgen.manifests.hosts import fqdn, request_hosts

FULL = "reviews.default.svc.cluster.local"


@pytest.mark.parametrize(
    ("host", "namespace", "resolved"),
    [
        ("reviews", "default", FULL),
        ("reviews.default", "default", "reviews.default"),  # a dot: taken as written
        (FULL, "prod", FULL),
        ("*", "default", "*"),
        ("*.example.com", "default", "*.example.com"),
        ("10.0.0.1", "default", "10.0.0.1"),
    ],
)
def test_fqdn_as_istio_resolves_short_names(host: str, namespace: str, resolved: str) -> None:
    assert fqdn(host, namespace) == resolved


def test_a_request_host_stands_for_its_service_under_short_aliases() -> None:
    assert request_hosts("Reviews", "default") == [FULL]
    assert request_hosts("reviews.default", "prod") == ["reviews.default", FULL]
    assert request_hosts("reviews.default.svc:9080", "prod") == ["reviews.default.svc", FULL]


def _vs(name: str, host: str, namespace: str) -> str:
    return (
        "apiVersion: networking.istio.io/v1\nkind: VirtualService\n"
        f"metadata: {{name: {name}, namespace: {namespace}}}\n"
        f"spec: {{hosts: ['{host}'], http: [{{route: [{{destination: {{host: reviews}}}}]}}]}}\n"
    )


# (host of a, namespace of a, host of b, namespace of b, request host, same host)
CASES = [
    ("reviews", "default", FULL, "default", "reviews", True),
    ("reviews", "default", "reviews.default", "default", "reviews", False),
    ("reviews.default", "default", FULL, "default", "reviews.default", False),
    ("reviews", "default", "reviews", "prod", "reviews", False),
    ("reviews", "prod", "reviews.prod.svc.cluster.local", "default", "reviews", True),
    ("*.example.com", "default", "*.example.com", "prod", "shop.example.com", True),
    ("shop.example.com", "default", "*.example.com", "default", "shop.example.com", False),
]


@pytest.mark.parametrize(("host_a", "ns_a", "host_b", "ns_b", "asked", "same"), CASES)
def test_validate_and_explain_agree_on_which_hosts_are_one(
    host_a: str, ns_a: str, host_b: str, ns_b: str, asked: str, same: bool
) -> None:
    text = _vs("a", host_a, ns_a) + "---\n" + _vs("b", host_b, ns_b)
    conflicts = [f for f in meshgen.validate(text).findings if f.code == "MG2401"]
    assert bool(conflicts) == same, conflicts

    documents = meshgen.yamlio.load_all(text)
    explanation = meshgen.explain(documents, meshgen.Request(host=asked, source_namespace=ns_a))
    assert explanation.virtual_service == f"{ns_a}/a"
    also_claims = [n for n in explanation.notes if f"{ns_b}/b also claims" in n]
    assert bool(also_claims) == same, explanation.notes

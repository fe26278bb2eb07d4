"""meshgen explain, as a table of requests and what they must hit.

Each case names the manifests (a lab's rendered example, or inline YAML), the request,
and a part of the JSON explanation that must hold (every key given must match; lists are
compared item by item, as far as given).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import ROOT
from helpers import run

from meshgen import yamlio
from meshgen.explanation import Request, explain


def _lab(name: str) -> list[dict[str, Any]]:
    return yamlio.load_all((ROOT / "examples" / name / "istio.yaml").read_text())


def _inline(text: str) -> list[dict[str, Any]]:
    return [d for d in yamlio.load_all(text) if d]


def _holds(actual: Any, expected: Any, where: str = "$") -> None:
    if isinstance(expected, dict):
        assert isinstance(actual, dict), where
        for key, value in expected.items():
            assert key in actual, f"{where}.{key} missing"
            _holds(actual[key], value, f"{where}.{key}")
    elif isinstance(expected, list):
        assert isinstance(actual, list) and len(actual) >= len(expected), where
        for i, value in enumerate(expected):
            _holds(actual[i], value, f"{where}[{i}]")
    elif isinstance(expected, str) and expected.startswith("~"):
        assert expected[1:] in str(actual), f"{where}: {expected[1:]!r} not in {actual!r}"
    else:
        assert actual == expected, f"{where}: {actual!r} != {expected!r}"


SHOP = """
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: reviews, namespace: shop}
spec:
  hosts: [reviews]
  http:
  - name: api
    match: [{uri: {regex: "/api/v[0-9]+"}}]
    route: [{destination: {host: reviews, subset: v2, port: {number: 9080}}}]
  - route:
    - {destination: {host: reviews, subset: v1}, weight: 75}
    - {destination: {host: reviews, subset: v2}, weight: 25}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: reviews, namespace: shop}
spec:
  host: reviews
  trafficPolicy:
    loadBalancer: {simple: LEAST_REQUEST}
    connectionPool: {tcp: {maxConnections: 100}}
    portLevelSettings:
    - port: {number: 9080}
      outlierDetection: {consecutive5xxErrors: 3}
  subsets:
  - name: v1
    labels: {version: v1}
  - name: v2
    labels: {version: v2}
    trafficPolicy:
      connectionPool: {http: {http2MaxRequests: 10}}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: private, namespace: shop}
spec:
  hosts: [private]
  exportTo: ["."]
  http: [{route: [{destination: {host: private}}]}]
"""

EDGE = """
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: edge, namespace: istio-system}
spec:
  selector: {istio: ingressgateway}
  servers: [{port: {number: 80, name: http, protocol: HTTP}, hosts: ["*"]}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: wildcard, namespace: web}
spec:
  hosts: ["*.example.com"]
  gateways: [istio-system/edge]
  http: [{route: [{destination: {host: catch-all}}]}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: api, namespace: web}
spec:
  hosts: [api.example.com]
  gateways: [istio-system/edge]
  http:
  - match: [{uri: {prefix: /v1}}]
    delegate: {name: api-v1}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: api-v1, namespace: web}
spec:
  http:
  - match: [{headers: {x-beta: {exact: "true"}}}]
    route: [{destination: {host: api-beta}}]
  - route: [{destination: {host: api}}]
"""

CASES: list[tuple[str, list[dict[str, Any]], dict[str, Any], dict[str, Any]]] = [
    (
        "dark launch, with the header",
        _lab("catalog-dark-launch"),
        {
            "host": "catalog",
            "source_namespace": "istioinaction",
            "headers": {"x-dark-launch": "v2"},
        },
        {
            "virtualService": "istioinaction/catalog",
            "rule": {"index": 0},
            "destinations": [{"subset": "version-v2", "labels": {"version": "v2"}, "share": 100.0}],
        },
    ),
    (
        "dark launch, without the header",
        _lab("catalog-dark-launch"),
        {"host": "catalog", "source_namespace": "istioinaction"},
        {
            "rule": {"index": 1},
            "skipped": [{"index": 0, "reason": "header x-dark-launch is absent, not exact 'v2'"}],
            "destinations": [
                {"host": "catalog.istioinaction.svc.cluster.local", "subset": "version-v1"}
            ],
        },
    ),
    (
        "v1 only",
        _lab("catalog-v1-only"),
        {"host": "catalog.istioinaction", "headers": {"x-dark-launch": "v2"}},
        {"destinations": [{"subset": "version-v1", "destinationRule": "istioinaction/catalog"}]},
    ),
    (
        "retries",
        _lab("catalog-retries"),
        {"host": "catalog", "source_namespace": "istioinaction"},
        {"retries": {"attempts": 3, "retryOn": "5xx", "perTryTimeout": "2s"}},
    ),
    (
        "fault injection",
        _lab("catalog-fault"),
        {"host": "catalog", "source_namespace": "istioinaction"},
        {"fault": {"abort": {"httpStatus": 500, "percentage": {"value": 50.0}}}},
    ),
    (
        "circuit breaker without a VirtualService",
        _lab("catalog-circuit-breaker"),
        {"host": "catalog", "source_namespace": "istioinaction"},
        {
            "virtualService": None,
            "rule": None,
            "destinations": [
                {
                    "destinationRule": "istioinaction/catalog",
                    "policy": {
                        "connectionPool": {"tcp": {"maxConnections": 1}},
                        "outlierDetection": {"consecutive5xxErrors": 1, "baseEjectionTime": "3m"},
                    },
                }
            ],
            "notes": ["~with no route rule"],
        },
    ),
    (
        "mirror",
        _lab("httpbin-mirror"),
        {"host": "httpbin"},
        {
            "destinations": [{"subset": "v1", "weight": 100, "share": 100.0}],
            "mirrors": [{"subset": "v2", "share": 100.0, "notes": ["~authority httpbin-shadow"]}],
        },
    ),
    (
        "self route does not loop",
        _lab("helloworld-self-route"),
        {"host": "helloworld-v1"},
        {
            "virtualService": "default/self-destination",
            "destinations": [{"host": "helloworld-v1.default.svc.cluster.local"}],
            "notes": ["~does not loop"],
        },
    ),
    (
        "circular pair: v1 ends at v2",
        _lab("helloworld-circular"),
        {"host": "helloworld-v1"},
        {
            "virtualService": "default/traffic-shift-v1-to-v2",
            "destinations": [
                {
                    "host": "helloworld-v2.default.svc.cluster.local",
                    "destinationRule": None,
                    "notes": [
                        "~own VirtualService default/traffic-shift-v2-to-v1, which is not consulted"
                    ],
                }
            ],
        },
    ),
    (
        "circular pair: v2 ends at v1, under v1's connection limit",
        _lab("helloworld-circular"),
        {"host": "helloworld-v2"},
        {
            "destinations": [
                {
                    "host": "helloworld-v1.default.svc.cluster.local",
                    "destinationRule": "default/helloworld-v1-max-connection",
                    "policy": {"connectionPool": {"http": {"http2MaxRequests": 1}}},
                }
            ],
        },
    ),
    (
        "MSA-Ez shop through main-gw, by URI prefix",
        _lab("msaez-12st-mall"),
        {"host": "shop.example.com", "gateway": "main-gw", "path": "/deliveries/42"},
        {
            "virtualService": "default/vsvc-delivery",
            "rule": {"index": 0, "name": "primary"},
            "skipped": [{"virtualService": "default/vsvc-order"}],
            "destinations": [
                {"subset": "stable", "share": 100.0, "labels": {"app": "delivery"}},
                {"subset": "canary", "share": 0.0},
            ],
        },
    ),
    (
        "MSA-Ez shop, a path no service owns",
        _lab("msaez-12st-mall"),
        {"host": "shop.example.com", "gateway": "main-gw", "path": "/carts"},
        {"rule": None, "destinations": [], "notes": ["~", "~the gateway answers 404"]},
    ),
    (
        "MSA-Ez VirtualServices do not apply inside the mesh",
        _lab("msaez-12st-mall"),
        {"host": "order", "path": "/orders"},
        {"virtualService": None, "destinations": [{"destinationRule": "default/destrule-order"}]},
    ),
    (
        "TLS gateway redirects plain HTTP",
        _lab("gateway-tls"),
        {"host": "walter.kr", "gateway": "nginx"},
        {"redirect": {"scheme": "https", "redirectCode": 301}, "destinations": []},
    ),
    (
        "TLS gateway routes HTTPS to the FQDN",
        _lab("gateway-tls"),
        {"host": "walter.kr", "gateway": "istio-system/nginx", "scheme": "https", "port": 443},
        {"destinations": [{"host": "nginx.default.svc.cluster.local"}]},
    ),
    (
        "short name in the sender's namespace",
        _inline(SHOP),
        {"host": "reviews", "source_namespace": "shop"},
        {
            "virtualService": "shop/reviews",
            "destinations": [{"subset": "v1", "share": 75.0}, {"subset": "v2", "share": 25.0}],
        },
    ),
    (
        "short name from another namespace is another host",
        _inline(SHOP),
        {"host": "reviews", "source_namespace": "default"},
        {"host": "reviews.default.svc.cluster.local", "virtualService": None},
    ),
    (
        "name.namespace from another namespace",
        _inline(SHOP),
        {"host": "reviews.shop", "source_namespace": "default"},
        {"virtualService": "shop/reviews"},
    ),
    (
        "RE2 regex must match the whole path",
        _inline(SHOP),
        {"host": "reviews", "source_namespace": "shop", "path": "/api/v1/items"},
        {"rule": {"index": 1}, "skipped": [{"reason": "~does not match regex"}]},
    ),
    (
        "the port's settings replace the service's policy; the subset's fields then apply",
        _inline(SHOP),
        {"host": "reviews", "source_namespace": "shop", "path": "/api/v2"},
        {
            "rule": {"index": 0, "name": "api"},
            "destinations": [
                {
                    "port": 9080,
                    "policy": {
                        "connectionPool": {"http": {"http2MaxRequests": 10}},
                        "outlierDetection": {"consecutive5xxErrors": 3},
                    },
                }
            ],
        },
    ),
    (
        "exportTo keeps a VirtualService in its namespace",
        _inline(SHOP),
        {"host": "private.shop", "source_namespace": "default"},
        {"virtualService": None},
    ),
    (
        "exact host before wildcard",
        _inline(EDGE),
        {"host": "api.example.com", "gateway": "istio-system/edge", "path": "/v1/x"},
        {"virtualService": "web/api-v1", "destinations": [{"host": "api.web.svc.cluster.local"}]},
    ),
    (
        "delegate conditions add to the parent's",
        _inline(EDGE),
        {
            "host": "api.example.com",
            "gateway": "istio-system/edge",
            "path": "/v1/x",
            "headers": {"x-beta": "true"},
        },
        {"destinations": [{"host": "api-beta.web.svc.cluster.local"}]},
    ),
    (
        "wildcard when no exact host",
        _inline(EDGE),
        {"host": "www.example.com", "gateway": "istio-system/edge"},
        {"virtualService": "web/wildcard"},
    ),
]


@pytest.mark.parametrize(
    ("resources", "request_args", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_request_hits(
    resources: list[dict[str, Any]], request_args: dict[str, Any], expected: dict[str, Any]
) -> None:
    explanation = explain(resources, Request(**request_args))
    _holds(json.loads(json.dumps(explanation.to_dict())), expected)


def test_json_shape() -> None:
    code, out, err = run(
        "explain",
        str(ROOT / "examples" / "httpbin-mirror" / "model.yaml"),
        "--host",
        "httpbin",
        "--format",
        "json",
    )
    assert (code, err) == (0, "")
    data = json.loads(out)
    assert list(data) == [
        "request",
        "host",
        "virtualService",
        "rule",
        "skipped",
        "destinations",
        "mirrors",
        "retries",
        "timeout",
        "fault",
        "rewrite",
        "redirect",
        "directResponse",
        "headers",
        "notes",
    ]
    assert list(data["destinations"][0]) == [
        "host",
        "subset",
        "port",
        "labels",
        "weight",
        "share",
        "destinationRule",
        "policy",
        "notes",
    ]
    assert data["rule"] == {"index": 0, "name": None}


def test_text_reads_top_to_bottom() -> None:
    code, out, _ = run(
        "explain",
        str(ROOT / "examples" / "catalog-dark-launch" / "istio.yaml"),
        "--host",
        "catalog",
        "--source-namespace",
        "istioinaction",
    )
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "request: GET http://catalog/"
    assert lines.index("VirtualService: istioinaction/catalog") < lines.index("destinations:")
    assert "  rule 1: no match: header x-dark-launch is absent, not exact 'v2'" in lines
    assert "  rule 2: matches" in lines


def test_bad_header_argument_is_a_usage_message() -> None:
    model = str(ROOT / "examples" / "catalog-dark-launch" / "model.yaml")
    assert run("explain", model, "--host", "catalog", "--header", "novalue") == (
        2,
        "",
        "meshgen: header 'novalue' is not KEY=VALUE\n",
    )


POLICY_CASES = [
    # (the rule's trafficPolicy, the subset's trafficPolicy, port, the policy in effect)
    ({"loadBalancer": {"simple": "RANDOM"}}, None, 9080, {"loadBalancer": {"simple": "RANDOM"}}),
    (
        {
            "loadBalancer": {"simple": "RANDOM"},
            "portLevelSettings": [{"port": {"number": 9080}, "tls": {"mode": "DISABLE"}}],
        },
        None,
        9080,
        {"tls": {"mode": "DISABLE"}},  # replaced for the port, not merged
    ),
    (
        {
            "loadBalancer": {"simple": "RANDOM"},
            "portLevelSettings": [{"port": {"number": 9080}, "tls": {"mode": "DISABLE"}}],
        },
        None,
        8080,
        {"loadBalancer": {"simple": "RANDOM"}},
    ),
    (
        {"loadBalancer": {"simple": "RANDOM"}, "tls": {"mode": "ISTIO_MUTUAL"}},
        {"loadBalancer": {"simple": "LEAST_REQUEST"}},
        None,
        {"loadBalancer": {"simple": "LEAST_REQUEST"}, "tls": {"mode": "ISTIO_MUTUAL"}},
    ),
    (
        {"loadBalancer": {"simple": "RANDOM"}},
        {
            "tls": {"mode": "ISTIO_MUTUAL"},
            "portLevelSettings": [
                {"port": {"number": 9080}, "connectionPool": {"tcp": {"maxConnections": 1}}}
            ],
        },
        9080,
        {"connectionPool": {"tcp": {"maxConnections": 1}}},
    ),
]


@pytest.mark.parametrize(("top", "own", "port", "expected"), POLICY_CASES)
def test_the_policy_in_effect_is_merged_as_istio_merges_it(
    top: dict[str, Any], own: dict[str, Any] | None, port: int | None, expected: dict[str, Any]
) -> None:
    from meshgen.explanation.policy import effective_policy

    rule = {"spec": {"host": "reviews", "trafficPolicy": top}}
    subset = {"name": "v1", "trafficPolicy": own} if own else None
    assert effective_policy(rule, subset, port) == expected


GATEWAY_TLS = str(ROOT / "examples" / "gateway-tls" / "istio.yaml")


def test_an_unknown_gateway_is_an_error() -> None:
    code, out, err = run("explain", GATEWAY_TLS, "--host", "x", "--gateway", "nowhere")
    assert (code, out) == (1, "")
    assert "gateway nowhere is not in the input" in err


@pytest.mark.parametrize(
    ("args", "note"),
    [
        (["--port", "8443"], "has no server on port 8443"),
        (["--host", "elsewhere.example.com", "--scheme", "https"], "serves no host"),
    ],
)
def test_a_gateway_routes_only_what_its_servers_take(args: list[str], note: str) -> None:
    gateway = yaml.safe_load_all(Path(GATEWAY_TLS).read_text())
    name = next(d["metadata"]["name"] for d in gateway if d and d["kind"] == "Gateway")
    host = next(
        h
        for d in yaml.safe_load_all(Path(GATEWAY_TLS).read_text())
        if d and d["kind"] == "Gateway"
        for server in d["spec"]["servers"]
        for h in server["hosts"]
    )
    argv = ["explain", GATEWAY_TLS, "--host", host, "--gateway", name, "--format", "json"]
    code, out, _ = run(*argv, *args)
    assert code == 0
    explained = json.loads(out)
    assert explained["destinations"] == [] and any(note in n for n in explained["notes"])


def test_the_source_namespace_is_said_when_not_given() -> None:
    _, out, _ = run("explain", GATEWAY_TLS, "--host", "x", "--format", "json")
    assert any("no --source-namespace given" in n for n in json.loads(out)["notes"])


STREAMS = """
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: db, namespace: data}
spec:
  hosts: [db]
  tcp:
  - match: [{port: 5432}]
    route: [{destination: {host: db, subset: primary}}]
  - route:
    - {destination: {host: db, subset: replica}, weight: 80}
    - {destination: {host: db, subset: primary}, weight: 20}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: web, namespace: data}
spec:
  hosts: ["*.example.com"]
  tls:
  - match: [{port: 443, sniHosts: [a.example.com]}]
    route: [{destination: {host: a-backend, port: {number: 443}}}]
  - match: [{port: 443, sniHosts: ["*.example.com"]}]
    route: [{destination: {host: other-backend, port: {number: 443}}}]
"""


@pytest.mark.parametrize(
    ("request_fields", "rule", "hosts"),
    [
        ({"host": "db", "port": 5432, "protocol": "tcp"}, 0, ["db.data.svc.cluster.local"]),
        ({"host": "db", "port": 3306, "protocol": "tcp"}, 1, ["db.data.svc.cluster.local"] * 2),
        (
            {"host": "a.example.com", "port": 443, "protocol": "tls"},
            0,
            ["a-backend.data.svc.cluster.local"],
        ),
        (
            {"host": "x.example.com", "port": 443, "protocol": "tls", "sni": "b.example.com"},
            1,
            ["other-backend.data.svc.cluster.local"],
        ),
    ],
)
def test_tcp_and_tls_routes(request_fields: dict[str, Any], rule: int, hosts: list[str]) -> None:
    explained = explain(
        yamlio.load_all(STREAMS), Request(source_namespace="data", **request_fields)
    )
    assert explained.rule_index == rule
    assert [d.host for d in explained.destinations] == hosts
    assert not any("retries" in note for note in explained.notes)


def test_explain_reads_with_the_limits_validate_has(tmp_path: Path) -> None:
    doc = "apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {{name: r{0}}}\n"
    doc += "spec: {{host: r{0}}}\n"
    path = tmp_path / "many.yaml"
    path.write_text("---\n".join(doc.format(i) for i in range(3)))
    code, _, err = run("explain", str(path), "--host", "r1", "--max-documents", "2")
    assert code == 1 and "more than 2 documents" in err
    code, out, _ = run("explain", str(path), "--host", "r1", "--max-documents", "3")
    assert code == 0 and "DestinationRule: default/r1" in out

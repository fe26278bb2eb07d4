"""Generated meshes of any size for the benchmarks: models whose services vary (matches by
prefix, exact path, regex header or query; faults, mirrors, CORS), and for validate the
other kinds a repository holds beside them, some of them broken."""

from __future__ import annotations

_CANARY = (
    "{{headers: {{x-canary: 'true'}}, uri: {{prefix: /svc-{i}}}}}",
    "{{uri: {{exact: /svc-{i}/beta}}}}",
    "{{headers: {{x-user: {{regex: '^(alice|bob)-[0-9]+$'}}}}}}",
    "{{queryParams: {{canary: {{exact: 'on'}}}}, uri: {{regex: '/svc-{i}/v[0-9]+/.*'}}}}",
)
_EXTRA: tuple[list[str], ...] = (
    [],
    ["        fault: {delay: {fixedDelay: 50ms, percentage: 1}}"],
    ["        mirror: v2", "        mirrorPercentage: 5"],
    [
        "        corsPolicy:",
        "          allowOrigins: [{exact: 'https://app.example.com'}]",
        "          allowMethods: [GET, POST]",
        "          maxAge: 24h",
    ],
)


def model_text(services: int, workloads: bool = False) -> str:
    """A model with ``services`` services: two subsets, three route rules with retries,
    and a traffic policy each, behind one gateway, in four shapes that take turns (how
    the canary is matched, and a fault, a mirror or a CORS policy on the split); with
    ``workloads``, each service also has a port, and a workload (image, resources, probe,
    env)."""
    lines = [
        "defaults:",
        "  namespace: bench",
        "gateways:",
        "  edge:",
        "    servers:",
        "      - port: 80",
        "services:",
    ]
    for i in range(services):
        lines += [
            f"  svc-{i}:",
            f"    hosts: [svc-{i}.example.com]",
            "    gateways: [edge, mesh]",
            "    subsets: [v1, v2]",
            "    trafficPolicy:",
            "      loadBalancer: LEAST_REQUEST",
            "      connectionPool: {http: {http2MaxRequests: 100, maxRetries: 3}}",
            "      outlierDetection:",
            "        {consecutive5xxErrors: 5, interval: 10s, baseEjectionTime: 30s}",
            "    routes:",
            "      - name: canary",
            f"        match: {_CANARY[i % 4].format(i=i)}",
            "        route: v2",
            "        retries: {attempts: 3, retryOn: 5xx, perTryTimeout: 2s}",
            "      - name: split",
            "        match: {uri: {prefix: /api}}",
            "        route: {v1: 90, v2: 10}",
            "        retries: {attempts: 2, retryOn: [5xx, reset], perTryTimeout: 1s}",
            "        timeout: 10s",
            *_EXTRA[i % 4],
            "      - route: v1",
            "        retries: {attempts: 1, perTryTimeout: 3s}",
        ]
        if workloads:
            lines += [
                "    ports: [{number: 80, name: http, targetPort: 8080}]",
                "    workload:",
                f"      image: registry.example.com/svc-{i}:1.0",
                "      resources: {requests: {cpu: 100m, memory: 128Mi}}",
                "      readinessProbe: {httpGet: {path: /health, port: 8080}}",
                "      env: {LOG_LEVEL: info}",
            ]
    if workloads:
        lines[2:2] = ["  dataplane: sidecar"]
    return "\n".join(lines) + "\n"


def other_documents(services: int) -> list[dict[str, object]]:
    """What a repository keeps beside the rendered mesh: an AuthorizationPolicy for every
    other service, a ServiceEntry for every fifth, a Sidecar and a PeerAuthentication for
    the namespace, and a Telemetry."""
    namespace = {"namespace": "bench"}
    found: list[dict[str, object]] = [
        {
            "apiVersion": "security.istio.io/v1",
            "kind": "PeerAuthentication",
            "metadata": {"name": "default", **namespace},
            "spec": {"mtls": {"mode": "STRICT"}},
        },
        {
            "apiVersion": "networking.istio.io/v1",
            "kind": "Sidecar",
            "metadata": {"name": "default", **namespace},
            "spec": {"egress": [{"hosts": ["./*", "istio-system/*"]}]},
        },
        {
            "apiVersion": "telemetry.istio.io/v1",
            "kind": "Telemetry",
            "metadata": {"name": "bench", **namespace},
            "spec": {"accessLogging": [{"providers": [{"name": "envoy"}]}]},
        },
    ]
    operation = {"methods": ["GET", "POST"], "paths": ["/api/*"]}
    for i in range(0, services, 2):
        source = {"principals": [f"cluster.local/ns/bench/sa/svc-{i + 1}"]}
        found.append(
            {
                "apiVersion": "security.istio.io/v1",
                "kind": "AuthorizationPolicy",
                "metadata": {"name": f"svc-{i}", **namespace},
                "spec": {
                    "selector": {"matchLabels": {"app": f"svc-{i}"}},
                    "action": "ALLOW",
                    "rules": [{"from": [{"source": source}], "to": [{"operation": operation}]}],
                },
            }
        )
    for i in range(0, services, 5):
        found.append(
            {
                "apiVersion": "networking.istio.io/v1",
                "kind": "ServiceEntry",
                "metadata": {"name": f"external-{i}", **namespace},
                "spec": {
                    "hosts": [f"api-{i}.partner.example.com"],
                    "location": "MESH_EXTERNAL",
                    "resolution": "DNS",
                    "ports": [{"number": 443, "name": "https", "protocol": "HTTPS"}],
                },
            }
        )
    return found


def broken(document: dict[str, object], i: int) -> dict[str, object]:
    """One document made wrong in one of the ways people get it wrong: a misspelled
    field, a duration without its unit, a value outside an enum."""
    spec = dict(document.get("spec") or {})  # type: ignore[call-overload]
    if i % 3 == 0:
        spec["exportT0"] = ["."]
    elif i % 3 == 1:
        spec["http"] = [dict(spec.get("http", [{}])[0], timeout="10")] if "http" in spec else []
    else:
        spec["tls"] = {"mode": "MUTUAL_TLS"}
    return {**document, "spec": spec}

"""Generated model files of any size, the same shape every time, for the benchmarks."""

from __future__ import annotations


def model_text(services: int, workloads: bool = False) -> str:
    """A model with ``services`` services: two subsets, three route rules with retries,
    and a traffic policy each, behind one gateway; with ``workloads``, each service also
    has a port, and a workload (image, resources, probe, env) that v2 changes."""
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
            f"        match: {{headers: {{x-canary: 'true'}}, uri: {{prefix: /svc-{i}}}}}",
            "        route: v2",
            "        retries: {attempts: 3, retryOn: 5xx, perTryTimeout: 2s}",
            "      - name: split",
            "        match: {uri: {prefix: /api}}",
            "        route: {v1: 90, v2: 10}",
            "        retries: {attempts: 2, retryOn: [5xx, reset], perTryTimeout: 1s}",
            "        timeout: 10s",
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

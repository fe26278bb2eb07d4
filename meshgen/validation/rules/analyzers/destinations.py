"""DestinationRules against the Services and pods they apply to."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from meshgen.manifests import mapping, sequence
from meshgen.manifests.index import MeshIndex
from meshgen.manifests.selectors import selector_text
from meshgen.validation.rules.analyzers.lookups import (
    destination_service,
)
from meshgen.validation.rules.registry import ERROR, WARNING, Problem, rule


@rule(
    "MG2411",
    ("DestinationRule", "Service", "ServiceEntry"),
    WARNING,
    "DestinationRule for a host no Service or ServiceEntry defines",
    "IST0174",
    scope="mesh",
)
def unknown_destination_rule_host(mesh: MeshIndex) -> Iterator[Problem]:
    """A DestinationRule's host is no Service or ServiceEntry of the input: its policy
    applies to nothing (a misspelled host, or a Service not deployed yet). Checked only
    when the input holds Services or ServiceEntries at all."""
    if not mesh.knows_services:
        return
    for entry in mesh.of_kind("DestinationRule"):
        host = entry.spec.get("host")
        if isinstance(host, str) and destination_service(mesh, entry) is None:
            yield Problem(
                ("spec", "host"),
                f"{host} is no Service or ServiceEntry in the input, so this rule applies "
                "to nothing",
                entry,
            )


@rule(
    "MG2412",
    ("DestinationRule", "Service", "ServiceEntry", "Deployment", "Pod"),
    ERROR,
    "subset that selects no pod",
    "IST0173",
    scope="mesh",
)
def subset_selects_no_pod(mesh: MeshIndex) -> Iterator[Problem]:
    """A subset's labels (with the workload selector of the ServiceEntry its host names)
    are on no pod of the input: Pods, and the pod templates of Deployments, StatefulSets,
    DaemonSets, ReplicaSets, Jobs and CronJobs, in any namespace, as Istio looks. Requests
    routed to it fail with 503 (no healthy upstream). A warning when the input holds pods
    but may not hold all of them; an error with `--complete`."""
    if not (mesh.knows_pods or mesh.complete):
        return
    severity = None if mesh.complete else WARNING
    for entry in mesh.of_kind("DestinationRule"):
        target = destination_service(mesh, entry)
        if target is None:
            continue  # MG2411's
        workload = mapping(target.spec.get("workloadSelector")).get("labels")
        base = mapping(workload) if target.kind == "ServiceEntry" else {}
        for i, subset in enumerate(sequence(entry.spec.get("subsets"))):
            subset = mapping(subset)
            selector = {**base, **mapping(subset.get("labels"))}
            if not mesh.selects_pods(selector):
                yield Problem(
                    ("spec", "subsets", i),
                    f"subset '{subset.get('name')}' selects {selector_text(selector)}, which no pod in the "
                    "input carries: requests routed to it fail with 503 (no healthy upstream)",
                    entry,
                    severity,
                )


@rule(
    "MG2405",
    "DestinationRule",
    WARNING,
    "TLS to upstream without CA certificates",
    "IST0128 IST0129",
    scope="mesh",
)
def tls_without_ca(mesh: MeshIndex) -> Iterator[Problem]:
    """SIMPLE or MUTUAL TLS to a service without `caCertificates` does not verify the
    server's identity (unless a credential is used for a workload-selected rule). Checked
    on the rule's policy and its port-level settings (IST0128, IST0129)."""
    for entry in mesh.of_kind("DestinationRule"):
        policy = mapping(entry.spec.get("trafficPolicy"))
        levels: list[tuple[tuple[Any, ...], dict[str, Any], str, str]] = [
            (("spec", "trafficPolicy", "tls"), mapping(policy.get("tls")), "", "IST0128")
        ]
        for k, port in enumerate(policy.get("portLevelSettings") or []):
            number = mapping(mapping(port).get("port")).get("number")
            levels.append(
                (
                    ("spec", "trafficPolicy", "portLevelSettings", k, "tls"),
                    mapping(mapping(port).get("tls")),
                    f" at port {number}",
                    "IST0129",
                )
            )
        for where, tls, at, istio in levels:
            if tls.get("mode") in ("SIMPLE", "MUTUAL") and not tls.get("caCertificates"):
                if tls.get("credentialName") and entry.spec.get("workloadSelector"):
                    continue
                yield Problem(
                    where,
                    f"TLS mode {tls['mode']} without caCertificates does not verify the identity of {entry.spec.get('host')}{at}",
                    entry,
                    istio=istio,
                )

"""Checks that only a model with workloads can make: the places where Istio routing and
Kubernetes workloads, written apart, drift apart.

- a subset, or the Service itself, that selects no pod the model deploys (Istio answers
  "no healthy upstream", 503 NR);
- HTTP route rules on a service whose ports Istio treats as TCP or TLS (they never apply);
- a Deployment whose pods another service's Deployment selects too;
- a workload meshgen cannot write (no image; a host that is no Kubernetes Service).
"""

from __future__ import annotations

from collections.abc import Iterator

from meshgen.manifests.ports import HTTP_PROTOCOLS, PROTOCOLS
from meshgen.manifests.ports import port_protocol as protocol_of
from meshgen.manifests.selectors import carries, selector_text
from meshgen.model.issues import ModelIssue
from meshgen.model.mesh import ServicePort
from meshgen.model.plan import MeshPlan, ServicePlan
from meshgen.model.workloads import DeploymentPlan

# Ports whose protocol Istio knows and HTTP rules do not apply to (sniffed ones are fine).
_NOT_HTTP_PROTOCOLS = PROTOCOLS - HTTP_PROTOCOLS | {"sctp"}


def port_protocol(port: ServicePort) -> str | None:
    """The protocol Istio gives ``port``, or None when it sniffs it."""
    if port.protocol not in (None, "TCP", "UDP"):
        return port.protocol.lower()  # SCTP: never HTTP
    return protocol_of(port.name, port.app_protocol, port.protocol, port.number)


Pod = tuple[ServicePlan, DeploymentPlan]


class Pods:
    """The Deployments of one namespace, found by the labels their pods carry."""

    def __init__(self) -> None:
        self.all: list[Pod] = []
        self._by_label: dict[tuple[str, str], list[int]] = {}

    def add(self, pod: Pod) -> None:
        for label in pod[1].pod_labels.items():
            self._by_label.setdefault(label, []).append(len(self.all))
        self.all.append(pod)

    def selected(self, selector: dict[str, str]) -> list[int]:
        """The positions of the Deployments whose pods ``selector`` selects."""
        if not selector:
            return list(range(len(self.all)))
        postings = min((self._by_label.get(label, []) for label in selector.items()), key=len)
        return [i for i in postings if carries(self.all[i][1].pod_labels, selector)]


def check_workloads(plan: MeshPlan) -> Iterator[ModelIssue]:
    deployed: dict[str | None, Pods] = {}
    for service in plan.services.values():
        for deployment in service.workloads.deployments if service.workloads else []:
            deployed.setdefault(service.namespace, Pods()).add((service, deployment))
    for service in plan.services.values():
        yield from _check_routes_reach_http(service)
        if service.workloads is None:
            continue
        yield from _check_writable(service)
        if service.workloads.deployments:
            yield from _check_selected(service, deployed[service.namespace])
    for pods in deployed.values():
        yield from _check_overlaps(pods)


def _check_writable(service: ServicePlan) -> Iterator[ModelIssue]:
    workloads = service.workloads
    assert workloads is not None
    for deployment in workloads.deployments:
        if not carries(deployment.pod_labels, deployment.selector):
            yield ModelIssue(
                "MG032",
                deployment.path,
                f"the pods of Deployment '{deployment.name}' lose the labels it selects them "
                f"by ({selector_text(deployment.selector)}): Kubernetes refuses such a Deployment; "
                "change them in the subset's labels, not in raw",
            )
        if deployment.workload.image is None:
            yield ModelIssue(
                "MG032",
                deployment.path,
                f"Deployment '{deployment.name}' needs an image: add image: <repository>:<tag>",
            )
    if workloads.writes_service and workloads.service_name is None:
        yield ModelIssue(
            "MG032",
            (*service.path, "host"),
            f"host '{service.host}' is not a Kubernetes Service of namespace "
            f"'{service.namespace}', so meshgen cannot write one for it: use the Service's "
            "name (or name.namespace) as the host",
        )
    elif workloads.writes_service and not workloads.ports:
        yield ModelIssue(
            "MG032",
            (*service.path, "kubernetesService"),
            "a Service needs at least one port: add ports: [{number: 80, name: http}]",
        )


def _check_selected(service: ServicePlan, pods: Pods) -> Iterator[ModelIssue]:
    workloads = service.workloads
    assert workloads is not None
    selector = workloads.selector
    override = workloads.kubernetes_service
    selector_path = (
        (*service.path, "kubernetesService", "spec", "selector")
        if override is not None and override.spec and "selector" in override.spec
        else service.path
    )
    selected = pods.selected(selector)
    if workloads.writes_service and not selected:
        yield ModelIssue(
            "MG029",
            selector_path,
            f"the Service selects {selector_text(selector)}, which no pod the model deploys "
            "carries: requests to it find no endpoint",
        )
    if workloads.writes_service:
        for other, deployment in (pods.all[i] for i in selected):
            if other is not service:
                yield ModelIssue(
                    "MG031",
                    selector_path,
                    f"the Service selects {selector_text(selector)}, which the pods of service "
                    f"'{other.key}' (Deployment '{deployment.name}') carry too: requests to "
                    f"'{service.key}' would reach them; select by the app label",
                )
    for name, subset in service.subsets.items():
        wanted = {**selector, **subset.labels}
        if not pods.selected(wanted):
            yield ModelIssue(
                "MG029",
                (*service.path, "subsets", name),
                f"subset '{name}' selects {selector_text(wanted)}, which no pod the model deploys "
                "carries: requests routed to it fail with 503 (no healthy upstream)",
            )


def _check_overlaps(pods: Pods) -> Iterator[ModelIssue]:
    """Two Deployments whose selectors take each other's pods fight over them."""
    pairs = sorted(
        {
            (min(i, j), max(i, j))
            for i, pod in enumerate(pods.all)
            for j in pods.selected(pod[1].selector)
            if j != i
        },
        key=lambda pair: (pair[1], pair[0]),
    )
    for i, j in pairs:
        owner, deployment = pods.all[i]
        other_owner, other = pods.all[j]
        same = other_owner is owner
        hint = (
            "give each subset labels of its own (version: ...)"
            if same
            else f"give service '{other_owner.key}' an app label of its own"
        )
        yield ModelIssue(
            "MG031",
            other.path,
            f"Deployment '{other.name}' and Deployment '{deployment.name}' "
            f"({'' if same else f'of service {owner.key!r}, '}"
            f"{selector_text(deployment.selector)}) select each other's pods: {hint}",
        )


def _check_routes_reach_http(service: ServicePlan) -> Iterator[ModelIssue]:
    """HTTP rules apply only on ports Istio treats as HTTP (or sniffs)."""
    ports = service.service.ports
    if not service.routes or not ports:
        return
    by_number = {p.number: p for p in ports}
    if all(port_protocol(p) in _NOT_HTTP_PROTOCOLS for p in ports):
        port = ports[0]
        yield ModelIssue(
            "MG030",
            (*service.path, "ports", 0),
            f"port {port.number} is {port_protocol(port)} to Istio ({_why(port)})"
            f"{', as are the others' if len(ports) > 1 else ''}, so the service's HTTP route "
            "rules never apply: name the port http or http-<suffix>, or route it with tcp "
            "or tls rules (virtualService.spec)",
        )
        return
    for i, rule in enumerate(service.routes):
        for k, match in enumerate(rule.match or []):
            matched = by_number.get(match.port) if match.port is not None else None
            if matched is not None and port_protocol(matched) in _NOT_HTTP_PROTOCOLS:
                yield ModelIssue(
                    "MG030",
                    (*service.routes_path, i, "match", k, "port"),
                    f"rule {i + 1} matches port {matched.number}, which is "
                    f"{port_protocol(matched)} to Istio ({_why(matched)}): HTTP rules never "
                    "apply there",
                )


def _why(port: ServicePort) -> str:
    if port.protocol not in (None, "TCP"):
        return f"protocol {port.protocol}"
    return (
        f"its appProtocol is {port.app_protocol}"
        if port.app_protocol
        else f"its name is {port.name}"
    )

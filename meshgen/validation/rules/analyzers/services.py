"""Services: port names Istio reads protocols from, and Services that share pods."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from meshgen.manifests import Manifest, mapping, sequence
from meshgen.manifests.index import MeshIndex
from meshgen.manifests.ports import port_protocol
from meshgen.validation.rules.analyzers.lookups import (
    SYSTEM_NAMESPACES,
    in_mesh,
    istio_control_plane,
    namespace_labels,
)
from meshgen.validation.rules.registry import INFO, WARNING, Problem, rule


def _mesh_services(mesh: MeshIndex) -> Iterator[Manifest]:
    """The Services Istio's port analysis looks at: not system, not Istio's own."""
    for service in mesh.services():
        labels = mapping(service.metadata.get("labels"))
        managed = str(labels.get("gateway.istio.io/managed", ""))
        if (
            service.namespace not in SYSTEM_NAMESPACES
            and not istio_control_plane(service)
            and not managed.startswith("istio.io-")
        ):
            yield service


def _port_problems(service: Manifest) -> Iterator[tuple[int, dict[str, Any], str | None]]:
    for i, port in enumerate(sequence(service.spec.get("ports"))):
        port = mapping(port)
        name = port.get("name") if isinstance(port.get("name"), str) else None
        app = port.get("appProtocol") if isinstance(port.get("appProtocol"), str) else None
        number = port.get("port") if isinstance(port.get("port"), int) else None
        protocol = port.get("protocol") if isinstance(port.get("protocol"), str) else None
        yield i, port, port_protocol(name, app, protocol, number)


@rule(
    "MG2415",
    "Service",
    INFO,
    "Service port whose name gives Istio no protocol",
    "IST0118",
    scope="mesh",
)
def port_name_convention(mesh: MeshIndex) -> Iterator[Problem]:
    """A Service port that is unnamed, or whose name is not `<protocol>[-<suffix>]` (http,
    http2, grpc, tcp, tls, https, mongo, mysql, redis...) and has no `appProtocol`: Istio
    sniffs its protocol, which costs latency and can guess wrong for server-first
    protocols. Name it, say `http-web` or `tcp-db`."""
    for service in _mesh_services(mesh):
        if service.spec.get("type") == "ExternalName":
            continue  # MG2416's
        for i, port, protocol in _port_problems(service):
            if protocol is None:
                yield Problem(
                    ("spec", "ports", i),
                    f"port {port.get('port')} is {repr(port['name']) if 'name' in port else 'unnamed'}: "
                    "Istio sniffs its protocol; name it <protocol>[-<suffix>] (http-web, "
                    "grpc, tcp-db) or set appProtocol",
                    service,
                )


@rule(
    "MG2416",
    "Service",
    WARNING,
    "ExternalName Service port without a protocol Istio can route",
    "IST0150",
    scope="mesh",
)
def external_name_port_name(mesh: MeshIndex) -> Iterator[Problem]:
    """Istio cannot sniff the protocol of an ExternalName Service: a port without a
    protocol in its name or `appProtocol`, or named just `tcp`, is not routed as meant."""
    for service in _mesh_services(mesh):
        if service.spec.get("type") != "ExternalName":
            continue
        for i, port, protocol in _port_problems(service):
            if protocol is None or port.get("name") == "tcp":
                yield Problem(
                    ("spec", "ports", i),
                    f"port {port.get('port')} of an ExternalName Service needs its protocol "
                    "in its name (http, https, tls, tcp-<suffix>) or in appProtocol",
                    service,
                )


def _deployment_services(mesh: MeshIndex) -> Iterator[tuple[Manifest, list[Manifest]]]:
    """Each Deployment in the mesh that Services of its namespace select more than once,
    with those Services (found through the pod index, not by comparing every pair)."""
    selected: dict[int, tuple[Manifest, list[Manifest]]] = {}
    for service in mesh.services():
        selector = mapping(service.spec.get("selector"))
        if not selector:
            continue
        for pod, _ in mesh.pods(selector):
            if pod.kind == "Deployment" and pod.namespace == service.namespace:
                selected.setdefault(id(pod), (pod, []))[1].append(service)
    namespaces = namespace_labels(mesh)
    for deployment, services in selected.values():
        if len(services) > 1 and in_mesh(deployment, namespaces):
            yield deployment, services


@rule(
    "MG2429",
    ("Deployment", "Service", "Namespace"),
    WARNING,
    "Deployment behind Services that give one port different protocols",
    "IST0116",
    scope="mesh",
)
def deployment_port_protocols(mesh: MeshIndex) -> Iterator[Problem]:
    """Two Services select the same pods and use one port number with different
    protocols (TCP and UDP, say): Istio cannot tell which one traffic on it speaks."""
    for deployment, services in _deployment_services(mesh):
        protocols: dict[int, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
        for service in services:
            for port in sequence(service.spec.get("ports")):
                number = mapping(port).get("port")
                if isinstance(number, int):
                    protocol = str(mapping(port).get("protocol") or "TCP")
                    protocols[number][protocol].append(f"{service.namespace}/{service.name}")
        for number, by_protocol in sorted(protocols.items()):
            if len(by_protocol) > 1:
                names = sorted(n for group in by_protocol.values() for n in group)
                yield Problem(
                    ("metadata", "name"),
                    f"Services {', '.join(names)} give port {number} of these pods different "
                    f"protocols ({', '.join(sorted(by_protocol))})",
                    deployment,
                )


@rule(
    "MG2430",
    ("Deployment", "Service", "Namespace"),
    WARNING,
    "Deployment behind Services that send different ports to one container port",
    "IST0137",
    scope="mesh",
)
def deployment_conflicting_ports(mesh: MeshIndex) -> Iterator[Problem]:
    """Services that select the same pods send two different ports to one targetPort:
    Istio builds one listener per target port and cannot serve both."""
    for deployment, services in _deployment_services(mesh):
        feeding: dict[str, set[int]] = defaultdict(set)
        names: dict[str, list[str]] = defaultdict(list)
        for service in services:
            for port in sequence(service.spec.get("ports")):
                number = mapping(port).get("port")
                target = str(mapping(port).get("targetPort", number))
                if isinstance(number, int):
                    feeding[target].add(number)
                    names[target].append(service.name)
        for target, numbers in sorted(feeding.items()):
            if len(numbers) > 1:
                yield Problem(
                    ("metadata", "name"),
                    f"Services {', '.join(sorted(names[target]))} send ports "
                    f"{', '.join(map(str, sorted(numbers)))} to container port {target}",
                    deployment,
                )

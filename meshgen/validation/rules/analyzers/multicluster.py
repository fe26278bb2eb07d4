"""Meshes across clusters: the mesh networks against the clusters the input names, and
the Services of several clusters against each other."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from meshgen.manifests import Manifest, mapping, sequence
from meshgen.manifests.index import MeshIndex
from meshgen.validation.rules.registry import ERROR, WARNING, Problem, rule

_BUILT_IN_REGISTRIES = frozenset({"Mock", "Kubernetes", "External"})


def _clusters(mesh: MeshIndex) -> set[str]:
    """The clusters of the remote secrets in the input (Secrets labelled
    `istio/multiCluster: "true"`, one cluster per data key)."""
    found: set[str] = set()
    for manifest in mesh.manifests:
        labels = mapping(manifest.metadata.get("labels"))
        if manifest.kind == "Secret" and labels.get("istio/multiCluster") == "true":
            found.update(str(k) for k in mapping(manifest.document.get("data")))
    return found


@rule(
    "MG2459",
    ("MeshNetworks", "Secret"),
    ERROR,
    "mesh network endpoints from a registry the mesh does not have",
    "IST0126",
    scope="mesh",
)
def unknown_registries(mesh: MeshIndex) -> Iterator[Problem]:
    """A mesh network's `endpoints[].fromRegistry` names neither a built-in registry
    (Kubernetes, External, Mock; the case counts) nor a cluster of the remote secrets in
    the input: the network gets no endpoints. Checked on the mesh networks of
    `--mesh-config` or the istio ConfigMap."""
    networks = mesh.settings.mesh_networks
    if networks is None:
        return
    known = _BUILT_IN_REGISTRIES | _clusters(mesh)
    for name, network in networks.networks.items():
        for k, endpoint in enumerate(sequence(mapping(network).get("endpoints"))):
            registry = mapping(endpoint).get("fromRegistry")
            if isinstance(registry, str) and registry not in known:
                where = (
                    (*networks.at, name, "endpoints", k, "fromRegistry")
                    if networks.at == ("networks",)
                    else networks.at
                )
                yield Problem(
                    where,
                    f"network {name} takes endpoints from registry {registry}, which is "
                    f"neither built in nor a cluster of the input's remote secrets "
                    f"({', '.join(sorted(known))})",
                    networks.subject,
                )


def _comparable_ports(service: Manifest) -> list[tuple[Any, ...]]:
    """A Service's ports as the API server stores them (protocol TCP, targetPort the
    port, when unset), in name order."""
    ports = []
    for port in sequence(service.spec.get("ports")):
        port = mapping(port)
        ports.append(
            (
                str(port.get("name", "")),
                port.get("protocol", "TCP"),
                port.get("appProtocol"),
                port.get("port"),
                port.get("targetPort", port.get("port")),
                port.get("nodePort"),
            )
        )
    return sorted(ports, key=lambda p: p[0])


def _differences(service: Manifest, other: Manifest) -> list[str]:
    found = []
    if (service.spec.get("clusterIP") == "None") != (other.spec.get("clusterIP") == "None"):
        found.append("it is headless in some clusters only")
    if service.spec.get("type", "ClusterIP") != other.spec.get("type", "ClusterIP"):
        found.append("its type differs")
    if _comparable_ports(service) != _comparable_ports(other):
        found.append("its ports differ")
    return found


@rule(
    "MG2460",
    "Service",
    WARNING,
    "Service defined differently in the clusters of a mesh",
    "IST0170",
    scope="mesh",
)
def inconsistent_services(mesh: MeshIndex) -> Iterator[Problem]:
    """With several clusters given (`--cluster`), a Service of the same name and namespace
    in two clusters is one service to Istio, whose endpoints it merges: headless in one
    and not another, another type, or other ports make its behaviour undefined. Reported
    once per Service, on its first cluster's copy."""
    copies: dict[tuple[str, str], list[tuple[str, Manifest]]] = defaultdict(list)
    for cluster, services in mesh.clusters.items():
        for service in services:
            copies[(service.namespace, service.name)].append((cluster, service))
    for (namespace, name), found in copies.items():
        (first_cluster, first), others = found[0], found[1:]
        reasons: list[str] = []
        clusters = []
        for cluster, other in others:
            if differences := _differences(first, other):
                clusters.append(cluster)
                reasons += [r for r in differences if r not in reasons]
        if clusters:
            yield Problem(
                ("spec",),
                f"Service {namespace}/{name} differs between clusters {first_cluster} and "
                f"{', '.join(clusters)}: {'; '.join(reasons)}",
                first,
            )

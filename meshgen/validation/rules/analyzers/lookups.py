"""What the analyzers look up in the mesh: routes' destinations, namespaces and their
labels, which pods a selector picks and whether they are in the mesh."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator
from typing import Any

from meshgen.manifests import Manifest, mapping, sequence
from meshgen.manifests.hosts import fqdn, seen_from
from meshgen.manifests.index import MeshIndex, pod_template
from meshgen.manifests.selectors import selector_text
from meshgen.validation.rules.registry import WARNING, Problem


def subset_references(entry: Manifest) -> Iterator[tuple[tuple[Any, ...], dict[str, Any], str]]:
    for kind in ("http", "tcp", "tls"):
        for i, route in enumerate(entry.spec.get(kind) or []):
            route = mapping(route)
            for k, destination in enumerate(route.get("route") or []):
                yield (
                    ("spec", kind, i, "route", k, "destination"),
                    mapping(mapping(destination).get("destination")),
                    "route",
                )
            if kind == "http" and route.get("mirror"):
                yield ("spec", kind, i, "mirror"), mapping(route.get("mirror")), "mirror"
            for k, mirror in enumerate(route.get("mirrors") or [] if kind == "http" else []):
                yield (
                    ("spec", kind, i, "mirrors", k, "destination"),
                    mapping(mapping(mirror).get("destination")),
                    "mirror",
                )


def service_ports(service: Manifest) -> list[int]:
    return [
        number
        for port in sequence(service.spec.get("ports"))
        if isinstance(number := mapping(port).get("port"), int)
    ]


def destination_service(mesh: MeshIndex, rule: Manifest) -> Manifest | None:
    """The Service or ServiceEntry a DestinationRule's host names, if the input has it."""
    host = rule.spec.get("host")
    if not isinstance(host, str):
        return None
    scopes = seen_from(rule.spec.get("exportTo"), rule.namespace)
    return mesh.destination(fqdn(host, rule.namespace), scopes)


# Namespaces whose objects Istio's analysis never sees, and the labels of Istio's own.
SYSTEM_NAMESPACES = frozenset(
    {"kube-system", "kube-public", "kube-node-lease", "local-path-storage"}
)


def istio_control_plane(manifest: Manifest) -> bool:
    labels = mapping(manifest.metadata.get("labels"))
    return "istio" in labels or labels.get("release") == "istio"


def namespace_objects(mesh: MeshIndex) -> Iterator[tuple[Manifest, dict[str, Any]]]:
    """Each Namespace object of the input, with its labels."""
    for manifest in mesh.manifests:
        if manifest.kind == "Namespace" and manifest.api_version == "v1":
            yield manifest, mapping(manifest.metadata.get("labels"))


def namespace_labels(mesh: MeshIndex) -> dict[str, dict[str, Any]]:
    """The labels of each Namespace of the input, by name (read once per mesh)."""
    return mesh.once(
        "namespace labels",
        lambda: {namespace.name: labels for namespace, labels in namespace_objects(mesh)},
    )


def ambient_namespace(labels: dict[str, Any]) -> bool:
    return (
        labels.get("istio.io/dataplane-mode") == "ambient"
        and labels.get("istio-injection") != "enabled"
        and not labels.get("istio.io/rev")
    )


def ambient_pod(pod: Manifest) -> bool:
    metadata = mapping(pod_template(pod).get("metadata"))
    return mapping(metadata.get("annotations")).get("ambient.istio.io/redirection") == "enabled"


# Where each kind that selects workloads keeps its selector labels.
SELECTOR_LABELS = {
    "Sidecar": ("workloadSelector", "labels"),
    "Telemetry": ("selector", "matchLabels"),
}


def selectors_of(mesh: MeshIndex, kind: str) -> Iterator[tuple[Manifest, dict[str, Any]]]:
    field, labels = SELECTOR_LABELS[kind]
    for entry in mesh.of_kind(kind):
        yield entry, mapping(mapping(entry.spec.get(field)).get(labels))


def sidecar_scope(mesh: MeshIndex) -> Iterator[tuple[Manifest, dict[str, Any]]]:
    return selectors_of(mesh, "Sidecar")


def selecting_nothing(mesh: MeshIndex, kind: str) -> Iterator[Problem]:
    """Resources of ``kind`` whose selector matches no pod of their namespace."""
    if not mesh.knows_pods:
        return
    severity = None if mesh.complete else WARNING
    for entry, labels in selectors_of(mesh, kind):
        if labels and not any(p.namespace == entry.namespace for p, _ in mesh.pods(labels)):
            yield Problem(
                ("spec", *SELECTOR_LABELS[kind]),
                f"selects {selector_text(labels)}, which no pod of namespace "
                f"{entry.namespace} in the input carries",
                entry,
                severity,
            )


def selecting_one_pod(mesh: MeshIndex, kind: str, skip_ambient: bool) -> Iterator[Problem]:
    """Resources of ``kind`` that select the same pod of their namespace, once each."""
    selecting: dict[int, list[Manifest]] = defaultdict(list)
    pods: dict[int, Manifest] = {}
    for entry, labels in selectors_of(mesh, kind):
        for pod, _ in mesh.pods(labels) if labels else ():
            if pod.namespace == entry.namespace and not (skip_ambient and ambient_pod(pod)):
                selecting[id(pod)].append(entry)
                pods[id(pod)] = pod
    reported: set[int] = set()
    for key, entries in selecting.items():
        if len(entries) < 2:
            continue
        names = ", ".join(sorted(e.name for e in entries))
        for entry in entries:
            if id(entry) not in reported:
                reported.add(id(entry))
                yield Problem(
                    ("spec", SELECTOR_LABELS[kind][0]),
                    f"{kind}s {names} all select {pods[key].kind} {pods[key].name}; "
                    "which one applies is undefined",
                    entry,
                )


PROXY_CONTAINER = "istio-proxy"


def in_mesh(manifest: Manifest, namespaces: dict[str, dict[str, Any]]) -> bool:
    """Whether a pod (or a workload's pods) has a sidecar or is ambient, as Istio's
    analysis decides from the files: an istio-proxy container, else the
    `sidecar.istio.io/inject` label or annotation, else the Namespace's labels."""
    pod = pod_template(manifest)
    spec, metadata = mapping(pod.get("spec")), mapping(pod.get("metadata"))
    containers = [*sequence(spec.get("containers")), *sequence(spec.get("initContainers"))]
    if any(
        mapping(c).get("name") == PROXY_CONTAINER and mapping(c).get("image") for c in containers
    ):
        return True
    if mapping(metadata.get("annotations")).get("ambient.istio.io/redirection") == "enabled":
        return True
    for source in (metadata.get("labels"), metadata.get("annotations")):
        choice = mapping(source).get("sidecar.istio.io/inject")
        if choice is not None:
            return str(choice).lower() == "true"
    labels = namespaces.get(manifest.namespace, {})
    return labels.get("istio-injection") == "enabled" or ambient_namespace(labels)


def with_code(
    mesh: MeshIndex, walk: Callable[[MeshIndex], Iterator[tuple[str, Problem]]], istio: str
) -> Iterator[Problem]:
    """The problems of one Istio code, from a walk that finds several codes at once (and
    is walked once per mesh, whichever rule asks first)."""
    found = mesh.once(f"{walk.__module__}.{walk.__qualname__}", lambda: list(walk(mesh)))
    return (problem for code, problem in found if code == istio)

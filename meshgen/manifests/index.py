"""The mesh: every resource of one run, indexed by what cross-resource checks and explain
look up (kind, host, namespace, name)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

from meshgen.manifests import ISTIO_NETWORKING, Manifest, group_of, mapping, sequence
from meshgen.manifests.gatewayapi import GATEWAY_API
from meshgen.manifests.hosts import covers, fqdn, gateway_ref, service_export_to, visible
from meshgen.manifests.meshconfig import DEFAULT as DEFAULT_MESH_CONFIG
from meshgen.manifests.meshconfig import MeshConfig, in_cluster
from meshgen.manifests.selectors import carries

Key = tuple[str, str, str, str]  # (API group, kind, namespace, name)
T = TypeVar("T")

# Where each kind that runs pods describes them: a Pod is its own, the others hold the
# template they make pods from.
POD_TEMPLATES: dict[str, tuple[str, ...]] = {
    "Pod": (),
    "Deployment": ("spec", "template"),
    "StatefulSet": ("spec", "template"),
    "DaemonSet": ("spec", "template"),
    "ReplicaSet": ("spec", "template"),
    "Job": ("spec", "template"),
    "CronJob": ("spec", "jobTemplate", "spec", "template"),
}


def pod_template(manifest: Manifest) -> dict[str, Any]:
    """The pod ``manifest`` runs (its `metadata` and `spec`), or {} if it runs none."""
    path = POD_TEMPLATES.get(manifest.kind)
    if path is None:
        return {}
    node: Any = manifest.document
    for key in path:
        node = mapping(node).get(key)
    return mapping(node)


# The Node labels istiod copies onto the labels of the pods that run there.
_TOPOLOGY = ("topology.kubernetes.io/region", "topology.kubernetes.io/zone")
_SUBZONE = "topology.istio.io/subzone"


def pod_labels(manifest: Manifest, nodes: dict[str, Manifest]) -> dict[str, str] | None:
    """The labels pods of ``manifest`` carry (None: it runs no pods), with the topology
    labels of the Node a Pod is placed on, as istiod adds them."""
    if manifest.kind not in POD_TEMPLATES or group_of(manifest.api_version) not in (
        "",
        "apps",
        "batch",
    ):
        return None
    metadata = mapping(pod_template(manifest).get("metadata"))
    labels = {k: v for k, v in mapping(metadata.get("labels")).items() if isinstance(v, str)}
    placed = mapping(manifest.spec).get("nodeName") if manifest.kind == "Pod" else None
    if isinstance(placed, str) and placed:
        node_of_pod = nodes.get(placed)
        metadata = node_of_pod.metadata if node_of_pod else {}
        topology = mapping(metadata.get("labels"))
        for key in _TOPOLOGY:
            if topology.get(key):
                labels[key] = topology[key]
        if topology.get(_SUBZONE) and topology.get(_TOPOLOGY[1]):
            labels[_SUBZONE] = topology[_SUBZONE]
        labels["kubernetes.io/hostname"] = placed
    return labels


def key_of(manifest: Manifest) -> Key:
    """Identity with the API group: Istio's Gateway and the Gateway API's are two kinds."""
    return (group_of(manifest.api_version), *manifest.identity)


@dataclass
class MeshIndex:
    """Resources by identity (the first of a duplicate wins), kind, and host.

    A model and its rendered file given together hold the same resources; one identity is
    one resource, so they never conflict with themselves. ``duplicates`` keeps every
    other later copy, as (first, later).
    """

    manifests: list[Manifest] = field(default_factory=list)
    complete: bool = False  # the input is the whole mesh: what is missing is missing
    settings: MeshConfig = DEFAULT_MESH_CONFIG  # the mesh settings
    # Several clusters' configuration given at once: each cluster's Services, by cluster
    # name, for the checks that compare clusters (each cluster is analysed on its own).
    clusters: dict[str, list[Manifest]] = field(default_factory=dict)
    duplicates: list[tuple[Manifest, Manifest]] = field(default_factory=list)
    by_identity: dict[Key, Manifest] = field(default_factory=dict)
    _by_kind: dict[str, list[Manifest]] = field(default_factory=lambda: defaultdict(list))
    _valid_by_kind: dict[str, list[Manifest]] = field(default_factory=lambda: defaultdict(list))
    _gateway_api: dict[str, list[Manifest]] = field(default_factory=lambda: defaultdict(list))
    _routes_by_host: dict[str, list[Manifest]] = field(default_factory=lambda: defaultdict(list))
    _rules_by_host: dict[str, list[Manifest]] = field(default_factory=lambda: defaultdict(list))
    _services: dict[str, Manifest] = field(default_factory=dict)  # Kubernetes Services by FQDN
    service_entries: list[Manifest] = field(default_factory=list)
    _runs_pods: list[Manifest] = field(default_factory=list)  # Pods, Deployments...
    _nodes: dict[str, Manifest] = field(default_factory=dict)
    _services_by_namespace: dict[str, list[Manifest]] = field(default_factory=dict)
    # Built on first use (Nodes may come after the Pods placed on them): each pod's labels,
    # and the positions of the pods that carry each label.
    _labels: list[dict[str, str]] | None = None
    _by_label: dict[tuple[str, str], list[int]] = field(default_factory=dict)
    _derived: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def of(
        cls,
        manifests: Iterable[Manifest],
        complete: bool = False,
        settings: MeshConfig | None = None,
    ) -> MeshIndex:
        """The mesh of ``manifests``, with ``settings``, else those of the `istio`
        ConfigMap among them, else Istio's defaults."""
        index = cls(complete=complete)
        for manifest in manifests:
            index.add(manifest)
        if settings is None:
            config_map = index.by_identity.get(("", "ConfigMap", "istio-system", "istio"))
            settings = in_cluster(config_map) if config_map else None
        index.settings = settings or DEFAULT_MESH_CONFIG
        return index

    def add(self, manifest: Manifest) -> None:
        first = self.by_identity.get(key_of(manifest))
        if first is not None:
            if not (first.document == manifest.document and _generated(first, manifest)):
                self.duplicates.append((first, manifest))
            return
        self.by_identity[key_of(manifest)] = manifest
        self.manifests.append(manifest)
        kind, spec, namespace = manifest.kind, manifest.spec, manifest.namespace
        if manifest.api_version == "v1" and kind == "Service":
            self._services[fqdn(manifest.name, namespace)] = manifest
            self._services_by_namespace.setdefault(namespace, []).append(manifest)
        elif manifest.api_version == "v1" and kind == "Node":
            self._nodes[manifest.name] = manifest
        elif kind in POD_TEMPLATES:
            self._runs_pods.append(manifest)
        group = group_of(manifest.api_version)
        if group == GATEWAY_API:
            self._gateway_api[kind].append(manifest)
        if not group.endswith(".istio.io"):
            return  # other kinds are looked up by identity only
        if kind == "ServiceEntry":
            self.service_entries.append(manifest)
        self._by_kind[kind].append(manifest)
        if manifest.valid:
            self._valid_by_kind[kind].append(manifest)
        if kind == "DestinationRule" and isinstance(spec.get("host"), str):
            self._rules_by_host[fqdn(spec["host"], namespace)].append(manifest)
        elif kind == "VirtualService":
            for host in sequence(spec.get("hosts")):
                if isinstance(host, str):
                    self._routes_by_host[fqdn(host, namespace)].append(manifest)

    @property
    def knows_services(self) -> bool:
        """Whether the input holds any Service or ServiceEntry, so a host found in neither
        may be missing rather than elsewhere."""
        return bool(self._services or self.service_entries)

    @property
    def knows_pods(self) -> bool:
        """Whether the input holds any Pod or workload that makes pods."""
        return bool(self._runs_pods)

    def once(self, name: str, build: Callable[[], T]) -> T:
        """What ``build`` derives from the mesh, built on first use and kept: several
        checks read the same walk (the Namespaces' labels, one walk that finds several
        Istio codes)."""
        if name not in self._derived:
            self._derived[name] = build()
        found: T = self._derived[name]
        return found

    def pods(self, selector: dict[str, Any]) -> Iterator[tuple[Manifest, dict[str, str]]]:
        """The Pods and pod-making workloads of the input, in any namespace (as Istio's
        analyzers look), whose pods carry every label of ``selector``, with those labels."""
        if self._labels is None:
            self._labels = [pod_labels(m, self._nodes) or {} for m in self._runs_pods]
            for i, labels in enumerate(self._labels):
                for label in labels.items():
                    self._by_label.setdefault(label, []).append(i)
        if selector:
            wanted = [(k, v) for k, v in selector.items()]
            if not all(isinstance(v, str) for _, v in wanted):
                return
            postings: list[list[int]] = [self._by_label.get(label, []) for label in wanted]
            shortest: list[int] = min(postings, key=len)
            positions: Iterable[int] = shortest
        else:
            positions = range(len(self._runs_pods))
        for i in positions:
            labels = self._labels[i]
            if carries(labels, selector):
                yield self._runs_pods[i], labels

    def selects_pods(self, selector: dict[str, Any]) -> bool:
        return next(self.pods(selector), None) is not None

    def services(self) -> Iterator[Manifest]:
        """Every Kubernetes Service of the input."""
        return iter(self._services.values())

    def runs_pods(self) -> Iterator[Manifest]:
        """Every Pod and pod-making workload of the input."""
        return iter(self._runs_pods)

    def services_in(self, namespace: str) -> Iterator[Manifest]:
        """The Kubernetes Services of a namespace."""
        return iter(self._services_by_namespace.get(namespace, ()))

    def service(self, host: str) -> Manifest | None:
        """The Kubernetes Service whose FQDN is ``host``."""
        return self._services.get(host)

    def destination(self, host: str, scopes: Iterable[str]) -> Manifest | None:
        """The Service or ServiceEntry that defines ``host`` (an FQDN), visible in one of
        ``scopes`` (namespaces, or `*` for what every namespace sees)."""
        for scope in scopes:
            service = self._services.get(host)
            exported = service_export_to(service.metadata) if service is not None else None
            if service is not None and visible(exported, service.namespace, scope):
                return service
            entry = self.service_entry(host, scope)
            if entry is not None:
                return entry
        return None

    def service_entry(self, host: str, client_namespace: str) -> Manifest | None:
        """A ServiceEntry visible from ``client_namespace`` whose hosts cover ``host``."""
        for entry in self.service_entries:
            if not visible(entry.spec.get("exportTo"), entry.namespace, client_namespace):
                continue
            for pattern in sequence(entry.spec.get("hosts")):
                if isinstance(pattern, str) and covers(fqdn(pattern, entry.namespace), host):
                    return entry
        return None

    def of_kind(self, kind: str) -> Iterator[Manifest]:
        """The schema-valid resources of a kind: what checks inspect (lookups see all)."""
        return iter(self._valid_by_kind.get(kind, ()))

    def gateway_api(self, kind: str) -> Iterator[Manifest]:
        """The Gateway API resources of a kind, whether or not a schema checked them:
        the checks that read them trust no shape."""
        return iter(self._gateway_api.get(kind, ()))

    def destination_rules(self, host: str) -> list[Manifest]:
        """DestinationRules whose host is exactly ``host`` (an FQDN)."""
        return self._rules_by_host.get(host, [])

    def virtual_services(self, host: str) -> list[Manifest]:
        """VirtualServices that name exactly ``host`` (an FQDN) among their hosts."""
        return self._routes_by_host.get(host, [])

    def gateway(self, ref: str, namespace: str, group: str = ISTIO_NETWORKING) -> Manifest | None:
        """The Gateway a VirtualService of ``namespace`` names as ``ref`` (Istio's, or with
        ``group`` the Gateway API's)."""
        space, _, name = gateway_ref(ref, namespace).partition("/")
        return self.by_identity.get((group, "Gateway", space, name))


def _generated(*manifests: Manifest) -> bool:
    """Whether one of them was rendered from a model in this run."""
    return any(m.source is not None and m.source.generated for m in manifests)

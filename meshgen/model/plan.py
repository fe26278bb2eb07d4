"""The model resolved: presets applied, names, namespaces and hosts decided.

Checks and rendering both work from this plan, so they agree on what will be generated.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from meshgen.model.common import ResourceOverride
from meshgen.model.gateway import Gateway
from meshgen.model.mesh import Mesh, Service
from meshgen.model.presets import PRESETS
from meshgen.model.routes import RouteRule
from meshgen.model.traffic import Subset, TrafficPolicy
from meshgen.model.workload import Namespace
from meshgen.model.workloads import WorkloadsPlan, plan_workloads

Path = tuple[str | int, ...]


@dataclass(frozen=True)
class Metadata:
    name: str
    namespace: str | None  # None: the resource names no namespace
    labels: dict[str, str] | None = None
    annotations: dict[str, str] | None = None
    export_to: list[str] | None = None
    spec: dict[str, Any] | None = None  # raw spec fields over the generated ones

    @classmethod
    def of(cls, name: str, namespace: str | None, override: ResourceOverride | None) -> Metadata:
        if override is None:
            return cls(name, namespace)
        return cls(
            override.name or name,
            override.namespace or namespace,
            override.labels,
            override.annotations,
            override.export_to,
            override.spec,
        )


@dataclass(frozen=True)
class GatewayPlan:
    key: str
    metadata: Metadata
    gateway: Gateway
    path: Path


@dataclass(frozen=True)
class ServicePlan:
    key: str
    namespace: str | None
    host: str
    service: Service
    path: Path
    subsets: dict[str, Subset]
    traffic_policy: TrafficPolicy | None
    routes: list[RouteRule]
    routes_path: Path
    hosts: list[str] | None
    gateways: list[str]
    virtual_service: Metadata | None
    destination_rule: Metadata | None
    workloads: WorkloadsPlan | None = None


@dataclass(frozen=True)
class NamespacePlan:
    name: str
    labels: dict[str, str]
    annotations: dict[str, str] | None
    path: Path


@dataclass(frozen=True)
class MeshPlan:
    mesh: Mesh
    api_version: str
    cluster_domain: str
    gateways: dict[str, GatewayPlan] = field(default_factory=dict)
    services: dict[str, ServicePlan] = field(default_factory=dict)
    namespaces: dict[str, NamespacePlan] = field(default_factory=dict)

    @property
    def has_workloads(self) -> bool:
        """Whether the model writes Kubernetes objects (Namespaces, Services...) at all."""
        return bool(self.namespaces) or any(s.workloads for s in self.services.values())

    def host_seen_from(self, service: ServicePlan, namespace: str | None) -> str:
        """The service's host as a resource in ``namespace`` must write it.

        Istio resolves a short name in the namespace of the resource that holds it, so a
        short host used from another namespace must be written in full.
        """
        if "." in service.host or service.namespace == namespace:
            return service.host
        if service.namespace is None or namespace is None:  # unknown: kept as written
            return service.host
        return f"{service.host}.{service.namespace}.svc.{self.cluster_domain}"

    def gateway_ref(self, name: str, namespace: str | None) -> str:
        """A gateway reference as a VirtualService in ``namespace`` must write it."""
        plan = self.gateways.get(name)
        if plan is None or plan.metadata.namespace in (namespace, None) or namespace is None:
            return name
        return f"{plan.metadata.namespace}/{plan.metadata.name}"


def resolve(mesh: Mesh) -> MeshPlan:
    """Apply the preset and the defaults to every gateway and service."""
    preset = PRESETS[mesh.preset]
    default_ns = mesh.defaults.namespace
    plan = MeshPlan(mesh, mesh.defaults.api_version, mesh.defaults.cluster_domain)

    gateways = {**preset.gateways(), **mesh.gateways}
    for key, gateway in gateways.items():
        metadata = Metadata(
            key,
            gateway.namespace or default_ns,
            gateway.labels,
            gateway.annotations,
            spec=gateway.spec,
        )
        path: Path = ("gateways", key) if key in mesh.gateways else ()
        plan.gateways[key] = GatewayPlan(key, metadata, gateway, path)

    for key, service in mesh.services.items():
        namespace = service.namespace or default_ns
        subsets = service.subsets if service.subsets is not None else preset.subsets(key) or {}
        routes = service.routes if service.routes is not None else preset.routes(key) or []
        path = ("services", key)
        virtual_service = (
            Metadata.of(preset.virtual_service_name(key), namespace, service.virtual_service)
            if routes
            else None
        )
        destination_rule = (
            Metadata.of(preset.destination_rule_name(key), namespace, service.destination_rule)
            if subsets or service.traffic_policy is not None or service.destination_rule is not None
            else None
        )
        host = service.host or key
        ports = service.ports if service.ports is not None else []
        if service.workload is not None and service.ports is None:
            ports = preset.ports(key) or []
        workloads = plan_workloads(
            key,
            service,
            kubernetes_service_name(host, namespace, mesh.defaults.cluster_domain),
            subsets,
            path,
            (((), preset.workload(key)), (("defaults", "workload"), mesh.defaults.workload)),
            ports,
        )
        plan.services[key] = ServicePlan(
            key=key,
            namespace=namespace,
            host=host,
            service=service,
            path=path,
            subsets=subsets,
            traffic_policy=service.traffic_policy,
            routes=routes,
            routes_path=(*path, "routes") if service.routes is not None else path,
            hosts=service.hosts if service.hosts is not None else preset.hosts(key),
            gateways=(
                service.gateways
                if service.gateways is not None
                else preset.bound_gateways(key) or []
            ),
            virtual_service=virtual_service,
            destination_rule=destination_rule,
            workloads=workloads,
        )
    _plan_namespaces(plan)
    return plan


def kubernetes_service_name(host: str, namespace: str | None, cluster_domain: str) -> str | None:
    """The name of the Kubernetes Service a host denotes, or None when it denotes none:
    ``name``, ``name.namespace``, ``name.namespace.svc`` or the full cluster-local name."""
    parts = host.split(".")
    if len(parts) == 1:
        return host
    in_cluster = (
        len(parts) == 2
        or (len(parts) == 3 and parts[2] == "svc")
        or ".".join(parts[2:]) == f"svc.{cluster_domain}"
    )
    if in_cluster and (namespace is None or parts[1] == namespace):
        return parts[0]
    return None


_DATAPLANE_LABELS = {
    "sidecar": {"istio-injection": "enabled"},
    "ambient": {"istio.io/dataplane-mode": "ambient"},
    "none": {},
}


def _plan_namespaces(plan: MeshPlan) -> None:
    """A Namespace for each one the model lists, and, with ``defaults.dataplane``, for
    each namespace that holds workloads."""
    mesh = plan.mesh
    wanted: dict[str, tuple[Namespace, Path]] = {}
    if mesh.defaults.dataplane is not None:
        for service in plan.services.values():
            if service.workloads and service.workloads.deployments and service.namespace:
                wanted.setdefault(service.namespace, (Namespace(), service.path))
    for name, namespace in mesh.namespaces.items():
        wanted[name] = (namespace, ("namespaces", name))
    for name, (namespace, path) in wanted.items():
        dataplane = namespace.dataplane or mesh.defaults.dataplane or "none"
        labels = {**_DATAPLANE_LABELS[dataplane], **(namespace.labels or {})}
        plan.namespaces[name] = NamespacePlan(name, labels, namespace.annotations, path)

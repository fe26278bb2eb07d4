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


@dataclass(frozen=True)
class MeshPlan:
    mesh: Mesh
    api_version: str
    cluster_domain: str
    gateways: dict[str, GatewayPlan] = field(default_factory=dict)
    services: dict[str, ServicePlan] = field(default_factory=dict)

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
        plan.services[key] = ServicePlan(
            key=key,
            namespace=namespace,
            host=service.host or key,
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
        )
    return plan

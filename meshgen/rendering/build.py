"""The resolved model as Istio resources: one context per document for the templates."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from meshgen.manifests.nulls import prune_nulls
from meshgen.model.gateway import Server
from meshgen.model.plan import GatewayPlan, MeshPlan, Metadata, ServicePlan
from meshgen.model.routes import Destination, RouteRule
from meshgen.rendering import workloads
from meshgen.rendering.workloads import WITHOUT_SPEC, WORKLOAD_TEMPLATES

GATEWAY = "gateway.yaml.j2"
DESTINATION_RULE = "destinationrule.yaml.j2"
VIRTUAL_SERVICE = "virtualservice.yaml.j2"
ISTIO_TEMPLATES = (GATEWAY, DESTINATION_RULE, VIRTUAL_SERVICE)
TEMPLATES = (*ISTIO_TEMPLATES, *WORKLOAD_TEMPLATES)


# The spec fields each template prints by name; any other field goes in ``extra``.
KNOWN_SPEC = {
    GATEWAY: ("selector", "servers"),
    DESTINATION_RULE: ("host", "trafficPolicy", "subsets", "exportTo"),
    VIRTUAL_SERVICE: ("hosts", "gateways", "http", "exportTo"),
}


@dataclass(frozen=True)
class Document:
    """One resource to render: the template that lays it out and what it is given.

    ``context`` always has ``api_version``, ``kind``, ``metadata``, ``spec`` and
    ``extra``: every spec field a template prints by name is in ``spec`` (None when
    unset), and spec fields written as given in the model (its ``spec`` overrides) that
    the template does not name are in ``extra``. A ``raw`` document is a manifest the
    model passes through; it is written as it is, without a template.
    """

    template: str
    context: dict[str, Any]
    raw: dict[str, Any] | None = None
    origin: tuple[Any, ...] = ()  # the path of the model element it comes from
    routes_origin: tuple[Any, ...] = ()  # for a VirtualService: where its rules are
    layers: tuple[tuple[tuple[Any, ...], Any], ...] = ()  # for a Deployment: its workloads

    @property
    def is_workload(self) -> bool:
        """A Kubernetes object, as opposed to an Istio resource (``--only``)."""
        if self.raw is not None:
            api_version = self.raw.get("apiVersion")
            return not (isinstance(api_version, str) and ".istio.io/" in api_version)
        return self.template in WORKLOAD_TEMPLATES


def _kubernetes_document(
    template: str,
    built: dict[str, Any],
    origin: tuple[Any, ...],
    layers: tuple[tuple[tuple[Any, ...], Any], ...] = (),
) -> Document:
    context = {
        "api_version": built.get("apiVersion"),
        "kind": built.get("kind"),
        "metadata": built.get("metadata") or {},
        "spec": built.get("spec") or {},
        "extra": {},
    }
    return Document(template, context, origin=origin, layers=layers)


def workload_documents(plan: MeshPlan) -> list[Document]:
    """Namespaces first, then for each service its ServiceAccount, Service and
    Deployments: the order ``kubectl apply`` needs."""
    out = [
        _kubernetes_document(workloads.NAMESPACE, workloads.namespace_object(ns), ns.path)
        for ns in plan.namespaces.values()
    ]
    for service in plan.services.values():
        planned = service.workloads
        if planned is None:
            continue
        if planned.service_account is not None:
            built = workloads.service_account_object(service, planned)
            out.append(_kubernetes_document(workloads.SERVICE_ACCOUNT, built, service.path))
        if planned.writes_service and planned.service_name is not None:
            built = workloads.service_object(service, planned)
            out.append(_kubernetes_document(workloads.SERVICE, built, service.path))
        for deployment in planned.deployments:
            built = workloads.deployment_object(service, planned, deployment)
            out.append(
                _kubernetes_document(
                    workloads.DEPLOYMENT, built, deployment.path, deployment.layers
                )
            )
    return out


def _metadata(metadata: Metadata) -> dict[str, Any]:
    out: dict[str, Any] = {"name": metadata.name}
    if metadata.namespace is not None:
        out["namespace"] = metadata.namespace
    if metadata.labels:
        out["labels"] = dict(metadata.labels)
    if metadata.annotations:
        out["annotations"] = dict(metadata.annotations)
    return out


def _document(
    template: str,
    kind: str,
    plan: MeshPlan,
    metadata: Metadata,
    spec: dict[str, Any],
    origin: tuple[Any, ...],
    routes_origin: tuple[Any, ...] = (),
) -> Document:
    extra: dict[str, Any] = {}
    for key, value in (metadata.spec or {}).items():
        if key in KNOWN_SPEC[template]:
            spec[key] = value
        else:
            extra[key] = value
    context = {
        "api_version": plan.api_version,
        "kind": kind,
        "metadata": _metadata(metadata),
        "spec": spec,
        "extra": extra,
    }
    return Document(template, context, origin=origin, routes_origin=routes_origin)


def _server(server: Server, port_names: set[str]) -> dict[str, Any]:
    protocol = server.protocol
    name = server.port.name or protocol.lower()
    if server.port.name is None and name in port_names:
        name = f"{name}-{server.port.number}"
    port_names.add(name)
    port: dict[str, Any] = {"number": server.port.number, "name": name, "protocol": protocol}
    if server.port.target_port is not None:
        port["targetPort"] = server.port.target_port
    out: dict[str, Any] = {"port": port}
    if server.bind is not None:
        out["bind"] = server.bind
    out["hosts"] = list(server.hosts)
    if server.tls is not None:
        out["tls"] = server.tls.to_istio()
    if server.default_endpoint is not None:
        out["defaultEndpoint"] = server.default_endpoint
    if server.name is not None:
        out["name"] = server.name
    return out


def gateway_document(plan: MeshPlan, gateway: GatewayPlan) -> Document:
    port_names: set[str] = set()
    spec = {
        "selector": dict(gateway.gateway.selector),
        "servers": [_server(s, port_names) for s in gateway.gateway.servers],
    }
    return _document(GATEWAY, "Gateway", plan, gateway.metadata, spec, gateway.path)


def destination_rule_document(plan: MeshPlan, service: ServicePlan) -> Document:
    metadata = service.destination_rule
    assert metadata is not None
    subsets = []
    for name, subset in service.subsets.items():
        entry: dict[str, Any] = {"name": name, "labels": dict(subset.labels)}
        if subset.traffic_policy is not None:
            entry["trafficPolicy"] = subset.traffic_policy.to_istio()
        subsets.append(entry)
    spec = {
        "host": plan.host_seen_from(service, metadata.namespace),
        "trafficPolicy": service.traffic_policy.to_istio() if service.traffic_policy else None,
        "subsets": subsets or None,
        "exportTo": metadata.export_to,
    }
    return _document(DESTINATION_RULE, "DestinationRule", plan, metadata, spec, service.path)


def _destination(
    plan: MeshPlan, service: ServicePlan, destination: Destination, namespace: str | None
) -> dict[str, Any]:
    if destination.host is not None:
        host = destination.host
    else:
        target = plan.services[destination.service] if destination.service else service
        host = plan.host_seen_from(target, namespace)
    out: dict[str, Any] = {"host": host}
    if destination.subset is not None:
        out["subset"] = destination.subset
    if destination.port is not None:
        out["port"] = {"number": destination.port.number}
    return out


def _http_rule(
    plan: MeshPlan, service: ServicePlan, rule: RouteRule, namespace: str | None
) -> dict[str, Any]:
    out = rule.to_istio()
    if rule.route is not None:
        out["route"] = []
        for route in rule.route:
            entry: dict[str, Any] = {
                "destination": _destination(plan, service, route.destination, namespace)
            }
            if route.weight is not None:
                entry["weight"] = route.weight
            if route.headers is not None:
                entry["headers"] = route.headers.to_istio()
            out["route"].append(entry)
    elif rule.redirect is None and rule.direct_response is None:
        out["route"] = [{"destination": _destination(plan, service, Destination(), namespace)}]
    if rule.mirror is not None:
        out["mirror"] = _destination(plan, service, rule.mirror, namespace)
    return _in_istio_order(out)


# The order of HTTPRoute's fields in Istio's API, which is how people read a rule.
_HTTP_ROUTE_ORDER = [
    "name",
    "match",
    "route",
    "redirect",
    "directResponse",
    "delegate",
    "rewrite",
    "timeout",
    "retries",
    "fault",
    "mirror",
    "mirrorPercentage",
    "corsPolicy",
    "headers",
]


def _in_istio_order(rule: dict[str, Any]) -> dict[str, Any]:
    return {key: rule[key] for key in _HTTP_ROUTE_ORDER if key in rule}


def virtual_service_document(plan: MeshPlan, service: ServicePlan) -> Document:
    metadata = service.virtual_service
    assert metadata is not None
    namespace = metadata.namespace
    spec = {
        "hosts": list(service.hosts or [plan.host_seen_from(service, namespace)]),
        "gateways": [plan.gateway_ref(g, namespace) for g in service.gateways] or None,
        "http": [_http_rule(plan, service, rule, namespace) for rule in service.routes],
        "exportTo": metadata.export_to,
    }
    return _document(
        VIRTUAL_SERVICE, "VirtualService", plan, metadata, spec, service.path, service.routes_path
    )


def documents(plan: MeshPlan) -> list[Document]:
    """The workloads first, then Gateways, then for each service its DestinationRule and
    VirtualService, then the manifests the model passes through."""
    out = workload_documents(plan)
    out += [gateway_document(plan, g) for g in plan.gateways.values()]
    for service in plan.services.values():
        if service.destination_rule is not None:
            out.append(destination_rule_document(plan, service))
        if service.virtual_service is not None:
            out.append(virtual_service_document(plan, service))
    out += [
        Document("", {}, raw=resource, origin=("resources", i))
        for i, resource in enumerate(plan.mesh.resources)
    ]
    return out


def model_path(document: Document, path: tuple[Any, ...]) -> tuple[Any, ...]:
    """Where in the model the part of a rendered document at ``path`` comes from: the
    field itself where the model has it under the same name, else the smallest model
    element that produced it."""
    if document.raw is not None:
        return (*document.origin, *path)
    if document.layers:
        return _workload_path(document, path)
    if len(path) < 2 or path[0] != "spec":
        return document.origin
    field, rest = path[1], path[2:]
    if document.template == VIRTUAL_SERVICE and field == "http" and rest:
        return (*document.routes_origin, *rest)
    if document.template == GATEWAY and field == "servers":
        return (*document.origin, "servers", *rest)
    if document.template == DESTINATION_RULE and field == "trafficPolicy":
        return (*document.origin, "trafficPolicy", *rest)
    if document.template == DESTINATION_RULE and field == "subsets" and rest:
        subsets = document.context["spec"].get("subsets") or []
        if isinstance(rest[0], int) and rest[0] < len(subsets):
            return (*document.origin, "subsets", subsets[rest[0]]["name"], *rest[1:])
    if field in ("hosts", "gateways"):
        return (*document.origin, field, *rest)
    return document.origin


_CONTAINER = ("spec", "template", "spec", "containers", 0)


def _workload_path(document: Document, path: tuple[Any, ...]) -> tuple[Any, ...]:
    """Where a Deployment's field comes from: the last workload layer whose ``raw`` holds
    it, else the last that sets the container field, else the Deployment's workload."""
    for origin, workload in reversed(document.layers):
        node = workload.raw
        for key in path:
            if not isinstance(node, dict) or key not in node:
                break
            node = node[key]
        else:
            if origin:
                return (*origin, "raw", *path)
    if len(path) > len(_CONTAINER) and path[: len(_CONTAINER)] == _CONTAINER:
        field = path[len(_CONTAINER)]
        for origin, workload in reversed(document.layers):
            if origin and field in workload.model_dump(by_alias=True, exclude_none=True):
                return (*origin, field)
    return document.origin


# The spec fields each built-in template prints only when they are set (others always).
_PRINTED_WHEN_SET = {
    GATEWAY: (),
    DESTINATION_RULE: ("trafficPolicy", "subsets", "exportTo"),
    VIRTUAL_SERVICE: ("gateways", "exportTo"),
}


def as_data(document: Document) -> dict[str, Any]:
    """The document the built-in template writes, as data, without writing or reading
    text: the templates print every value with the YAML-safe writer, which reads back as
    the same value (a property the tests check on hostile values and on every example).
    A null in a mapping is left out, as the API server drops it."""
    if document.raw is not None:
        raw: dict[str, Any] = prune_nulls(document.raw)
        return raw
    context = document.context
    if document.template in WORKLOAD_TEMPLATES:
        data = {
            "apiVersion": context["api_version"],
            "kind": context["kind"],
            "metadata": prune_nulls(context["metadata"]),
        }
        if document.template not in WITHOUT_SPEC:
            data["spec"] = prune_nulls(context["spec"])
        return data
    spec = {
        key: value
        for key, value in context["spec"].items()
        if key not in _PRINTED_WHEN_SET[document.template] or value
    }
    spec.update(context["extra"])
    return {
        "apiVersion": context["api_version"],
        "kind": context["kind"],
        "metadata": prune_nulls(context["metadata"]),
        "spec": prune_nulls(spec),
    }

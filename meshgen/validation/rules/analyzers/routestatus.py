"""Route and Gateway status, offline: the conditions a conformant Gateway API controller
would write into `status` after the apply, found before it.

A route's `status.parents[]` says, per parent, whether the parent took the route
(`Accepted`, reasons `NoMatchingParent`, `NotAllowedByListeners`,
`NoMatchingListenerHostname`) and whether its backends resolve (`ResolvedRefs`, reasons
`BackendNotFound`, `InvalidKind`, `RefNotPermitted`). A Gateway's listeners say the same
of their certificates and of each other (`ResolvedRefs`, `Conflicted`). What the input
lacks is a warning, as for every lookup, unless `--complete` says it is the whole mesh.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from meshgen.findings import Severity
from meshgen.manifests import Manifest, mapping, sequence
from meshgen.manifests.gatewayapi import (
    GATEWAY_API,
    NO_MATCHING_HOSTNAME,
    NO_MATCHING_PARENT,
    NOT_ALLOWED,
    ROUTE_KINDS,
    BackendRef,
    attachment,
    backend_refs,
    granted,
    listeners,
    parent_refs,
)
from meshgen.manifests.hosts import fqdn
from meshgen.manifests.index import MeshIndex
from meshgen.validation.rules.analyzers.lookups import namespace_labels, service_ports
from meshgen.validation.rules.registry import ERROR, WARNING, Problem, rule

_ROUTES_AND_GATEWAYS = (*ROUTE_KINDS, "Gateway")


def _routes(mesh: MeshIndex) -> Iterator[Manifest]:
    for kind in ROUTE_KINDS:
        yield from mesh.gateway_api(kind)


def _lookup_severity(mesh: MeshIndex) -> Severity | None:
    """A reference to what the input lacks: an error with `--complete`, else a warning."""
    return None if mesh.complete else WARNING


def _gateway(mesh: MeshIndex, namespace: str, name: str) -> Manifest | None:
    return mesh.by_identity.get((GATEWAY_API, "Gateway", namespace, name))


def _labels(mesh: MeshIndex) -> dict[str, dict[str, Any]]:
    """The Namespaces' labels; with `--complete`, a Namespace the input lacks has none."""
    labels = namespace_labels(mesh)
    if not mesh.complete:
        return labels
    namespaces = {m.namespace for m in _routes(mesh)}
    return {**{namespace: {} for namespace in namespaces}, **labels}


@rule("MG3101", _ROUTES_AND_GATEWAYS, ERROR, "route parent not in the input", "", scope="mesh")
def missing_parents(mesh: MeshIndex) -> Iterator[Problem]:
    """A route's parent (a Gateway, or for mesh routes a Service) is not in the input: no
    controller takes the route, and its status says `Accepted: False` (`NoMatchingParent`)
    once the parent exists under another name. A warning, since the parent may be defined
    elsewhere; an error with `--complete`."""
    for route in _routes(mesh):
        for i, parent in parent_refs(route):
            if parent.is_gateway:
                found = _gateway(mesh, parent.namespace, parent.name) is not None
                what = "Gateway"
            elif parent.is_service:
                found = mesh.service(fqdn(parent.name, parent.namespace)) is not None
                what = "Service"
                if not mesh.knows_services and not mesh.complete:
                    continue
            else:
                continue
            if not found:
                yield Problem(
                    ("spec", "parentRefs", i),
                    f"{what} {parent.ref} is not in the input: no parent takes this route "
                    f"(Accepted: False, {NO_MATCHING_PARENT})",
                    route,
                    _lookup_severity(mesh),
                )


_ATTACHMENT = {
    NO_MATCHING_PARENT: "no listener of Gateway {gateway} has {named}",
    NOT_ALLOWED: "no listener of Gateway {gateway}{named_part} allows {kind}s from namespace "
    "{namespace} (allowedRoutes)",
    NO_MATCHING_HOSTNAME: "no listener of Gateway {gateway}{named_part} serves any of the "
    "route's hostnames {hostnames}",
}


@rule(
    "MG3102",
    _ROUTES_AND_GATEWAYS,
    ERROR,
    "Gateway that does not take the route",
    "",
    scope="mesh",
)
def unattached_routes(mesh: MeshIndex) -> Iterator[Problem]:
    """A route names a Gateway none of whose listeners takes it, so its status says
    `Accepted: False` with the reason: `NoMatchingParent` (no listener has the
    `sectionName` or `port` it names), `NotAllowedByListeners` (the listeners'
    `allowedRoutes` refuse its namespace or kind; a listener takes HTTPRoutes and
    GRPCRoutes on HTTP and HTTPS, TLSRoutes on TLS, TCPRoutes on TCP, UDPRoutes on UDP,
    and routes of its own namespace unless it says otherwise) or
    `NoMatchingListenerHostname` (no listener's hostname meets the route's hostnames)."""
    labels = _labels(mesh)
    for route in _routes(mesh):
        for i, parent in parent_refs(route):
            if not parent.is_gateway:
                continue
            gateway = _gateway(mesh, parent.namespace, parent.name)
            if gateway is None:
                continue
            found = attachment(route, parent, gateway, labels)
            if found.reason is None or found.unknown:
                continue
            named = " and ".join(
                part
                for part in (
                    f"name '{parent.section}'" if parent.section else "",
                    f"port {parent.port}" if parent.port is not None else "",
                )
                if part
            )
            hostnames = [h for h in sequence(route.spec.get("hostnames")) if isinstance(h, str)]
            detail = _ATTACHMENT[found.reason].format(
                gateway=gateway.ref,
                named=named,
                named_part=f" with {named}" if named else "",
                kind=route.kind,
                namespace=route.namespace,
                hostnames=", ".join(hostnames),
            )
            yield Problem(
                ("spec", "parentRefs", i),
                f"{detail} (Accepted: False, {found.reason})",
                route,
            )


def _backend_found(mesh: MeshIndex, backend: BackendRef) -> Manifest | bool | None:
    """The Service a backend names, True for a backend found otherwise, None if absent."""
    if backend.is_service:
        return mesh.service(fqdn(backend.name, backend.namespace))
    if backend.kind == "Hostname":  # a ServiceEntry host, named as the backend's name
        return mesh.service_entry(backend.name, backend.namespace) is not None or None
    return True  # kinds meshgen does not look up


@rule(
    "MG3103",
    (*ROUTE_KINDS, "Service"),
    ERROR,
    "route backend not in the input",
    "",
    scope="mesh",
)
def missing_backends(mesh: MeshIndex) -> Iterator[Problem]:
    """A route sends to a Service (or, with kind `Hostname`, a ServiceEntry host) that is
    not in the input, so its status says `ResolvedRefs: False` (`BackendNotFound`) and
    requests for that backend get HTTP 500. Checked when the input holds Services or
    ServiceEntries; a warning, since the Service may be defined elsewhere, and an error
    with `--complete`."""
    if not (mesh.knows_services or mesh.complete):
        return
    for route in _routes(mesh):
        for path, backend in backend_refs(route):
            if backend.supported and _backend_found(mesh, backend) is None:
                yield Problem(
                    path,
                    f"{backend.kind} {backend.namespace}/{backend.name} is not in the input "
                    "(ResolvedRefs: False, BackendNotFound)",
                    route,
                    _lookup_severity(mesh),
                )


@rule(
    "MG3104",
    ROUTE_KINDS,
    ERROR,
    "route backend of a kind Istio does not route to",
    "",
    scope="mesh",
)
def unsupported_backends(mesh: MeshIndex) -> Iterator[Problem]:
    """A backend's `group` and `kind` name nothing Istio routes to (a core Service; a
    ServiceEntry host as `networking.istio.io` `Hostname`; a `ServiceImport`; an
    `InferencePool`), so the route's status says `ResolvedRefs: False` (`InvalidKind`) and
    requests that rule sends there get a 500. A kind of a Kubernetes or Istio group is an
    error; a kind of another group is a warning, since it is the way other
    implementations extend routes and the route may be meant for one of them."""
    for route in _routes(mesh):
        for path, backend in backend_refs(route):
            if not backend.supported:
                group = backend.group or "core"
                extension = not _is_builtin_group(backend.group)
                yield Problem(
                    path,
                    f"backend kind {backend.kind} of group {group} is not one Istio routes to "
                    "(ResolvedRefs: False, InvalidKind)"
                    + (
                        "; only an implementation that knows this group can use it"
                        if extension
                        else ""
                    ),
                    route,
                    WARNING if extension else None,
                )


def _is_builtin_group(group: str) -> bool:
    """Kubernetes' own API groups and Istio's, as opposed to an extension's."""
    return group in _BUILTIN_GROUPS or group.endswith((".k8s.io", ".istio.io"))


_BUILTIN_GROUPS = frozenset({"", "apps", "batch", "policy", "autoscaling", "networking.istio.io"})


@rule(
    "MG3105",
    (*ROUTE_KINDS, "Gateway", "ReferenceGrant"),
    ERROR,
    "reference to another namespace without a ReferenceGrant",
    "",
    scope="mesh",
)
def references_without_grant(mesh: MeshIndex) -> Iterator[Problem]:
    """A route's backend, or a Gateway listener's certificate, is in another namespace and
    no ReferenceGrant in that namespace allows it, so the status says
    `ResolvedRefs: False` (`RefNotPermitted`) and the reference is not used. A warning,
    since the grant may be defined elsewhere; an error with `--complete`."""
    grants = list(mesh.gateway_api("ReferenceGrant"))
    for route in _routes(mesh):
        for path, backend in backend_refs(route):
            if backend.namespace == route.namespace or not backend.supported:
                continue
            target = (backend.group, backend.kind, backend.namespace, backend.name)
            if not granted(iter(grants), (GATEWAY_API, route.kind, route.namespace), target):
                yield Problem(
                    path,
                    f"{backend.kind} {backend.namespace}/{backend.name} is in another namespace "
                    f"and no ReferenceGrant in {backend.namespace} lets {route.kind}s of "
                    f"{route.namespace} refer to it (ResolvedRefs: False, RefNotPermitted)",
                    route,
                    _lookup_severity(mesh),
                )
    for gateway in mesh.gateway_api("Gateway"):
        for path, ref in _certificate_refs(gateway):
            namespace = str(ref.get("namespace") or gateway.namespace)
            if namespace == gateway.namespace:
                continue
            target = (
                str(ref.get("group") or ""),
                str(ref.get("kind") or "Secret"),
                namespace,
                str(ref.get("name")),
            )
            if not granted(iter(grants), (GATEWAY_API, "Gateway", gateway.namespace), target):
                yield Problem(
                    path,
                    f"certificate {namespace}/{ref.get('name')} is in another namespace and no "
                    f"ReferenceGrant in {namespace} lets Gateways of {gateway.namespace} refer "
                    "to it (ResolvedRefs: False, RefNotPermitted)",
                    gateway,
                    _lookup_severity(mesh),
                )


@rule(
    "MG3106",
    (*ROUTE_KINDS, "Service"),
    ERROR,
    "route backend port the Service does not expose",
    "",
    scope="mesh",
)
def backend_ports(mesh: MeshIndex) -> Iterator[Problem]:
    """A route sends to a port its Service does not expose: the proxy has no endpoint for
    it, and requests for that backend fail."""
    for route in _routes(mesh):
        for path, backend in backend_refs(route):
            if not backend.is_service or backend.port is None:
                continue
            service = mesh.service(fqdn(backend.name, backend.namespace))
            if service is None:
                continue
            ports = service_ports(service)
            if ports and backend.port not in ports:
                shown = ", ".join(str(p) for p in ports)
                yield Problem(
                    (*path, "port"),
                    f"Service {service.ref} has no port {backend.port} (its ports: {shown})",
                    route,
                )


def _certificate_refs(gateway: Manifest) -> Iterator[tuple[tuple[Any, ...], dict[str, Any]]]:
    for i, listener in enumerate(listeners(gateway)):
        tls = mapping(listener.get("tls"))
        for k, ref in enumerate(sequence(tls.get("certificateRefs"))):
            if isinstance(ref, dict):
                yield ("spec", "listeners", i, "tls", "certificateRefs", k), ref


@rule("MG3107", "Gateway", ERROR, "listener certificate that does not resolve", "", scope="mesh")
def listener_certificates(mesh: MeshIndex) -> Iterator[Problem]:
    """A listener's `certificateRefs` names something other than a core Secret (Istio
    also reads a ConfigMap), or, with `--complete`, a Secret the input lacks: the
    listener's status says `ResolvedRefs: False` (`InvalidCertificateRef`) and it serves
    no TLS."""
    secrets = {
        m.identity[1:] for m in mesh.manifests if m.api_version == "v1" and m.kind == "Secret"
    }
    for gateway in mesh.gateway_api("Gateway"):
        for path, ref in _certificate_refs(gateway):
            group, kind = str(ref.get("group") or ""), str(ref.get("kind") or "Secret")
            namespace = str(ref.get("namespace") or gateway.namespace)
            if group not in ("", "core") or kind not in ("Secret", "ConfigMap"):
                yield Problem(
                    path,
                    f"certificate kind {kind} of group {group or 'core'} is not a Secret "
                    "(ResolvedRefs: False, InvalidCertificateRef)",
                    gateway,
                )
            elif mesh.complete and kind == "Secret" and (namespace, ref.get("name")) not in secrets:
                yield Problem(
                    path,
                    f"Secret {namespace}/{ref.get('name')} is not in the input "
                    "(ResolvedRefs: False, InvalidCertificateRef)",
                    gateway,
                )


# Protocols that may share a port, told apart by SNI.
_SNI = frozenset({"HTTPS", "TLS"})


@rule("MG3108", "Gateway", ERROR, "listeners that conflict", "", scope="mesh")
def conflicting_listeners(mesh: MeshIndex) -> Iterator[Problem]:
    """Two listeners of a Gateway on one port conflict, so their status says
    `Conflicted: True` and the later is not programmed: `ProtocolConflict` where the
    protocols cannot share a port (only HTTPS and TLS can, told apart by SNI),
    `HostnameConflict` where protocol and hostname are the same too."""
    for gateway in mesh.gateway_api("Gateway"):
        seen: list[dict[str, Any]] = []
        for i, listener in enumerate(listeners(gateway)):
            port, protocol = listener.get("port"), listener.get("protocol")
            hostname = listener.get("hostname") or "*"
            for earlier in seen:
                if earlier.get("port") != port:
                    continue
                other = earlier.get("protocol")
                name = earlier.get("name")
                if other != protocol and not {other, protocol} <= _SNI:
                    yield Problem(
                        ("spec", "listeners", i, "protocol"),
                        f"listener {listener.get('name')!r} ({protocol}) shares port {port} "
                        f"with listener {name!r} ({other}) (Conflicted: True, ProtocolConflict)",
                        gateway,
                    )
                    break
                if other == protocol and (earlier.get("hostname") or "*") == hostname:
                    yield Problem(
                        ("spec", "listeners", i),
                        f"listener {listener.get('name')!r} has the port, protocol and hostname "
                        f"of listener {name!r} (Conflicted: True, HostnameConflict)",
                        gateway,
                    )
                    break
            seen.append(listener)

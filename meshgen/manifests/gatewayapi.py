"""The Kubernetes Gateway API as data: what a route's references mean and whether a
Gateway's listeners take a route, as a conformant controller decides it.

Shared by the route-status checks and explain. Input is not trusted to be shaped: every
read goes through :func:`mapping` and :func:`sequence`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from meshgen.manifests import Manifest, mapping, sequence
from meshgen.manifests.hosts import overlap
from meshgen.manifests.selectors import selects

GATEWAY_API = "gateway.networking.k8s.io"
GATEWAY_API_GROUPS = frozenset({GATEWAY_API, "gateway.networking.x-k8s.io"})
ROUTE_KINDS = ("HTTPRoute", "GRPCRoute", "TCPRoute", "TLSRoute", "UDPRoute")
# Route kinds that carry hostnames, matched against a listener's hostname.
HOSTNAME_ROUTES = frozenset({"HTTPRoute", "GRPCRoute", "TLSRoute"})
# The gateway classes Istio's controller serves.
ISTIO_CLASSES = frozenset({"istio", "istio-waypoint", "istio-remote", "istio-east-west"})


def is_gateway_api(document: dict[str, Any]) -> bool:
    api_version = document.get("apiVersion")
    return isinstance(api_version, str) and api_version.partition("/")[0] in GATEWAY_API_GROUPS


# The route kinds a listener takes when its allowedRoutes names none, by protocol.
_KINDS_OF_PROTOCOL: dict[str, tuple[str, ...]] = {
    "HTTP": ("HTTPRoute", "GRPCRoute"),
    "HTTPS": ("HTTPRoute", "GRPCRoute"),
    "TLS": ("TLSRoute",),
    "TCP": ("TCPRoute",),
    "UDP": ("UDPRoute",),
}
# Backends Istio routes to: a Service, a ServiceEntry host, a ServiceImport, an InferencePool.
BACKEND_KINDS = frozenset(
    {
        ("", "Service"),
        ("networking.istio.io", "Hostname"),
        ("multicluster.x-k8s.io", "ServiceImport"),
        ("inference.networking.k8s.io", "InferencePool"),
    }
)


def _text(value: Any, default: str = "") -> str:
    return value if isinstance(value, str) else default


@dataclass(frozen=True)
class ParentRef:
    """One entry of a route's `parentRefs`, with the API's defaults filled in."""

    group: str
    kind: str
    namespace: str
    name: str
    section: str | None
    port: int | None

    @classmethod
    def of(cls, ref: Any, route: Manifest) -> ParentRef:
        ref = mapping(ref)
        port = ref.get("port")
        return cls(
            _text(ref.get("group"), GATEWAY_API),
            _text(ref.get("kind"), "Gateway"),
            _text(ref.get("namespace")) or route.namespace,
            _text(ref.get("name")),
            _text(ref.get("sectionName")) or None,
            port if isinstance(port, int) and not isinstance(port, bool) else None,
        )

    @property
    def is_gateway(self) -> bool:
        return (self.group, self.kind) == (GATEWAY_API, "Gateway")

    @property
    def is_service(self) -> bool:
        """A mesh (GAMMA) parent: the route applies to requests sent to this Service."""
        return self.group in ("", "core") and self.kind == "Service"

    @property
    def ref(self) -> str:
        return f"{self.namespace}/{self.name}"


@dataclass(frozen=True)
class BackendRef:
    """One backend a route sends to, with the API's defaults filled in."""

    group: str
    kind: str
    namespace: str
    name: str
    port: int | None
    weight: int

    @classmethod
    def of(cls, ref: Any, route: Manifest) -> BackendRef:
        ref = mapping(ref)
        port, weight = ref.get("port"), ref.get("weight")
        return cls(
            _text(ref.get("group")),
            _text(ref.get("kind"), "Service"),
            _text(ref.get("namespace")) or route.namespace,
            _text(ref.get("name")),
            port if isinstance(port, int) and not isinstance(port, bool) else None,
            weight if isinstance(weight, int) and not isinstance(weight, bool) else 1,
        )

    @property
    def is_service(self) -> bool:
        return self.group in ("", "core") and self.kind == "Service"

    @property
    def supported(self) -> bool:
        return (("" if self.group == "core" else self.group), self.kind) in BACKEND_KINDS


def parent_refs(route: Manifest) -> Iterator[tuple[int, ParentRef]]:
    for i, ref in enumerate(sequence(route.spec.get("parentRefs"))):
        if isinstance(ref, dict):
            yield i, ParentRef.of(ref, route)


def backend_refs(route: Manifest) -> Iterator[tuple[tuple[Any, ...], BackendRef]]:
    """Every backend of a route, with its path: each rule's `backendRefs`, and the
    backends of its `RequestMirror` filters (of the rule and of each backend)."""
    for i, rule in enumerate(sequence(route.spec.get("rules"))):
        rule = mapping(rule)
        at: tuple[Any, ...] = ("spec", "rules", i)
        for k, ref in enumerate(sequence(rule.get("backendRefs"))):
            if isinstance(ref, dict):
                yield (*at, "backendRefs", k), BackendRef.of(ref, route)
                yield from _mirrors(ref, (*at, "backendRefs", k), route)
        yield from _mirrors(rule, at, route)


def _mirrors(
    holder: dict[str, Any], at: tuple[Any, ...], route: Manifest
) -> Iterator[tuple[tuple[Any, ...], BackendRef]]:
    """The backends of the `RequestMirror` filters of a rule or backend at ``at``."""
    for j, f in enumerate(sequence(holder.get("filters"))):
        mirror = mapping(mapping(f).get("requestMirror")).get("backendRef")
        if isinstance(mirror, dict):
            path = (*at, "filters", j, "requestMirror", "backendRef")
            yield path, BackendRef.of(mirror, route)


def listeners(gateway: Manifest) -> list[dict[str, Any]]:
    return [mapping(listener) for listener in sequence(gateway.spec.get("listeners"))]


def listener_kinds(listener: dict[str, Any]) -> list[tuple[str, str]]:
    """The (group, kind) of the routes a listener takes."""
    named = sequence(mapping(listener.get("allowedRoutes")).get("kinds"))
    if named:
        return [
            (_text(mapping(k).get("group"), GATEWAY_API), _text(mapping(k).get("kind")))
            for k in named
        ]
    protocol = _text(listener.get("protocol"))
    return [(GATEWAY_API, kind) for kind in _KINDS_OF_PROTOCOL.get(protocol, ())]


def namespace_allowed(
    listener: dict[str, Any],
    gateway: Manifest,
    route_namespace: str,
    namespace_labels: dict[str, dict[str, Any]],
) -> bool | None:
    """Whether a listener takes routes from ``route_namespace`` (None: it selects
    namespaces by label, and the input has no Namespace of that name to read)."""
    namespaces = mapping(mapping(listener.get("allowedRoutes")).get("namespaces"))
    origin = _text(namespaces.get("from"), "Same")
    if origin == "All":
        return True
    if origin == "Same":
        return route_namespace == gateway.namespace
    if origin == "Selector":
        labels = namespace_labels.get(route_namespace)
        if labels is None:
            return None
        return selects(mapping(namespaces.get("selector")), labels)
    return False  # None, or a value the API does not define


def hostnames_meet(listener: dict[str, Any], route: Manifest) -> bool:
    """Whether a route's hostnames and a listener's hostname have a host in common (no
    hostname on either side means every host)."""
    if route.kind not in HOSTNAME_ROUTES:
        return True
    hostname = listener.get("hostname")
    hostnames = [h for h in sequence(route.spec.get("hostnames")) if isinstance(h, str)]
    if not isinstance(hostname, str) or not hostname or not hostnames:
        return True
    return any(overlap(hostname, h) for h in hostnames)


# Why a parent does not take a route, in the order a controller tells them apart.
NO_MATCHING_PARENT = "NoMatchingParent"
NOT_ALLOWED = "NotAllowedByListeners"
NO_MATCHING_HOSTNAME = "NoMatchingListenerHostname"


@dataclass(frozen=True)
class Attachment:
    """How a route attaches to one Gateway: the listeners that take it, or why none does
    (``reason`` as the route's `Accepted` condition says it; ``unknown``: the answer
    depends on Namespaces the input does not hold)."""

    listeners: tuple[dict[str, Any], ...]
    reason: str | None
    unknown: bool = False


def attachment(
    route: Manifest,
    parent: ParentRef,
    gateway: Manifest,
    namespace_labels: dict[str, dict[str, Any]],
) -> Attachment:
    """Which listeners of ``gateway`` take ``route`` through ``parent``."""
    named = [
        listener
        for listener in listeners(gateway)
        if (parent.section is None or listener.get("name") == parent.section)
        and (parent.port is None or listener.get("port") == parent.port)
    ]
    if not named:
        return Attachment((), NO_MATCHING_PARENT)
    allowed, unknown = [], False
    for listener in named:
        if (GATEWAY_API, route.kind) not in listener_kinds(listener):
            continue
        verdict = namespace_allowed(listener, gateway, route.namespace, namespace_labels)
        unknown = unknown or verdict is None
        if verdict:
            allowed.append(listener)
    if not allowed:
        return Attachment((), NOT_ALLOWED, unknown)
    taking = tuple(listener for listener in allowed if hostnames_meet(listener, route))
    if not taking:
        return Attachment((), NO_MATCHING_HOSTNAME)
    return Attachment(taking, None)


def granted(
    grants: Iterator[Manifest],
    source: tuple[str, str, str],
    target: tuple[str, str, str, str],
) -> bool:
    """Whether a ReferenceGrant lets an object of ``source`` (group, kind, namespace)
    refer to ``target`` (group, kind, namespace, name) in another namespace; the grant
    must live in the target's namespace."""
    group, kind, namespace = source
    to_group, to_kind, to_namespace, to_name = target
    for grant in grants:
        if grant.namespace != to_namespace:
            continue
        takes_from = any(
            _text(mapping(f).get("group")) == group
            and _text(mapping(f).get("kind")) == kind
            and _text(mapping(f).get("namespace")) == namespace
            for f in sequence(grant.spec.get("from"))
        )
        takes_to = any(
            _text(mapping(t).get("group")) == to_group
            and _text(mapping(t).get("kind")) == to_kind
            and _text(mapping(t).get("name")) in ("", to_name)
            for t in sequence(grant.spec.get("to"))
        )
        if takes_from and takes_to:
            return True
    return False

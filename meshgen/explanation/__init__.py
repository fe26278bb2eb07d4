"""What a request will hit, worked out from the manifests alone with Istio's semantics.

One VirtualService is consulted, in the sending proxy, for the request's host; its rules
are tried in order and the first that matches wins. The chosen destination's own
VirtualService is not consulted: there is no second hop. The DestinationRule of the
chosen host applies, with the chosen subset's policy over its own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from meshgen.errors import MeshgenError
from meshgen.explanation.policy import destination_rule, effective_policy, subset_of
from meshgen.explanation.request import Request, unmet, unmet_stream
from meshgen.manifests import ROOT_NAMESPACE, ROUTING_KINDS, identity
from meshgen.manifests.hosts import (
    MESH,
    bound_gateways,
    covers,
    fqdn,
    gateway_ref,
    request_hosts,
    specificity,
    visible,
)

__all__ = ["Destination", "Explanation", "Request", "Skipped", "explain"]


@dataclass(frozen=True)
class Skipped:
    """A rule tried before the one that matched, and why it did not."""

    virtual_service: str
    index: int
    name: str | None
    reason: str


@dataclass(frozen=True)
class Destination:
    host: str
    subset: str | None
    port: int | None
    weight: int | None
    share: float
    labels: dict[str, str] | None
    destination_rule: str | None
    policy: dict[str, Any]
    notes: list[str] = field(default_factory=list)


@dataclass
class Explanation:
    """Where a request goes and what happens to it on the way."""

    request: Request
    host: str
    virtual_service: str | None = None
    rule_index: int | None = None
    rule_name: str | None = None
    skipped: list[Skipped] = field(default_factory=list)
    destinations: list[Destination] = field(default_factory=list)
    mirrors: list[Destination] = field(default_factory=list)
    retries: dict[str, Any] | None = None
    timeout: str | None = None
    fault: dict[str, Any] | None = None
    rewrite: dict[str, Any] | None = None
    redirect: dict[str, Any] | None = None
    direct_response: dict[str, Any] | None = None
    headers: dict[str, Any] | None = None
    notes: list[str] = field(default_factory=list)

    def to_text(self) -> str:
        """A person's reading: request, VirtualService, rule, destinations, notes."""
        from meshgen.explanation.text import to_text

        return to_text(self)

    def to_dict(self) -> dict[str, Any]:
        """JSON data (the shape is documented in docs/explain.md)."""
        from meshgen.explanation.text import to_dict

        return to_dict(self)


def _meta(resource: dict[str, Any]) -> tuple[str, str]:
    _, namespace, name = identity(resource)
    return namespace, name


def _name(resource: dict[str, Any]) -> str:
    namespace, name = _meta(resource)
    return f"{namespace}/{name}"


def _kind(resources: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [r for r in resources if isinstance(r, dict) and r.get("kind") == kind]


def _request_gateway(request: Request, gateways: list[dict[str, Any]]) -> str:
    if request.gateway == MESH or "/" in request.gateway:
        return request.gateway
    named = [g for g in gateways if _meta(g)[1] == request.gateway]
    return _name(named[0]) if named else gateway_ref(request.gateway, request.source_namespace)


def _request_hosts(request: Request) -> list[str]:
    if request.gateway != MESH:
        return [request.host.lower()]  # a gateway matches the Host header as sent
    return request_hosts(request.host, request.source_namespace)


def _pick_virtual_services(
    services: list[dict[str, Any]], hosts: list[str], gateway: str, client_namespace: str
) -> tuple[list[dict[str, Any]], list[str]]:
    """The VirtualServices whose rules apply, in order, and notes on the choice.

    The most specific matching host wins. On a gateway, every VirtualService bound to it
    with that same host contributes its rules, in order; a sidecar uses one of them only.
    """
    candidates = []
    for order, vs in enumerate(services):
        namespace, _ = _meta(vs)
        spec = vs.get("spec") or {}
        if spec.get("http") is None and spec.get("tcp") is None and spec.get("tls") is None:
            continue  # a delegate VirtualService is reached only from its parent
        if gateway not in bound_gateways(spec, namespace):
            continue
        if gateway == MESH and not visible(spec.get("exportTo"), namespace, client_namespace):
            continue
        for pattern in spec.get("hosts") or []:
            resolved = pattern if gateway != MESH else fqdn(pattern, namespace)
            for rank, host in enumerate(hosts):  # the host as written before its aliases
                if covers(resolved, host):
                    candidates.append(((rank, *specificity(resolved)), resolved, order, vs))
                    break
    if not candidates:
        return [], []
    candidates.sort(key=lambda c: (c[0], c[2]))
    best = candidates[0][1]
    chosen = [vs for _, pattern, _, vs in candidates if pattern == best]
    chosen = [vs for i, vs in enumerate(chosen) if vs not in chosen[:i]]
    if gateway != MESH:
        notes = (
            [
                f"on a gateway, the rules of every VirtualService for {best} are merged, in order: "
                + ", ".join(_name(vs) for vs in chosen)
            ]
            if len(chosen) > 1
            else []
        )
        return chosen, notes
    notes = [
        f"VirtualService {_name(other)} also claims {best}; a sidecar uses only one "
        "VirtualService per host (the oldest), taken here as the one listed first"
        for other in chosen[1:]
    ]
    return chosen[:1], notes


def _destination(
    entry: dict[str, Any],
    vs_namespace: str,
    share: float,
    resources: list[dict[str, Any]],
    request: Request,
    consulted: str | None = None,
) -> Destination:
    target = entry.get("destination") or entry
    host = fqdn(str(target.get("host", "")), vs_namespace)
    port = (target.get("port") or {}).get("number") or request.port
    rule = destination_rule(
        _kind(resources, "DestinationRule"), host, request.source_namespace, ROOT_NAMESPACE
    )
    subset = subset_of(rule, target.get("subset"))
    notes: list[str] = []
    if target.get("subset") and subset is None:
        where = f"DestinationRule {_name(rule)}" if rule else "no DestinationRule for this host"
        notes.append(f"subset '{target['subset']}' is not defined ({where}): Istio answers 503")
    if consulted is not None:
        own = [
            vs
            for vs in _kind(resources, "VirtualService")
            if any(fqdn(h, _meta(vs)[0]) == host for h in (vs.get("spec") or {}).get("hosts") or [])
            and MESH in bound_gateways(vs.get("spec") or {}, _meta(vs)[0])
        ]
        for vs in own:
            if _name(vs) == consulted:
                continue
            notes.append(
                f"{host} has its own VirtualService {_name(vs)}, which is not consulted: a "
                "request meets one VirtualService, in the sending proxy; this route already "
                "chose the destination"
            )
    return Destination(
        host=host,
        subset=target.get("subset"),
        port=port,
        weight=entry.get("weight"),
        share=share,
        labels=dict(subset.get("labels") or {}) if subset else None,
        destination_rule=_name(rule) if rule else None,
        policy=effective_policy(rule, subset, port),
        notes=notes,
    )


def _shares(route: list[dict[str, Any]]) -> list[float]:
    if len(route) == 1 and route[0].get("weight") is None:
        return [100.0]
    total = sum(int(entry.get("weight") or 0) for entry in route)
    return [100.0 * int(entry.get("weight") or 0) / total if total else 0.0 for entry in route]


def _rules(
    vs: dict[str, Any], resources: list[dict[str, Any]]
) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """(rule, owning VirtualService) in order, delegates expanded in place."""
    out = []
    namespace, _ = _meta(vs)
    for rule in (vs.get("spec") or {}).get("http") or []:
        delegate = rule.get("delegate")
        if not delegate:
            out.append((rule, vs))
            continue
        target = [
            d
            for d in _kind(resources, "VirtualService")
            if _meta(d) == (delegate.get("namespace") or namespace, delegate.get("name"))
        ]
        for child in (target[0].get("spec") or {}).get("http") or [] if target else []:
            merged = dict(child)
            if rule.get("match"):  # the parent's conditions hold too
                merged["match"] = [
                    {**parent, **own}
                    for parent in rule["match"]
                    for own in (child.get("match") or [{}])
                ]
            out.append((merged, target[0]))
    return out


_HTTP_PROTOCOLS = {"HTTP", "HTTP2", "GRPC", "GRPC-WEB"}


def _server_takes(request: Request, protocol: str, tls: dict[str, Any]) -> bool:
    """Whether a gateway server of ``protocol`` takes the request as it is sent."""
    terminated = protocol == "HTTPS" or (protocol == "TLS" and tls.get("mode") != "PASSTHROUGH")
    if request.protocol == "tcp":
        return protocol in ("TCP", "MONGO", "REDIS", "MYSQL") or terminated
    if request.protocol == "tls":
        return protocol in ("TLS", "HTTPS")
    if request.scheme == "https":
        return terminated
    return protocol in _HTTP_PROTOCOLS


def _gateway_entry(
    request: Request, gateways: list[dict[str, Any]], gateway: str
) -> tuple[str, bool] | None:
    """Why the gateway does not route the request (no server for its port, host and
    scheme), and whether that is a redirect to HTTPS; None when a server takes it."""
    port = request.port or (443 if request.scheme == "https" or request.protocol == "tls" else 80)
    host = request.host.lower()
    servers = [
        server
        for resource in gateways
        if _name(resource) == gateway
        for server in (resource.get("spec") or {}).get("servers") or []
        if isinstance(server, dict)
    ]
    on_port = [s for s in servers if (s.get("port") or {}).get("number") == port]
    for server in on_port:
        hosts = [h.split("/", 1)[-1] for h in server.get("hosts") or [] if isinstance(h, str)]
        if not any(covers(h, host) for h in hosts):
            continue
        protocol = str((server.get("port") or {}).get("protocol", "")).upper()
        tls = server.get("tls") or {}
        if request.scheme == "http" and tls.get("httpsRedirect"):
            return (
                f"gateway {gateway} redirects plain HTTP on port {port} to HTTPS (301) "
                "before any route: the request comes back as https",
                True,
            )
        if _server_takes(request, protocol, tls):
            return None
        asked = request.scheme if request.protocol == "http" else request.protocol
        return (
            f"gateway {gateway} serves port {port} as {protocol or 'no protocol'}, not "
            f"{asked.upper()}: the {request.protocol.upper()} rules do not see it",
            False,
        )
    ports = sorted(
        {n for s in servers if isinstance(n := (s.get("port") or {}).get("number"), int)}
    )
    if not on_port:
        return (
            f"gateway {gateway} has no server on port {port} (it listens on "
            f"{', '.join(map(str, ports)) or 'no port'}): the connection is refused",
            False,
        )
    return f"gateway {gateway} serves no host {host} on port {port}: it answers 404", False


def explain(resources: list[dict[str, Any]], request: Request) -> Explanation:
    """Where ``request`` goes, given the Istio ``resources`` of the mesh.

    Gateways, VirtualServices and DestinationRules that do not have the shape of their
    schema (a list where a mapping belongs, say) are left out, with a note naming them.
    """
    from meshgen.validation.validate import well_formed

    kept: list[dict[str, Any]] = []
    left_out: list[str] = []
    for resource in resources:
        if isinstance(resource, dict) and resource.get("kind") in ROUTING_KINDS:
            if well_formed(resource):
                kept.append(resource)
            else:
                left_out.append(f"{resource.get('kind')} {_name(resource)}")
    result = _explain(kept, request)
    if left_out:
        result.notes.append(
            "left out, not well formed (meshgen validate says why): " + ", ".join(left_out)
        )
    return result


def _explain(resources: list[dict[str, Any]], request: Request) -> Explanation:
    gateways = _kind(resources, "Gateway")
    gateway = _request_gateway(request, gateways)
    if gateway != MESH and not any(_name(g) == gateway for g in gateways):
        known = ", ".join(sorted(_name(g) for g in gateways)) or "none"
        raise MeshgenError(f"gateway {request.gateway} is not in the input (gateways: {known})")
    hosts = _request_hosts(request)
    host = hosts[0]
    result = Explanation(request=request, host=host)
    refused = _gateway_entry(request, gateways, gateway) if gateway != MESH else None
    if refused is not None:
        note, redirected = refused
        if redirected:
            result.redirect = {"scheme": "https", "redirectCode": 301}
        result.notes.append(note)
        return result
    chosen, notes = _pick_virtual_services(
        _kind(resources, "VirtualService"), hosts, gateway, request.source_namespace
    )
    result.notes.extend(notes)
    if not chosen:
        if gateway != MESH:
            result.notes.append(
                f"no VirtualService bound to {gateway} serves {host}: the gateway answers 404"
            )
        else:
            result.notes.append(
                f"no VirtualService applies to {host}: the request goes to the Kubernetes "
                "Service with no route rule"
            )
            result.destinations.append(
                _destination({"host": host}, request.source_namespace, 100.0, resources, request)
            )
        return result
    if request.protocol == "http":
        rules = [
            (index, rule, owner)
            for vs in chosen
            for index, (rule, owner) in enumerate(_rules(vs, resources))
        ]
        test = unmet
    else:  # a TCP connection or TLS stream meets the tcp or tls rules
        rules = [
            (index, rule, vs)
            for vs in chosen
            for index, rule in enumerate((vs.get("spec") or {}).get(request.protocol) or [])
            if isinstance(rule, dict)
        ]
        test = unmet_stream
    result.virtual_service = _name(chosen[0])
    for index, rule, owner in rules:
        owner_namespace, _ = _meta(owner)
        blocks = [
            {**m, "gateways": [gateway_ref(g, owner_namespace) for g in m["gateways"]]}
            if m.get("gateways")
            else m
            for m in rule.get("match") or [{}]
            if isinstance(m, dict)
        ]
        reasons = [test(block, request, gateway) for block in blocks or [{}]]
        if any(reason is None for reason in reasons):
            result.virtual_service = _name(owner)
            _apply(result, index, rule, owner_namespace, resources, request)
            return result
        result.skipped.append(
            Skipped(_name(owner), index, rule.get("name"), "; or ".join(r for r in reasons if r))
        )
    if gateway != MESH:
        result.notes.append("no rule matches: the gateway answers 404")
    else:
        result.notes.append(
            f"no rule matches: the request goes to {host} as a plain Kubernetes Service, "
            "with no route rule"
        )
    return result


def _apply(
    result: Explanation,
    index: int,
    rule: dict[str, Any],
    namespace: str,
    resources: list[dict[str, Any]],
    request: Request,
) -> None:
    result.rule_index, result.rule_name = index, rule.get("name")
    route = rule.get("route") or []
    consulted = result.virtual_service
    for entry, share in zip(route, _shares(route), strict=True):
        result.destinations.append(
            _destination(entry, namespace, share, resources, request, consulted)
        )
    if any(d.host == result.host for d in result.destinations):
        result.notes.append(
            f"routing to {result.host}, the host this VirtualService serves, does not loop: "
            "VirtualServices are applied once, by the sending proxy"
        )
    mirrors = list(rule.get("mirrors") or [])
    if rule.get("mirror"):
        percentage = (rule.get("mirrorPercentage") or {}).get("value", 100.0)
        mirrors.insert(0, {"destination": rule["mirror"], "percentage": {"value": percentage}})
    for mirror in mirrors:
        share = float((mirror.get("percentage") or {}).get("value", 100.0))
        copy = _destination(mirror, namespace, share, resources, request)
        copy.notes.append(
            f"a copy of {share:g}% of requests, sent with authority {request.host}-shadow; "
            "its responses are discarded"
        )
        result.mirrors.append(copy)
    result.retries = rule.get("retries")
    result.timeout = rule.get("timeout")
    result.fault = rule.get("fault")
    result.rewrite = rule.get("rewrite")
    result.redirect = rule.get("redirect")
    result.direct_response = rule.get("directResponse")
    result.headers = rule.get("headers")
    if result.retries is None and route and request.protocol == "http":
        result.notes.append(
            "no retries set: Istio's default applies (2 attempts on connect-failure, "
            "refused-stream, unavailable, cancelled, retriable-status-codes)"
        )

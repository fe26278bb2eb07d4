"""VirtualService hosts, gateways and the shape of delegates (Istio's ValidateVirtualService)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from meshgen.manifests.hosts import applies_to_mesh, overlap
from meshgen.validation.rules import primitives as p
from meshgen.validation.rules.registry import ERROR, WARNING, Found, rule
from meshgen.validation.rules.virtualservice.walk import VS, is_delegate, matches, rules

# -- hosts and gateways ------------------------------------------------------------------


@rule(
    "MG2201",
    VS,
    ERROR,
    "delegate VirtualService with gateways or TCP/TLS routes",
    "V1 V2 V3",
)
def delegate_shape(spec: dict[str, Any], resource: dict[str, Any]) -> Iterator[Found]:
    """A VirtualService without hosts is a delegate, reached only from a parent's
    `delegate`: it may not name gateways, nor have `tls` or `tcp` routes."""
    if not is_delegate(spec):
        return
    for field in ("gateways", "tls", "tcp"):
        if spec.get(field):
            yield ("spec", field), f"a delegate VirtualService (no hosts) cannot have {field}"


def _gateway_problems(refs: Any, where: tuple[Any, ...]) -> Iterator[Found]:
    for i, ref in enumerate(refs or []):
        if not isinstance(ref, str) or ref == "mesh":
            continue
        namespace, slash, name = ref.partition("/")
        if not slash:
            problem = p.wildcard_domain(ref, wildcard=False)
            if problem:
                yield (*where, i), f"gateway '{ref}': {problem}"
            continue
        if not namespace or not name:
            yield (*where, i), f"gateway '{ref}': namespace and gateway name cannot be empty"
        elif not p.is_dns1123_label(namespace):
            yield (*where, i), f"gateway '{ref}': invalid namespace '{namespace}'"
        elif not p.is_dns1123_label(name):
            yield (*where, i), f"gateway '{ref}': invalid gateway name '{name}'"


@rule(
    "MG2202",
    VS,
    ERROR,
    "invalid gateway reference",
    "V-GW-2 V-GW-3 V-GW-4 V-GW-5 V36 V99",
)
def gateway_references(spec: dict[str, Any], resource: dict[str, Any]) -> Iterator[Found]:
    """Gateways are referred to as `mesh`, a name, or `namespace/name` where both parts
    are DNS-1123 labels (`*/gw` and `ns/*` are invalid). Istio stops checking a list at
    the first name without `/`; meshgen checks every entry, in `gateways` and in every
    match's `gateways`."""
    yield from _gateway_problems(spec.get("gateways"), ("spec", "gateways"))
    for kind in ("http", "tls", "tcp"):
        for i, route in enumerate(spec.get(kind) or []):
            for j, match in enumerate(p.mapping(route).get("match") or []):
                if isinstance(match, dict):
                    yield from _gateway_problems(
                        match.get("gateways"), ("spec", kind, i, "match", j, "gateways")
                    )


@rule(
    "MG2203",
    VS,
    WARNING,
    "legacy gateway name format",
    "V-GW-1",
)
def legacy_gateway_names(spec: dict[str, Any], resource: dict[str, Any]) -> Iterator[Found]:
    """`name.namespace` is the legacy way to refer to a gateway in another namespace;
    prefer `namespace/name`."""
    for i, ref in enumerate(spec.get("gateways") or []):
        if isinstance(ref, str) and "/" not in ref and "." in ref:
            name, _, namespace = ref.partition(".")
            yield (
                ("spec", "gateways", i),
                f"legacy gateway name '{ref}'; prefer '{namespace}/{name}'",
            )


@rule(
    "MG2204",
    VS,
    ERROR,
    "JWT claim routing on sidecars",
    "V4",
)
def jwt_claim_routing(spec: dict[str, Any], resource: dict[str, Any]) -> Iterator[Found]:
    """Routing on JWT claims (`@request.auth.claims...` header keys) works only on
    gateways, not for a VirtualService that applies to sidecars (`mesh`)."""
    if not applies_to_mesh(spec):
        return
    for i, route in rules(spec):
        for j, match in matches(route):
            for field in ("headers", "withoutHeaders"):
                for key in match.get(field) or {}:
                    if isinstance(key, str) and p.is_jwt_claim(key):
                        yield (
                            ("spec", "http", i, "match", j, field, key),
                            f"JWT claim routing ({key}) works only on gateways",
                        )


@rule(
    "MG2205",
    VS,
    ERROR,
    "invalid host",
    "V5",
)
def hosts_valid(spec: dict[str, Any], resource: dict[str, Any]) -> Iterator[Found]:
    """Each host is a short name, a DNS name, a wildcard domain (`*.example.com`) or an
    IP address."""
    for i, host in enumerate(spec.get("hosts") or []):
        if isinstance(host, str) and (problem := p.host(host)):
            yield ("spec", "hosts", i), problem


@rule(
    "MG2206",
    VS,
    ERROR,
    "wildcard host * on sidecars",
    "V6",
)
def wildcard_host_on_mesh(spec: dict[str, Any], resource: dict[str, Any]) -> Iterator[Found]:
    """Host `*` would capture every request from every sidecar; it is allowed only for
    VirtualServices bound to gateways alone (not `mesh`)."""
    if applies_to_mesh(spec):
        for i, host in enumerate(spec.get("hosts") or []):
            if host == "*":
                yield (
                    ("spec", "hosts", i),
                    "host * is not allowed for a VirtualService that applies to sidecars (mesh)",
                )


@rule(
    "MG2207",
    VS,
    ERROR,
    "overlapping hosts",
    "V7",
)
def overlapping_hosts(spec: dict[str, Any], resource: dict[str, Any]) -> Iterator[Found]:
    """No two hosts of one VirtualService may overlap: the same name twice, or a wildcard
    covering another host."""
    hosts = [h for h in spec.get("hosts") or [] if isinstance(h, str)]
    if any(p.host(h) for h in hosts):
        return
    for i, first in enumerate(hosts):
        for j in range(i + 1, len(hosts)):
            if overlap(first, hosts[j]):
                yield ("spec", "hosts", j), f"hosts {first} and {hosts[j]} overlap"


@rule("MG2208", VS, ERROR, "no routes", "V8 V9")
def has_routes(spec: dict[str, Any], resource: dict[str, Any]) -> Iterator[Found]:
    """A VirtualService needs `http`, `tcp` or `tls` routes, and no route may be null."""
    if not (spec.get("http") or spec.get("tcp") or spec.get("tls")):
        yield ("spec",), "give http, tcp or tls routes"
    for i, entry in enumerate(spec.get("http") or []):
        if entry is None:
            yield ("spec", "http", i), "an http route may not be null"

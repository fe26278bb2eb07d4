"""Where routes send traffic: destinations, weights, ports, mirrors."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from meshgen.manifests.hosts import covers
from meshgen.validation.rules import primitives as p
from meshgen.validation.rules.registry import ERROR, WARNING, Found, rule
from meshgen.validation.rules.virtualservice.walk import VS


def _destinations(spec: dict[str, Any]) -> Iterator[tuple[tuple[Any, ...], Any]]:
    for kind in ("http", "tcp", "tls"):
        for i, route in enumerate(spec.get(kind) or []):
            if not isinstance(route, dict):
                continue
            for k, entry in enumerate(route.get("route") or []):
                yield ("spec", kind, i, "route", k), entry
            if kind == "http" and isinstance(route.get("mirror"), dict):
                yield ("spec", kind, i, "mirror"), {"destination": route["mirror"]}
            for k, mirror in enumerate(route.get("mirrors") or [] if kind == "http" else []):
                if isinstance(mirror, dict) and mirror.get("destination"):
                    yield ("spec", kind, i, "mirrors", k), mirror


@rule(
    "MG2226",
    VS,
    ERROR,
    "invalid destination",
    "V61 V64 V84 V85 V86 V87 V88 V103",
)
def destinations(spec: dict[str, Any], resource: dict[str, Any]) -> Iterator[Found]:
    """Every destination (routes and mirrors) has a host that is a short name or DNS name
    (not `*`, not `namespace/name`, not an IP), a subset name that is a DNS-1123 label,
    a port in 1..65535 when given, and a weight that is not negative."""
    for where, entry in _destinations(spec):
        if not isinstance(entry, dict) or not isinstance(entry.get("destination"), dict):
            yield where, "a route entry needs a destination"
            continue
        target = entry["destination"]
        host = target.get("host")
        if host == "*":
            yield (*where, "destination", "host"), "invalid destination host *"
        elif isinstance(host, str) and (problem := p.wildcard_domain(host)):
            yield (*where, "destination", "host"), problem
        subset = target.get("subset")
        if subset and isinstance(subset, str) and not p.is_dns1123_label(subset):
            yield (
                (*where, "destination", "subset"),
                f"subset name {subset} is invalid: use lower case letters, digits and '-'",
            )
        if "port" in target and (problem := p.port(p.mapping(target.get("port")).get("number", 0))):
            yield (*where, "destination", "port"), problem
        weight = entry.get("weight")
        if isinstance(weight, int) and weight < 0:
            yield (*where, "weight"), f"weight {weight} is negative"


@rule(
    "MG2227",
    VS,
    ERROR,
    "weights total zero",
    "V89",
)
def total_weight(spec: dict[str, Any], resource: dict[str, Any]) -> Iterator[Found]:
    """With more than one destination, at least one weight must be above 0 (weights are
    relative: they need not add up to 100)."""
    for kind in ("http", "tcp", "tls"):
        for i, route in enumerate(spec.get(kind) or []):
            entries = [e for e in p.mapping(route).get("route") or [] if isinstance(e, dict)]
            if len(entries) > 1 and not any((e.get("weight") or 0) > 0 for e in entries):
                yield (
                    ("spec", kind, i, "route"),
                    "every destination has weight 0: total destination weight = 0",
                )


@rule(
    "MG2228",
    VS,
    ERROR,
    "invalid TLS route",
    "V90 V91 V92 V93 V95 V100",
)
def tls_routes(spec: dict[str, Any], resource: dict[str, Any]) -> Iterator[Found]:
    """TLS routes match on at least one condition with at least one SNI host, each SNI host
    valid and covered by one of the VirtualService's hosts, and have a route."""
    hosts = [h for h in spec.get("hosts") or [] if isinstance(h, str)]
    for i, route in enumerate(spec.get("tls") or []):
        where = ("spec", "tls", i)
        if not isinstance(route, dict):
            continue
        if not route.get("match"):
            yield where, "a TLS route needs at least one match"
        if not route.get("route"):
            yield where, "a TLS route needs a route"
        for j, match in enumerate(route.get("match") or []):
            if not isinstance(match, dict):
                yield (*where, "match", j), "a TLS match may not be null"
                continue
            snis = match.get("sniHosts") or []
            if not snis:
                yield (*where, "match", j), "a TLS match needs at least one SNI host"
            for k, sni in enumerate(snis):
                if not isinstance(sni, str):
                    continue
                if problem := p.host(sni):
                    yield (*where, "match", j, "sniHosts", k), problem
                elif not any(covers(h, sni) for h in hosts):
                    yield (
                        (*where, "match", j, "sniHosts", k),
                        f"SNI host {sni} is not covered by any host of the VirtualService ({', '.join(hosts)})",
                    )


@rule(
    "MG2229",
    VS,
    WARNING,
    "SNI host given as an IP address",
    "V94",
)
def sni_ip(spec: dict[str, Any], resource: dict[str, Any]) -> Iterator[Found]:
    """SNI carries host names; most clients never send an IP address there."""
    for i, route in enumerate(spec.get("tls") or []):
        for j, match in enumerate(p.mapping(route).get("match") or []):
            for k, sni in enumerate(
                p.mapping(match).get("sniHosts") or [] if isinstance(match, dict) else []
            ):
                if isinstance(sni, str) and p.ip(sni) is None:
                    yield (
                        ("spec", "tls", i, "match", j, "sniHosts", k),
                        f"SNI host {sni} is an IP address, which most clients do not send",
                    )


@rule(
    "MG2230",
    VS,
    ERROR,
    "invalid TCP or TLS match",
    "V96 V97 V98 V101 V102",
)
def tcp_routes(spec: dict[str, Any], resource: dict[str, Any]) -> Iterator[Found]:
    """TCP routes have a route and no null matches; TCP and TLS matches use valid subnets,
    ports in 1..65535 and valid source labels."""
    for kind in ("tcp", "tls"):
        for i, route in enumerate(spec.get(kind) or []):
            if not isinstance(route, dict):
                continue
            where = ("spec", kind, i)
            if kind == "tcp" and not route.get("route"):
                yield where, "a TCP route needs a route"
            for j, match in enumerate(route.get("match") or []):
                if match is None and kind == "tcp":
                    yield (*where, "match", j), "a TCP match may not be null"
                if not isinstance(match, dict):
                    continue
                for k, subnet in enumerate(match.get("destinationSubnets") or []):
                    if isinstance(subnet, str) and (problem := p.subnet(subnet)):
                        yield (*where, "match", j, "destinationSubnets", k), problem
                if match.get("port") and (problem := p.port(match["port"])):
                    yield (*where, "match", j, "port"), problem
                for problem in p.labels(match.get("sourceLabels")):
                    yield (*where, "match", j, "sourceLabels"), problem

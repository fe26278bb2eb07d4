"""VirtualServices against the rest of the mesh: hosts, destinations, subsets, gateways."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from meshgen.manifests import Manifest, mapping, sequence
from meshgen.manifests.gatewayapi import GATEWAY_API
from meshgen.manifests.hosts import (
    applies_to_mesh,
    export_scopes,
    fqdn,
    overlap,
    seen_from,
    served_hosts,
)
from meshgen.manifests.index import MeshIndex
from meshgen.manifests.selectors import carries
from meshgen.validation.rules.analyzers.lookups import (
    service_ports,
    subset_references,
)
from meshgen.validation.rules.registry import ERROR, WARNING, Problem, rule


@rule(
    "MG2401",
    "VirtualService",
    ERROR,
    "VirtualServices for the same host on sidecars",
    "IST0109",
    scope="mesh",
)
def conflicting_hosts(mesh: MeshIndex) -> Iterator[Problem]:
    """Two VirtualServices that apply to sidecars (`mesh`) and are visible in the same
    namespaces claim the same host: which one a sidecar uses is undefined. Merge them
    into one VirtualService. Short hosts are compared as FQDNs in their namespace."""
    claims: dict[tuple[str, str], list[Manifest]] = defaultdict(list)
    for entry in mesh.of_kind("VirtualService"):
        if not applies_to_mesh(entry.spec):
            continue
        scopes = export_scopes(entry.spec.get("exportTo"), entry.namespace)
        for host in entry.spec.get("hosts") or []:
            if isinstance(host, str):
                for scope in scopes:
                    claims[(scope, fqdn(host, entry.namespace))].append(entry)
    everywhere = [(host, owners) for (scope, host), owners in claims.items() if scope == "*"]
    reported: set[str] = set()  # each VirtualService once, as Istio reports it
    for (scope, host), owners in claims.items():
        if scope != "*":  # what every namespace sees is seen here too, wildcards included
            owners = owners + [
                e for other, seen in everywhere if overlap(other, host) for e in seen
            ]
        unique = {e.ref: e for e in owners}
        if len(unique) < 2:
            continue
        names = ", ".join(sorted(unique))
        for ref, entry in unique.items():
            if ref in reported:
                continue
            reported.add(ref)
            yield Problem(
                ("spec", "hosts"),
                f"VirtualServices {names} all claim host {host} for sidecars; which one applies is undefined: merge them",
                entry,
            )


@rule(
    "MG2409",
    ("VirtualService", "Service", "ServiceEntry"),
    ERROR,
    "destination host or port no Service or ServiceEntry defines",
    "IST0101",
    scope="mesh",
)
def unknown_destinations(mesh: MeshIndex) -> Iterator[Problem]:
    """A route or mirror sends to a host that no Service or ServiceEntry in the input
    defines (Istio has nowhere to send it), or to a port the Service does not expose.
    Checked only when the input holds Services or ServiceEntries at all; a warning, since
    the host may be defined elsewhere, and an error with `--complete`."""
    if not mesh.knows_services:
        return
    severity = None if mesh.complete else WARNING
    for entry in mesh.of_kind("VirtualService"):
        scopes = seen_from(entry.spec.get("exportTo"), entry.namespace)
        for where, destination, what in subset_references(entry):
            host = destination.get("host")
            if not isinstance(host, str):
                continue
            found = mesh.destination(fqdn(host, entry.namespace), scopes)
            if found is None:
                yield Problem(
                    (*where, "host"),
                    f"{what} sends to {host}, which no Service or ServiceEntry in the input "
                    f"defines for namespace {' or '.join(scopes)} to see",
                    entry,
                    severity,
                )
                continue
            port = mapping(destination.get("port")).get("number")
            ports = service_ports(found) if found.kind == "Service" else []
            if isinstance(port, int) and ports and port not in ports:
                yield Problem(
                    (*where, "port", "number"),
                    f"{what} sends to port {port} of {host}, which exposes {', '.join(map(str, ports))}",
                    entry,
                    severity,
                )


@rule(
    "MG2410",
    ("VirtualService", "Service"),
    ERROR,
    "destination without a port for a Service with several",
    "IST0112",
    scope="mesh",
)
def port_selector_required(mesh: MeshIndex) -> Iterator[Problem]:
    """A route sends to a Service that exposes more than one port without saying which:
    Istio needs the destination's port to know where to send it."""
    for entry in mesh.of_kind("VirtualService"):
        for where, destination, what in subset_references(entry):
            host = destination.get("host")
            service = mesh.service(fqdn(host, entry.namespace)) if isinstance(host, str) else None
            ports = service_ports(service) if service is not None else []
            if len(ports) > 1 and "port" not in destination:
                yield Problem(
                    where,
                    f"{what} to {host} must name a port: the Service exposes "
                    f"{', '.join(map(str, ports))}",
                    entry,
                )


@rule(
    "MG2402",
    ("VirtualService", "DestinationRule"),
    ERROR,
    "subset no DestinationRule defines",
    "IST0101",
    scope="mesh",
)
def unknown_subsets(mesh: MeshIndex) -> Iterator[Problem]:
    """A route or mirror sends to a subset that no DestinationRule for its host defines:
    Istio answers those requests with 503. An error when a DestinationRule for the host is
    in the input but lacks the subset; a warning when the input holds no DestinationRule
    for the host at all (it may live in a file not given), unless `--complete` says the
    input is the whole mesh."""
    for entry in mesh.of_kind("VirtualService"):
        for where, destination, what in subset_references(entry):
            subset, host = destination.get("subset"), destination.get("host")
            if not subset or not isinstance(host, str):
                continue
            rules = mesh.destination_rules(fqdn(host, entry.namespace))
            defined = {
                name
                for r in rules
                for s in sequence(r.spec.get("subsets"))
                if isinstance(name := mapping(s).get("name"), str)
            }
            if subset in defined:
                continue
            if rules:
                yield Problem(
                    (*where, "subset"),
                    f"{what} sends to subset {subset} of {host}, which DestinationRule {rules[0].ref} does not define",
                    entry,
                )
            else:
                severity = None if mesh.complete else WARNING
                yield Problem(
                    (*where, "subset"),
                    f"{what} sends to subset {subset} of {host}, but no DestinationRule for {host} is in the input",
                    entry,
                    severity,
                )


@rule(
    "MG2403",
    ("VirtualService", "Gateway"),
    ERROR,
    "gateway not in the input",
    "IST0101",
    scope="mesh",
)
def unknown_gateways(mesh: MeshIndex) -> Iterator[Problem]:
    """A VirtualService is bound to a Gateway that is not in the input (a bare name is
    looked up in the VirtualService's namespace). A warning, since the Gateway may be
    defined elsewhere; an error with `--complete`."""
    for entry in mesh.of_kind("VirtualService"):
        for i, ref in enumerate(entry.spec.get("gateways") or []):
            if not isinstance(ref, str) or ref == "mesh" or GENERATED_GATEWAY in ref:
                continue
            if mesh.gateway(ref, entry.namespace) or mesh.gateway(
                ref, entry.namespace, GATEWAY_API
            ):
                continue  # an Istio Gateway, or a Kubernetes Gateway API Gateway
            severity = None if mesh.complete else WARNING
            yield Problem(
                ("spec", "gateways", i), f"gateway {ref} is not in the input", entry, severity
            )


GENERATED_GATEWAY = "~istio-autogenerated-"


@rule(
    "MG2408",
    "VirtualService",
    WARNING,
    "reference to a gateway Istio generates",
    "IST0165",
    scope="mesh",
)
def generated_gateway_references(mesh: MeshIndex) -> Iterator[Problem]:
    """A VirtualService names a Gateway that Istio generates internally for a Kubernetes
    Gateway API Gateway (`...~istio-autogenerated-k8s-gateway~...`). Such names are
    Istio's own and may change: bind to the Kubernetes Gateway by its name instead."""
    for entry in mesh.of_kind("VirtualService"):
        for i, ref in enumerate(entry.spec.get("gateways") or []):
            if isinstance(ref, str) and GENERATED_GATEWAY in ref:
                yield Problem(
                    ("spec", "gateways", i),
                    f"gateway {ref} is generated by Istio; name the Kubernetes Gateway it "
                    "comes from instead",
                    entry,
                )


@rule(
    "MG2404",
    ("VirtualService", "Gateway"),
    WARNING,
    "VirtualService hosts a gateway does not serve",
    "IST0132",
    scope="mesh",
)
def hosts_not_on_gateway(mesh: MeshIndex) -> Iterator[Problem]:
    """None of a VirtualService's hosts is served by a Gateway it is bound to (server hosts,
    with their namespace prefixes applied; a Kubernetes Gateway API Gateway's listener
    hostnames, a listener without one serving every host), so the gateway never routes
    to it."""
    for entry in mesh.of_kind("VirtualService"):
        hosts = [h for h in entry.spec.get("hosts") or [] if isinstance(h, str)]
        for i, ref in enumerate(entry.spec.get("gateways") or []):
            if not isinstance(ref, str):
                continue
            gateway = mesh.gateway(ref, entry.namespace)
            if gateway is not None:
                servers = sequence(gateway.spec.get("servers"))
                served = served_hosts(servers, gateway.namespace, entry.namespace)
            elif (gateway := mesh.gateway(ref, entry.namespace, GATEWAY_API)) is not None:
                served = [
                    str(mapping(listener).get("hostname") or "*")
                    for listener in sequence(gateway.spec.get("listeners"))
                ]
            else:
                continue
            if not any(overlap(g, h) for g in served for h in hosts):
                yield Problem(
                    ("spec", "gateways", i),
                    f"gateway {gateway.ref} serves none of the hosts {', '.join(hosts)}",
                    entry,
                )


def _http_destinations(entry: Manifest) -> Iterator[tuple[tuple[Any, ...], dict[str, Any]]]:
    for i, route in enumerate(sequence(entry.spec.get("http"))):
        for k, destination in enumerate(sequence(mapping(route).get("route"))):
            yield (
                ("spec", "http", i, "route", k, "destination"),
                mapping(mapping(destination).get("destination")),
            )


@rule(
    "MG2457",
    "VirtualService",
    WARNING,
    "gateway route to a host whose versions another VirtualService chooses",
    "IST0140",
    scope="mesh",
)
def subset_not_applied_at_gateway(mesh: MeshIndex) -> Iterator[Problem]:
    """A VirtualService bound to gateways routes to a host without a subset, while the
    host's own VirtualService sends it to a subset: the gateway does not follow that
    VirtualService (one applies per request), so its requests reach every version. Route
    to the subset in the gateway's VirtualService too."""
    choosing: dict[str, list[Manifest]] = defaultdict(list)  # host -> who picks a subset
    for entry in mesh.of_kind("VirtualService"):
        own = {
            fqdn(h, entry.namespace)
            for h in sequence(entry.spec.get("hosts"))
            if isinstance(h, str)
        }
        for _, destination in _http_destinations(entry):
            host = destination.get("host")
            if destination.get("subset") and isinstance(host, str):
                target = fqdn(host, entry.namespace)
                if target in own and entry not in choosing[target]:
                    choosing[target].append(entry)
    for entry in mesh.of_kind("VirtualService"):
        if not sequence(entry.spec.get("gateways")):
            continue
        for where, destination in _http_destinations(entry):
            host = destination.get("host")
            if destination.get("subset") or not isinstance(host, str):
                continue
            for chooser in choosing.get(fqdn(host, entry.namespace), []):
                yield Problem(
                    (*where, "host"),
                    f"VirtualService {chooser.ref} sends {host} to a subset, but it does not "
                    "apply to this gateway's requests: they reach every version of "
                    f"{host}; name the subset here too",
                    entry,
                )


_CLAIM = re.compile(r"@request\.auth\.claims(\.[^.].*|\[.+\].*)", re.IGNORECASE | re.DOTALL)


def _claim_key(entry: Manifest) -> str | None:
    """The first header match on a JWT claim (`@request.auth.claims.<name>`)."""
    for route in sequence(entry.spec.get("http")):
        for match in sequence(mapping(route).get("match")):
            for field in ("headers", "withoutHeaders"):
                for key in mapping(mapping(match).get(field)):
                    if isinstance(key, str) and _CLAIM.fullmatch(key):
                        return key
    return None


@rule(
    "MG2458",
    ("VirtualService", "Gateway", "RequestAuthentication", "Pod", "Deployment"),
    ERROR,
    "routing on JWT claims at a gateway no RequestAuthentication covers",
    "IST0149",
    scope="mesh",
)
def claim_routes_without_authentication(mesh: MeshIndex) -> Iterator[Problem]:
    """A VirtualService routes on a JWT claim (`@request.auth.claims.*` header match) at a
    gateway whose pods no RequestAuthentication selects (in the root namespace or the
    pods' own): the token is never validated, so the claim is never there to match.
    Checked on the gateway pods of the input."""
    for entry in mesh.of_kind("VirtualService"):
        key = _claim_key(entry)
        if key is None:
            continue
        for i, ref in enumerate(sequence(entry.spec.get("gateways"))):
            gateway = mesh.gateway(ref, entry.namespace) if isinstance(ref, str) else None
            if gateway is None:
                continue
            for pod, labels in mesh.pods(mapping(gateway.spec.get("selector"))):
                if not any(
                    policy.namespace in (mesh.settings.root_namespace, pod.namespace)
                    and carries(
                        labels, mapping(mapping(policy.spec.get("selector")).get("matchLabels"))
                    )
                    for policy in mesh.of_kind("RequestAuthentication")
                ):
                    yield Problem(
                        ("spec", "gateways", i),
                        f"routes on {key}, but no RequestAuthentication selects the pods of "
                        f"gateway {gateway.ref} ({pod.kind} {pod.ref}): the token is never "
                        "validated, so the claim never matches",
                        entry,
                    )

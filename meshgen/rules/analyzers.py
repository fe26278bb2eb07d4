"""Checks across resources: `istioctl analyze`'s offline analyzers, and meshgen's mesh lint.

Every resource given in one run forms one mesh (plus context files, whose own problems
are not reported). Input is often partial (a pre-commit hook sees only changed files),
so a reference to something absent from the input altogether is a warning, unless the
run says the input is the whole mesh (``--complete``).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from meshgen.findings import Severity
from meshgen.rules.primitives import mapping, sequence
from meshgen.rules.registry import ERROR, INFO, WARNING, Rule, register

CLUSTER = "svc.cluster.local"


@dataclass(frozen=True)
class Entry:
    """One resource of the mesh, and where it came from."""

    resource: dict[str, Any]
    origin: Any  # where findings are placed (the validator's file context)
    index: int  # the document's position in its file
    reported: bool  # False for context files
    valid: bool = True  # the schema accepts it: checks may trust its types

    @property
    def kind(self) -> str:
        return str(self.resource.get("kind"))

    @property
    def namespace(self) -> str:
        return str(mapping(self.resource.get("metadata")).get("namespace") or "default")

    @property
    def name(self) -> str:
        return str(mapping(self.resource.get("metadata")).get("name"))

    @property
    def spec(self) -> dict[str, Any]:
        return mapping(self.resource.get("spec"))

    @property
    def ref(self) -> str:
        return f"{self.namespace}/{self.name}"


def fqdn(host: str, namespace: str) -> str:
    if host.startswith("*") or "." in host:
        return host
    return f"{host}.{namespace}.{CLUSTER}"


def service_key(host: str, namespace: str) -> tuple[str, str]:
    """Istio's analyzer key for a service host: (namespace, name) for FQDNs of services."""
    parts = host.split(".")
    if host.endswith(f".{CLUSTER}") and len(parts) == 5:
        return parts[1], parts[0]
    return namespace, host


@dataclass
class Mesh:
    """The resources of one run, indexed by what cross-resource checks look up."""

    entries: list[Entry]
    complete: bool = False
    rules_by_host: dict[tuple[str, str], list[Entry]] = field(
        default_factory=lambda: defaultdict(list)
    )
    gateways: dict[tuple[str, str], Entry] = field(default_factory=dict)
    services_by_host: dict[str, list[Entry]] = field(default_factory=lambda: defaultdict(list))
    valid_by_kind: dict[str, list[Entry]] = field(default_factory=lambda: defaultdict(list))

    def __post_init__(self) -> None:
        # One identity is one resource: a model and its rendered file, both given, hold
        # the same resources, which are not in conflict with themselves.
        unique: dict[tuple[str, str, str], Entry] = {}
        for entry in self.entries:
            unique.setdefault((entry.kind, entry.namespace, entry.name), entry)
        self.entries = list(unique.values())
        for entry in self.entries:
            if entry.valid:
                self.valid_by_kind[entry.kind].append(entry)
            if entry.kind == "DestinationRule" and isinstance(entry.spec.get("host"), str):
                self.rules_by_host[service_key(entry.spec["host"], entry.namespace)].append(entry)
            elif entry.kind == "Gateway":
                self.gateways[(entry.namespace, entry.name)] = entry
            elif entry.kind == "VirtualService":
                for host in sequence(entry.spec.get("hosts")):
                    if isinstance(host, str):
                        self.services_by_host[fqdn(host, entry.namespace)].append(entry)

    def of_kind(self, kind: str) -> Iterator[Entry]:
        """The schema-valid resources of a kind: what checks inspect (lookups see all)."""
        return iter(self.valid_by_kind.get(kind, ()))


Hit = tuple[Entry, tuple[Any, ...], str, Severity | None]
MeshCheck = Callable[[Mesh], Iterator[Hit]]
ANALYZERS: dict[str, MeshCheck] = {}


def analyzer(
    code: str,
    severity: Severity,
    title: str,
    refs: str,
    bad: str,
    good: str,
    istio: str | None = None,
) -> Callable[[MeshCheck], MeshCheck]:
    """Register a cross-resource check; its examples are multi-document manifests."""

    def decorate(check: MeshCheck) -> MeshCheck:
        description = " ".join((check.__doc__ or title).split())
        register(
            Rule(
                code,
                "mesh",
                severity,
                title,
                tuple(refs.split()),
                istio,
                description,
                bad,
                good,
                lambda spec, resource: iter(()),
            )
        )
        ANALYZERS[code] = check
        return check

    return decorate


def analyze(mesh: Mesh) -> Iterator[tuple[str, Hit]]:
    for code, check in ANALYZERS.items():
        for hit in check(mesh):
            if hit[0].reported:
                yield code, hit


def _doc(kind: str, name: str, spec: str, namespace: str = "default") -> str:
    return (
        f"apiVersion: networking.istio.io/v1\nkind: {kind}\n"
        f"metadata: {{name: {name}, namespace: {namespace}}}\nspec: {spec}\n"
    )


_WEB_VS = _doc(
    "VirtualService",
    "web",
    "{hosts: [web.example.com], gateways: [edge], http: [{route: [{destination: {host: web}}]}]}",
)


def _edge(hosts: str) -> str:
    """A Gateway edge with one HTTP server for ``hosts``."""
    return _doc(
        "Gateway",
        "edge",
        "{selector: {istio: ingressgateway}, servers: [{port: {number: 80, name: http, "
        f"protocol: HTTP}}, hosts: ['{hosts}']}}]}}",
    )


_REVIEWS_DR = _doc(
    "DestinationRule", "reviews", "{host: reviews, subsets: [{name: v1, labels: {version: v1}}]}"
)


def _applies_to_mesh(entry: Entry) -> bool:
    gateways = entry.spec.get("gateways") or []
    return not gateways or "mesh" in gateways


@analyzer(
    "MG2401",
    ERROR,
    "VirtualServices for the same host on sidecars",
    "IST0109",
    istio="IST0109",
    bad=_doc(
        "VirtualService",
        "a",
        "{hosts: [reviews], http: [{route: [{destination: {host: reviews}}]}]}",
    )
    + "---\n"
    + _doc(
        "VirtualService",
        "b",
        "{hosts: [reviews.default.svc.cluster.local], http: [{route: [{destination: {host: reviews}}]}]}",
    ),
    good=_doc(
        "VirtualService",
        "a",
        "{hosts: [reviews], http: [{route: [{destination: {host: reviews}}]}]}",
    )
    + "---\n"
    + _doc(
        "VirtualService",
        "b",
        "{hosts: [ratings], http: [{route: [{destination: {host: ratings}}]}]}",
    ),
)
def conflicting_hosts(mesh: Mesh) -> Iterator[Hit]:
    """Two VirtualServices that apply to sidecars (`mesh`) and are visible in the same
    namespaces claim the same host: which one a sidecar uses is undefined. Merge them
    into one VirtualService. Short hosts are compared as FQDNs in their namespace."""
    claims: dict[tuple[str, str], list[Entry]] = defaultdict(list)
    for entry in mesh.of_kind("VirtualService"):
        if not _applies_to_mesh(entry):
            continue
        export = entry.spec.get("exportTo") or ["*"]
        scopes = {"*" if e == "*" else entry.namespace if e == "." else str(e) for e in export}
        for host in entry.spec.get("hosts") or []:
            if isinstance(host, str):
                for scope in scopes:
                    claims[(scope, fqdn(host, entry.namespace))].append(entry)
    for (scope, host), owners in claims.items():
        if scope != "*":
            owners = owners + [e for e in claims.get(("*", host), []) if e not in owners]
        unique = {e.ref: e for e in owners}
        if len(unique) > 1:
            names = ", ".join(sorted(unique))
            for entry in unique.values():
                yield (
                    entry,
                    ("spec", "hosts"),
                    f"VirtualServices {names} all claim host {host} for sidecars; which one applies is undefined: merge them",
                    None,
                )


def _subset_references(entry: Entry) -> Iterator[tuple[tuple[Any, ...], dict[str, Any], str]]:
    for kind in ("http", "tcp", "tls"):
        for i, route in enumerate(entry.spec.get(kind) or []):
            route = mapping(route)
            for k, destination in enumerate(route.get("route") or []):
                yield (
                    ("spec", kind, i, "route", k, "destination"),
                    mapping(mapping(destination).get("destination")),
                    "route",
                )
            if kind == "http" and route.get("mirror"):
                yield ("spec", kind, i, "mirror"), mapping(route.get("mirror")), "mirror"
            for k, mirror in enumerate(route.get("mirrors") or [] if kind == "http" else []):
                yield (
                    ("spec", kind, i, "mirrors", k, "destination"),
                    mapping(mapping(mirror).get("destination")),
                    "mirror",
                )


@analyzer(
    "MG2402",
    ERROR,
    "subset no DestinationRule defines",
    "IST0101",
    istio="IST0101",
    bad=_REVIEWS_DR
    + "---\n"
    + _doc(
        "VirtualService",
        "reviews",
        "{hosts: [reviews], http: [{route: [{destination: {host: reviews, subset: v2}}]}]}",
    ),
    good=_REVIEWS_DR
    + "---\n"
    + _doc(
        "VirtualService",
        "reviews",
        "{hosts: [reviews], http: [{route: [{destination: {host: reviews, subset: v1}}]}]}",
    ),
)
def unknown_subsets(mesh: Mesh) -> Iterator[Hit]:
    """A route or mirror sends to a subset that no DestinationRule for its host defines:
    Istio answers those requests with 503. An error when a DestinationRule for the host is
    in the input but lacks the subset; a warning when the input holds no DestinationRule
    for the host at all (it may live in a file not given), unless `--complete` says the
    input is the whole mesh."""
    for entry in mesh.of_kind("VirtualService"):
        for where, destination, what in _subset_references(entry):
            subset, host = destination.get("subset"), destination.get("host")
            if not subset or not isinstance(host, str):
                continue
            rules = mesh.rules_by_host.get(service_key(host, entry.namespace), [])
            defined = {
                mapping(s).get("name") for r in rules for s in sequence(r.spec.get("subsets"))
            }
            if subset in defined:
                continue
            if rules:
                yield (
                    entry,
                    (*where, "subset"),
                    f"{what} sends to subset {subset} of {host}, which DestinationRule {rules[0].ref} does not define",
                    None,
                )
            else:
                severity = None if mesh.complete else WARNING
                yield (
                    entry,
                    (*where, "subset"),
                    f"{what} sends to subset {subset} of {host}, but no DestinationRule for {host} is in the input",
                    severity,
                )


def _gateway_key(ref: str, namespace: str) -> tuple[str, str]:
    space, slash, name = ref.partition("/")
    return (space, name) if slash else (namespace, ref)


@analyzer(
    "MG2403",
    ERROR,
    "gateway not in the input",
    "IST0101",
    istio="IST0101",
    bad=_WEB_VS,
    good=_edge("*.example.com") + "---\n" + _WEB_VS,
)
def unknown_gateways(mesh: Mesh) -> Iterator[Hit]:
    """A VirtualService is bound to a Gateway that is not in the input (a bare name is
    looked up in the VirtualService's namespace). A warning, since the Gateway may be
    defined elsewhere; an error with `--complete`."""
    for entry in mesh.of_kind("VirtualService"):
        for i, ref in enumerate(entry.spec.get("gateways") or []):
            if (
                isinstance(ref, str)
                and ref != "mesh"
                and _gateway_key(ref, entry.namespace) not in mesh.gateways
            ):
                severity = None if mesh.complete else WARNING
                yield entry, ("spec", "gateways", i), f"gateway {ref} is not in the input", severity


def _served_hosts(gateway: Entry, vs_namespace: str) -> list[str]:
    hosts = []
    for server in sequence(gateway.spec.get("servers")):
        for host in sequence(mapping(server).get("hosts")):
            if not isinstance(host, str):
                continue
            space, slash, name = host.rpartition("/")
            if not slash:
                hosts.append(host)
            elif (
                space == "*"
                or (space == "." and gateway.namespace == vs_namespace)
                or space == vs_namespace
            ):
                hosts.append(name)
    return hosts


def _host_matches(a: str, b: str) -> bool:
    def covers(pattern: str, host: str) -> bool:
        return (
            pattern == "*"
            or pattern == host
            or (pattern.startswith("*.") and host.endswith(pattern[1:]))
        )

    return covers(a, b) or covers(b, a)


@analyzer(
    "MG2404",
    WARNING,
    "VirtualService hosts a gateway does not serve",
    "IST0132",
    istio="IST0132",
    bad=_edge("*.example.org") + "---\n" + _WEB_VS,
    good=_edge("*.example.com") + "---\n" + _WEB_VS,
)
def hosts_not_on_gateway(mesh: Mesh) -> Iterator[Hit]:
    """None of a VirtualService's hosts is served by a Gateway it is bound to (server hosts,
    with their namespace prefixes applied), so the gateway never routes to it."""
    for entry in mesh.of_kind("VirtualService"):
        hosts = [h for h in entry.spec.get("hosts") or [] if isinstance(h, str)]
        for i, ref in enumerate(entry.spec.get("gateways") or []):
            gateway = (
                mesh.gateways.get(_gateway_key(ref, entry.namespace))
                if isinstance(ref, str)
                else None
            )
            if gateway is None:
                continue
            served = _served_hosts(gateway, entry.namespace)
            if not any(_host_matches(g, h) for g in served for h in hosts):
                yield (
                    entry,
                    ("spec", "gateways", i),
                    f"gateway {gateway.ref} serves none of the hosts {', '.join(hosts)}",
                    None,
                )


@analyzer(
    "MG2405",
    WARNING,
    "TLS to upstream without CA certificates",
    "IST0128 IST0129",
    istio="IST0128",
    bad=_doc(
        "DestinationRule", "db", "{host: db.example.com, trafficPolicy: {tls: {mode: SIMPLE}}}"
    ),
    good=_doc(
        "DestinationRule",
        "db",
        "{host: db.example.com, trafficPolicy: {tls: {mode: SIMPLE, caCertificates: /etc/ca.pem}}}",
    ),
)
def tls_without_ca(mesh: Mesh) -> Iterator[Hit]:
    """SIMPLE or MUTUAL TLS to a service without `caCertificates` does not verify the
    server's identity (unless a credential is used for a workload-selected rule). Checked
    on the rule's policy and its port-level settings (IST0128, IST0129)."""
    for entry in mesh.of_kind("DestinationRule"):
        policy = mapping(entry.spec.get("trafficPolicy"))
        levels: list[tuple[tuple[Any, ...], dict[str, Any], str]] = [
            (("spec", "trafficPolicy", "tls"), mapping(policy.get("tls")), "")
        ]
        for k, port in enumerate(policy.get("portLevelSettings") or []):
            number = mapping(mapping(port).get("port")).get("number")
            levels.append(
                (
                    ("spec", "trafficPolicy", "portLevelSettings", k, "tls"),
                    mapping(mapping(port).get("tls")),
                    f" at port {number}",
                )
            )
        for where, tls, at in levels:
            if tls.get("mode") in ("SIMPLE", "MUTUAL") and not tls.get("caCertificates"):
                if tls.get("credentialName") and entry.spec.get("workloadSelector"):
                    continue
                yield (
                    entry,
                    where,
                    f"TLS mode {tls['mode']} without caCertificates does not verify the identity of {entry.spec.get('host')}{at}",
                    None,
                )


@analyzer(
    "MG2406",
    WARNING,
    "certificate shared by gateways",
    "IST0138",
    istio="IST0138",
    bad=_doc(
        "Gateway",
        "a",
        "{selector: {istio: ingressgateway}, servers: [{port: {number: 443, name: https, protocol: HTTPS}, hosts: [a.example.com], tls: {mode: SIMPLE, credentialName: shared}}]}",
    )
    + "---\n"
    + _doc(
        "Gateway",
        "b",
        "{selector: {istio: ingressgateway}, servers: [{port: {number: 443, name: https, protocol: HTTPS}, hosts: [b.example.com], tls: {mode: SIMPLE, credentialName: shared}}]}",
    ),
    good=_doc(
        "Gateway",
        "a",
        "{selector: {istio: ingressgateway}, servers: [{port: {number: 443, name: https, protocol: HTTPS}, hosts: [a.example.com], tls: {mode: SIMPLE, credentialName: a-cert}}]}",
    )
    + "---\n"
    + _doc(
        "Gateway",
        "b",
        "{selector: {istio: ingressgateway}, servers: [{port: {number: 443, name: https, protocol: HTTPS}, hosts: [b.example.com], tls: {mode: SIMPLE, credentialName: b-cert}}]}",
    ),
)
def duplicate_certificates(mesh: Mesh) -> Iterator[Hit]:
    """Two Gateways on the same workloads (one's selector contains the other's) serve the
    same certificate: clients that reuse HTTP/2 connections across their hosts can get
    404s."""

    def certificates(entry: Entry) -> set[str]:
        found = set()
        for server in entry.spec.get("servers") or []:
            tls = mapping(mapping(server).get("tls"))
            if tls.get("credentialName"):
                found.add(f"credential {tls['credentialName']}")
            elif tls.get("serverCertificate") and tls.get("privateKey"):
                found.add(f"certificate {tls['serverCertificate']}")
        return found

    gateways = list(mesh.of_kind("Gateway"))
    by_certificate: dict[str, list[Entry]] = defaultdict(list)
    for entry in gateways:
        for certificate in certificates(entry):
            by_certificate[certificate].append(entry)
    for certificate, sharing in by_certificate.items():
        for entry in sharing:
            selector = mapping(entry.spec.get("selector"))
            others = [
                o.ref
                for o in sharing
                if o is not entry
                and all(mapping(o.spec.get("selector")).get(k) == v for k, v in selector.items())
            ]
            if others:
                yield (
                    entry,
                    ("spec", "servers"),
                    f"{certificate} is also served by gateway {', '.join(others)}; clients reusing HTTP/2 connections may get 404s",
                    None,
                )


@analyzer(
    "MG2407",
    WARNING,
    "deprecated fault.delay.percent",
    "IST0002",
    istio="IST0002",
    bad=_doc(
        "VirtualService",
        "r",
        "{hosts: [r], http: [{route: [{destination: {host: r}}], fault: {delay: {fixedDelay: 1s, percent: 10}}}]}",
    ),
    good=_doc(
        "VirtualService",
        "r",
        "{hosts: [r], http: [{route: [{destination: {host: r}}], fault: {delay: {fixedDelay: 1s, percentage: {value: 10}}}}]}",
    ),
)
def deprecated_delay_percent(mesh: Mesh) -> Iterator[Hit]:
    """`fault.delay.percent` is deprecated; use `fault.delay.percentage: {value: N}`."""
    for entry in mesh.of_kind("VirtualService"):
        for i, route in enumerate(entry.spec.get("http") or []):
            delay = mapping(mapping(mapping(route).get("fault")).get("delay"))
            if (delay.get("percent") or 0) > 0:
                yield (
                    entry,
                    ("spec", "http", i, "fault", "delay", "percent"),
                    "fault.delay.percent is deprecated; use fault.delay.percentage",
                    None,
                )


# -- meshgen's mesh lint -----------------------------------------------------------------


@analyzer(
    "MG2501",
    WARNING,
    "subsets that select the same pods",
    "lint",
    bad=_doc(
        "DestinationRule",
        "order",
        "{host: order, subsets: [{name: stable, labels: {app: order}}, {name: canary, labels: {app: order}}]}",
    ),
    good=_doc(
        "DestinationRule",
        "order",
        "{host: order, subsets: [{name: stable, labels: {app: order, track: stable}}, {name: canary, labels: {app: order, track: canary}}]}",
    ),
)
def identical_subsets(mesh: Mesh) -> Iterator[Hit]:
    """Two subsets of one DestinationRule select the same pods (identical labels), so
    weights between them change nothing: a canary needs labels of its own. (This is the
    MSA-Ez topping's default until a canary Deployment exists.)"""
    for entry in mesh.of_kind("DestinationRule"):
        seen: dict[str, str] = {}
        for i, subset in enumerate(entry.spec.get("subsets") or []):
            key = json.dumps(mapping(mapping(subset).get("labels")), sort_keys=True)
            name = mapping(subset).get("name")
            if key in seen:
                yield (
                    entry,
                    ("spec", "subsets", i),
                    f"subsets {seen[key]} and {name} select the same pods; weights between them have no effect",
                    None,
                )
            else:
                seen[key] = str(name)


@analyzer(
    "MG2502",
    INFO,
    "VirtualService that is not followed",
    "lint",
    bad=_doc(
        "VirtualService",
        "v1-to-v2",
        "{hosts: [helloworld-v1], http: [{route: [{destination: {host: helloworld-v2}}]}]}",
    )
    + "---\n"
    + _doc(
        "VirtualService",
        "v2-to-v1",
        "{hosts: [helloworld-v2], http: [{route: [{destination: {host: helloworld-v1}}]}]}",
    ),
    good=_doc(
        "VirtualService",
        "v1-to-v2",
        "{hosts: [helloworld-v1], http: [{route: [{destination: {host: helloworld-v2}}]}]}",
    ),
)
def chains(mesh: Mesh) -> Iterator[Hit]:
    """A route's destination host has a VirtualService of its own. It is not followed: a
    request meets one VirtualService, in the sending proxy, and goes where that one sends
    it. So requests sent here end at the destination host itself, whatever its own
    VirtualService says (lab 004: the circular pair does not loop)."""
    for entry in mesh.of_kind("VirtualService"):
        if not _applies_to_mesh(entry):
            continue
        own = {
            fqdn(h, entry.namespace) for h in entry.spec.get("hosts") or [] if isinstance(h, str)
        }
        for where, destination, _ in _subset_references(entry):
            host = destination.get("host")
            if not isinstance(host, str) or where[-1] != "destination":
                continue
            target = fqdn(host, entry.namespace)
            others = [
                o
                for o in mesh.services_by_host.get(target, [])
                if o is not entry and _applies_to_mesh(o)
            ]
            if target not in own and others:
                yield (
                    entry,
                    (*where, "host"),
                    f"{host} has its own VirtualService {others[0].ref}, which is not followed: requests routed here end at {host}",
                    None,
                )


@analyzer(
    "MG2503",
    INFO,
    "weights that all go one way",
    "lint",
    bad=_doc(
        "VirtualService",
        "order",
        "{hosts: [order], http: [{route: [{destination: {host: order, subset: stable}, weight: 100}, {destination: {host: order, subset: canary}, weight: 0}]}]}",
    ),
    good=_doc(
        "VirtualService",
        "order",
        "{hosts: [order], http: [{route: [{destination: {host: order, subset: stable}, weight: 90}, {destination: {host: order, subset: canary}, weight: 10}]}]}",
    ),
)
def one_way_weights(mesh: Mesh) -> Iterator[Hit]:
    """A weighted route whose non-zero weights all go to one destination: the others get
    no traffic. Often intended (a canary at 0%), worth knowing."""
    for entry in mesh.of_kind("VirtualService"):
        for kind in ("http", "tcp", "tls"):
            for i, route in enumerate(entry.spec.get(kind) or []):
                entries = [mapping(e) for e in mapping(route).get("route") or []]
                live = [e for e in entries if (e.get("weight") or 0) > 0]
                if len(entries) > 1 and len(live) == 1 and any("weight" in e for e in entries):
                    target = mapping(live[0].get("destination"))
                    shown = target.get("host", "?") + (
                        f" subset {target['subset']}" if target.get("subset") else ""
                    )
                    yield (
                        entry,
                        ("spec", kind, i, "route"),
                        f"all traffic goes to {shown}; the other destinations get 0%",
                        None,
                    )


@analyzer(
    "MG2504",
    WARNING,
    "several DestinationRules for one host",
    "lint",
    bad=_REVIEWS_DR
    + "---\n"
    + _doc(
        "DestinationRule",
        "reviews-tls",
        "{host: reviews.default.svc.cluster.local, trafficPolicy: {tls: {mode: ISTIO_MUTUAL}}}",
    ),
    good=_doc(
        "DestinationRule",
        "reviews",
        "{host: reviews, subsets: [{name: v1, labels: {version: v1}}], trafficPolicy: {tls: {mode: ISTIO_MUTUAL}}}",
    ),
)
def several_rules_per_host(mesh: Mesh) -> Iterator[Hit]:
    """More than one DestinationRule for the same host in one namespace (without workload
    selectors): Istio merges them only partly and in no documented order; keep one."""
    grouped: dict[tuple[str, str], list[Entry]] = defaultdict(list)
    for entry in mesh.of_kind("DestinationRule"):
        host = entry.spec.get("host")
        if isinstance(host, str) and not entry.spec.get("workloadSelector"):
            grouped[(entry.namespace, fqdn(host, entry.namespace))].append(entry)
    for (namespace, host), rules in grouped.items():
        if len(rules) > 1:
            names = ", ".join(r.ref for r in rules)
            for entry in rules:
                yield (
                    entry,
                    ("spec", "host"),
                    f"DestinationRules {names} all apply to {host} in {namespace}; keep one",
                    None,
                )

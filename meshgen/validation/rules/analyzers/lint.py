"""meshgen's mesh lint: legal configuration that rarely does what was meant."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from meshgen.manifests import Manifest, canonical, mapping
from meshgen.manifests.hosts import applies_to_mesh, fqdn
from meshgen.manifests.index import MeshIndex
from meshgen.validation.rules.analyzers.lookups import (
    subset_references,
)
from meshgen.validation.rules.registry import INFO, WARNING, Problem, rule


@rule(
    "MG2501",
    "DestinationRule",
    WARNING,
    "subsets that select the same pods",
    "lint",
    scope="mesh",
)
def identical_subsets(mesh: MeshIndex) -> Iterator[Problem]:
    """Two subsets of one DestinationRule select the same pods (identical labels), so
    weights between them change nothing: a canary needs labels of its own. (This is the
    MSA-Ez topping's default until a canary Deployment exists.)"""
    for entry in mesh.of_kind("DestinationRule"):
        seen: dict[str, str] = {}
        for i, subset in enumerate(entry.spec.get("subsets") or []):
            key = canonical(mapping(mapping(subset).get("labels")))
            name = mapping(subset).get("name")
            if key in seen:
                yield Problem(
                    ("spec", "subsets", i),
                    f"subsets {seen[key]} and {name} select the same pods; weights between them have no effect",
                    entry,
                )
            else:
                seen[key] = str(name)


@rule(
    "MG2502",
    "VirtualService",
    INFO,
    "VirtualService that is not followed",
    "lint",
    scope="mesh",
)
def chains(mesh: MeshIndex) -> Iterator[Problem]:
    """A route's destination host has a VirtualService of its own. It is not followed: a
    request meets one VirtualService, in the sending proxy, and goes where that one sends
    it. So requests sent here end at the destination host itself, whatever its own
    VirtualService says (lab 004: the circular pair does not loop)."""
    for entry in mesh.of_kind("VirtualService"):
        if not applies_to_mesh(entry.spec):
            continue
        own = {
            fqdn(h, entry.namespace) for h in entry.spec.get("hosts") or [] if isinstance(h, str)
        }
        for where, destination, _ in subset_references(entry):
            host = destination.get("host")
            if not isinstance(host, str) or where[-1] != "destination":
                continue
            target = fqdn(host, entry.namespace)
            others = [
                o
                for o in mesh.virtual_services(target)
                if o is not entry and applies_to_mesh(o.spec)
            ]
            if target not in own and others:
                yield Problem(
                    (*where, "host"),
                    f"{host} has its own VirtualService {others[0].ref}, which is not followed: requests routed here end at {host}",
                    entry,
                )


@rule(
    "MG2503",
    "VirtualService",
    INFO,
    "weights that all go one way",
    "lint",
    scope="mesh",
)
def one_way_weights(mesh: MeshIndex) -> Iterator[Problem]:
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
                    yield Problem(
                        ("spec", kind, i, "route"),
                        f"all traffic goes to {shown}; the other destinations get 0%",
                        entry,
                    )


@rule(
    "MG2504",
    "DestinationRule",
    WARNING,
    "several DestinationRules for one host",
    "lint",
    scope="mesh",
)
def several_rules_per_host(mesh: MeshIndex) -> Iterator[Problem]:
    """More than one DestinationRule for the same host in one namespace (without workload
    selectors): Istio merges them only partly and in no documented order; keep one."""
    grouped: dict[tuple[str, str], list[Manifest]] = defaultdict(list)
    for entry in mesh.of_kind("DestinationRule"):
        host = entry.spec.get("host")
        if isinstance(host, str) and not entry.spec.get("workloadSelector"):
            grouped[(entry.namespace, fqdn(host, entry.namespace))].append(entry)
    for (namespace, host), rules in grouped.items():
        if len(rules) > 1:
            names = ", ".join(r.ref for r in rules)
            for entry in rules:
                yield Problem(
                    ("spec", "host"),
                    f"DestinationRules {names} all apply to {host} in {namespace}; keep one",
                    entry,
                )

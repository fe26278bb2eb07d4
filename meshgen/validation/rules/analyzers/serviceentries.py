"""ServiceEntries against each other and the mesh's DNS settings."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from meshgen.manifests import Manifest, mapping, sequence
from meshgen.manifests.index import MeshIndex
from meshgen.validation.rules.registry import WARNING, Problem, rule


def _protocol_scopes(entry: Manifest) -> list[str]:
    """The scopes in which Istio's protocol-conflict analyzer compares a ServiceEntry: its
    exportTo as written (`.` its namespace), or only `*` when that is among them. Unlike
    visibility (:func:`meshgen.manifests.hosts.export_scopes`), `~` is a scope of its own
    there: two entries exported to `~` are compared."""
    scopes = [str(s) for s in sequence(entry.spec.get("exportTo"))]
    if not scopes or "*" in scopes:
        return ["*"]
    return [entry.namespace if s == "." else s for s in scopes]


@rule(
    "MG2435",
    "ServiceEntry",
    WARNING,
    "ServiceEntries giving one host and port different protocols",
    "IST0177",
    scope="mesh",
)
def conflicting_service_entry_protocols(mesh: MeshIndex) -> Iterator[Problem]:
    """Two ServiceEntries visible in the same namespaces define the same host and port
    with different protocols: which one a proxy uses is undefined."""
    found: dict[tuple[str, str, int], list[tuple[str, Manifest]]] = defaultdict(list)
    for entry in mesh.of_kind("ServiceEntry"):
        for scope in _protocol_scopes(entry):
            for host in sequence(entry.spec.get("hosts")):
                for port in sequence(entry.spec.get("ports")):
                    number = mapping(port).get("number")
                    if isinstance(host, str) and isinstance(number, int):
                        protocol = str(mapping(port).get("protocol") or "").upper()
                        found[(scope, host, number)].append((protocol, entry))
    for (scope, host, number), entries in list(found.items()):
        if scope != "*":
            entries += found.get(("*", host, number), [])
    reported: set[int] = set()
    for (_, host, number), entries in found.items():
        protocols = sorted({protocol for protocol, _ in entries})
        if len(protocols) < 2:
            continue
        names = ", ".join(sorted({f"{e.namespace}/{e.name}" for _, e in entries}))
        for _, entry in entries:
            if id(entry) not in reported:
                reported.add(id(entry))
                yield Problem(
                    ("spec", "ports"),
                    f"ServiceEntries {names} give host {host} port {number} different "
                    f"protocols ({', '.join(p or '(none)' for p in protocols)})",
                    entry,
                )


@rule(
    "MG2436",
    "ServiceEntry",
    WARNING,
    "ServiceEntry TCP port without addresses, with Istio's default DNS settings",
    "IST0134",
    scope="mesh",
)
def service_entry_addresses(mesh: MeshIndex) -> Iterator[Problem]:
    """Unless the mesh settings turn on DNS capture and address allocation (they are off
    by default), a ServiceEntry port serving TCP (or no protocol) needs `addresses`: TCP
    traffic is told apart by destination address only."""
    if mesh.settings.allocates_addresses:
        return
    for entry in mesh.of_kind("ServiceEntry"):
        if entry.spec.get("addresses") or mapping(entry.document.get("status")).get("addresses"):
            continue
        for i, port in enumerate(sequence(entry.spec.get("ports"))):
            if str(mapping(port).get("protocol") or "TCP").upper() == "TCP":
                yield Problem(
                    ("spec", "ports", i),
                    "serves TCP (or no protocol) without addresses; add addresses, or enable "
                    "DNS capture and auto-allocation in the mesh settings",
                    entry,
                )

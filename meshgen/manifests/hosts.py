"""Hosts as Istio resolves them, written once: FQDNs, wildcards, exportTo, gateways, RE2.

A host in a resource is read in the resource's namespace, as Istio's
``ResolveShortnameToFQDN`` does: a short name (no dot) is a Service of that namespace
(``reviews`` in ``default`` is ``reviews.default.svc.cluster.local``); anything with a
dot, and ``*``, is taken as written, so ``reviews.default`` in a VirtualService is not
the same host as ``reviews``. A request's Host header is different: a sidecar answers
for a Service under its short aliases too (``reviews``, ``reviews.default``,
``reviews.default.svc``), so :func:`request_hosts` lists what a header may stand for.
"""

from __future__ import annotations

import functools
import ipaddress
from collections.abc import Iterable
from typing import Any

CLUSTER_DOMAIN = "cluster.local"
MESH = "mesh"  # the reserved gateway name: every sidecar
_SERVICE_SUFFIX = f".svc.{CLUSTER_DOMAIN}"


def is_ip(host: str) -> bool:
    """Whether ``host`` is an IPv4 or IPv6 address."""
    if not host or (":" not in host and not (host[0].isdigit() and host[-1].isdigit())):
        return False  # most hosts are names: no parse (IPv4 starts and ends with a digit)
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def fqdn(host: str, namespace: str) -> str:
    """A host of a resource in ``namespace``, fully qualified as Istio reads it."""
    if not host or host == "*" or "." in host or is_ip(host):
        return host
    return f"{host}.{namespace}{_SERVICE_SUFFIX}"


def service_of(host: str) -> tuple[str, str] | None:
    """(namespace, name) of a Kubernetes Service FQDN, or None for any other host."""
    parts = host.split(".")
    if host.endswith(_SERVICE_SUFFIX) and len(parts) == 5 and "*" not in host:
        return parts[1], parts[0]
    return None


def request_hosts(host: str, namespace: str) -> list[str]:
    """The hosts a request's Host header may stand for, sent from ``namespace``: itself
    as Istio reads it, then the Service it is a short alias of. Hosts are
    case-insensitive and a port in the header is not part of the host."""
    host = host.lower()
    if host.count(":") == 1:
        host = host.partition(":")[0]
    resolved = fqdn(host, namespace)
    found = [resolved]
    dots = host.count(".")
    if dots == 1 and not is_ip(host):  # name.namespace
        found.append(f"{host}{_SERVICE_SUFFIX}")
    elif dots == 2 and host.endswith(".svc"):  # name.namespace.svc
        found.append(f"{host}.{CLUSTER_DOMAIN}")
    return found


def covers(pattern: str, host: str) -> bool:
    """Whether a host pattern (maybe a wildcard) covers ``host``."""
    if pattern == "*":
        return True
    if pattern.startswith("*."):
        return host.endswith(pattern[1:]) or (host.startswith("*.") and host.endswith(pattern[1:]))
    return pattern == host


def overlap(a: str, b: str) -> bool:
    """Whether two host patterns have a host in common."""
    return covers(a, b) or covers(b, a)


def specificity(pattern: str) -> tuple[int, int]:
    """Sort key: exact hosts before wildcards, longer wildcards before shorter ones."""
    return (1 if pattern.startswith("*") else 0, -len(pattern))


SERVICE_EXPORT_TO = "networking.istio.io/exportTo"


def export_scopes(export_to: Any, namespace: str) -> set[str]:
    """The namespaces a resource is visible in (``*``: all; empty: none)."""
    entries = export_to if isinstance(export_to, list) and export_to else ["*"]
    scopes = set()
    for entry in entries:
        if entry == ".":
            scopes.add(namespace)
        elif isinstance(entry, str) and entry != "~":
            scopes.add(entry)
    return scopes


def visible(export_to: Any, owner_namespace: str, client_namespace: str) -> bool:
    """Whether a resource of ``owner_namespace`` with ``export_to`` is seen from
    ``client_namespace``."""
    scopes = export_scopes(export_to, owner_namespace)
    return "*" in scopes or client_namespace in scopes


def service_export_to(metadata: dict[str, Any]) -> list[str] | None:
    """A Kubernetes Service's exportTo, from its `networking.istio.io/exportTo` annotation."""
    annotations = metadata.get("annotations")
    value = annotations.get(SERVICE_EXPORT_TO) if isinstance(annotations, dict) else None
    return [part.strip() for part in value.split(",")] if isinstance(value, str) else None


def seen_from(export_to: Any, namespace: str) -> list[str]:
    """Where a referring resource (a VirtualService, a DestinationRule) takes effect, as
    the scopes its references are looked up in: its exportTo (`.` is its namespace,
    `*` is what every namespace sees), or its namespace."""
    if not isinstance(export_to, list) or not export_to:
        return [namespace]
    return [namespace if e == "." else str(e) for e in export_to]


def gateway_ref(ref: str, namespace: str) -> str:
    """A gateway reference as ``namespace/name`` (a bare name is in ``namespace``); ``mesh``
    stays ``mesh``."""
    if ref == MESH or "/" in ref:
        return ref
    return f"{namespace}/{ref}"


def bound_gateways(spec: dict[str, Any], namespace: str) -> list[str]:
    """The gateways a VirtualService applies to, as ``namespace/name`` or ``mesh``."""
    refs = spec.get("gateways")
    names = [r for r in refs if isinstance(r, str)] if isinstance(refs, list) and refs else [MESH]
    return [gateway_ref(ref, namespace) for ref in names]


def applies_to_mesh(spec: dict[str, Any]) -> bool:
    """Whether a VirtualService applies to sidecars (no gateways, or ``mesh`` among them)."""
    return MESH in bound_gateways(spec, "")


def served_hosts(
    servers: Iterable[Any], gateway_namespace: str, client_namespace: str
) -> list[str]:
    """The hosts a Gateway's servers offer to VirtualServices of ``client_namespace``:
    ``ns/host`` entries count only for that namespace (``.``: the gateway's, ``*``: any)."""
    hosts = []
    for server in servers:
        for host in server.get("hosts") or [] if isinstance(server, dict) else []:
            if not isinstance(host, str):
                continue
            space, slash, name = host.rpartition("/")
            if (
                not slash
                or space == "*"
                or space == client_namespace
                or (space == "." and gateway_namespace == client_namespace)
            ):
                hosts.append(name)
    return hosts


@functools.lru_cache(maxsize=4096)
def compile_regex(pattern: str) -> Any:
    """``pattern`` compiled with RE2, Istio's regex engine (full-match semantics are the
    caller's); raises ``ValueError`` with RE2's message as text."""
    import re2

    options = re2.Options()
    options.log_errors = False  # RE2 would print to stderr
    try:
        return re2.compile(pattern, options)
    except re2.error as e:
        detail = e.args[0] if e.args else ""
        text = detail.decode("utf-8", "replace") if isinstance(detail, bytes) else str(detail)
        raise ValueError(text or "invalid regular expression") from e


def regex_problem(pattern: str) -> str | None:
    """Why RE2 refuses ``pattern``, or None when it compiles."""
    try:
        compile_regex(pattern)
    except ValueError as e:
        return str(e)
    return None

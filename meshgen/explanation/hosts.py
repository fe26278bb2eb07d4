"""Hosts as Istio resolves them: short names in a namespace, wildcards, specificity."""

from __future__ import annotations

CLUSTER_DOMAIN = "cluster.local"


def fqdn(host: str, namespace: str, cluster_domain: str = CLUSTER_DOMAIN) -> str:
    """A host as Istio reads it in a resource of ``namespace``.

    A short name (no dot) is a Service in that namespace; ``name.ns`` is a Service in
    ``ns``; anything else (and wildcards) is taken as written.
    """
    if host.startswith("*") or host.endswith(f".svc.{cluster_domain}"):
        return host
    parts = host.split(".")
    if len(parts) == 1:
        return f"{host}.{namespace}.svc.{cluster_domain}"
    if len(parts) == 2:
        return f"{host}.svc.{cluster_domain}"
    return host


def matches(pattern: str, host: str) -> bool:
    """Whether a VirtualService host (maybe a wildcard) covers the request's host."""
    if pattern == "*":
        return True
    if pattern.startswith("*."):
        return host.endswith(pattern[1:])
    return pattern == host


def specificity(pattern: str) -> tuple[int, int]:
    """Sort key: exact hosts before wildcards, longer wildcards before shorter ones."""
    if pattern.startswith("*"):
        return (1, -len(pattern))
    return (0, -len(pattern))


def visible(export_to: list[str] | None, owner_namespace: str, client_namespace: str) -> bool:
    """Whether a resource with ``exportTo`` is seen from ``client_namespace``."""
    if not export_to:
        return True
    return any(
        target == "*"
        or target == client_namespace
        or (target == "." and owner_namespace == client_namespace)
        for target in export_to
    )

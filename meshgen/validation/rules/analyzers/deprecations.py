"""Istio settings and kinds that are deprecated or removed."""

from __future__ import annotations

from collections.abc import Iterator

from meshgen.manifests import mapping, sequence
from meshgen.manifests.index import MeshIndex
from meshgen.validation.rules.registry import WARNING, Problem, rule

_REMOVED_RBAC = frozenset({"ClusterRbacConfig", "RbacConfig", "ServiceRole", "ServiceRoleBinding"})


@rule(
    "MG2407",
    ("VirtualService", "Sidecar", "CustomResourceDefinition"),
    WARNING,
    "deprecated or removed Istio setting",
    "IST0002",
    scope="mesh",
)
def deprecated_settings(mesh: MeshIndex) -> Iterator[Problem]:
    """`fault.delay.percent` is deprecated (use `fault.delay.percentage: {value: N}`); a
    Sidecar's `outboundTrafficPolicy.egressProxy` is ignored; the `rbac.istio.io` kinds
    (ServiceRole, ServiceRoleBinding, RbacConfig, ClusterRbacConfig) are removed: use
    AuthorizationPolicy."""
    for entry in mesh.of_kind("VirtualService"):
        for i, route in enumerate(sequence(entry.spec.get("http"))):
            delay = mapping(mapping(mapping(route).get("fault")).get("delay"))
            if (delay.get("percent") or 0) > 0:
                yield Problem(
                    ("spec", "http", i, "fault", "delay", "percent"),
                    "fault.delay.percent is deprecated; use fault.delay.percentage",
                    entry,
                )
    for entry in mesh.of_kind("Sidecar"):
        if mapping(entry.spec.get("outboundTrafficPolicy")).get("egressProxy"):
            yield Problem(
                ("spec", "outboundTrafficPolicy", "egressProxy"),
                "outboundTrafficPolicy.egressProxy is deprecated and ignored",
                entry,
            )
    for manifest in mesh.manifests:
        spec = manifest.spec
        kind = mapping(spec.get("names")).get("kind")
        if (
            manifest.kind == "CustomResourceDefinition"
            and spec.get("group") == "rbac.istio.io"
            and kind in _REMOVED_RBAC
        ):
            yield Problem(
                ("spec", "names", "kind"),
                f"rbac.istio.io {kind} is removed from Istio; use AuthorizationPolicy",
                manifest,
            )

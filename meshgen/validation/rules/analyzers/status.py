"""What Istio and the Gateway controller wrote back into `status`: conditions saying a
resource is not in effect, as `kubectl get -o yaml` output shows them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from meshgen.manifests import Manifest, group_of, mapping, sequence
from meshgen.manifests.gatewayapi import GATEWAY_API
from meshgen.manifests.index import MeshIndex
from meshgen.validation.rules.registry import WARNING, Problem, rule

_WAYPOINT_BOUND = ("istio.io/WaypointBound",)
_GATEWAY_API = ("Accepted", "Programmed", "ResolvedRefs")
# The condition types read per kind, and whether a condition's list is under parents.
_READ: dict[str, tuple[tuple[str, ...], bool]] = {
    "Service": (_WAYPOINT_BOUND, False),
    "ServiceEntry": (_WAYPOINT_BOUND, False),
    "WorkloadEntry": (_WAYPOINT_BOUND, False),
    "AuthorizationPolicy": (("ZtunnelAccepted", "WaypointAccepted"), False),
    "Gateway": (_GATEWAY_API, False),
    "HTTPRoute": (_GATEWAY_API, True),
    "GRPCRoute": (_GATEWAY_API, True),
}


def _conditions(manifest: Manifest) -> Iterator[tuple[tuple[Any, ...], dict[str, Any]]]:
    status = mapping(manifest.document.get("status"))
    if _READ[manifest.kind][1]:
        for i, parent in enumerate(sequence(status.get("parents"))):
            for k, condition in enumerate(sequence(mapping(parent).get("conditions"))):
                yield ("status", "parents", i, "conditions", k), mapping(condition)
    else:
        for k, condition in enumerate(sequence(status.get("conditions"))):
            yield ("status", "conditions", k), mapping(condition)


def _negative(kind: str, condition: dict[str, Any]) -> bool:
    if condition.get("type") not in _READ[kind][0]:
        return False
    if kind == "AuthorizationPolicy" and condition.get("type") == "WaypointAccepted":
        return condition.get("status") == "False" or condition.get("reason") == "PartiallyInvalid"
    return condition.get("status") == "False"


@rule(
    "MG2447",
    tuple(_READ),
    WARNING,
    "status condition saying the resource is not in effect",
    "IST0171",
    scope="mesh",
)
def negative_conditions(mesh: MeshIndex) -> Iterator[Problem]:
    """A status condition that Istio or the Gateway controller set to say the resource is
    not (fully) in effect: a Service or ServiceEntry not bound to its waypoint, an
    AuthorizationPolicy ztunnel or the waypoint did not accept (or accepted only in
    part), a Kubernetes Gateway or route not accepted, not programmed, or with references
    it cannot resolve. Seen in configuration exported from a cluster."""
    for manifest in mesh.manifests:
        if manifest.kind not in _READ or (
            manifest.kind == "Gateway" and group_of(manifest.api_version) != GATEWAY_API
        ):
            continue
        for path, condition in _conditions(manifest):
            if _negative(manifest.kind, condition):
                yield Problem(
                    path,
                    f"{condition.get('type')} is {condition.get('status')} "
                    f"({condition.get('reason')}): {condition.get('message') or 'no message'}",
                    manifest,
                )

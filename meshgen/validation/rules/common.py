"""Rules that VirtualServices and DestinationRules share: durations and exportTo."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from meshgen.validation.rules import primitives as p
from meshgen.validation.rules.registry import ERROR, Found, rule

# Duration fields of each HTTP route of a VirtualService.
_ROUTE_DURATIONS: tuple[tuple[str, ...], ...] = (
    ("timeout",),
    ("retries", "perTryTimeout"),
    ("retries", "backoff"),
    ("fault", "delay", "fixedDelay"),
    ("fault", "delay", "exponentialDelay"),
)
_POLICY_DURATIONS: tuple[tuple[str, ...], ...] = (
    ("connectionPool", "http", "idleTimeout"),
    ("connectionPool", "http", "http2KeepAlive", "interval"),
    ("connectionPool", "http", "http2KeepAlive", "timeout"),
    ("connectionPool", "tcp", "connectTimeout"),
    ("connectionPool", "tcp", "maxConnectionDuration"),
    ("connectionPool", "tcp", "tcpKeepalive", "time"),
    ("connectionPool", "tcp", "tcpKeepalive", "interval"),
    ("outlierDetection", "baseEjectionTime"),
    ("outlierDetection", "interval"),
    ("loadBalancer", "warmup", "duration"),
)
_TCP_IDLE = ("connectionPool", "tcp", "idleTimeout")  # where 0s turns the timeout off


_policies_of: list[Any] = [None, []]  # the last spec asked about, and its policies


def policies(spec: dict[str, Any]) -> list[tuple[tuple[Any, ...], dict[str, Any]]]:
    """Every traffic policy of a DestinationRule: the top one, each subset's, and the
    port-level settings of each, with their paths.

    A dozen rules ask in turn about the same spec, so the last answer is kept.
    """
    if _policies_of[0] is not spec:
        _policies_of[:] = [spec, list(_walk_policies(spec))]
    found: list[tuple[tuple[Any, ...], dict[str, Any]]] = _policies_of[1]
    return found


def _walk_policies(spec: dict[str, Any]) -> Iterator[tuple[tuple[Any, ...], dict[str, Any]]]:
    tops: list[tuple[tuple[Any, ...], Any]] = [
        (("spec", "trafficPolicy"), spec.get("trafficPolicy"))
    ]
    for i, subset in enumerate(spec.get("subsets") or []):
        if isinstance(subset, dict):
            tops.append((("spec", "subsets", i, "trafficPolicy"), subset.get("trafficPolicy")))
    for where, policy in tops:
        if isinstance(policy, dict):
            yield where, policy
            for k, port in enumerate(policy.get("portLevelSettings") or []):
                if isinstance(port, dict):
                    yield (*where, "portLevelSettings", k), port


_ABSENT = object()


def _at(node: Any, path: tuple[str, ...]) -> Any:
    for key in path:
        if not isinstance(node, dict) or key not in node:
            return _ABSENT
        node = node[key]
    return node


def duration_values(spec: dict[str, Any], kind: str) -> Iterator[tuple[tuple[Any, ...], Any]]:
    if kind == "VirtualService":
        routes = spec.get("http")
        for i, route in enumerate(routes if isinstance(routes, list) else []):
            for path in _ROUTE_DURATIONS:
                if (value := _at(route, path)) is not _ABSENT:
                    yield ("spec", "http", i, *path), value
    elif kind == "DestinationRule":
        for where, policy in policies(spec):
            for path in (*_POLICY_DURATIONS, _TCP_IDLE):
                if (value := _at(policy, path)) is not _ABSENT:
                    yield (*where, *path), value


@rule(
    "MG2002",
    "*",
    ERROR,
    "duration under 1ms or finer than a millisecond",
    "S1 S2 V46 V55 V77 V83 D22 D24 D26 D27 D36 D48",
)
def durations(spec: dict[str, Any], resource: dict[str, Any]) -> Iterator[Found]:
    """Every duration Istio takes (timeouts, retry timeouts, delays, keepalives, ejection
    times, warmup) must be at least 1ms and a whole number of milliseconds. A TCP
    `idleTimeout` of `0s` is allowed: it turns the timeout off."""
    for where, value in duration_values(spec, str(resource.get("kind"))):
        turns_off = value == "0s" and where[-3:] == _TCP_IDLE
        if not turns_off and (problem := p.duration(value)):
            yield where, problem


@rule(
    "MG2003",
    "*",
    ERROR,
    "invalid exportTo",
    "S20 S21 S22 S23 S24 V10 D10",
)
def export_to(spec: dict[str, Any], resource: dict[str, Any]) -> Iterator[Found]:
    """`exportTo` entries are `.` (this namespace), `*` (every namespace) or namespace
    names, each once; `*` stands alone, `.` and this namespace's name are the same
    entry, and `~` (nowhere) is not allowed for VirtualServices and DestinationRules."""
    if resource.get("kind") not in ("VirtualService", "DestinationRule"):
        return
    namespace = (resource.get("metadata") or {}).get("namespace")
    for problem in p.export_to(spec.get("exportTo"), namespace):
        yield ("spec", "exportTo"), problem

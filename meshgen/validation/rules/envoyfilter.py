"""Istio's webhook checks for EnvoyFilter (rules EF1-EF20 and EF25 of
validation-rules-other-kinds; EF21-EF24 decode patches into Envoy's own types, which only
Istio's Go build knows)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from meshgen.manifests import mapping, sequence
from meshgen.manifests.hosts import compile_regex
from meshgen.validation.rules import primitives as p
from meshgen.validation.rules.registry import ERROR, WARNING, Found, rule

EF = "EnvoyFilter"
_LISTENER_CLASS = ("LISTENER", "FILTER_CHAIN", "NETWORK_FILTER", "HTTP_FILTER")
_ROUTE_CLASS = ("ROUTE_CONFIGURATION", "VIRTUAL_HOST", "HTTP_ROUTE")
# What patches build objects of Envoy's filter types, which name their implementation in
# typed_config (or config_discovery).
_TYPED_FILTERS = ("HTTP_FILTER", "NETWORK_FILTER", "LISTENER_FILTER")
_HCM = ("envoy.filters.network.http_connection_manager", "envoy.http_connection_manager")


def _patches(spec: dict[str, Any]) -> Iterator[tuple[int, dict[str, Any]]]:
    for i, patch in enumerate(sequence(spec.get("configPatches"))):
        patch = mapping(patch)
        if mapping(patch.get("match")).get("context") != "WAYPOINT":  # Istio skips those
            yield i, patch


def _patch_problem(patch: dict[str, Any]) -> tuple[tuple[Any, ...], str] | None:
    """EF6-EF20 for one patch: the first problem, as Istio stops at it."""
    apply_to, body = patch.get("applyTo"), mapping(patch.get("patch"))
    match = mapping(patch.get("match"))
    if apply_to in (None, "INVALID"):
        return ("applyTo",), "missing applyTo"
    if "patch" not in patch:
        return ("patch",), "missing patch"
    operation = body.get("operation")
    if operation in (None, "INVALID"):
        return ("patch", "operation"), "missing patch operation"
    if operation != "REMOVE" and "value" not in body:
        return ("patch", "value"), "missing patch value for non-remove operation"
    version = mapping(match.get("proxy")).get("proxyVersion")
    if isinstance(version, str) and len(version) <= 1024:
        try:
            compile_regex(version)
        except ValueError as e:
            return ("match", "proxy", "proxyVersion"), f"invalid regex for proxy version, [{e}]"
    others = {"routeConfiguration", "cluster", "waypoint", "listener"} & set(match)
    if apply_to in _LISTENER_CLASS and others - {"listener"}:
        return ("match",), "applyTo for listener class objects cannot have non listener match"
    if apply_to in _ROUTE_CLASS and others - {"routeConfiguration"}:
        return (
            "match",
        ), "applyTo for http route class objects cannot have non route configuration match"
    if apply_to == "CLUSTER" and others - {"cluster"}:
        return ("match",), "applyTo for cluster class objects cannot have non cluster match"
    chain = mapping(mapping(match.get("listener")).get("filterChain"))
    if "filter" not in chain:
        return None
    where = ("match", "listener", "filterChain", "filter")
    chosen = mapping(chain.get("filter"))
    if not chosen.get("name"):
        return (*where, "name"), "filter match has no name to match on"
    if "subFilter" in chosen:
        if apply_to != "HTTP_FILTER":
            return (
                *where,
                "subFilter",
            ), "subfilter match can be used with applyTo HTTP_FILTER only"
        if chosen.get("name") not in _HCM:
            return (
                (*where, "subFilter"),
                "subfilter match requires filter match with envoy.filters.network.http_connection_manager",
            )
        if not mapping(chosen.get("subFilter")).get("name"):
            return (*where, "subFilter", "name"), "subfilter match has no name to match on"
    return None


@rule(
    "MG3001",
    EF,
    ERROR,
    "EnvoyFilter patch Istio rejects",
    "EF2 EF6 EF7 EF8 EF9 EF11 EF12 EF14 EF15 EF16 EF17 EF19 EF20",
)
def patches(spec: dict[str, Any], resource: dict[str, Any]) -> Iterator[Found]:
    """Selector labels have non-empty keys and no wildcards. Each patch says what it
    applies to, its operation and (unless it removes) its value; its match fits what it
    applies to (listener, route or cluster objects), its proxy version is a regex, and a
    filter match names a filter (and a sub-filter only inside the HTTP connection manager,
    for HTTP_FILTER patches)."""
    labels = mapping(mapping(spec.get("workloadSelector")).get("labels"))
    for key, message in p.selector_labels(labels)[:1]:  # Istio stops at the first
        yield ("spec", "workloadSelector", "labels", key), message
        return
    for i, patch in _patches(spec):
        problem = _patch_problem(patch)
        if problem is not None:
            path, message = problem
            yield ("spec", "configPatches", i, *path), message


@rule(
    "MG3002",
    EF,
    WARNING,
    "EnvoyFilter, which depends on Envoy's internals",
    "EF1 EF3 EF10 EF13 EF25",
)
def envoy_internals(spec: dict[str, Any], resource: dict[str, Any]) -> Iterator[Found]:
    """Istio warns on every EnvoyFilter: it patches Envoy's configuration as Istio
    generates it today, which may change with any release; prefer another API where one
    exists. A selector without labels applies to every workload of the namespace; a proxy
    version pattern over 1024 characters is ignored; a filter match means nothing when the
    patch applies to a listener or a filter chain; a filter given by name alone, without
    `typed_config` or `config_discovery`, relies on Envoy's deprecated lookup by name."""
    yield (
        ("spec",),
        "EnvoyFilter exposes internal implementation details that may change at any time. "
        "Prefer other APIs if possible, and exercise extreme caution, especially around "
        "upgrades.",
    )
    selector = spec.get("workloadSelector")
    if isinstance(selector, dict) and not selector.get("labels"):
        yield ("spec", "workloadSelector"), p.SELECTS_NAMESPACE
    for i, patch in _patches(spec):
        match = mapping(patch.get("match"))
        version = mapping(match.get("proxy")).get("proxyVersion")
        if isinstance(version, str) and len(version) > 1024:
            yield (
                ("spec", "configPatches", i, "match", "proxy", "proxyVersion"),
                "proxyVersion match exceeds 1024 characters and will be ignored",
            )
        value = mapping(patch.get("patch")).get("value")
        if (
            patch.get("applyTo") in _TYPED_FILTERS
            and isinstance(value, dict)
            and not value.get("typed_config")
            and not value.get("config_discovery")
        ):
            yield (
                ("spec", "configPatches", i, "patch", "value"),
                f"using deprecated types by name without typed_config; {value.get('name', '')}",
            )
        chain = mapping(mapping(match.get("listener")).get("filterChain"))
        if "filter" in chain and patch.get("applyTo") in ("LISTENER", "FILTER_CHAIN"):
            yield (
                ("spec", "configPatches", i, "match", "listener", "filterChain", "filter"),
                f"filter match has no effect when used with {patch['applyTo']}",
            )

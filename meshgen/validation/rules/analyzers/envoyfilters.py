"""EnvoyFilter patches that Istio accepts but that do nothing, or stop working when the
order in which EnvoyFilters apply changes (istioctl analyze's patch analyzer)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from meshgen.manifests import mapping, sequence
from meshgen.manifests.index import MeshIndex
from meshgen.validation.rules.analyzers.lookups import with_code
from meshgen.validation.rules.registry import ERROR, WARNING, Problem, rule

_ROUTES = ("ROUTE_CONFIGURATION", "HTTP_ROUTE")
_REPLACEABLE = ("NETWORK_FILTER", "HTTP_FILTER", "VIRTUAL_HOST")
_RELATIVE = ("INSERT_BEFORE", "INSERT_AFTER", "REPLACE", "REMOVE")
_RELATIVE_MESSAGE = {
    "IST0151": "{0} is relative to other filters; without a priority this EnvoyFilter may "
    "apply before them and be skipped: set priority, or use INSERT_FIRST or ADD",
    "IST0155": "{0} without a priority, on filter {1!r}, which a patch for one proxy version "
    "adds: during an upgrade it may apply before that filter exists; set priority",
}


def _filter_name(patch: dict[str, Any]) -> str:
    """The filter a patch is about, as Istio's analysis names it: the patch value's
    `name`, else the filter its match names."""
    value = mapping(mapping(patch.get("patch")).get("value"))
    if "name" in value:
        return str(value["name"])
    if value:
        chain = mapping(mapping(mapping(patch.get("match")).get("listener")).get("filterChain"))
        return str(mapping(chain.get("filter")).get("name") or "")
    return ""


def _findings(mesh: MeshIndex) -> Iterator[tuple[str, Problem]]:
    # Filters added by patches for one proxy version, across EnvoyFilters in input order.
    versioned: set[str] = set()
    for entry in mesh.of_kind("EnvoyFilter"):
        # Relative patches are fixed by one priority: each code is said once per filter,
        # and not at all when it has a priority.
        said = {"IST0151", "IST0155"} if entry.spec.get("priority") else set()
        for i, patch in enumerate(sequence(entry.spec.get("configPatches"))):
            patch = mapping(patch)
            if "patch" not in patch:
                break  # Istio's analysis stops at it
            where = ("spec", "configPatches", i, "patch", "operation")
            operation, applies = mapping(patch["patch"]).get("operation"), patch.get("applyTo")
            name = _filter_name(patch)
            if operation == "ADD" and applies in _ROUTES:
                yield "IST0153", Problem(where, f"ADD is ignored when applyTo is {applies}", entry)
            elif operation == "REMOVE" and applies in _ROUTES:
                yield (
                    "IST0154",
                    Problem(where, f"REMOVE is ignored when applyTo is {applies}", entry),
                )
            elif operation == "REPLACE" and applies not in _REPLACEABLE:
                yield (
                    "IST0152",
                    Problem(
                        where,
                        f"REPLACE works on {', '.join(_REPLACEABLE)} only, not on {applies}",
                        entry,
                    ),
                )
            elif operation in _RELATIVE:
                code = "IST0155" if name in versioned else "IST0151"
                if code not in said:
                    said.add(code)
                    yield (
                        code,
                        Problem(where, _RELATIVE_MESSAGE[code].format(operation, name), entry),
                    )
            if mapping(mapping(patch.get("match")).get("proxy")).get("proxyVersion"):
                versioned.add(name)


@rule(
    "MG2442",
    "EnvoyFilter",
    WARNING,
    "relative EnvoyFilter patch without a priority",
    "IST0151",
    scope="mesh",
)
def relative_patches(mesh: MeshIndex) -> Iterator[Problem]:
    """A patch that inserts before or after, replaces or removes another filter, in an
    EnvoyFilter without `priority`: EnvoyFilters apply in an order that may run this one
    before the filter it is relative to exists, and the patch is then skipped."""
    yield from with_code(mesh, _findings, "IST0151")


@rule(
    "MG2443",
    "EnvoyFilter",
    ERROR,
    "REPLACE patch on what cannot be replaced",
    "IST0152",
    scope="mesh",
)
def misused_replace(mesh: MeshIndex) -> Iterator[Problem]:
    """REPLACE applies to network filters, HTTP filters and virtual hosts; anywhere else
    it does nothing."""
    yield from with_code(mesh, _findings, "IST0152")


@rule(
    "MG2444",
    "EnvoyFilter",
    ERROR,
    "ADD patch on a route configuration or HTTP route",
    "IST0153",
    scope="mesh",
)
def misused_add(mesh: MeshIndex) -> Iterator[Problem]:
    """ADD is ignored when the patch applies to ROUTE_CONFIGURATION or HTTP_ROUTE."""
    yield from with_code(mesh, _findings, "IST0153")


@rule(
    "MG2445",
    "EnvoyFilter",
    ERROR,
    "REMOVE patch on a route configuration or HTTP route",
    "IST0154",
    scope="mesh",
)
def misused_remove(mesh: MeshIndex) -> Iterator[Problem]:
    """REMOVE is ignored when the patch applies to ROUTE_CONFIGURATION or HTTP_ROUTE."""
    yield from with_code(mesh, _findings, "IST0154")


@rule(
    "MG2446",
    "EnvoyFilter",
    WARNING,
    "relative patch on a filter added for one proxy version",
    "IST0155",
    scope="mesh",
)
def relative_to_versioned_filter(mesh: MeshIndex) -> Iterator[Problem]:
    """A relative patch without `priority` on a filter that an earlier patch adds only for
    some proxy versions (`match.proxy.proxyVersion`): while proxies are upgraded, the
    filter may not exist when this patch applies."""
    yield from with_code(mesh, _findings, "IST0155")

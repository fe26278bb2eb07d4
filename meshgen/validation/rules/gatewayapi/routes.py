"""HTTPRoute, GRPCRoute, TCPRoute, TLSRoute and UDPRoute: parents, rules, matches,
filters and backends."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from meshgen.manifests import mapping, sequence
from meshgen.manifests.gatewayapi import ROUTE_KINDS
from meshgen.manifests.hosts import is_ip
from meshgen.manifests.values import duration_nanoseconds
from meshgen.validation.rules.gatewayapi.common import (
    SUBDOMAIN,
    Path,
    backend_refs,
    given,
    items,
    repeated,
)
from meshgen.validation.rules.registry import ERROR, Found, rule

_PATH_CHARACTERS = re.compile(r"(?:[-A-Za-z0-9/._~!$&'()*+,;=:@]|%[0-9a-fA-F]{2})+")
_PATH_FORBIDDEN = ("//", "/./", "/../", "%2f", "%2F", "#")
_GRPC_SERVICE = re.compile(r"\.?[a-z_][a-z_0-9]*(\.[a-z_][a-z_0-9]*)*", re.IGNORECASE)
_GRPC_METHOD = re.compile(r"[A-Za-z_][A-Za-z_0-9]*")
_MAX_MATCHES = 128


@rule(
    "MG3203",
    ROUTE_KINDS,
    ERROR,
    "one parent referred to twice without telling the references apart",
    "",
    scope="gateway-api",
)
def parent_references(spec: dict[str, Any], _: dict[str, Any]) -> Iterator[Found]:
    """Where `parentRefs` names one parent more than once, each reference sets a
    `sectionName` or `port`, and no two set the same ones."""
    by_parent: dict[tuple[Any, ...], list[tuple[Path, tuple[Any, Any]]]] = {}
    for at, ref in items(spec.get("parentRefs"), ("spec", "parentRefs")):
        parent = (ref.get("group"), ref.get("kind"), ref.get("namespace") or "", ref.get("name"))
        section = (ref.get("sectionName") or "", ref.get("port") or 0)
        by_parent.setdefault(parent, []).append((at, section))
    for (_group, kind, _namespace, name), refs in by_parent.items():
        if len(refs) < 2:
            continue
        sections = [section for _, section in refs]
        twice = repeated(sections)
        for at, section in refs:
            if section == ("", 0):
                yield (
                    at,
                    (
                        f"{kind} {name} is referred to {len(refs)} times: each reference needs a "
                        "sectionName or port"
                    ),
                )
            elif section in twice:
                yield at, f"{kind} {name} is referred to twice with the same sectionName and port"


@rule(
    "MG3204",
    ROUTE_KINDS,
    ERROR,
    "route rules with the same name, or too many matches",
    "",
    scope="gateway-api",
)
def rule_names_and_matches(spec: dict[str, Any], _: dict[str, Any]) -> Iterator[Found]:
    """A rule's `name` is unique within its route; all rules of an HTTPRoute or
    GRPCRoute together have fewer than 128 matches."""
    rules = list(items(spec.get("rules"), ("spec", "rules")))
    twice = repeated([r.get("name") for _, r in rules if r.get("name")])
    for at, entry in rules:
        if entry.get("name") in twice:
            yield (*at, "name"), f"another rule of this route is named {entry.get('name')!r}"
    total = sum(len(sequence(entry.get("matches"))) for _, entry in rules)
    if total >= _MAX_MATCHES:
        yield (
            ("spec", "rules"),
            (f"the rules have {total} matches in all; a route takes fewer than {_MAX_MATCHES}"),
        )


@rule(
    "MG3205",
    "HTTPRoute",
    ERROR,
    "HTTPRoute path match that is not a clean absolute path",
    "",
    scope="gateway-api",
)
def path_values(spec: dict[str, Any], _: dict[str, Any]) -> Iterator[Found]:
    """An `Exact` or `PathPrefix` path starts with `/`, holds only the characters a URL
    path may (others percent-encoded), and has no `//`, `/./`, `/../`, encoded `/`
    (`%2f`) or `#`, and does not end in `/.` or `/..`."""
    for rule_at, entry in items(spec.get("rules"), ("spec", "rules")):
        for at, match in items(entry.get("matches"), (*rule_at, "matches")):
            path = mapping(match.get("path"))
            value, kind = path.get("value"), path.get("type")
            if kind not in ("Exact", "PathPrefix") or not isinstance(value, str):
                continue
            problem = _path_problem(value)
            if problem:
                yield (*at, "path", "value"), f"{kind} path {value!r} {problem}"


def _path_problem(value: str) -> str | None:
    if not value.startswith("/"):
        return "must start with '/'"
    if not _PATH_CHARACTERS.fullmatch(value):
        return "has a character a URL path does not take unencoded"
    for part in _PATH_FORBIDDEN:
        if part in value:
            return f"must not contain {part!r}"
    if value.endswith(("/.", "/..")):
        return "must not end with '/.' or '/..'"
    return None


# The filters a list may hold once, by route kind.
_ONCE = {
    "HTTPRoute": (
        "RequestHeaderModifier",
        "ResponseHeaderModifier",
        "RequestRedirect",
        "URLRewrite",
        "CORS",
    ),
    "GRPCRoute": ("RequestHeaderModifier", "ResponseHeaderModifier"),
}
# The field that configures each filter type.
_FILTER_FIELDS = {
    "RequestHeaderModifier": "requestHeaderModifier",
    "ResponseHeaderModifier": "responseHeaderModifier",
    "RequestMirror": "requestMirror",
    "RequestRedirect": "requestRedirect",
    "URLRewrite": "urlRewrite",
    "ExtensionRef": "extensionRef",
    "CORS": "cors",
    "ExternalAuth": "externalAuth",
}


@rule(
    "MG3206",
    ("HTTPRoute", "GRPCRoute"),
    ERROR,
    "route filter whose type and settings disagree, or repeated",
    "",
    scope="gateway-api",
)
def filters(spec: dict[str, Any], document: dict[str, Any]) -> Iterator[Found]:
    """A filter sets the field of its `type` and no other; header modifiers, redirects,
    rewrites and CORS appear once per list, a redirect and a rewrite not together; a
    path modifier sets the field of its `type`; a mirror takes `percent` or `fraction`
    (at most 1); a CORS list with `*` holds nothing else; an external authorization
    filter configures the protocol it names."""
    kind = str(document.get("kind"))
    for at, holder in _filter_holders(spec):
        listed = list(items(holder.get("filters"), (*at, "filters")))
        types = [entry.get("type") for _, entry in listed]
        for once in _ONCE.get(kind, ()):
            if types.count(once) > 1:
                yield (*at, "filters"), f"a list of filters takes one {once} filter at most"
        if "RequestRedirect" in types and "URLRewrite" in types:
            yield (*at, "filters"), "RequestRedirect and URLRewrite filters exclude each other"
        for filter_at, entry in listed:
            yield from _filter_problems(entry, filter_at)


def _filter_holders(spec: dict[str, Any]) -> Iterator[tuple[Path, dict[str, Any]]]:
    for rule_at, entry in items(spec.get("rules"), ("spec", "rules")):
        yield rule_at, entry
        yield from items(entry.get("backendRefs"), (*rule_at, "backendRefs"))


def _filter_problems(entry: dict[str, Any], at: Path) -> Iterator[Found]:
    kind = entry.get("type")
    own = _FILTER_FIELDS.get(str(kind))
    if own and own not in entry:
        yield at, f"a filter of type {kind} needs its {own} settings"
    for other in _FILTER_FIELDS.values():
        if other != own and other in entry:
            yield (*at, other), f"{other} belongs to a filter of another type, not {kind}"
    for field in ("requestRedirect", "urlRewrite"):
        path = mapping(mapping(entry.get(field)).get("path"))
        for modifier in ("replaceFullPath", "replacePrefixMatch"):
            chosen = path.get("type") == modifier[0].upper() + modifier[1:]
            if chosen and modifier not in path:
                yield (*at, field, "path"), f"a {path.get('type')} path modifier sets {modifier}"
            if not chosen and modifier in path and path.get("type"):
                yield (
                    (*at, field, "path", modifier),
                    (
                        f"{modifier} is for type {modifier[0].upper() + modifier[1:]}, "
                        f"not {path.get('type')}"
                    ),
                )
    mirror = mapping(entry.get("requestMirror"))
    if "percent" in mirror and "fraction" in mirror:
        yield (*at, "requestMirror"), "a mirror takes percent or fraction, not both"
    fraction = mapping(mirror.get("fraction"))
    numerator, denominator = fraction.get("numerator"), fraction.get("denominator", 100)
    if isinstance(numerator, int) and isinstance(denominator, int) and numerator > denominator:
        yield (*at, "requestMirror", "fraction"), "a fraction's numerator exceeds its denominator"
    for field in ("allowOrigins", "allowMethods", "allowHeaders"):
        values = sequence(mapping(entry.get("cors")).get(field))
        if "*" in values and len(values) > 1:
            yield (*at, "cors", field), f"{field} with '*' may hold nothing else"
    auth = mapping(entry.get("externalAuth"))
    for protocol, field in (("HTTP", "http"), ("GRPC", "grpc")):
        if auth.get("protocol") == protocol and field not in auth:
            yield (*at, "externalAuth"), f"a {protocol} external authorization sets {field}"
        if field in auth and auth.get("protocol") != protocol:
            yield (*at, "externalAuth", field), f"{field} is for protocol {protocol}"


@rule(
    "MG3207",
    "HTTPRoute",
    ERROR,
    "HTTPRoute redirect beside backends, or a prefix rewrite without one PathPrefix match",
    "",
    scope="gateway-api",
)
def redirects_and_prefix_rewrites(spec: dict[str, Any], _: dict[str, Any]) -> Iterator[Found]:
    """A rule that redirects has no `backendRefs` (the redirect is the answer); a
    redirect or rewrite with `replacePrefixMatch` needs the rule to have exactly one
    match, of type `PathPrefix`, whose prefix it replaces."""
    for at, entry in items(spec.get("rules"), ("spec", "rules")):
        backends = sequence(entry.get("backendRefs"))
        rule_filters = [f for f in sequence(entry.get("filters")) if isinstance(f, dict)]
        if backends and any("requestRedirect" in f for f in rule_filters):
            yield at, "a rule with a RequestRedirect filter sends to no backendRefs"
        prefix_filters = [f for f in rule_filters if _replaces_prefix(f)]
        for backend in backends:
            prefix_filters += [
                f for f in sequence(mapping(backend).get("filters")) if _replaces_prefix(f)
            ]
        if prefix_filters and not _one_prefix_match(entry):
            yield (
                (*at, "matches"),
                ("replacePrefixMatch needs the rule to have exactly one match, of type PathPrefix"),
            )


def _replaces_prefix(entry: Any) -> bool:
    return any(
        mapping(mapping(mapping(entry).get(field)).get("path")).get("type") == "ReplacePrefixMatch"
        and "replacePrefixMatch" in mapping(mapping(mapping(entry).get(field)).get("path"))
        for field in ("requestRedirect", "urlRewrite")
    )


def _one_prefix_match(entry: dict[str, Any]) -> bool:
    matches = sequence(entry.get("matches"))
    if len(matches) != 1:
        return False
    path = mapping(mapping(matches[0]).get("path"))
    return path.get("type") == "PathPrefix" if path else False


@rule(
    "MG3208",
    ROUTE_KINDS,
    ERROR,
    "route backend Service without a port",
    "",
    scope="gateway-api",
)
def backend_ports(spec: dict[str, Any], _: dict[str, Any]) -> Iterator[Found]:
    """A backend (or mirror, or authorization backend) that is a Service names the
    port to send to."""
    for at, backend in backend_refs(spec):
        service = not backend.get("group") and backend.get("kind", "Service") == "Service"
        if service and "port" not in backend:
            yield at, f"Service {backend.get('name')} needs the port to send to"


@rule(
    "MG3209",
    "HTTPRoute",
    ERROR,
    "HTTPRoute backend timeout longer than the request timeout",
    "",
    scope="gateway-api",
)
def timeouts(spec: dict[str, Any], _: dict[str, Any]) -> Iterator[Found]:
    """`timeouts.backendRequest` (one try) is at most `timeouts.request` (the whole
    request, retries included), unless the request timeout is 0s (none)."""
    for at, entry in items(spec.get("rules"), ("spec", "rules")):
        limits = mapping(entry.get("timeouts"))
        request, backend = limits.get("request"), limits.get("backendRequest")
        if not (isinstance(request, str) and isinstance(backend, str)):
            continue
        whole, one = duration_nanoseconds(request), duration_nanoseconds(backend)
        if whole and one is not None and one > whole:
            yield (
                (*at, "timeouts", "backendRequest"),
                (f"backendRequest {backend} is longer than request {request}"),
            )


@rule(
    "MG3210",
    "GRPCRoute",
    ERROR,
    "GRPCRoute method match without a service or method, or with bad characters",
    "",
    scope="gateway-api",
)
def grpc_methods(spec: dict[str, Any], _: dict[str, Any]) -> Iterator[Found]:
    """A method match names a `service`, a `method` or both; an `Exact` one names them
    as protobuf does (a dotted service name, a method identifier)."""
    for rule_at, entry in items(spec.get("rules"), ("spec", "rules")):
        for at, match in items(entry.get("matches"), (*rule_at, "matches")):
            method = mapping(match.get("method"))
            if not method:
                continue
            if "service" not in method and "method" not in method:
                yield (*at, "method"), "a method match names a service, a method, or both"
            if method.get("type", "Exact") != "Exact":
                continue
            service, name = method.get("service"), method.get("method")
            if isinstance(service, str) and not _GRPC_SERVICE.fullmatch(service):
                yield (*at, "method", "service"), f"{service!r} is not a gRPC service name"
            if isinstance(name, str) and not _GRPC_METHOD.fullmatch(name):
                yield (*at, "method", "method"), f"{name!r} is not a gRPC method name"


@rule(
    "MG3211",
    "TLSRoute",
    ERROR,
    "TLSRoute hostname that is an IP or not a DNS name",
    "",
    scope="gateway-api",
)
def tls_hostnames(spec: dict[str, Any], _: dict[str, Any]) -> Iterator[Found]:
    """A TLSRoute's hostnames are DNS names (SNI carries no IP); a wildcard is the whole
    first label (`*.example.com`)."""
    for i, host in enumerate(sequence(spec.get("hostnames"))):
        if not isinstance(host, str):
            continue
        at = ("spec", "hostnames", i)
        if is_ip(host):
            yield at, f"{host} is an IP address; TLS routes by server name"
        elif not SUBDOMAIN.fullmatch(host.removeprefix("*.")):
            yield at, f"{host!r} is not a DNS name (a wildcard is the whole first label)"


@rule(
    "MG3212",
    ("HTTPRoute", "GRPCRoute", "XBackendTrafficPolicy"),
    ERROR,
    "session persistence settings that contradict each other",
    "",
    scope="gateway-api",
)
def session_persistence(spec: dict[str, Any], _: dict[str, Any]) -> Iterator[Found]:
    """`cookieConfig` is for `type: Cookie`, and a `Permanent` cookie needs an
    `absoluteTimeout`."""
    holders: list[tuple[Path, dict[str, Any]]] = [(("spec",), spec)]
    holders += list(items(spec.get("rules"), ("spec", "rules")))
    for at, holder in holders:
        persistence = mapping(holder.get("sessionPersistence"))
        if not persistence:
            continue
        at = (*at, "sessionPersistence")
        cookie = mapping(persistence.get("cookieConfig"))
        if "cookieConfig" in persistence and persistence.get("type", "Cookie") != "Cookie":
            yield (*at, "cookieConfig"), "cookieConfig is for type Cookie"
        if cookie.get("lifetimeType") == "Permanent" and not given(
            persistence.get("absoluteTimeout")
        ):
            yield at, "a Permanent cookie needs an absoluteTimeout"

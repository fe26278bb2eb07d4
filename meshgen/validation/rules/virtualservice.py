"""VirtualService rules (Istio's ValidateVirtualService and validateHTTPRoute)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from meshgen.manifests.hosts import applies_to_mesh
from meshgen.validation.rules import primitives as p
from meshgen.validation.rules.registry import ERROR, WARNING, Found, rule

VS = "VirtualService"


def _rules(spec: dict[str, Any]) -> Iterator[tuple[int, dict[str, Any]]]:
    for i, entry in enumerate(spec.get("http") or []):
        if isinstance(entry, dict):
            yield i, entry


def _matches(route: dict[str, Any]) -> Iterator[tuple[int, dict[str, Any]]]:
    for j, match in enumerate(route.get("match") or []):
        if isinstance(match, dict):
            yield j, match


def _is_delegate(spec: dict[str, Any]) -> bool:
    return not spec.get("hosts")


def _rule_name(route: dict[str, Any], index: int) -> str:
    return f'"{route["name"]}"' if route.get("name") else f"#{index}"


# -- hosts and gateways ------------------------------------------------------------------


@rule(
    "MG2201",
    VS,
    ERROR,
    "delegate VirtualService with gateways or TCP/TLS routes",
    "V1 V2 V3",
)
def delegate_shape(spec: dict[str, Any], resource: dict[str, Any]) -> Iterator[Found]:
    """A VirtualService without hosts is a delegate, reached only from a parent's
    `delegate`: it may not name gateways, nor have `tls` or `tcp` routes."""
    if not _is_delegate(spec):
        return
    for field in ("gateways", "tls", "tcp"):
        if spec.get(field):
            yield ("spec", field), f"a delegate VirtualService (no hosts) cannot have {field}"


def _gateway_problems(refs: Any, where: tuple[Any, ...]) -> Iterator[Found]:
    for i, ref in enumerate(refs or []):
        if not isinstance(ref, str) or ref == "mesh":
            continue
        namespace, slash, name = ref.partition("/")
        if not slash:
            problem = p.wildcard_domain(ref, wildcard=False)
            if problem:
                yield (*where, i), f"gateway '{ref}': {problem}"
            continue
        if not namespace or not name:
            yield (*where, i), f"gateway '{ref}': namespace and gateway name cannot be empty"
        elif not p.is_dns1123_label(namespace):
            yield (*where, i), f"gateway '{ref}': invalid namespace '{namespace}'"
        elif not p.is_dns1123_label(name):
            yield (*where, i), f"gateway '{ref}': invalid gateway name '{name}'"


@rule(
    "MG2202",
    VS,
    ERROR,
    "invalid gateway reference",
    "V-GW-2 V-GW-3 V-GW-4 V-GW-5 V36 V99",
)
def gateway_references(spec: dict[str, Any], resource: dict[str, Any]) -> Iterator[Found]:
    """Gateways are referred to as `mesh`, a name, or `namespace/name` where both parts
    are DNS-1123 labels (`*/gw` and `ns/*` are invalid). Istio stops checking a list at
    the first name without `/`; meshgen checks every entry, in `gateways` and in every
    match's `gateways`."""
    yield from _gateway_problems(spec.get("gateways"), ("spec", "gateways"))
    for kind in ("http", "tls", "tcp"):
        for i, route in enumerate(spec.get(kind) or []):
            for j, match in enumerate(p.mapping(route).get("match") or []):
                if isinstance(match, dict):
                    yield from _gateway_problems(
                        match.get("gateways"), ("spec", kind, i, "match", j, "gateways")
                    )


@rule(
    "MG2203",
    VS,
    WARNING,
    "legacy gateway name format",
    "V-GW-1",
)
def legacy_gateway_names(spec: dict[str, Any], resource: dict[str, Any]) -> Iterator[Found]:
    """`name.namespace` is the legacy way to refer to a gateway in another namespace;
    prefer `namespace/name`."""
    for i, ref in enumerate(spec.get("gateways") or []):
        if isinstance(ref, str) and "/" not in ref and "." in ref:
            name, _, namespace = ref.partition(".")
            yield (
                ("spec", "gateways", i),
                f"legacy gateway name '{ref}'; prefer '{namespace}/{name}'",
            )


@rule(
    "MG2204",
    VS,
    ERROR,
    "JWT claim routing on sidecars",
    "V4",
)
def jwt_claim_routing(spec: dict[str, Any], resource: dict[str, Any]) -> Iterator[Found]:
    """Routing on JWT claims (`@request.auth.claims...` header keys) works only on
    gateways, not for a VirtualService that applies to sidecars (`mesh`)."""
    if not applies_to_mesh(spec):
        return
    for i, route in _rules(spec):
        for j, match in _matches(route):
            for field in ("headers", "withoutHeaders"):
                for key in match.get(field) or {}:
                    if isinstance(key, str) and p.is_jwt_claim(key):
                        yield (
                            ("spec", "http", i, "match", j, field, key),
                            f"JWT claim routing ({key}) works only on gateways",
                        )


@rule(
    "MG2205",
    VS,
    ERROR,
    "invalid host",
    "V5",
)
def hosts_valid(spec: dict[str, Any], resource: dict[str, Any]) -> Iterator[Found]:
    """Each host is a short name, a DNS name, a wildcard domain (`*.example.com`) or an
    IP address."""
    for i, host in enumerate(spec.get("hosts") or []):
        if isinstance(host, str) and (problem := p.host(host)):
            yield ("spec", "hosts", i), problem


@rule(
    "MG2206",
    VS,
    ERROR,
    "wildcard host * on sidecars",
    "V6",
)
def wildcard_host_on_mesh(spec: dict[str, Any], resource: dict[str, Any]) -> Iterator[Found]:
    """Host `*` would capture every request from every sidecar; it is allowed only for
    VirtualServices bound to gateways alone (not `mesh`)."""
    if applies_to_mesh(spec):
        for i, host in enumerate(spec.get("hosts") or []):
            if host == "*":
                yield (
                    ("spec", "hosts", i),
                    "host * is not allowed for a VirtualService that applies to sidecars (mesh)",
                )


def _covers(pattern: str, host: str) -> bool:
    if pattern == host:
        return True
    return pattern.startswith("*") and host.endswith(pattern[1:])


@rule(
    "MG2207",
    VS,
    ERROR,
    "overlapping hosts",
    "V7",
)
def overlapping_hosts(spec: dict[str, Any], resource: dict[str, Any]) -> Iterator[Found]:
    """No two hosts of one VirtualService may overlap: the same name twice, or a wildcard
    covering another host."""
    hosts = [h for h in spec.get("hosts") or [] if isinstance(h, str)]
    if any(p.host(h) for h in hosts):
        return
    for i, first in enumerate(hosts):
        for j in range(i + 1, len(hosts)):
            if _covers(first, hosts[j]) or _covers(hosts[j], first):
                yield ("spec", "hosts", j), f"hosts {first} and {hosts[j]} overlap"


@rule("MG2208", VS, ERROR, "no routes", "V8 V9")
def has_routes(spec: dict[str, Any], resource: dict[str, Any]) -> Iterator[Found]:
    """A VirtualService needs `http`, `tcp` or `tls` routes, and no route may be null."""
    if not (spec.get("http") or spec.get("tcp") or spec.get("tls")):
        yield ("spec",), "give http, tcp or tls routes"
    for i, entry in enumerate(spec.get("http") or []):
        if entry is None:
            yield ("spec", "http", i), "an http route may not be null"


# -- unreachable rules -------------------------------------------------------------------


def _comparable(match: dict[str, Any]) -> str:
    return json.dumps({k: v for k, v in match.items() if k != "name"}, sort_keys=True)


@rule(
    "MG2210",
    VS,
    WARNING,
    "rule after a catch-all rule",
    "V11 V12",
    istio="IST0130",
)
def after_catch_all(spec: dict[str, Any], resource: dict[str, Any]) -> Iterator[Found]:
    """A rule without `match` takes every request, so rules after it are never used: only
    the last rule may go without matches. Checked for http, tcp and tls routes."""
    for kind in ("http", "tcp", "tls"):
        catch_all = None
        for i, route in enumerate(spec.get(kind) or []):
            if not isinstance(route, dict):
                continue
            if catch_all is not None:
                why = (
                    "only the last rule can have no matches"
                    if not route.get("match")
                    else "a rule without matches comes before it"
                )
                yield ("spec", kind, i), f"rule {_rule_name(route, i)} is never used ({why})"
            elif not route.get("match"):
                catch_all = i


@rule(
    "MG2211",
    VS,
    WARNING,
    "rule whose matches earlier rules take",
    "V13 V14",
    istio="IST0131",
)
def duplicate_matches(spec: dict[str, Any], resource: dict[str, Any]) -> Iterator[Found]:
    """A match identical to a match of an earlier rule (names aside) never applies; when
    every match of a rule is such a copy, the whole rule is never used (IST0130 in
    `istioctl analyze`; the single match is IST0131)."""
    for kind in ("http", "tcp", "tls"):
        seen: dict[str, int] = {}
        for i, route in enumerate(spec.get(kind) or []):
            if not isinstance(route, dict) or not route.get("match"):
                continue
            keys = [_comparable(m) for m in route["match"] if isinstance(m, dict)]
            earlier = [seen[k] for k in keys if k in seen]
            for j, key in enumerate(keys):
                if key in seen:
                    yield (
                        ("spec", kind, i, "match", j),
                        f"match #{j} of rule {_rule_name(route, i)} is never used: rule #{seen[key]} has the same match",
                    )
            if keys and len(earlier) == len(keys):
                yield (
                    ("spec", kind, i),
                    f"rule {_rule_name(route, i)} is never used: earlier rules take all its matches",
                )
            for key in keys:
                seen.setdefault(key, i)


@rule(
    "MG2212",
    VS,
    WARNING,
    "URI prefix that an earlier prefix covers",
    "V15",
    istio="IST0131",
)
def covered_prefixes(spec: dict[str, Any], resource: dict[str, Any]) -> Iterator[Found]:
    """A URI prefix match after a shorter prefix that covers it (`/api/v2` after `/api`),
    with the same other conditions, is never used: order the longer prefix first."""
    earlier: list[tuple[int, str, str]] = []
    for i, route in _rules(spec):
        for j, match in _matches(route):
            prefix = (
                p.mapping(match.get("uri")).get("prefix")
                if isinstance(match.get("uri"), dict)
                else None
            )
            if not isinstance(prefix, str):
                continue
            rest = _comparable({k: v for k, v in match.items() if k != "uri"})
            for rule_index, other, other_rest in earlier:
                if prefix != other and prefix.startswith(other) and rest == other_rest:
                    yield (
                        ("spec", "http", i, "match", j),
                        f"prefix {prefix} is never used: rule #{rule_index} matches prefix {other} first",
                    )
                    break
            earlier.append((i, prefix, rest))


# -- one HTTP route ----------------------------------------------------------------------

_CONFLICTS = (
    ("redirect", "route"),
    ("redirect", "fault"),
    ("redirect", "rewrite"),
    ("redirect", "directResponse"),
    ("directResponse", "route"),
    ("directResponse", "fault"),
    ("directResponse", "rewrite"),
    ("mirror", "mirrors"),
)


@rule(
    "MG2213",
    VS,
    ERROR,
    "route actions that cannot go together",
    "V16 V17 V18 V19 V20 V21 V22 V23 V24 V25 V26 V27",
)
def route_actions(spec: dict[str, Any], resource: dict[str, Any]) -> Iterator[Found]:
    """An HTTP rule takes one of `route`, `redirect` or `directResponse`; a redirect or a
    direct response goes without `fault` and `rewrite`; `mirror` and `mirrors` exclude
    each other. A rule that delegates (`delegate`) may not also route or redirect, and a
    delegate VirtualService's rules may not delegate again."""
    delegate_vs = _is_delegate(spec)
    for i, route in _rules(spec):
        where = ("spec", "http", i)
        if route.get("delegate"):
            if delegate_vs:
                yield (
                    (*where, "delegate"),
                    "a delegate VirtualService's rules cannot delegate again",
                )
            for field in ("route", "redirect"):
                if route.get(field):
                    yield (*where, field), f"a rule that delegates cannot also have {field}"
            continue
        for first, second in _CONFLICTS:
            if route.get(first) and route.get(second):
                yield where, f"a rule cannot have both {first} and {second}"
        if not (route.get("route") or route.get("redirect") or route.get("directResponse")):
            yield where, "a rule needs route, redirect or directResponse"


@rule(
    "MG2214",
    VS,
    ERROR,
    "invalid match condition",
    "V28 V29 V30 V31 V32 V33 V34 V35 V37",
)
def match_conditions(spec: dict[str, Any], resource: dict[str, Any]) -> Iterator[Found]:
    """Match conditions must make sense: header names are HTTP tokens (or pseudo-headers,
    or JWT claims), header conditions are not null, prefixes are not empty, regexes
    compile with RE2 (Istio's engine: no look-arounds or back-references) and stay under
    1024 bytes, ports are 1..65535, source labels are valid labels, and
    `sourceNamespace` is a DNS-1123 label. `withoutHeaders: {x: {regex: "*"}}` means
    "present" and is accepted."""
    for i, route in _rules(spec):
        for j, match in _matches(route):
            where = ("spec", "http", i, "match", j)
            for field in ("headers", "withoutHeaders"):
                for name, condition in (match.get(field) or {}).items():
                    here = (*where, field, name)
                    if condition is None:
                        yield here, f"header match {name} cannot be null"
                    if problem := p.header_name(str(name)):
                        yield here, problem
                    if field == "withoutHeaders" and condition == {"regex": "*"}:
                        continue
                    if problem := p.string_match(field, condition):
                        yield here, problem
            if problem := p.string_match("uri", match.get("uri"), check_prefix=False):
                yield (*where, "uri"), problem
            for field in ("scheme", "method", "authority"):
                if problem := p.string_match(field, match.get(field)):
                    yield (*where, field), problem
            for name, condition in (match.get("queryParams") or {}).items():
                if problem := p.string_match("queryParams", condition):
                    yield (*where, "queryParams", name), problem
            if match.get("port") and (problem := p.port(match["port"])):
                yield (*where, "port"), problem
            for problem in p.labels(match.get("sourceLabels")):
                yield (*where, "sourceLabels"), problem
            namespace = match.get("sourceNamespace")
            if isinstance(namespace, str) and not p.is_dns1123_label(namespace):
                yield (
                    (*where, "sourceNamespace"),
                    f"sourceNamespace {namespace} is not a valid namespace",
                )


def _header_operations(headers: Any, where: tuple[Any, ...]) -> Iterator[Found]:
    if not isinstance(headers, dict):
        return
    for side in ("request", "response"):
        ops = headers.get(side)
        if not isinstance(ops, dict):
            continue
        for op in ("add", "set"):
            for name, value in (ops.get(op) or {}).items():
                check = p.request_set_header if side == "request" else p.header_operation_name
                if problem := check(str(name)):
                    yield (*where, side, op, name), problem
                if isinstance(value, str) and (problem := p.header_value(value)):
                    yield (*where, side, op, name), problem
        for k, name in enumerate(ops.get("remove") or []):
            if problem := p.header_operation_name(str(name)):
                yield (*where, side, "remove", k), problem


@rule(
    "MG2215",
    VS,
    ERROR,
    "invalid header operation",
    "V38 V39 V40",
)
def header_operations(spec: dict[str, Any], resource: dict[str, Any]) -> Iterator[Found]:
    """Header names to add, set or remove: request add/set may use `host` and
    `:authority` but no other `:` pseudo-header; request remove and every response
    operation may not touch `Host` or pseudo-headers. Values may not hold control
    characters, and a `%` must be `%%` or start an Envoy `%VARIABLE%`."""
    for i, route in _rules(spec):
        yield from _header_operations(route.get("headers"), ("spec", "http", i, "headers"))
        for k, destination in enumerate(route.get("route") or []):
            if isinstance(destination, dict):
                yield from _header_operations(
                    destination.get("headers"), ("spec", "http", i, "route", k, "headers")
                )


@rule(
    "MG2216",
    VS,
    ERROR,
    "authority set twice",
    "V41",
)
def authority_once(spec: dict[str, Any], resource: dict[str, Any]) -> Iterator[Found]:
    """The authority can be set once per rule: by `rewrite.authority` or by setting the
    `host` / `:authority` request header, not more than one of them."""
    for i, route in _rules(spec):
        sources = []
        if isinstance(route.get("rewrite"), dict) and route["rewrite"].get("authority"):
            sources.append("rewrite.authority")
        request = (
            (p.mapping(route.get("headers")).get("request") or {})
            if isinstance(route.get("headers"), dict)
            else {}
        )
        for op in ("set", "add"):
            for name in request.get(op) or {}:
                if str(name).lower() in ("host", ":authority"):
                    sources.append(f"headers.request.{op}.{name}")
        if len(sources) > 1:
            yield ("spec", "http", i), f"the authority is set more than once: {', '.join(sources)}"


_CORS_METHODS = {
    "GET",
    "HEAD",
    "POST",
    "PUT",
    "PATCH",
    "DELETE",
    "CONNECT",
    "OPTIONS",
    "TRACE",
    "*",
}


@rule(
    "MG2217",
    VS,
    ERROR,
    "invalid CORS policy",
    "V42 V43 V44 V45 V46 V47",
)
def cors_policy(spec: dict[str, Any], resource: dict[str, Any]) -> Iterator[Found]:
    """CORS: each allowed origin is a non-empty exact, prefix or RE2 regex; methods are
    upper-case HTTP methods (or `*`); header names are HTTP tokens (or `*`); `maxAge` is
    at least 1ms and in whole seconds."""
    for i, route in _rules(spec):
        cors = route.get("corsPolicy")
        if not isinstance(cors, dict):
            continue
        where = ("spec", "http", i, "corsPolicy")
        for k, origin in enumerate(cors.get("allowOrigins") or []):
            if not isinstance(origin, dict) or not any(
                origin.get(x) for x in ("exact", "prefix", "regex")
            ):
                yield (
                    (*where, "allowOrigins", k),
                    "an allowed origin needs a non-empty exact, prefix or regex",
                )
            elif problem := p.string_match("corsPolicy.allowOrigins", origin):
                yield (*where, "allowOrigins", k), problem
        for k, method in enumerate(cors.get("allowMethods") or []):
            if method not in _CORS_METHODS:
                yield (
                    (*where, "allowMethods", k),
                    f"'{method}' is not a supported HTTP method (methods are upper case)",
                )
        for field in ("allowHeaders", "exposeHeaders"):
            for k, name in enumerate(cors.get(field) or []):
                if problem := p.cors_header_name(str(name)):
                    yield (*where, field, k), problem
        age = cors.get("maxAge")
        if isinstance(age, str):
            ns = p.duration_nanoseconds(age)
            if problem := p.duration(age):
                yield (*where, "maxAge"), problem
            elif ns is not None and ns % 1_000_000_000:
                yield (*where, "maxAge"), "maxAge counts whole seconds only"


_GRPC = set(
    [
        "OK",
        "CANCELLED",
        "UNKNOWN",
        "INVALID_ARGUMENT",
        "DEADLINE_EXCEEDED",
        "NOT_FOUND",
        "ALREADY_EXISTS",
        "PERMISSION_DENIED",
        "RESOURCE_EXHAUSTED",
        "FAILED_PRECONDITION",
        "ABORTED",
        "OUT_OF_RANGE",
        "UNIMPLEMENTED",
        "INTERNAL",
        "UNAVAILABLE",
        "DATA_LOSS",
        "UNAUTHENTICATED",
    ]
)


@rule(
    "MG2218",
    VS,
    ERROR,
    "invalid fault injection",
    "V48 V49 V50 V51 V52 V54 V56",
)
def fault_injection(spec: dict[str, Any], resource: dict[str, Any]) -> Iterator[Found]:
    """A fault needs an abort and/or a delay. Aborts use an HTTP status 200..600 or a gRPC
    status name (`http2Error` is not supported yet); delays use `fixedDelay`
    (`exponentialDelay` is not supported yet); percentages are 0, or 0.0001..100."""
    for i, route in _rules(spec):
        fault = route.get("fault")
        if not isinstance(fault, dict):
            continue
        where = ("spec", "http", i, "fault")
        if not fault.get("abort") and not fault.get("delay"):
            yield where, "a fault needs an abort and/or a delay"
        abort = p.mapping(fault.get("abort"))
        delay = p.mapping(fault.get("delay"))
        for part, body in (("abort", abort), ("delay", delay)):
            value = (
                p.mapping(body.get("percentage")).get("value")
                if isinstance(body.get("percentage"), dict)
                else None
            )
            if problem := p.fractional_percent(value):
                yield (*where, part, "percentage"), problem
        status = abort.get("httpStatus")
        if isinstance(status, int) and not 200 <= status <= 600:
            yield (*where, "abort", "httpStatus"), f"HTTP status {status} is not in range 200-599"
        grpc = abort.get("grpcStatus")
        if isinstance(grpc, str) and grpc not in _GRPC:
            yield (
                (*where, "abort", "grpcStatus"),
                f"gRPC status '{grpc}' is not supported; use a name like NOT_FOUND",
            )
        if abort.get("http2Error"):
            yield (
                (*where, "abort", "http2Error"),
                "HTTP/2 abort fault injection is not supported yet",
            )
        if delay.get("exponentialDelay"):
            yield (*where, "delay", "exponentialDelay"), "exponentialDelay is not supported yet"


@rule(
    "MG2231",
    VS,
    WARNING,
    "abort without an error",
    "V53",
)
def abort_without_error(spec: dict[str, Any], resource: dict[str, Any]) -> Iterator[Found]:
    """An abort fault with no httpStatus, grpcStatus or http2Error aborts with nothing. Istio
    computes this warning and then drops it; meshgen reports it."""
    for i, route in _rules(spec):
        abort = p.mapping(p.mapping(route.get("fault")).get("abort"))
        if "abort" in p.mapping(route.get("fault")) and not any(
            abort.get(k) for k in ("httpStatus", "grpcStatus", "http2Error")
        ):
            yield (
                ("spec", "http", i, "fault", "abort"),
                "the abort sets no httpStatus, grpcStatus or http2Error",
            )


@rule(
    "MG2219",
    VS,
    ERROR,
    "invalid mirror",
    "V57 V59 V60 V62 V63 V65",
)
def mirrors(spec: dict[str, Any], resource: dict[str, Any]) -> Iterator[Found]:
    """Mirror percentages are 0..100; every `mirrors` entry is set and has a destination."""
    for i, route in _rules(spec):
        where = ("spec", "http", i)
        legacy = route.get("mirrorPercent")
        if isinstance(legacy, int) and legacy > 100:
            yield (*where, "mirrorPercent"), f"mirrorPercent must be at most 100 (it is {legacy})"
        value = (
            p.mapping(route.get("mirrorPercentage")).get("value")
            if isinstance(route.get("mirrorPercentage"), dict)
            else None
        )
        if isinstance(value, (int, float)) and not 0 <= value <= 100:
            yield (
                (*where, "mirrorPercentage"),
                f"mirrorPercentage must be in 0..100 (it is {value})",
            )
        for k, mirror in enumerate(route.get("mirrors") or []):
            if not isinstance(mirror, dict):
                yield (*where, "mirrors", k), "a mirror cannot be null"
                continue
            if not mirror.get("destination"):
                yield (*where, "mirrors", k), "a mirror needs a destination"
            value = (
                p.mapping(mirror.get("percentage")).get("value")
                if isinstance(mirror.get("percentage"), dict)
                else None
            )
            if isinstance(value, (int, float)) and not 0 <= value <= 100:
                yield (
                    (*where, "mirrors", k, "percentage"),
                    f"mirror percentage must be in 0..100 (it is {value})",
                )


@rule(
    "MG2220",
    VS,
    WARNING,
    "deprecated mirrorPercent",
    "V58",
)
def deprecated_mirror_percent(spec: dict[str, Any], resource: dict[str, Any]) -> Iterator[Found]:
    """`mirrorPercent` is deprecated; use `mirrorPercentage: {value: N}`."""
    for i, route in _rules(spec):
        if "mirrorPercent" in route:
            yield (
                ("spec", "http", i, "mirrorPercent"),
                "mirrorPercent is deprecated; use mirrorPercentage",
            )


@rule(
    "MG2221",
    VS,
    ERROR,
    "invalid redirect",
    "V66 V67 V68 V69 V70 V71",
)
def redirects(spec: dict[str, Any], resource: dict[str, Any]) -> Iterator[Found]:
    """A redirect sets at least one of uri, prefixRewrite, authority, port/derivePort or
    scheme; uri and prefixRewrite exclude each other, and prefixRewrite needs every URI
    match to be a prefix; the code is a 3xx; the scheme is `http` or `https`."""
    for i, route in _rules(spec):
        redirect = route.get("redirect")
        if not isinstance(redirect, dict):
            continue
        where = ("spec", "http", i, "redirect")
        if redirect.get("uri") and redirect.get("prefixRewrite"):
            yield where, "a redirect may give uri or prefixRewrite, not both"
        if redirect.get("prefixRewrite") and any(
            isinstance(m.get("uri"), dict) and ("exact" in m["uri"] or "regex" in m["uri"])
            for _, m in _matches(route)
        ):
            yield (
                (*where, "prefixRewrite"),
                "prefixRewrite needs every URI match to be a prefix match",
            )
        if not any(
            redirect.get(k)
            for k in ("uri", "prefixRewrite", "authority", "port", "derivePort", "scheme")
        ):
            yield where, "a redirect must set uri, authority, scheme or port"
        code = redirect.get("redirectCode")
        if isinstance(code, int) and code and not 300 <= code <= 399:
            yield (*where, "redirectCode"), f"{code} is not a valid redirect code; use a 3xx"
        scheme = redirect.get("scheme")
        if scheme and scheme not in ("http", "https"):
            yield (*where, "scheme"), 'the redirect scheme must be "http" or "https" (lower case)'
        if (problem := p.port(redirect.get("port"))) and redirect.get("port"):
            yield (*where, "port"), problem


def _body_size(body: Any) -> int:
    if not isinstance(body, dict):
        return 0
    text = body.get("string") or body.get("bytes") or ""
    return len(text.encode()) if isinstance(text, str) else 0


@rule(
    "MG2222",
    VS,
    ERROR,
    "invalid direct response",
    "V72 V73",
)
def direct_response(spec: dict[str, Any], resource: dict[str, Any]) -> Iterator[Found]:
    """A direct response's status is 200..600 and its body is under 1 MiB."""
    for i, route in _rules(spec):
        response = route.get("directResponse")
        if not isinstance(response, dict):
            continue
        where = ("spec", "http", i, "directResponse")
        status = response.get("status")
        if isinstance(status, int) and not 200 <= status <= 600:
            yield (*where, "status"), f"HTTP status {status} is not in range 200-599"
        if _body_size(response.get("body")) > 1024 * 1024:
            yield (*where, "body"), "a direct response body must be under 1 MiB"


@rule(
    "MG2223",
    VS,
    WARNING,
    "large direct response",
    "V74",
)
def large_direct_response(spec: dict[str, Any], resource: dict[str, Any]) -> Iterator[Found]:
    """Direct response bodies over 100 KiB slow the control plane down."""
    for i, route in _rules(spec):
        size = _body_size(
            p.mapping(route.get("directResponse")).get("body")
            if isinstance(route.get("directResponse"), dict)
            else None
        )
        if 100 * 1024 < size <= 1024 * 1024:
            yield (
                ("spec", "http", i, "directResponse", "body"),
                f"a {size // 1024} KiB direct response body may slow the control plane",
            )


_RETRY_ON = set(
    [
        "5xx",
        "gateway-error",
        "reset",
        "reset-before-request",
        "connect-failure",
        "retriable-4xx",
        "refused-stream",
        "retriable-status-codes",
        "retriable-headers",
        "envoy-ratelimited",
        "http3-post-connect-failure",
        "cancelled",
        "deadline-exceeded",
        "internal",
        "resource-exhausted",
        "unavailable",
    ]
)
_HTTP_STATUSES = {
    100,
    101,
    102,
    103,
    200,
    201,
    202,
    203,
    204,
    205,
    206,
    207,
    208,
    226,
    300,
    301,
    302,
    303,
    304,
    305,
    307,
    308,
    400,
    401,
    402,
    403,
    404,
    405,
    406,
    407,
    408,
    409,
    410,
    411,
    412,
    413,
    414,
    415,
    416,
    417,
    418,
    421,
    422,
    423,
    424,
    425,
    426,
    428,
    429,
    431,
    451,
    500,
    501,
    502,
    503,
    504,
    505,
    506,
    507,
    508,
    510,
    511,
}


@rule(
    "MG2224",
    VS,
    ERROR,
    "invalid retry policy",
    "V75 V76 V78",
)
def retries(spec: dict[str, Any], resource: dict[str, Any]) -> Iterator[Found]:
    """Retries: attempts are not negative; with 0 attempts (retries off) no perTryTimeout,
    retryOn or retryRemoteLocalities may be set; `retryOn` is a comma-separated list,
    without spaces, of Envoy retry conditions and HTTP status codes."""
    for i, route in _rules(spec):
        policy = route.get("retries")
        if not isinstance(policy, dict):
            continue
        where = ("spec", "http", i, "retries")
        attempts = policy.get("attempts") or 0
        if attempts < 0:
            yield (*where, "attempts"), "attempts cannot be negative"
        if attempts == 0 and any(
            policy.get(k) for k in ("perTryTimeout", "retryOn", "retryRemoteLocalities")
        ):
            yield where, "retry settings are given but attempts is 0 (retries are off)"
        for token in str(policy.get("retryOn") or "").split(",") if policy.get("retryOn") else []:
            if token not in _RETRY_ON and not (token.isdigit() and int(token) in _HTTP_STATUSES):
                yield (*where, "retryOn"), f"'{token}' is not a valid retryOn condition"


@rule(
    "MG2225",
    VS,
    ERROR,
    "invalid rewrite",
    "V79 V80 V81 V82",
)
def rewrites(spec: dict[str, Any], resource: dict[str, Any]) -> Iterator[Found]:
    """A rewrite sets uri, uriRegexRewrite or authority, with uri and uriRegexRewrite
    exclusive; a regex rewrite needs both `match` (an RE2 regex) and `rewrite`."""
    for i, route in _rules(spec):
        rewrite = route.get("rewrite")
        if not isinstance(rewrite, dict):
            continue
        where = ("spec", "http", i, "rewrite")
        if rewrite.get("uri") and rewrite.get("uriRegexRewrite"):
            yield where, "a rewrite may give uri or uriRegexRewrite, not both"
        if not any(rewrite.get(k) for k in ("uri", "uriRegexRewrite", "authority")):
            yield where, "a rewrite must set uri, uriRegexRewrite or authority"
        regex = rewrite.get("uriRegexRewrite")
        if isinstance(regex, dict):
            if not regex.get("match") or not regex.get("rewrite"):
                yield (*where, "uriRegexRewrite"), "uriRegexRewrite needs both match and rewrite"
            elif problem := p.string_match(
                "rewrite.uriRegexRewrite.match", {"regex": regex["match"]}
            ):
                yield (*where, "uriRegexRewrite", "match"), problem


def _destinations(spec: dict[str, Any]) -> Iterator[tuple[tuple[Any, ...], Any]]:
    for kind in ("http", "tcp", "tls"):
        for i, route in enumerate(spec.get(kind) or []):
            if not isinstance(route, dict):
                continue
            for k, entry in enumerate(route.get("route") or []):
                yield ("spec", kind, i, "route", k), entry
            if kind == "http" and isinstance(route.get("mirror"), dict):
                yield ("spec", kind, i, "mirror"), {"destination": route["mirror"]}
            for k, mirror in enumerate(route.get("mirrors") or [] if kind == "http" else []):
                if isinstance(mirror, dict) and mirror.get("destination"):
                    yield ("spec", kind, i, "mirrors", k), mirror


@rule(
    "MG2226",
    VS,
    ERROR,
    "invalid destination",
    "V61 V64 V84 V85 V86 V87 V88 V103",
)
def destinations(spec: dict[str, Any], resource: dict[str, Any]) -> Iterator[Found]:
    """Every destination (routes and mirrors) has a host that is a short name or DNS name
    (not `*`, not `namespace/name`, not an IP), a subset name that is a DNS-1123 label,
    a port in 1..65535 when given, and a weight that is not negative."""
    for where, entry in _destinations(spec):
        if not isinstance(entry, dict) or not isinstance(entry.get("destination"), dict):
            yield where, "a route entry needs a destination"
            continue
        target = entry["destination"]
        host = target.get("host")
        if host == "*":
            yield (*where, "destination", "host"), "invalid destination host *"
        elif isinstance(host, str) and (problem := p.wildcard_domain(host)):
            yield (*where, "destination", "host"), problem
        subset = target.get("subset")
        if subset and isinstance(subset, str) and not p.is_dns1123_label(subset):
            yield (
                (*where, "destination", "subset"),
                f"subset name {subset} is invalid: use lower case letters, digits and '-'",
            )
        if "port" in target and (problem := p.port(p.mapping(target.get("port")).get("number", 0))):
            yield (*where, "destination", "port"), problem
        weight = entry.get("weight")
        if isinstance(weight, int) and weight < 0:
            yield (*where, "weight"), f"weight {weight} is negative"


@rule(
    "MG2227",
    VS,
    ERROR,
    "weights total zero",
    "V89",
)
def total_weight(spec: dict[str, Any], resource: dict[str, Any]) -> Iterator[Found]:
    """With more than one destination, at least one weight must be above 0 (weights are
    relative: they need not add up to 100)."""
    for kind in ("http", "tcp", "tls"):
        for i, route in enumerate(spec.get(kind) or []):
            entries = [e for e in p.mapping(route).get("route") or [] if isinstance(e, dict)]
            if len(entries) > 1 and not any((e.get("weight") or 0) > 0 for e in entries):
                yield (
                    ("spec", kind, i, "route"),
                    "every destination has weight 0: total destination weight = 0",
                )


@rule(
    "MG2228",
    VS,
    ERROR,
    "invalid TLS route",
    "V90 V91 V92 V93 V95 V100",
)
def tls_routes(spec: dict[str, Any], resource: dict[str, Any]) -> Iterator[Found]:
    """TLS routes match on at least one condition with at least one SNI host, each SNI host
    valid and covered by one of the VirtualService's hosts, and have a route."""
    hosts = [h for h in spec.get("hosts") or [] if isinstance(h, str)]
    for i, route in enumerate(spec.get("tls") or []):
        where = ("spec", "tls", i)
        if not isinstance(route, dict):
            continue
        if not route.get("match"):
            yield where, "a TLS route needs at least one match"
        if not route.get("route"):
            yield where, "a TLS route needs a route"
        for j, match in enumerate(route.get("match") or []):
            if not isinstance(match, dict):
                yield (*where, "match", j), "a TLS match may not be null"
                continue
            snis = match.get("sniHosts") or []
            if not snis:
                yield (*where, "match", j), "a TLS match needs at least one SNI host"
            for k, sni in enumerate(snis):
                if not isinstance(sni, str):
                    continue
                if problem := p.host(sni):
                    yield (*where, "match", j, "sniHosts", k), problem
                elif not any(_covers(h, sni) for h in hosts):
                    yield (
                        (*where, "match", j, "sniHosts", k),
                        f"SNI host {sni} is not covered by any host of the VirtualService ({', '.join(hosts)})",
                    )


@rule(
    "MG2229",
    VS,
    WARNING,
    "SNI host given as an IP address",
    "V94",
)
def sni_ip(spec: dict[str, Any], resource: dict[str, Any]) -> Iterator[Found]:
    """SNI carries host names; most clients never send an IP address there."""
    for i, route in enumerate(spec.get("tls") or []):
        for j, match in enumerate(p.mapping(route).get("match") or []):
            for k, sni in enumerate(
                p.mapping(match).get("sniHosts") or [] if isinstance(match, dict) else []
            ):
                if isinstance(sni, str) and p.ip(sni) is None:
                    yield (
                        ("spec", "tls", i, "match", j, "sniHosts", k),
                        f"SNI host {sni} is an IP address, which most clients do not send",
                    )


@rule(
    "MG2230",
    VS,
    ERROR,
    "invalid TCP or TLS match",
    "V96 V97 V98 V101 V102",
)
def tcp_routes(spec: dict[str, Any], resource: dict[str, Any]) -> Iterator[Found]:
    """TCP routes have a route and no null matches; TCP and TLS matches use valid subnets,
    ports in 1..65535 and valid source labels."""
    for kind in ("tcp", "tls"):
        for i, route in enumerate(spec.get(kind) or []):
            if not isinstance(route, dict):
                continue
            where = ("spec", kind, i)
            if kind == "tcp" and not route.get("route"):
                yield where, "a TCP route needs a route"
            for j, match in enumerate(route.get("match") or []):
                if match is None and kind == "tcp":
                    yield (*where, "match", j), "a TCP match may not be null"
                if not isinstance(match, dict):
                    continue
                for k, subnet in enumerate(match.get("destinationSubnets") or []):
                    if isinstance(subnet, str) and (problem := p.subnet(subnet)):
                        yield (*where, "match", j, "destinationSubnets", k), problem
                if match.get("port") and (problem := p.port(match["port"])):
                    yield (*where, "match", j, "port"), problem
                for problem in p.labels(match.get("sourceLabels")):
                    yield (*where, "match", j, "sourceLabels"), problem

"""One HTTP route (Istio's validateHTTPRoute): exclusive fields, headers, CORS, gRPC, fault, redirect."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from meshgen.validation.rules import primitives as p
from meshgen.validation.rules.registry import ERROR, WARNING, Found, rule
from meshgen.validation.rules.virtualservice.walk import VS, is_delegate, matches, rules

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
    delegate_vs = is_delegate(spec)
    for i, route in rules(spec):
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
    for i, route in rules(spec):
        for j, match in matches(route):
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
                    if problem := p.string_match(condition):
                        yield here, problem
            if problem := p.string_match(match.get("uri"), check_prefix=False):
                yield (*where, "uri"), problem
            for field in ("scheme", "method", "authority"):
                if problem := p.string_match(match.get(field)):
                    yield (*where, field), problem
            for name, condition in (match.get("queryParams") or {}).items():
                if problem := p.string_match(condition):
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
    for i, route in rules(spec):
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
    for i, route in rules(spec):
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
    for i, route in rules(spec):
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
            elif problem := p.string_match(origin):
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
    for i, route in rules(spec):
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
    for i, route in rules(spec):
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
    for i, route in rules(spec):
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
    for i, route in rules(spec):
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
    for i, route in rules(spec):
        redirect = route.get("redirect")
        if not isinstance(redirect, dict):
            continue
        where = ("spec", "http", i, "redirect")
        if redirect.get("uri") and redirect.get("prefixRewrite"):
            yield where, "a redirect may give uri or prefixRewrite, not both"
        if redirect.get("prefixRewrite") and any(
            isinstance(m.get("uri"), dict) and ("exact" in m["uri"] or "regex" in m["uri"])
            for _, m in matches(route)
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

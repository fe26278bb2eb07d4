"""What an HTTP route answers with: direct responses, retries, rewrites."""

from __future__ import annotations

import http
from collections.abc import Iterator
from typing import Any

from meshgen.validation.rules import primitives as p
from meshgen.validation.rules.registry import ERROR, WARNING, Found, rule
from meshgen.validation.rules.virtualservice.walk import VS, rules


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
    for i, route in rules(spec):
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
    for i, route in rules(spec):
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
_HTTP_STATUSES = frozenset(status.value for status in http.HTTPStatus)


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
    for i, route in rules(spec):
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
    for i, route in rules(spec):
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
            elif problem := p.string_match({"regex": regex["match"]}):
                yield (*where, "uriRegexRewrite", "match"), problem

"""The checks Istio's validation shares between fields (durations, hosts, labels, ...).

Each returns the problem in plain words, or None when the value is fine. The checks of
strings are memoised (bounded): a mesh repeats the same hosts, labels and durations.
"""

from __future__ import annotations

import functools
import ipaddress
import re
from typing import Any

from meshgen.manifests import mapping as mapping
from meshgen.manifests import sequence as sequence
from meshgen.manifests.hosts import is_ip
from meshgen.manifests.hosts import regex_problem as regex_problem
from meshgen.manifests.values import duration_nanoseconds as duration_nanoseconds

_DNS1123_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")
_DNS_LABEL_ANY_CASE = re.compile(r"[a-zA-Z0-9]([-a-zA-Z0-9]*[a-zA-Z0-9])?")
_LABEL_NAME = re.compile(r"([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]")
_HEADER_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~A-Za-z0-9,]+")  # Go's class has +-. as a range
_PSEUDO_HEADERS = {":method", ":scheme", ":authority", ":path", ":status"}
_JWT_CLAIM = re.compile(
    r"@request\.auth\.claims(\.[^.\[\]]+)+|@request\.auth\.claims(\[[^\[\]]+\])+"
)


_memoised = functools.lru_cache(maxsize=16384)


def is_port_name(value: str) -> bool:
    """C8: a DNS label in either case (digits alone allowed), at most 63 characters."""
    return len(value) <= 63 and bool(_DNS_LABEL_ANY_CASE.fullmatch(value))


def is_dns1123_label(value: str) -> bool:
    return len(value) <= 63 and _DNS1123_LABEL.fullmatch(value) is not None


def duration(value: Any) -> str | None:
    """S1, S2: at least 1ms, in whole milliseconds."""
    return _duration(value) if isinstance(value, str) else None


@_memoised
def _duration(value: str) -> str | None:
    ns = duration_nanoseconds(value)
    if ns is None:
        return f"'{value}' is not a duration"
    if ns < 1_000_000:
        return f"duration {value} must be at least 1ms"
    if ns % 1_000_000:
        return f"duration {value} is finer than a millisecond; Istio supports millisecond precision"
    return None


def port(value: Any) -> str | None:
    """S3."""
    if isinstance(value, int) and not 1 <= value <= 65535:
        return f"port number {value} must be in the range 1..65535"
    return None


@_memoised
def wildcard_domain(value: str, *, wildcard: bool = True) -> str | None:
    """S4-S8: a DNS name, with a leading wildcard label when ``wildcard``."""
    if not value:
        return "empty domain name not allowed"
    if len(value) > 255:
        return f"domain name '{value}' too long (max 255)"
    labels = value[:-1].split(".") if value.endswith(".") else value.split(".")
    first, rest = labels[0], labels[1:]
    if wildcard and first.startswith("*"):
        tail = first[1:].lstrip("-")
        if tail and not _DNS_LABEL_ANY_CASE.fullmatch(tail):
            return f"domain name '{value}' invalid (label '{first}' invalid)"
    elif len(first) > 63 or not _DNS_LABEL_ANY_CASE.fullmatch(first):
        return f"domain name '{value}' invalid (label '{first}' invalid)"
    for label in rest:
        if len(label) > 63 or not _DNS_LABEL_ANY_CASE.fullmatch(label):
            return f"domain name '{value}' invalid (label '{label}' invalid)"
    if labels and labels[-1].isdigit():
        return (
            f"domain name '{value}' invalid (top level domain '{labels[-1]}' cannot be all-numeric)"
        )
    return None


def host(value: str) -> str | None:
    """A wildcard domain, or an IP address."""
    return None if is_ip(value) else wildcard_domain(value)


def ip(value: str) -> str | None:
    return None if is_ip(value) else f"{value} is not a valid IP"


def subnet(value: str) -> str | None:
    if "/" in value:
        try:
            ipaddress.ip_network(value, strict=False)
        except ValueError:
            return f"{value} is not a valid CIDR block"
        return None
    return ip(value)


@_memoised
def label_key(key: str) -> str | None:
    """S9."""
    prefix, _, name = key.rpartition("/")
    if "/" in key and (not prefix or len(prefix) > 253 or wildcard_domain(prefix, wildcard=False)):
        return f"invalid label key '{key}' (DNS prefix is invalid or too long)"
    if len(name) > 63:
        return f"invalid label key '{key}' (name is too long)"
    if not _LABEL_NAME.fullmatch(name):
        return f"invalid label key '{key}'"
    return None


@_memoised
def label_value(value: str) -> str | None:
    """S10."""
    if value and not _LABEL_NAME.fullmatch(value):
        return f"invalid label value '{value}'"
    return None


def labels(values: Any) -> list[str]:
    problems = []
    for key, value in (values or {}).items():
        problems += [p for p in (label_key(str(key)), label_value(str(value))) if p]
    return problems


def fractional_percent(value: Any) -> str | None:
    """S13."""
    if isinstance(value, (int, float)) and (value < 0 or value > 100 or 0 < value < 0.0001):
        return f"percentage {value} is neither 0.0, nor in range [0.0001, 100.0]"
    return None


def integer_percent(value: Any) -> str | None:
    """S14."""
    if isinstance(value, int) and not 0 <= value <= 100:
        return f"percentage {value} is not in range 0..100"
    return None


def string_match(condition: Any, *, check_prefix: bool = True) -> str | None:
    """S15-S18 (the message leaves the field to the finding's path)."""
    if not isinstance(condition, dict):
        return None
    if check_prefix and condition.get("prefix") == "":
        return "prefix string match should not be empty"
    if "regex" in condition:
        pattern = condition["regex"]
        if pattern == "":
            return "regex string match should not be empty"
        if isinstance(pattern, str) and len(pattern.encode()) > 1024:
            return "regex is too large, max length allowed is 1024"
        problem = regex_problem(pattern) if isinstance(pattern, str) else None
        if problem:
            return f"{problem}; Istio uses RE2 style regex-based match"
    return None


def header_name(name: str) -> str | None:
    """S25, S26."""
    if not name:
        return "header name cannot be empty"
    if name in _PSEUDO_HEADERS or _JWT_CLAIM.fullmatch(name) or _HEADER_TOKEN.fullmatch(name):
        return None
    return f"header name {name} is not a valid header name"


def is_jwt_claim(name: str) -> bool:
    return _JWT_CLAIM.fullmatch(name) is not None


def cors_header_name(name: str) -> str | None:
    """S27."""
    if not name:
        return "header name cannot be empty"
    if name == "*" or _HEADER_TOKEN.fullmatch(name):
        return None
    return f"header name {name} is not a valid header name"


def request_set_header(name: str) -> str | None:
    """S28: names for request add/set (host and :authority are allowed)."""
    if not name:
        return "header name cannot be empty"
    if name.startswith(":") and name != ":authority":
        return f"invalid header '{name}': header cannot have \":\" prefix"
    return None


def header_operation_name(name: str) -> str | None:
    """S29: names for request remove and every response operation."""
    if not name:
        return "header name cannot be empty"
    if name.lower() == "host":
        return f"invalid header '{name}': cannot set Host header"
    if name.startswith(":"):
        return f"invalid header '{name}': header cannot have \":\" prefix"
    return None


_VARIABLE = re.compile(r"%[A-Z_0-9]+(\([^)]*\))?(:[0-9]+)?%")


def header_value(value: str) -> str | None:
    """S30, S31: no control characters; every % escaped or starting a %VARIABLE%."""
    if any((ord(c) < 0x20 and c != "\t") or ord(c) == 0x7F for c in value):
        return f"header value configuration {value!r} is invalid (control characters)"
    rest = value.replace("%%", "")
    position = 0
    while (found := rest.find("%", position)) != -1:
        match = _VARIABLE.match(rest, found)
        if match is None:
            tail = rest[found:]
            if "%" not in tail[1:]:
                return "header value configuration: invalid header configuration. Un-escaped %"
            return f"header value configuration: invalid header configuration. Un-terminated variable expression '{tail}'"
        position = match.end()
    return None


def export_to(entries: Any, namespace: str | None) -> list[str]:
    """S20-S24."""
    if not isinstance(entries, list):
        return []
    problems, seen = [], set()
    for entry in entries:
        if entry in seen:
            problems.append(f"duplicate entries in exportTo for entry {entry}")
        seen.add(entry)
        if entry == "~":
            problems.append("exportTo ~ (none) is not allowed for Istio configuration objects")
        elif entry not in (".", "*") and not (isinstance(entry, str) and is_dns1123_label(entry)):
            problems.append("only ., *, or a valid DNS 1123 label is allowed as exportTo entry")
    if "." in seen and namespace in seen:
        problems.append(f"duplicate entries in exportTo: . and current namespace {namespace}")
    if "*" in seen and len(seen) > 1:
        problems.append("cannot have both public (*) and non-public exportTo values for a resource")
    return problems


SELECTS_NAMESPACE = (
    "workload selector specified without labels, will be applied to all services in namespace"
)


def selector_labels(labels: Any) -> list[tuple[Any, str]]:
    """C1, C2: each selector label with an empty key or a wildcard, with the message."""
    problems = []
    for key, value in (labels if isinstance(labels, dict) else {}).items():
        if key == "":
            problems.append((key, f'empty key is not supported in selector: "={value}"'))
        if "*" in str(key) or "*" in str(value):
            problems.append((key, f'wildcard is not supported in selector: "{key}={value}"'))
    return problems

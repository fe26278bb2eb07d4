"""The request to explain, and how Istio's match conditions test it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from meshgen.manifests.hosts import compile_regex


@dataclass(frozen=True)
class Request:
    """A request as the sending proxy sees it: HTTP (the default), or a TCP connection or
    TLS stream (``protocol``), whose TLS server name is ``sni`` (default: the host)."""

    host: str
    port: int | None = None
    method: str = "GET"
    path: str = "/"
    scheme: str = "http"
    headers: dict[str, str] = field(default_factory=dict)
    query: dict[str, str] = field(default_factory=dict)
    source_labels: dict[str, str] = field(default_factory=dict)
    source_namespace: str = "default"
    gateway: str = "mesh"
    protocol: str = "http"  # http, tcp or tls
    sni: str | None = None

    @property
    def authority(self) -> str:
        return self.host if self.port is None else f"{self.host}:{self.port}"


def _regex(pattern: str) -> Any:
    """RE2 (Istio's engine) compiled, or None for a pattern Istio would have refused."""
    try:
        return compile_regex(pattern)
    except ValueError:
        return None


def string_matches(condition: Any, value: str | None, ignore_case: bool = False) -> bool:
    """Istio's StringMatch: exact, prefix, or a regex that must match the whole value.

    An empty condition (``{}``) tests only that the value is present.
    """
    if value is None:
        return False
    if not isinstance(condition, dict) or not condition:
        return True
    if ignore_case:
        value = value.lower()
    if "exact" in condition:
        expected = str(condition["exact"])
        return value == (expected.lower() if ignore_case else expected)
    if "prefix" in condition:
        expected = str(condition["prefix"])
        return value.startswith(expected.lower() if ignore_case else expected)
    if "regex" in condition:
        compiled = _regex(str(condition["regex"]))
        return compiled is not None and compiled.fullmatch(value) is not None
    return True


def _describe_condition(condition: Any) -> str:
    if not isinstance(condition, dict) or not condition:
        return "present"
    kind, expected = next(iter(condition.items()))
    return f"{kind} '{expected}'"


def unmet(match: dict[str, Any], request: Request, gateway: str) -> str | None:
    """Why a match block does not hold for the request, or None when it holds.

    ``gateway`` is the request's gateway as the VirtualService names gateways.
    """
    ignore_case = bool(match.get("ignoreUriCase"))
    if "uri" in match and not string_matches(match["uri"], request.path, ignore_case):
        return f"uri {request.path} does not match {_describe_condition(match['uri'])}"
    for name, key in (("scheme", "scheme"), ("method", "method"), ("authority", "authority")):
        if name in match and not string_matches(match[name], getattr(request, key)):
            return (
                f"{name} {getattr(request, key)} does not match {_describe_condition(match[name])}"
            )
    headers = {k.lower(): v for k, v in request.headers.items()}
    for name, condition in (match.get("headers") or {}).items():
        value = headers.get(name.lower())
        if not string_matches(condition, value):
            shown = "is absent" if value is None else f"is '{value}'"
            return f"header {name} {shown}, not {_describe_condition(condition)}"
    for name, condition in (match.get("withoutHeaders") or {}).items():
        value = headers.get(name.lower())
        if string_matches(condition, value):
            return f"header {name} is '{value}', which withoutHeaders excludes"
    for name, condition in (match.get("queryParams") or {}).items():
        value = request.query.get(name)
        if not string_matches(condition, value):
            shown = "is absent" if value is None else f"is '{value}'"
            return f"query parameter {name} {shown}, not {_describe_condition(condition)}"
    if "port" in match and match["port"] != request.port:
        return f"port {request.port} is not {match['port']}"
    return _unmet_source(match, request, gateway)


def unmet_stream(match: dict[str, Any], request: Request, gateway: str) -> str | None:
    """Why a ``tcp`` or ``tls`` match block does not hold for the connection, or None."""
    if "port" in match and match["port"] != request.port:
        return f"port {request.port} is not {match['port']}"
    if request.protocol == "tls" and match.get("sniHosts"):
        from meshgen.manifests.hosts import covers

        sni = (request.sni or request.host).lower()
        if not any(isinstance(h, str) and covers(h.lower(), sni) for h in match["sniHosts"]):
            return f"server name {sni} is not among {', '.join(map(str, match['sniHosts']))}"
    return _unmet_source(match, request, gateway)


def _unmet_source(match: dict[str, Any], request: Request, gateway: str) -> str | None:
    """The conditions on where a request comes from, which every kind of match shares."""
    for key, value in (match.get("sourceLabels") or {}).items():
        if request.source_labels.get(key) != value:
            return f"source label {key}={value} is not on the sender"
    if "sourceNamespace" in match and match["sourceNamespace"] != request.source_namespace:
        return f"source namespace {request.source_namespace} is not {match['sourceNamespace']}"
    if match.get("gateways") and gateway not in match["gateways"]:
        return f"the rule is for gateways {', '.join(match['gateways'])}, not {gateway}"
    return None

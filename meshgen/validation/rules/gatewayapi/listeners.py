"""Gateway and ListenerSet: listeners, addresses and infrastructure."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from meshgen.manifests import mapping
from meshgen.validation.rules.gatewayapi.common import (
    QUALIFIED_KEY,
    SUBDOMAIN,
    given,
    items,
)
from meshgen.validation.rules.registry import ERROR, Found, rule

_NO_TLS = ("HTTP", "TCP", "UDP")
_NO_HOSTNAME = ("TCP", "UDP")


@rule(
    "MG3201",
    ("Gateway", "ListenerSet"),
    ERROR,
    "listener fields that do not fit its protocol, or a listener twice",
    "",
    scope="gateway-api",
)
def listener_fields(spec: dict[str, Any], _: dict[str, Any]) -> Iterator[Found]:
    """A listener's `tls` and `hostname` must fit its protocol: no `tls` on HTTP, TCP or
    UDP; no `hostname` on TCP or UDP; an HTTPS listener terminates TLS; a TLS listener
    names its mode; a terminating listener names certificates or options. Two listeners
    may not share port, protocol and hostname."""
    seen: set[tuple[Any, Any, Any]] = set()
    for at, listener in items(spec.get("listeners"), ("spec", "listeners")):
        protocol = listener.get("protocol")
        tls = mapping(listener.get("tls"))
        if protocol in _NO_TLS and "tls" in listener:
            yield (*at, "tls"), f"a {protocol} listener takes no tls (only HTTPS and TLS do)"
        if protocol in _NO_HOSTNAME and given(listener.get("hostname")):
            yield (*at, "hostname"), f"a {protocol} listener takes no hostname"
        if protocol == "HTTPS" and tls and tls.get("mode") not in ("", None, "Terminate"):
            yield (*at, "tls", "mode"), "an HTTPS listener terminates TLS: mode must be Terminate"
        if protocol == "TLS" and not given(tls.get("mode")):
            yield at, "a TLS listener must set tls.mode (Terminate or Passthrough)"
        if (
            tls.get("mode") == "Terminate"
            and not given(tls.get("certificateRefs"))
            and not given(tls.get("options"))
        ):
            yield (*at, "tls"), "a listener that terminates TLS needs certificateRefs or options"
        key = (listener.get("port"), protocol, listener.get("hostname") or None)
        if key in seen:
            yield (
                at,
                (
                    f"another listener has port {key[0]}, protocol {protocol} and "
                    f"{'hostname ' + str(key[2]) if key[2] else 'no hostname'}: each combination "
                    "may be used once"
                ),
            )
        seen.add(key)


@rule(
    "MG3202",
    "Gateway",
    ERROR,
    "Gateway address or infrastructure metadata the API refuses",
    "",
    scope="gateway-api",
)
def addresses_and_infrastructure(spec: dict[str, Any], _: dict[str, Any]) -> Iterator[Found]:
    """Each IPAddress and Hostname address is given once; a Hostname address is a
    hostname (a leading `*.` allowed); the label and annotation keys of
    `infrastructure` are qualified names (an optional DNS prefix and a `/`)."""
    seen: set[tuple[Any, Any]] = set()
    for at, address in items(spec.get("addresses"), ("spec", "addresses")):
        kind, value = address.get("type"), address.get("value")
        if kind in ("IPAddress", "Hostname") and value is not None:
            if (kind, value) in seen:
                yield (*at, "value"), f"{kind} {value} is listed twice"
            seen.add((kind, value))
        if kind == "Hostname" and isinstance(value, str) and not _is_hostname(value):
            yield (*at, "value"), f"{value!r} is not a hostname (a leading '*.' is allowed)"
    infrastructure = mapping(spec.get("infrastructure"))
    for field in ("labels", "annotations"):
        for key in mapping(infrastructure.get(field)):
            prefix = str(key).split("/")[0] if "/" in str(key) else ""
            if not QUALIFIED_KEY.fullmatch(str(key)) or len(prefix) >= 253:
                yield (
                    ("spec", "infrastructure", field, key),
                    (
                        f"{field[:-1]} key {key!r} is not a qualified name: an optional DNS "
                        "subdomain and '/', then a name of at most 63 characters"
                    ),
                )


def _is_hostname(value: str) -> bool:
    return SUBDOMAIN.fullmatch(value.removeprefix("*.")) is not None

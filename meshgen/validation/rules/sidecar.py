"""Istio's webhook checks for Sidecar (rules SC1-SC48 of validation-rules-other-kinds; the
TLS and connection-pool options a listener shares with Gateways and DestinationRules
are not repeated here)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from meshgen.manifests import mapping, sequence
from meshgen.manifests.hosts import is_ip
from meshgen.validation.rules import primitives as p
from meshgen.validation.rules.destinationrule import pool_problems
from meshgen.validation.rules.gateway import (
    HTTP_FAMILY,
    certificate_problems,
    cipher_problems,
    passthrough_problems,
    termination_problems,
)
from meshgen.validation.rules.registry import ERROR, WARNING, Found, rule
from meshgen.validation.rules.serviceentry import _PROTOCOLS

SC = "Sidecar"
_LOOPBACKS = ("127.0.0.1", "0.0.0.0", "::1", "::")
_INGRESS_TLS_UNSUPPORTED = (
    ("subjectAltNames", "subjectAltNames is not supported in ingress tls"),
    ("httpsRedirect", "httpsRedirect is not supported"),
    ("credentialName", "credentialName is not currently supported"),
    ("credentialNames", "credentialNames is not currently supported"),
    ("tlsCertificates", "tls_certificates is not currently supported"),
)


def _port_problems(port: dict[str, Any], where: tuple[Any, ...]) -> Iterator[Found]:
    """SC5-SC7, SC27-SC29: what a listener's port may say."""
    if isinstance(port.get("targetPort"), int) and port["targetPort"] > 0:
        yield (*where, "targetPort"), "targetPort has no impact on Sidecars"
    name = port.get("name")
    if name and not (isinstance(name, str) and p.is_port_name(name)):
        yield (*where, "name"), f"invalid port name: {name}"
    protocol = port.get("protocol")
    if isinstance(protocol, str) and protocol and protocol.upper() not in _PROTOCOLS:
        yield (*where, "protocol"), f"unsupported protocol: {protocol}"


def _default_endpoint_problem(endpoint: str) -> str | None:
    """SC11-SC14."""
    if endpoint.startswith("unix://"):
        path = endpoint.removeprefix("unix://")
        if not path.startswith("@") and (not path.startswith("/") or path.endswith("/")):
            return f"{path} is not an absolute path to a file"
        return None
    host, colon, port = endpoint.rpartition(":")
    host = host[1:-1] if host.startswith("[") and host.endswith("]") else host
    if not colon:
        return f"address {endpoint}: missing port in address"
    if host and host not in _LOOPBACKS:
        return (
            "defaultEndpoint must be of form 127.0.0.1:<port>,0.0.0.0:<port>,[::1]:port,"
            "[::]:port,unix://filepath or unset"
        )
    if not port.isdigit() or not 1 <= int(port) <= 65535:
        return f"defaultEndpoint port ({port}) must be a number in 1..65535"
    return None


@rule(
    "MG2901",
    SC,
    ERROR,
    "Sidecar that is empty, or an ingress listener Istio rejects",
    "SC3 SC4 SC5 SC6 SC7 SC8 SC9 SC10 SC11 SC12 SC13 SC14 SC15 SC16 SC17 SC18 SC19 SC20 SC21",
)
def ingress(spec: dict[str, Any], resource: dict[str, Any]) -> Iterator[Found]:
    """A Sidecar configures something. Each ingress listener has a port (a number in
    1..65535, unique, a valid name and protocol, no targetPort), an IP to bind, a default
    endpoint on the loopback or a unix socket, and TLS only on HTTPS or TLS ports, without
    the settings only gateways have."""
    if not any(spec.get(f) for f in ("ingress", "egress")) and not any(
        f in spec for f in ("outboundTrafficPolicy", "inboundConnectionPool")
    ):
        yield ("spec",), "empty configuration provided"
        return
    numbers: set[Any] = set()
    for i, listener in enumerate(sequence(spec.get("ingress"))):
        listener = mapping(listener)
        where = ("spec", "ingress", i)
        if "port" not in listener:
            yield where, "port is required for ingress listeners"
            continue
        port = mapping(listener.get("port"))
        yield from _port_problems(port, (*where, "port"))
        number = port.get("number", 0)
        if not isinstance(number, int) or not 1 <= number <= 65535:
            yield (*where, "port", "number"), f"port number {number} must be in the range 1..65535"
        elif number in numbers:
            yield (*where, "port", "number"), "ports on IP bound listeners must be unique"
        numbers.add(number)
        bind = listener.get("bind")
        if isinstance(bind, str) and bind and not is_ip(bind):
            yield (*where, "bind"), f"{bind} is not a valid IP"
        endpoint = listener.get("defaultEndpoint")
        if (
            isinstance(endpoint, str)
            and endpoint
            and (problem := _default_endpoint_problem(endpoint))
        ):
            yield (*where, "defaultEndpoint"), problem
        if "tls" in listener:
            tls = mapping(listener.get("tls"))
            for field, message in _INGRESS_TLS_UNSUPPORTED:
                if tls.get(field):
                    yield (*where, "tls", field), message
            if tls.get("mode") in ("ISTIO_MUTUAL", "AUTO_PASSTHROUGH"):
                yield (
                    (*where, "tls", "mode"),
                    f"cannot set mode to {tls['mode']} in sidecar ingress tls",
                )
            if str(port.get("protocol", "")).upper() not in ("HTTPS", "TLS"):
                yield (*where, "tls"), "server cannot have TLS settings for non HTTPS/TLS ports"


@rule(
    "MG2902",
    SC,
    ERROR,
    "Sidecar egress listener port or bind Istio rejects",
    "SC26 SC27 SC28 SC29 SC30 SC31 SC32 SC33 SC34",
)
def egress_ports(spec: dict[str, Any], resource: dict[str, Any]) -> Iterator[Found]:
    """A port-less egress listener comes last; ports are unique, in 1..65535 (or 0 with a
    `unix://` bind), with a valid name and protocol and no targetPort; binds are IPs."""
    listeners = sequence(spec.get("egress"))
    numbers: set[Any] = set()
    sockets: set[str] = set()
    for i, listener in enumerate(listeners):
        listener = mapping(listener)
        where = ("spec", "egress", i)
        if "port" not in listener:
            if i != len(listeners) - 1:
                yield (
                    where,
                    "the egress listener with empty port should be the last listener in the list",
                )
            continue
        port = mapping(listener.get("port"))
        yield from _port_problems(port, (*where, "port"))
        number, bind = port.get("number", 0), str(listener.get("bind") or "")
        if number == 0:
            if not bind.startswith("unix://"):
                yield (
                    (*where, "bind"),
                    "ports with 0 value must have a unix domain socket bind address",
                )
            elif bind in sockets:
                yield (*where, "bind"), "unix domain socket values for listeners must be unique"
            if listener.get("captureMode") == "IPTABLES":
                yield (
                    (*where, "captureMode"),
                    "captureMode must be DEFAULT/NONE for unix domain socket listeners",
                )
            sockets.add(bind)
            continue
        if not isinstance(number, int) or not 1 <= number <= 65535:
            yield (*where, "port", "number"), f"port number {number} must be in the range 1..65535"
        elif number in numbers:
            yield (*where, "port", "number"), "ports on IP bound listeners must be unique"
        numbers.add(number)
        if bind and not is_ip(bind):
            yield (*where, "bind"), f"{bind} is not a valid IP"


def _host_problem(host: str) -> str | None:
    """SC36-SC41: `namespace/dnsName`."""
    if "/" not in host:
        return "host must be of form namespace/dnsName"
    namespace, _, name = host.partition("/")
    if not namespace or not name:
        return "config namespace and dnsName in host entry cannot be empty"
    bare = namespace.removeprefix("~")
    if bare not in ("", "*", ".") and not p.is_dns1123_label(bare):
        return f'invalid namespace value "{namespace}" in sidecar'
    if name == "*":
        return None
    if "." not in name:
        return "short names (non FQDN) are not allowed"
    if "*" in name and not name.startswith("*."):
        return f"partial wildcard '{name}' not allowed"
    if is_ip(name):
        return f"domain name '{name}' invalid (an IP address is not a host name)"
    return p.wildcard_domain(name)


@rule(
    "MG2903",
    SC,
    ERROR,
    "Sidecar egress hosts Istio rejects",
    "SC35 SC36 SC37 SC38 SC39 SC40 SC41",
)
def egress_hosts(spec: dict[str, Any], resource: dict[str, Any]) -> Iterator[Found]:
    """Each egress listener lists hosts as `namespace/dnsName`: the namespace `*`, `.`, a
    name, or `~` to exclude; the name `*` or a fully qualified domain name, with a
    wildcard only as its whole first label."""
    for i, listener in enumerate(sequence(spec.get("egress"))):
        hosts = sequence(mapping(listener).get("hosts"))
        if not hosts:
            yield ("spec", "egress", i, "hosts"), "egress listener must contain at least one host"
        for j, host in enumerate(hosts):
            if isinstance(host, str) and (problem := _host_problem(host)):
                yield ("spec", "egress", i, "hosts", j), problem


@rule(
    "MG2904",
    SC,
    WARNING,
    "Sidecar with hosts that repeat or cannot add to `*/*`, or a selector without labels",
    "SC2 SC42 SC43",
)
def egress_host_overlaps(spec: dict[str, Any], resource: dict[str, Any]) -> Iterator[Found]:
    """A host listed twice (or after `ns/*`) adds nothing, nor does any host beside `*/*`;
    a workload selector without labels applies to every workload of the namespace."""
    selector = spec.get("workloadSelector")
    if isinstance(selector, dict) and not selector.get("labels"):
        yield ("spec", "workloadSelector"), p.SELECTS_NAMESPACE
    own = mapping(resource.get("metadata")).get("namespace") or "default"
    for i, listener in enumerate(sequence(spec.get("egress"))):
        seen: dict[str, set[str]] = {}
        hosts = [
            h for h in sequence(mapping(listener).get("hosts")) if isinstance(h, str) and "/" in h
        ]
        for j, host in enumerate(hosts):
            namespace, _, name = host.partition("/")
            if namespace.startswith("~"):
                continue
            namespace = own if namespace == "." else namespace
            names = seen.setdefault(namespace, set())
            if name in names or "*" in names or (name == "*" and names):
                yield ("spec", "egress", i, "hosts", j), f"duplicated egress host: {host}"
            names.add(name)
        if "*" in seen.get("*", set()) and any(ns != "*" for ns in seen):
            yield (
                ("spec", "egress", i, "hosts"),
                "`*/*` host select all resources, no other hosts can be added",
            )


@rule(
    "MG2905",
    SC,
    ERROR,
    "Sidecar selector or egress proxy Istio rejects",
    "SC1 SC45 SC46 SC47",
)
def selector_and_egress_proxy(spec: dict[str, Any], resource: dict[str, Any]) -> Iterator[Found]:
    """Selector labels have non-empty keys and no wildcards; an egress proxy needs
    `outboundTrafficPolicy.mode: ALLOW_ANY`, a fully qualified host and a port."""
    labels = mapping(mapping(spec.get("workloadSelector")).get("labels"))
    for key, message in p.selector_labels(labels):
        yield ("spec", "workloadSelector", "labels", key), message
    policy = mapping(spec.get("outboundTrafficPolicy"))
    if "egressProxy" not in policy:
        return
    where = ("spec", "outboundTrafficPolicy", "egressProxy")
    if policy.get("mode", "REGISTRY_ONLY") != "ALLOW_ANY":
        yield where, "egress_proxy must be set only with ALLOW_ANY outbound_traffic_policy mode"
        return
    proxy = mapping(policy.get("egressProxy"))
    host = proxy.get("host")
    if isinstance(host, str) and (problem := p.wildcard_domain(host, wildcard=False)):
        yield (*where, "host"), problem
    if "port" not in proxy:
        yield where, "egress_proxy port must be non-nil"


def _ingress_tls(spec: dict[str, Any]) -> Iterator[tuple[tuple[Any, ...], dict[str, Any]]]:
    for i, listener in enumerate(sequence(spec.get("ingress"))):
        tls = mapping(listener).get("tls")
        if isinstance(tls, dict):
            yield ("spec", "ingress", i, "tls"), tls


@rule(
    "MG2906",
    SC,
    ERROR,
    "ingress listener TLS without what its mode needs",
    "SC22 G26 G28 G29 G30 G32 G33 G34 G35",
)
def ingress_tls(spec: dict[str, Any], resource: dict[str, Any]) -> Iterator[Found]:
    """An ingress listener's TLS is checked as a Gateway server's: one certificate
    source; SIMPLE needs a certificate and a key, MUTUAL also a CA bundle (unless a
    credential gives them); a CRL goes with neither credentialName nor SIMPLE. An absent
    mode is PASSTHROUGH."""
    for where, tls in _ingress_tls(spec):
        for check in (certificate_problems, termination_problems):
            for path, message in check(tls):
                yield (*where, *path), message


@rule(
    "MG2907",
    SC,
    WARNING,
    "ingress listener settings that are ignored",
    "SC22 SC24 G23 G24 G25 G27",
)
def ingress_ignored(spec: dict[str, Any], resource: dict[str, Any]) -> Iterator[Found]:
    """As on a Gateway server: TLS below 1.2 needs cipher suites, unknown and duplicate
    cipher suites are ignored, and certificates given with PASSTHROUGH are ignored. HTTP
    connection pool settings on a port whose protocol is not HTTP are ignored."""
    for where, tls in _ingress_tls(spec):
        for check in (cipher_problems, passthrough_problems):
            for path, message in check(tls):
                yield (*where, *path), message
    for i, listener in enumerate(sequence(spec.get("ingress"))):
        listener = mapping(listener)
        port = mapping(listener.get("port"))
        protocol = str(port.get("protocol", ""))
        if (
            "http" in mapping(listener.get("connectionPool"))
            and protocol.upper() not in HTTP_FAMILY
        ):
            yield (
                ("spec", "ingress", i, "connectionPool", "http"),
                f"HTTP connection pool settings are configured for port {port.get('number')} "
                f"({port.get('name', '')!r}) but its protocol is not HTTP ({protocol or 'unset'}); "
                "only TCP settings will apply",
            )


@rule(
    "MG2908",
    SC,
    ERROR,
    "invalid ingress listener connection pool",
    "SC23 SC25 D16 D17 D18 D19 D20 D21 D23 D24 D25",
)
def ingress_connection_pool(spec: dict[str, Any], resource: dict[str, Any]) -> Iterator[Found]:
    """An ingress listener's (or the Sidecar's inbound) connection pool is checked as a
    DestinationRule's: tcp or http settings, counts not negative, HTTP/2 upgrade without
    useClientProtocol, a keepalive with both interval and timeout."""
    pools: list[tuple[tuple[Any, ...], Any]] = [
        (("spec", "inboundConnectionPool"), spec.get("inboundConnectionPool"))
    ]
    for i, listener in enumerate(sequence(spec.get("ingress"))):
        pools.append(
            (("spec", "ingress", i, "connectionPool"), mapping(listener).get("connectionPool"))
        )
    for where, pool in pools:
        if isinstance(pool, dict):
            for path, message in pool_problems(pool):
                yield (*where, *path), message

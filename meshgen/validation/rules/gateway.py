"""Gateway rules (Istio's ValidateGateway), and the metadata rules every kind shares."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from meshgen.validation.rules import primitives as p
from meshgen.validation.rules.registry import ERROR, WARNING, Found, rule

GW = "Gateway"
HTTP_FAMILY = {"HTTP", "HTTP2", "GRPC", "GRPC-WEB", "HTTP_PROXY"}
PLAIN_FAMILY = {"TCP", "MONGO", "REDIS", "MYSQL", "UDP"}
PROTOCOLS = HTTP_FAMILY | PLAIN_FAMILY | {"HTTPS", "TLS"}
CERT_FIELDS = (
    "serverCertificate",
    "privateKey",
    "caCertificates",
    "tlsCertificates",
    "credentialName",
    "credentialNames",
)
CIPHERS = set(
    [
        "ECDHE-ECDSA-AES128-GCM-SHA256",
        "ECDHE-RSA-AES128-GCM-SHA256",
        "ECDHE-ECDSA-AES256-GCM-SHA384",
        "ECDHE-RSA-AES256-GCM-SHA384",
        "ECDHE-ECDSA-CHACHA20-POLY1305",
        "ECDHE-RSA-CHACHA20-POLY1305",
        "ECDHE-ECDSA-AES128-SHA",
        "ECDHE-RSA-AES128-SHA",
        "ECDHE-ECDSA-AES256-SHA",
        "ECDHE-RSA-AES256-SHA",
        "AES128-GCM-SHA256",
        "AES256-GCM-SHA384",
        "AES128-SHA",
        "AES256-SHA",
        "DES-CBC3-SHA",
        "ALL",
    ]
)


def _servers(spec: dict[str, Any]) -> Iterator[tuple[int, dict[str, Any]]]:
    for i, server in enumerate(spec.get("servers") or []):
        if isinstance(server, dict):
            yield i, server


def _protocol(server: dict[str, Any]) -> str:
    return str(p.mapping(server.get("port")).get("protocol", "")).upper()


def _tls(server: dict[str, Any]) -> dict[str, Any] | None:
    tls = server.get("tls")
    return tls if isinstance(tls, dict) else None


# -- metadata ----------------------------------------------------------------------------

_REJECTED_ANNOTATIONS = {
    "internal.istio.io/webhook-always-reject": "this annotation makes Istio reject the resource",
    "internal.istio.io/parent-namespace": "this annotation may not be set by users",
    "internal.istio.io/parents": "this annotation may not be set by users",
    "istio.io/dry-run": "dry-run is supported on AuthorizationPolicy only; remove the annotation",
}


@rule(
    "MG2001",
    "*",
    ERROR,
    "annotation Istio rejects",
    "M1 M2 M3 M4",
)
def rejected_annotations(spec: dict[str, Any], resource: dict[str, Any]) -> Iterator[Found]:
    """Istio's webhook rejects resources that carry `istio.io/dry-run` (only
    AuthorizationPolicy supports it) or the internal annotations
    `internal.istio.io/webhook-always-reject`, `internal.istio.io/parent-namespace` and
    `internal.istio.io/parents`, which only Istio itself sets."""
    annotations = p.mapping(resource.get("metadata")).get("annotations") or {}
    for name, why in _REJECTED_ANNOTATIONS.items():
        if name == "istio.io/dry-run" and resource.get("kind") == "AuthorizationPolicy":
            continue  # its own rules (MG2708)
        if name in annotations:
            yield ("metadata", "annotations", name), f"annotation {name}: {why}"


# -- gateway -----------------------------------------------------------------------------


@rule(
    "MG2101",
    GW,
    ERROR,
    "gateway name is not a DNS-1123 label",
    "G1",
)
def gateway_name(spec: dict[str, Any], resource: dict[str, Any]) -> Iterator[Found]:
    """A Gateway's name must be a DNS-1123 label: lower case letters, digits and `-`, at most
    63 characters. Dots are rejected even though Kubernetes allows them, because
    VirtualServices refer to gateways as `namespace/name`."""
    name = p.mapping(resource.get("metadata")).get("name")
    if isinstance(name, str) and not p.is_dns1123_label(name):
        yield (
            ("metadata", "name"),
            f"invalid gateway name '{name}': use lower case letters, digits and '-'",
        )


@rule(
    "MG2102",
    GW,
    ERROR,
    "gateway without servers",
    "G2 G3",
)
def has_servers(spec: dict[str, Any], resource: dict[str, Any]) -> Iterator[Found]:
    """A Gateway must have at least one server, and no server entry may be null."""
    listed = spec.get("servers")
    if not listed:
        yield ("spec", "servers"), "gateway must have at least one server"
    for i, server in enumerate(listed or []):
        if server is None:
            yield ("spec", "servers", i), "server may not be null"


@rule(
    "MG2103",
    GW,
    ERROR,
    "server without hosts",
    "G4",
)
def server_hosts(spec: dict[str, Any], resource: dict[str, Any]) -> Iterator[Found]:
    """Every server must list at least one host it serves."""
    for i, server in _servers(spec):
        if not server.get("hosts"):
            yield ("spec", "servers", i, "hosts"), "server must list at least one host"


@rule(
    "MG2104",
    GW,
    ERROR,
    "invalid server host",
    "G5 G6 G7 G8 G9",
)
def server_host_names(spec: dict[str, Any], resource: dict[str, Any]) -> Iterator[Found]:
    """Server hosts are `[namespace/]dnsName`: the namespace `*`, `.` or a DNS-1123 label;
    the name `*`, a fully qualified domain name (short names are not allowed), a
    wildcard domain `*.example.com` (no partial wildcards like `*bar.com`), or an IP."""
    for i, server in _servers(spec):
        for j, entry in enumerate(server.get("hosts") or []):
            if not isinstance(entry, str):
                continue
            where = ("spec", "servers", i, "hosts", j)
            namespace, slash, name = entry.rpartition("/")
            if slash and (not namespace or not name):
                yield where, f"host '{entry}': namespace and name cannot be empty"
                continue
            if slash and namespace not in ("*", ".") and not p.is_dns1123_label(namespace):
                yield where, f"host '{entry}': invalid namespace '{namespace}'"
                continue
            if name == "*":
                continue
            if "." not in name and p.ip(name):
                yield (
                    where,
                    f"host '{entry}': short names are not allowed; use a fully qualified name",
                )
            elif "*" in name and not name.startswith("*."):
                yield where, f"host '{entry}': partial wildcard '{name}' not allowed"
            elif problem := p.host(name):
                yield where, f"host '{entry}': {problem}"


@rule(
    "MG2105",
    GW,
    ERROR,
    "invalid server port",
    "G10 G11 G12 G13 G14",
)
def server_port(spec: dict[str, Any], resource: dict[str, Any]) -> Iterator[Found]:
    """Every server needs a port with a name, a number in 1..65535 (0 only for a unix
    socket bind) and a protocol Istio knows (HTTP, HTTPS, HTTP2, GRPC, GRPC-WEB,
    HTTP_PROXY, TCP, TLS, MONGO, REDIS, MYSQL, UDP; any case). `targetPort` has no
    effect on Gateways and is rejected."""
    for i, server in _servers(spec):
        port = server.get("port")
        where = ("spec", "servers", i, "port")
        if not isinstance(port, dict):
            yield where, "port is required"
            continue
        if _protocol(server) not in PROTOCOLS:
            yield (*where, "protocol"), f"invalid protocol '{port.get('protocol')}'"
        number = port.get("number")
        unix = str(server.get("bind", "")).startswith("unix://")
        if not (unix and number == 0) and (problem := p.port(number)):
            yield (*where, "number"), problem
        if (port.get("targetPort") or 0) > 0:
            yield (*where, "targetPort"), "targetPort has no impact on Gateways; remove it"
        if not port.get("name"):
            yield where, "port name must be set"


@rule(
    "MG2106",
    GW,
    ERROR,
    "invalid server bind",
    "G15 G16 G17",
)
def server_bind(spec: dict[str, Any], resource: dict[str, Any]) -> Iterator[Found]:
    """`bind` is an IP address, or `unix://` with an absolute socket path (or `@name`)
    and port number 0."""
    for i, server in _servers(spec):
        bind = server.get("bind")
        if not isinstance(bind, str) or not bind:
            continue
        where = ("spec", "servers", i, "bind")
        if bind.startswith("unix://"):
            path = bind[len("unix://") :]
            if not path:
                yield where, "unix address must not be empty"
            elif not path.startswith("@") and (not path.startswith("/") or path.endswith("/")):
                yield where, f"{path} is not an absolute path to a file"
            if p.mapping(server.get("port")).get("number", 0) != 0:
                yield where, "port number must be 0 for a unix domain socket"
        elif problem := p.ip(bind):
            yield where, problem


@rule(
    "MG2107",
    GW,
    ERROR,
    "TLS settings do not fit the protocol",
    "G18 G19 G20",
)
def tls_for_protocol(spec: dict[str, Any], resource: dict[str, Any]) -> Iterator[Found]:
    """HTTPS and TLS servers need `tls`; plain HTTP-family servers may have `tls` only for
    passthrough or `httpsRedirect` (no certificates); TCP, MONGO, REDIS, MYSQL and UDP
    servers may not have `tls` at all."""
    for i, server in _servers(spec):
        protocol, tls = _protocol(server), _tls(server)
        where = ("spec", "servers", i, "tls")
        if protocol in ("HTTPS", "TLS") and tls is None:
            yield where, f"a {protocol} server must have TLS settings"
        elif protocol in HTTP_FAMILY and tls is not None:
            mode = tls.get("mode", "PASSTHROUGH")
            certs = any(tls.get(k) for k in ("caCertificates", "privateKey", "serverCertificate"))
            if mode not in ("PASSTHROUGH", "AUTO_PASSTHROUGH") or certs:
                yield where, "a plain text HTTP server cannot terminate TLS; use HTTPS"
        elif protocol in PLAIN_FAMILY and tls is not None:
            yield where, f"a {protocol} server cannot have TLS settings"


@rule(
    "MG2108",
    GW,
    ERROR,
    "duplicate server port name",
    "G21",
)
def unique_port_names(spec: dict[str, Any], resource: dict[str, Any]) -> Iterator[Found]:
    """Port names must be unique across a Gateway's servers."""
    seen: set[Any] = set()
    for i, server in _servers(spec):
        name = p.mapping(server.get("port")).get("name")
        if name in seen:
            yield (
                ("spec", "servers", i, "port", "name"),
                f"port name '{name}' is used by another server",
            )
        seen.add(name)


@rule(
    "MG2109",
    GW,
    WARNING,
    "httpsRedirect on a server that is not HTTP",
    "G22",
)
def https_redirect(spec: dict[str, Any], resource: dict[str, Any]) -> Iterator[Found]:
    """`tls.httpsRedirect` only makes sense on plain HTTP servers, which send clients to
    HTTPS; on an HTTPS or TLS server it does nothing."""
    for i, server in _servers(spec):
        tls = _tls(server)
        if tls and tls.get("httpsRedirect") and _protocol(server) not in HTTP_FAMILY:
            yield (
                ("spec", "servers", i, "tls", "httpsRedirect"),
                "httpsRedirect should only be used on HTTP servers",
            )


@rule(
    "MG2110",
    GW,
    WARNING,
    "TLS below 1.2 without ciphers, or invalid ciphers",
    "G23 G24 G25",
)
def tls_ciphers(spec: dict[str, Any], resource: dict[str, Any]) -> Iterator[Found]:
    """TLS 1.0 and 1.1 need `cipherSuites` (the defaults no longer include compatible
    ones); cipher suites must be names BoringSSL knows, without duplicates; invalid and
    duplicate entries are ignored by Istio."""
    yield from _each_tls(spec, cipher_problems)


def _each_tls(
    spec: dict[str, Any], check: Callable[[dict[str, Any]], Iterator[Found]]
) -> Iterator[Found]:
    """``check`` on the TLS settings of every server, with paths from the document."""
    for i, server in _servers(spec):
        tls = _tls(server)
        if tls:
            for path, message in check(tls):
                yield ("spec", "servers", i, "tls", *path), message


def cipher_problems(tls: dict[str, Any]) -> Iterator[Found]:
    """G23-G25 on one TLS block (paths below it)."""
    ciphers = tls.get("cipherSuites") or []
    if tls.get("minProtocolVersion") in ("TLSV1_0", "TLSV1_1") and not ciphers:
        yield ("minProtocolVersion",), "TLS versions below 1.2 need cipherSuites set"
    invalid = [c for c in ciphers if isinstance(c, str) and c[:1].isalnum() and c not in CIPHERS]
    if invalid:
        yield ("cipherSuites",), f"invalid cipher suites are ignored: {', '.join(invalid)}"
    if len(set(ciphers)) != len(ciphers):
        yield ("cipherSuites",), "duplicate cipher suites are ignored"


@rule(
    "MG2111",
    GW,
    ERROR,
    "certificates where the TLS mode does not allow them",
    "G26 G28 G34 G35",
)
def tls_certificates(spec: dict[str, Any], resource: dict[str, Any]) -> Iterator[Found]:
    """ISTIO_MUTUAL uses Istio's certificates: no server certificate, key, CA bundle or
    credential may be given. A server takes one certificate source at most (a
    certificate and key pair, `credentialName`, `credentialNames` or `tlsCertificates`).
    A CRL cannot go with `credentialName` (put it in the credential) or with SIMPLE."""
    yield from _each_tls(spec, certificate_problems)


def certificate_problems(tls: dict[str, Any]) -> Iterator[Found]:
    """G26, G28, G34, G35 on one TLS block (paths below it)."""
    mode = tls.get("mode", "PASSTHROUGH")
    if mode == "ISTIO_MUTUAL":
        given = [k for k in CERT_FIELDS if tls.get(k)]
        if given:
            yield (
                (given[0],),
                f"ISTIO_MUTUAL uses Istio's own certificates; remove {', '.join(given)}",
            )
        return
    sources = [
        bool(tls.get("serverCertificate") and tls.get("privateKey")),
        bool(tls.get("credentialName")),
        bool(tls.get("credentialNames")),
        bool(tls.get("tlsCertificates")),
    ]
    if sum(sources) > 1:
        yield (
            (),
            "give one certificate source: credentialName, credentialNames, serverCertificate and privateKey, or tlsCertificates",
        )
    if tls.get("caCrl") and tls.get("credentialName"):
        yield ("caCrl",), "a CRL cannot go with credentialName; put it in the credential"
    elif tls.get("caCrl") and mode == "SIMPLE" and not tls.get("credentialNames"):
        yield ("caCrl",), "a CRL is not supported with SIMPLE TLS"


@rule(
    "MG2112",
    GW,
    WARNING,
    "certificates that passthrough ignores",
    "G27",
)
def passthrough_certificates(spec: dict[str, Any], resource: dict[str, Any]) -> Iterator[Found]:
    """PASSTHROUGH and AUTO_PASSTHROUGH do not terminate TLS, so certificates, keys, CA
    bundles, CRLs and credentials given with them are ignored."""
    yield from _each_tls(spec, passthrough_problems)


def passthrough_problems(tls: dict[str, Any]) -> Iterator[Found]:
    """G27 on one TLS block."""
    mode = tls.get("mode", "PASSTHROUGH")
    if mode in ("PASSTHROUGH", "AUTO_PASSTHROUGH"):
        given = [k for k in ("caCrl", *CERT_FIELDS) if tls.get(k)]
        if given:
            yield (), f"{mode} does not use certificates; {', '.join(given)} will be ignored"


@rule(
    "MG2113",
    GW,
    ERROR,
    "TLS termination without what it needs",
    "G29 G30 G32 G33",
)
def tls_termination(spec: dict[str, Any], resource: dict[str, Any]) -> Iterator[Found]:
    """SIMPLE, MUTUAL and OPTIONAL_MUTUAL without `credentialName(s)` need a server
    certificate and a private key (each `tlsCertificates` entry, or the pair); MUTUAL and
    OPTIONAL_MUTUAL also need `caCertificates` to verify clients."""
    yield from _each_tls(spec, termination_problems)


def termination_problems(tls: dict[str, Any]) -> Iterator[Found]:
    """G29, G30, G32, G33 on one TLS block."""
    mode = tls.get("mode")
    if mode not in ("SIMPLE", "MUTUAL", "OPTIONAL_MUTUAL"):
        return
    if tls.get("credentialName") or tls.get("credentialNames"):
        return
    label = "SIMPLE" if mode == "SIMPLE" else "MUTUAL"
    if mode != "SIMPLE" and not tls.get("caCertificates"):
        yield (), "MUTUAL TLS requires a client CA bundle (caCertificates)"
    for pair in tls.get("tlsCertificates") or [tls]:
        if isinstance(pair, dict) and not pair.get("serverCertificate"):
            yield (), f"{label} TLS requires a server certificate"
        if isinstance(pair, dict) and not pair.get("privateKey"):
            yield (), f"{label} TLS requires a private key"

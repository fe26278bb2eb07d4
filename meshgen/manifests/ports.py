"""The protocol Istio gives a Kubernetes Service port, as istiod derives it.

Kubernetes' UDP is UDP; otherwise ``appProtocol`` decides when set, else the port's name:
``<protocol>`` or ``<protocol>-<suffix>`` (a name starting with ``grpc-web`` is gRPC-Web).
A name with no known protocol leaves the port to protocol sniffing, except the well-known
ports of SMTP, DNS, MySQL and MongoDB, which are TCP.
"""

from __future__ import annotations

# Istio's protocol names, lower case, as port names and appProtocol write them.
PROTOCOLS = frozenset(
    {
        "tcp",
        "udp",
        "grpc",
        "grpc-web",
        "http",
        "http_proxy",
        "http2",
        "https",
        "tls",
        "mongo",
        "redis",
        "mysql",
    }
)
HTTP_PROTOCOLS = frozenset({"http", "http2", "grpc", "grpc-web", "http_proxy"})
_APP_PROTOCOLS = {
    "kubernetes.io/h2c": "http2",
    "kubernetes.io/ws": "http",
    "kubernetes.io/wss": "https",
}
_WELL_KNOWN_TCP = frozenset({25, 53, 3306, 27017})


def port_protocol(
    name: str | None,
    app_protocol: str | None = None,
    protocol: str | None = None,
    number: int | None = None,
) -> str | None:
    """The protocol (lower case) Istio gives a Service port, or None when it sniffs it."""
    if protocol is not None and protocol.upper() == "UDP":
        return "udp"
    if app_protocol:
        chosen = _APP_PROTOCOLS.get(app_protocol, app_protocol.lower())
        return chosen if chosen in PROTOCOLS else None
    if name:
        lowered = name.lower()
        if lowered.startswith("grpc-web"):
            return "grpc-web"
        prefix = lowered.split("-", 1)[0]
        if prefix in PROTOCOLS:
            return prefix
    return "tcp" if number in _WELL_KNOWN_TCP else None

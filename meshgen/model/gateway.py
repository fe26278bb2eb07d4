"""Gateways: the mesh's edge proxies and the ports, hosts and TLS they serve."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BeforeValidator, Field, model_validator

from meshgen.model.common import Base, Labels, bare

PROTOCOLS = ("HTTP", "HTTPS", "GRPC", "GRPC-WEB", "HTTP2", "MONGO", "TCP", "TLS")


def _known_protocol(value: str) -> str:
    if value.upper() not in PROTOCOLS:
        raise ValueError(f"'{value}' is not a protocol; use one of {', '.join(PROTOCOLS)}")
    return value  # Istio reads protocols in any case; written back as given


Protocol = Annotated[
    str,
    AfterValidator(_known_protocol),
    Field(json_schema_extra={"enum": [*PROTOCOLS, *(p.lower() for p in PROTOCOLS)]}),
]


class ServerPort(Base):
    number: int = Field(ge=1, le=65535)
    protocol: Protocol | None = None
    name: str | None = None
    target_port: int | None = Field(default=None, ge=1, le=65535)


TLSMode = Literal[
    "PASSTHROUGH", "SIMPLE", "MUTUAL", "AUTO_PASSTHROUGH", "ISTIO_MUTUAL", "OPTIONAL_MUTUAL"
]
TLSVersion = Literal["TLS_AUTO", "TLSV1_0", "TLSV1_1", "TLSV1_2", "TLSV1_3"]


class ServerTLS(Base):
    https_redirect: bool | None = None
    mode: TLSMode | None = None
    server_certificate: str | None = None
    private_key: str | None = None
    ca_certificates: str | None = None
    ca_crl: str | None = None
    credential_name: str | None = None
    credential_names: list[str] | None = None
    subject_alt_names: list[str] | None = None
    verify_certificate_spki: list[str] | None = None
    verify_certificate_hash: list[str] | None = None
    min_protocol_version: TLSVersion | None = None
    max_protocol_version: TLSVersion | None = None
    cipher_suites: list[str] | None = None


class Server(Base):
    """One port of a gateway.

    ``port: 443`` is short for ``{number: 443}``; the protocol defaults to HTTPS when the
    server terminates TLS and HTTP otherwise, and the port name to the protocol's.
    """

    port: Annotated[
        ServerPort, BeforeValidator(bare("number", int), json_schema_input_type=ServerPort | int)
    ]
    hosts: list[str] = Field(default_factory=lambda: ["*"])
    tls: ServerTLS | None = None
    name: str | None = None
    bind: str | None = None
    default_endpoint: str | None = None

    @property
    def protocol(self) -> str:
        if self.port.protocol:
            return self.port.protocol
        terminates = self.tls is not None and self.tls.mode not in (None, "PASSTHROUGH")
        return "HTTPS" if terminates else "HTTP"


class Gateway(Base):
    """An Istio Gateway. Its name is its key under ``gateways``."""

    namespace: str | None = None
    selector: Labels = Field(default_factory=lambda: {"istio": "ingressgateway"})
    servers: list[Server] = Field(default_factory=lambda: [Server(port=ServerPort(number=80))])
    labels: Labels | None = None
    annotations: dict[str, str] | None = None
    spec: dict[str, Any] | None = Field(
        default=None, description="Spec fields written as given, over what meshgen generates."
    )

    @model_validator(mode="after")
    def _has_servers(self) -> Gateway:
        if not self.servers:
            raise ValueError("a gateway needs at least one server")
        return self

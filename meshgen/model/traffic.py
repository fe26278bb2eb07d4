"""Traffic policies and subsets: what a DestinationRule says about a service's pods."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field
from pydantic_core import PydanticCustomError

from meshgen.model.common import Base, Duration, Labels, PortSelectorField, bare
from meshgen.model.workload import Workload


class HttpCookie(Base):
    name: str
    path: str | None = None
    ttl: Duration | None = None


class RingHash(Base):
    minimum_ring_size: int | None = Field(default=None, ge=0)


class Maglev(Base):
    table_size: int | None = Field(default=None, ge=0)


class ConsistentHash(Base):
    http_header_name: str | None = None
    http_cookie: HttpCookie | None = None
    use_source_ip: bool | None = None
    http_query_parameter_name: str | None = None
    ring_hash: RingHash | None = None
    maglev: Maglev | None = None
    minimum_ring_size: int | None = Field(default=None, ge=0)


class LocalityDistribute(Base):
    from_: str = Field(alias="from")
    to: dict[str, int]


class LocalityFailover(Base):
    from_: str = Field(alias="from")
    to: str


class LocalityLbSetting(Base):
    enabled: bool | None = None
    distribute: list[LocalityDistribute] | None = None
    failover: list[LocalityFailover] | None = None
    failover_priority: list[str] | None = None


class Warmup(Base):
    duration: Duration
    minimum_percent: float | None = Field(default=None, ge=0, le=100)
    aggression: float | None = Field(default=None, ge=1)


SimpleLoadBalancer = Literal[
    "UNSPECIFIED", "LEAST_CONN", "RANDOM", "PASSTHROUGH", "ROUND_ROBIN", "LEAST_REQUEST"
]


class LoadBalancer(Base):
    simple: SimpleLoadBalancer | None = None
    consistent_hash: ConsistentHash | None = None
    locality_lb_setting: LocalityLbSetting | None = None
    warmup_duration_secs: Duration | None = None
    warmup: Warmup | None = None


class TcpKeepalive(Base):
    probes: int | None = Field(default=None, ge=0)
    time: Duration | None = None
    interval: Duration | None = None


class TcpSettings(Base):
    max_connections: int | None = Field(default=None, ge=0)
    connect_timeout: Duration | None = None
    tcp_keepalive: TcpKeepalive | None = None
    max_connection_duration: Duration | None = None
    idle_timeout: Duration | None = None


class HttpSettings(Base):
    http1_max_pending_requests: int | None = Field(default=None, ge=0)
    http2_max_requests: int | None = Field(default=None, ge=0)
    max_requests_per_connection: int | None = Field(default=None, ge=0)
    max_retries: int | None = Field(default=None, ge=0)
    idle_timeout: Duration | None = None
    h2_upgrade_policy: Literal["DEFAULT", "DO_NOT_UPGRADE", "UPGRADE"] | None = None
    use_client_protocol: bool | None = None
    max_concurrent_streams: int | None = Field(default=None, ge=0)


class ConnectionPool(Base):
    tcp: TcpSettings | None = None
    http: HttpSettings | None = None


class OutlierDetection(Base):
    consecutive_5xx_errors: int | None = Field(default=None, ge=0, alias="consecutive5xxErrors")
    consecutive_gateway_errors: int | None = Field(default=None, ge=0)
    consecutive_local_origin_failures: int | None = Field(default=None, ge=0)
    split_external_local_origin_errors: bool | None = None
    interval: Duration | None = None
    base_ejection_time: Duration | None = None
    max_ejection_percent: int | None = Field(default=None, ge=0, le=100)
    min_health_percent: int | None = Field(default=None, ge=0, le=100)


class ClientTLS(Base):
    mode: Literal["DISABLE", "SIMPLE", "MUTUAL", "ISTIO_MUTUAL"] | None = None
    client_certificate: str | None = None
    private_key: str | None = None
    ca_certificates: str | None = None
    credential_name: str | None = None
    subject_alt_names: list[str] | None = None
    sni: str | None = None
    insecure_skip_verify: bool | None = None
    ca_crl: str | None = None


LoadBalancerField = Annotated[
    LoadBalancer,
    BeforeValidator(bare("simple", str), json_schema_input_type=LoadBalancer | SimpleLoadBalancer),
]
"""``LEAST_REQUEST`` or the full ``{simple: ..., consistentHash: ...}``."""

ClientTLSField = Annotated[
    ClientTLS,
    BeforeValidator(
        bare("mode", str),
        json_schema_input_type=ClientTLS | Literal["DISABLE", "SIMPLE", "MUTUAL", "ISTIO_MUTUAL"],
    ),
]
"""``ISTIO_MUTUAL`` or the full ``{mode: SIMPLE, caCertificates: ...}``."""


class PortTrafficPolicy(Base):
    port: PortSelectorField
    load_balancer: LoadBalancerField | None = None
    connection_pool: ConnectionPool | None = None
    outlier_detection: OutlierDetection | None = None
    tls: ClientTLSField | None = None


class ProxyProtocol(Base):
    version: Literal["V1", "V2"] | None = None


class TrafficPolicy(Base):
    load_balancer: LoadBalancerField | None = None
    connection_pool: ConnectionPool | None = None
    outlier_detection: OutlierDetection | None = None
    tls: ClientTLSField | None = None
    port_level_settings: list[PortTrafficPolicy] | None = None
    proxy_protocol: ProxyProtocol | None = None


class Subset(Base):
    """A named group of a service's pods, selected by labels."""

    labels: Labels = Field(default_factory=dict)
    traffic_policy: TrafficPolicy | None = None
    workload: Workload | None = Field(
        default=None, description="What this subset's Deployment changes from the service's."
    )


_SUBSET_FIELDS = frozenset({"labels", "trafficPolicy", "traffic_policy", "workload"})


def _subset_short_forms(value: Any) -> Any:
    """Accept the ways people write subsets and return ``{name: Subset-shaped}``.

    - ``{v1: {version: v1}}``: name to pod labels;
    - ``{v1: {labels: {...}, trafficPolicy: {...}}}``: the full form;
    - ``[v1, v2]``: names that are also the value of the pods' ``version`` label;
    - ``[{name: v1, labels: {...}}]``: Istio's own list form.
    """
    if isinstance(value, list):
        subsets: dict[Any, Any] = {}
        for item in value:
            if isinstance(item, str):
                name, body = item, {"labels": {"version": item}}
            elif isinstance(item, dict) and isinstance(item.get("name"), str):
                name, body = item["name"], {k: v for k, v in item.items() if k != "name"}
            else:
                return value  # let validation explain what is wrong
            if name in subsets:
                raise PydanticCustomError(
                    "duplicate_name", "subset '{name}' is defined twice", {"name": name}
                )
            subsets[name] = body
        return subsets
    if isinstance(value, dict):
        return {name: _subset_body(body) for name, body in value.items()}
    return value


def _subset_body(body: Any) -> Any:
    if body is None:
        return {}
    full_form = isinstance(body, dict) and body and set(body) <= _SUBSET_FIELDS
    if full_form and isinstance(body.get("labels", {}), dict):
        return body
    if isinstance(body, dict):
        return {"labels": body}
    return body


SubsetsField = Annotated[
    dict[str, Subset],
    BeforeValidator(
        _subset_short_forms,
        json_schema_input_type=dict[str, Subset | Labels | None] | list[str | dict[str, Any]],
    ),
]

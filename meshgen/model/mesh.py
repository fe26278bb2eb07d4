"""The mesh: defaults, gateways and services. The root of a model file."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, ValidationError

from meshgen.model.common import Base, ResourceOverride, one_or_many
from meshgen.model.gateway import Gateway
from meshgen.model.routes import RouteRule
from meshgen.model.traffic import SubsetsField, TrafficPolicy
from meshgen.model.workload import Dataplane, NamespaceField, ObjectOverride, Workload

API_GROUP = "networking.istio.io"
API_VERSIONS = ("v1", "v1beta1", "v1alpha3")
ApiVersion = Literal[
    "networking.istio.io/v1", "networking.istio.io/v1beta1", "networking.istio.io/v1alpha3"
]


def _qualified_api_version(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    version = value.removeprefix(f"{API_GROUP}/")
    if version not in API_VERSIONS:
        raise ValueError(
            f"'{value}' is not an Istio networking version; use one of "
            f"{', '.join(API_VERSIONS)} (or {API_GROUP}/<version>)"
        )
    return f"{API_GROUP}/{version}"


class Defaults(Base):
    """Settings every service and gateway inherits unless it says otherwise."""

    namespace: str | None = Field(
        default="default",
        description="The namespace of every resource that names none; null writes no "
        "namespace, so kubectl applies to the current one.",
    )
    api_version: Annotated[
        ApiVersion,
        BeforeValidator(
            _qualified_api_version,
            json_schema_input_type=ApiVersion | Literal["v1", "v1beta1", "v1alpha3"],
        ),
    ] = "networking.istio.io/v1"
    cluster_domain: str = "cluster.local"
    workload: Workload | None = Field(
        default=None, description="What every service's workload has unless it says otherwise."
    )
    dataplane: Dataplane | None = Field(
        default=None,
        description="Write a Namespace for each namespace with workloads, labelled for "
        "`sidecar` injection or `ambient` mode (`none`: no label).",
    )


class ServicePort(Base):
    """A port of the Kubernetes Service. Istio takes its protocol from ``appProtocol``,
    else from the name's prefix (``http``, ``http-web``, ``grpc``, ``tcp-db``...)."""

    number: int = Field(ge=1, le=65535)
    name: str | None = None
    target_port: int | str | None = Field(
        default=None, description="The container port (number or name); the port by default."
    )
    app_protocol: str | None = None
    protocol: Literal["TCP", "UDP", "SCTP"] | None = Field(
        default=None, description="TCP when unset."
    )


def _port_short_forms(value: Any) -> Any:
    if isinstance(value, list):
        return [
            {"number": p} if isinstance(p, int) and not isinstance(p, bool) else p for p in value
        ]
    return value


StringList = Annotated[
    list[str], BeforeValidator(one_or_many(str), json_schema_input_type=str | list[str])
]


class Service(Base):
    """A service of the mesh and everything meshgen generates for it.

    Its name is its key under ``services``. It gets a DestinationRule when it has subsets,
    a traffic policy or a ``destinationRule`` block, and a VirtualService when it has
    route rules.
    """

    namespace: str | None = None
    host: str | None = Field(
        default=None,
        description="The Kubernetes Service the rules apply to: its short name "
        "(the default: the service's name) or a fully qualified domain name.",
    )
    hosts: StringList | None = Field(
        default=None,
        description="The hosts the VirtualService answers for, when they are not the "
        "service's own host (public domains on a gateway, say).",
    )
    gateways: StringList | None = Field(
        default=None,
        description="Gateways the VirtualService is bound to: names under `gateways`, "
        "`mesh` for sidecars, or `namespace/name` for a gateway defined elsewhere.",
    )
    ports: (
        Annotated[
            list[ServicePort],
            BeforeValidator(_port_short_forms, json_schema_input_type=list[ServicePort | int]),
        ]
        | None
    ) = None
    subsets: SubsetsField | None = Field(
        default=None,
        description="Named groups of pods: `{v1: {version: v1}}` (name to labels), the full "
        "`{v1: {labels: ..., trafficPolicy: ...}}`, or `[v1, v2]` (by the `version` label).",
    )
    traffic_policy: TrafficPolicy | None = None
    routes: list[RouteRule] | None = Field(
        default=None, description="HTTP rules, tried in order; the first that matches wins."
    )
    virtual_service: ResourceOverride | None = Field(
        default=None, description="Name, namespace, labels, annotations, exportTo."
    )
    destination_rule: ResourceOverride | None = Field(
        default=None,
        description="Name, namespace, labels, annotations, exportTo. Given (even empty), "
        "the service gets a DestinationRule even without subsets or a traffic policy.",
    )
    workload: Workload | None = Field(
        default=None,
        description="The pods behind the service. Given (even empty), the service gets its "
        "Service, ServiceAccount and one Deployment per subset.",
    )
    kubernetes_service: ObjectOverride | None = Field(
        default=None,
        description="Labels, annotations and spec fields of the Kubernetes Service. Given "
        "(even empty), the service gets a Service even without a workload.",
    )


def _empty_service(value: Any) -> Any:
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return {name: {} for name in value}
    if isinstance(value, dict):
        return {name: {} if body is None else body for name, body in value.items()}
    return value


class Mesh(Base):
    """A service mesh as meshgen models it: the root of a model file.

    Built in Python, a mistake anywhere in it raises :class:`meshgen.ModelError` with
    findings (their paths from the root), as a model file does.
    """

    def __init__(self, /, **data: Any) -> None:
        try:
            super().__init__(**data)
        except ValidationError as e:
            from meshgen.model.load import model_error

            raise model_error(e) from e

    api_version: Literal["meshgen.io/v1alpha1"] | None = Field(
        default=None,
        description="Marks the file as a meshgen model: `meshgen.io/v1alpha1`, with "
        "`kind: Mesh`. Files without them are read for one more release, with a warning.",
    )
    kind: Literal["Mesh"] | None = None
    preset: Literal["plain", "msaez"] = Field(
        default="plain",
        description="Naming and defaults: `plain` names resources after their service; "
        "`msaez` reproduces the MSA-Ez Istio topping (gateway main-gw, vsvc-<svc>, "
        "destrule-<svc>, stable/canary subsets, a URI-prefix route per service).",
    )
    defaults: Defaults = Field(default_factory=Defaults)
    gateways: dict[str, Gateway] = Field(default_factory=dict)
    services: Annotated[
        dict[str, Service],
        BeforeValidator(
            _empty_service, json_schema_input_type=dict[str, Service | None] | list[str]
        ),
    ] = Field(default_factory=dict)
    namespaces: dict[str, NamespaceField] = Field(
        default_factory=dict,
        description="Namespaces to write, with their data plane, labels and annotations.",
    )
    resources: list[dict[str, Any]] = Field(
        default_factory=list,
        description="Manifests written as given, after the generated ones: for what the "
        "model does not express.",
    )

"""Workloads: the Deployments, Services, ServiceAccounts and Namespaces behind the mesh.

Field names are Kubernetes' own. A service's ``workload`` is the pod every subset runs
unless the subset's own ``workload`` says otherwise; ``defaults.workload`` is what every
service inherits.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, field_validator

from meshgen.model.common import Base, Labels, bare

Protocol = Literal["TCP", "UDP", "SCTP"]


class ContainerPort(Base):
    container_port: int = Field(ge=1, le=65535)
    name: str | None = None
    protocol: Protocol | None = Field(default=None, description="TCP when unset.")


def _container_ports(value: Any) -> Any:
    if isinstance(value, list):
        return [bare("containerPort", int)(p) for p in value]
    return value


ContainerPorts = Annotated[
    list[ContainerPort],
    BeforeValidator(_container_ports, json_schema_input_type=list[ContainerPort | int]),
]


class EnvValue(Base):
    """A variable's source when it is not a plain value: Kubernetes' ``valueFrom``."""

    value_from: dict[str, Any]


def _env_short_forms(value: Any) -> Any:
    """``{NAME: value}`` in order, from that form or Kubernetes' ``[{name, value}]`` list."""
    if isinstance(value, list) and all(isinstance(v, dict) and "name" in v for v in value):
        return {
            v["name"]: (v["value"] if "value" in v else {k: v[k] for k in v if k != "name"})
            for v in value
        }
    return value


Env = Annotated[
    dict[str, str | EnvValue],
    BeforeValidator(
        _env_short_forms,
        json_schema_input_type=dict[str, str | EnvValue] | list[dict[str, Any]],
    ),
]


class Workload(Base):
    """The pods of a service, or of one of its subsets: one Deployment each.

    Every field is optional here; what a subset leaves unset comes from its service, what a
    service leaves unset from ``defaults.workload``. ``env``, ``labels`` and
    ``annotations`` merge by name; ``raw`` merges into the Deployment as written, a null
    removing what meshgen would write.
    """

    name: str | None = Field(
        default=None,
        description="The Deployment's name: `<service>-<subset>` by default, the service's "
        "name when it has no subsets.",
    )
    image: str | None = None
    image_pull_policy: Literal["Always", "IfNotPresent", "Never"] | None = None
    replicas: int | None = Field(default=None, ge=0)
    command: list[str] | None = None
    args: list[str] | None = None
    ports: ContainerPorts | None = Field(
        default=None,
        description="The container's ports: `[8080]` or `[{containerPort: 8080, name: http}]`. "
        "Unset, one per Service port, at its targetPort, with its name.",
    )
    env: Env | None = Field(
        default=None,
        description="`{NAME: value}` or `{NAME: {valueFrom: ...}}`, in order.",
    )
    resources: dict[str, Any] | None = None
    readiness_probe: dict[str, Any] | None = None
    liveness_probe: dict[str, Any] | None = None
    startup_probe: dict[str, Any] | None = None
    security_context: dict[str, Any] | None = Field(
        default=None, description="The container's securityContext."
    )
    service_account: str | bool | None = Field(
        default=None,
        description="The ServiceAccount the pods run as: by default (or true) the "
        "service's own, which meshgen writes; a name, of an account written elsewhere; or "
        "false for the namespace's default account.",
    )
    labels: Labels | None = Field(
        default=None,
        description="Labels of the pods (and the Deployment) beside app and the subset's.",
    )
    annotations: dict[str, str] | None = Field(default=None, description="Annotations of the pods.")
    raw: dict[str, Any] | None = Field(
        default=None,
        description="Deployment fields written as given, merged over what meshgen generates "
        "(null removes a field): for what the model does not express.",
    )

    @field_validator("raw")
    @classmethod
    def _metadata_and_spec_only(cls, raw: dict[str, Any] | None) -> dict[str, Any] | None:
        other = sorted(set(raw or {}) - {"metadata", "spec"})
        if other:
            raise ValueError(f"raw merges into metadata and spec only, not {', '.join(other)}")
        return raw


class ObjectOverride(Base):
    """Overrides for a generated Kubernetes object: labels and annotations merged over
    meshgen's, spec fields written as given."""

    labels: Labels | None = None
    annotations: dict[str, str] | None = None
    spec: dict[str, Any] | None = None


Dataplane = Literal["sidecar", "ambient", "none"]


class Namespace(Base):
    """A namespace meshgen writes, labelled for the data plane chosen."""

    dataplane: Dataplane | None = Field(
        default=None,
        description="`sidecar` labels it istio-injection: enabled, `ambient` "
        "istio.io/dataplane-mode: ambient, `none` neither. Unset: `defaults.dataplane`.",
    )
    labels: Labels | None = None
    annotations: dict[str, str] | None = None


NamespaceField = Annotated[
    Namespace,
    BeforeValidator(lambda v: {} if v is None else v, json_schema_input_type=Namespace | None),
]

"""Route rules: the ordered HTTP rules of a service's VirtualService."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, model_validator

from meshgen.model.common import (
    Base,
    Duration,
    Labels,
    PercentageField,
    PortSelectorField,
    StringMatchField,
    bare,
    one_or_many,
)


class Match(Base):
    """One set of conditions; all must hold. A rule's matches are alternatives."""

    name: str | None = None
    uri: StringMatchField | None = None
    scheme: StringMatchField | None = None
    method: StringMatchField | None = None
    authority: StringMatchField | None = None
    headers: dict[str, StringMatchField] | None = None
    port: int | None = Field(default=None, ge=1, le=65535)
    source_labels: Labels | None = None
    gateways: list[str] | None = None
    query_params: dict[str, StringMatchField] | None = None
    ignore_uri_case: bool | None = None
    without_headers: dict[str, StringMatchField] | None = None
    source_namespace: str | None = None
    stat_prefix: str | None = None


class Destination(Base):
    """Where traffic goes: this service (the default), another model service, or a host.

    ``service`` names a service of this model (meshgen resolves its host and checks its
    subsets); ``host`` is written to the manifest as given.
    """

    service: str | None = None
    host: str | None = None
    subset: str | None = None
    port: PortSelectorField | None = None

    @model_validator(mode="after")
    def _one_target(self) -> Destination:
        if self.service is not None and self.host is not None:
            raise ValueError("give either service (a service of this model) or host, not both")
        return self


class HeaderOperations(Base):
    set: dict[str, str] | None = None
    add: dict[str, str] | None = None
    remove: list[str] | None = None


class Headers(Base):
    request: HeaderOperations | None = None
    response: HeaderOperations | None = None


class RouteDestination(Base):
    destination: Destination = Field(default_factory=Destination)
    weight: int | None = Field(default=None, ge=0)
    headers: Headers | None = None


_DESTINATION_KEYS = frozenset({"service", "host", "subset", "port"})


def _flat_destination(item: Any) -> Any:
    """``{subset: v1, weight: 90}`` -> ``{destination: {subset: v1}, weight: 90}``."""
    if isinstance(item, str):
        return {"destination": {"subset": item}}
    if isinstance(item, dict) and "destination" not in item and set(item) & _DESTINATION_KEYS:
        destination = {k: v for k, v in item.items() if k in _DESTINATION_KEYS}
        rest = {k: v for k, v in item.items() if k not in _DESTINATION_KEYS}
        return {"destination": destination, **rest}
    return item


def _is_weight(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _weight_hint(subset: Any, weight: Any) -> str:
    """What to write instead of a weight that is not a whole number."""
    text = str(weight).strip()
    number = text.removesuffix("%").strip()
    if number.isdigit():
        return f"weights are whole numbers, not text: write {subset}: {int(number)}"
    return f"the weight of {subset} must be a whole number (a share of 100), not {weight!r}"


def _route_short_forms(value: Any) -> Any:
    """Accept the ways people write where a rule sends traffic.

    - ``v1``: one subset of this service;
    - ``{stable: 90, canary: 10}``: subsets of this service with weights;
    - ``{host: other.ns.svc.cluster.local}`` or ``{service: other, subset: v2}``: one place;
    - a list of places, flat (``{subset: v1, weight: 90}``) or Istio's own
      (``{destination: {host: ..., subset: ...}, weight: 90}``).
    """
    if isinstance(value, str):
        return [_flat_destination(value)]
    if isinstance(value, dict):
        weights_only = value and not set(value) & (_DESTINATION_KEYS | {"destination"})
        if weights_only and all(_is_weight(v) for v in value.values()):
            return [{"destination": {"subset": k}, "weight": v} for k, v in value.items()]
        if weights_only:
            for subset, weight in value.items():
                if not _is_weight(weight):
                    raise ValueError(_weight_hint(subset, weight))
        return [_flat_destination(value)]
    if isinstance(value, list):
        return [_flat_destination(item) for item in value]
    return value


class DestinationWithWeight(Base):
    service: str | None = None
    host: str | None = None
    subset: str | None = None
    port: PortSelectorField | None = None
    weight: int | None = None
    headers: Headers | None = None


RouteField = Annotated[
    list[RouteDestination],
    BeforeValidator(
        _route_short_forms,
        json_schema_input_type=str
        | dict[str, int]
        | DestinationWithWeight
        | list[str | DestinationWithWeight | RouteDestination],
    ),
]


def _joined(value: Any) -> Any:
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return ",".join(value)
    return value


class Retries(Base):
    attempts: int | None = Field(default=None, ge=0)
    per_try_timeout: Duration | None = None
    retry_on: (
        Annotated[str, BeforeValidator(_joined, json_schema_input_type=str | list[str])] | None
    ) = None
    retry_remote_localities: bool | None = None
    retry_ignore_previous_hosts: bool | None = None
    backoff: Duration | None = None


class Delay(Base):
    fixed_delay: Duration | None = None
    exponential_delay: Duration | None = None
    percentage: PercentageField | None = None

    @model_validator(mode="after")
    def _one_delay(self) -> Delay:
        if (self.fixed_delay is None) == (self.exponential_delay is None):
            raise ValueError("give exactly one of fixedDelay or exponentialDelay")
        return self


class Abort(Base):
    http_status: int | None = Field(default=None, ge=200, le=599)
    grpc_status: str | None = None
    http2_error: str | None = None
    percentage: PercentageField | None = None

    @model_validator(mode="after")
    def _one_error(self) -> Abort:
        given = [self.http_status, self.grpc_status, self.http2_error]
        if sum(v is not None for v in given) != 1:
            raise ValueError("give exactly one of httpStatus, grpcStatus or http2Error")
        return self


class Fault(Base):
    delay: Delay | None = None
    abort: Abort | None = None

    @model_validator(mode="after")
    def _something(self) -> Fault:
        if self.delay is None and self.abort is None:
            raise ValueError("a fault needs a delay, an abort or both")
        return self


MirrorField = Annotated[
    Destination,
    BeforeValidator(bare("subset", str), json_schema_input_type=Destination | str),
]


class CorsPolicy(Base):
    allow_origins: list[StringMatchField] | None = None
    allow_methods: list[str] | None = None
    allow_headers: list[str] | None = None
    expose_headers: list[str] | None = None
    max_age: Duration | None = None
    allow_credentials: bool | None = None
    unmatched_preflights: Literal["UNSPECIFIED", "FORWARD", "IGNORE"] | None = None


class RegexRewrite(Base):
    match: str
    rewrite: str


class Rewrite(Base):
    uri: str | None = None
    authority: str | None = None
    uri_regex_rewrite: RegexRewrite | None = None


class Redirect(Base):
    uri: str | None = None
    authority: str | None = None
    port: int | None = Field(default=None, ge=1, le=65535)
    derive_port: Literal["FROM_PROTOCOL_DEFAULT", "FROM_REQUEST_PORT"] | None = None
    scheme: str | None = None
    redirect_code: int | None = Field(default=None, ge=300, le=399)


class ResponseBody(Base):
    string: str | None = None
    bytes: str | None = None


class DirectResponse(Base):
    status: int = Field(ge=200, le=599)
    body: (
        Annotated[
            ResponseBody,
            BeforeValidator(bare("string", str), json_schema_input_type=ResponseBody | str),
        ]
        | None
    ) = None


MatchField = Annotated[
    list[Match], BeforeValidator(one_or_many(dict), json_schema_input_type=Match | list[Match])
]


class RouteRule(Base):
    """One HTTP rule. Rules are tried in order; the first whose match holds wins.

    With no ``route``, ``redirect`` or ``directResponse``, the rule sends traffic to the
    service itself.
    """

    name: str | None = None
    match: MatchField | None = Field(
        default=None,
        description="Conditions: one set (a mapping) or alternatives (a list). "
        "A string condition is an exact match.",
    )
    route: RouteField | None = Field(
        default=None,
        description="Where traffic goes: a subset name (`v1`), subsets with weights "
        "(`{v1: 90, v2: 10}`), one place (`{service: other, subset: v2}`, `{host: ...}`) "
        "or a list of places. Left out: the service itself.",
    )
    redirect: Redirect | None = None
    direct_response: DirectResponse | None = None
    rewrite: Rewrite | None = None
    timeout: Duration | None = None
    retries: Retries | None = None
    fault: Fault | None = None
    mirror: MirrorField | None = Field(
        default=None,
        description="Where a copy of each request goes (responses are discarded): a subset "
        "name or a place like `route`'s.",
    )
    mirror_percentage: PercentageField | None = None
    cors_policy: CorsPolicy | None = None
    headers: Headers | None = None

    @model_validator(mode="after")
    def _one_action(self) -> RouteRule:
        actions = [
            name
            for name, value in (
                ("route", self.route),
                ("redirect", self.redirect),
                ("directResponse", self.direct_response),
            )
            if value is not None
        ]
        if len(actions) > 1:
            raise ValueError(
                "a rule takes one of route, redirect or directResponse, "
                f"not {' and '.join(actions)}"
            )
        if self.route is not None and not self.route:
            raise ValueError("route is empty; leave it out to send traffic to the service itself")
        if self.mirror_percentage is not None and self.mirror is None:
            raise ValueError("mirrorPercentage needs a mirror")
        return self

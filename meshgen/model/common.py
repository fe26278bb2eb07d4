"""Building blocks shared by every part of the model."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    model_validator,
)
from pydantic.alias_generators import to_camel

from meshgen.manifests.values import duration_nanoseconds


class Base(BaseModel):
    """Model files use Istio's camelCase field names; Python code may use snake_case."""

    model_config = ConfigDict(
        extra="forbid",
        alias_generator=to_camel,
        validate_by_name=True,
        validate_by_alias=True,
        serialize_by_alias=True,
        use_enum_values=True,
        strict=True,  # as Istio's schema: a quoted number is not a number
    )

    def to_istio(self) -> dict[str, Any]:
        """This part of the model in Istio's own shape, unset fields left out."""
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)


# Go's time.ParseDuration format, which is what Istio accepts: 1h, 3m, 2s, 1.5s, 100ms
# (checked by duration_nanoseconds; the pattern is for editors, in the JSON Schema).
_DURATION = re.compile(r"(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:ns|us|µs|ms|s|m|h)")
_DURATIONS = re.compile(rf"(?:{_DURATION.pattern})+")


def _check_duration(value: str) -> str:
    if duration_nanoseconds(value) is None or value.startswith(("-", "+")):
        raise ValueError(
            f"'{value}' is not a duration; write a number with a unit, like 2s, 100ms, 3m or 1h"
        )
    return value


def _duration_from_number(value: Any) -> Any:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        raise ValueError(f"a duration needs a unit: write '{value}s' for seconds")
    return value


Duration = Annotated[
    str,
    BeforeValidator(_duration_from_number),
    AfterValidator(_check_duration),
    Field(json_schema_extra={"pattern": f"^{_DURATIONS.pattern}$"}),
]


def bare(field: str, *kinds: type) -> Callable[[Any], Any]:
    """A before-validator for a short form: a bare value of one of ``kinds`` stands for
    ``{field: value}`` (``50`` for ``{value: 50}``, ``8080`` for ``{number: 8080}``)."""

    def expand(value: Any) -> Any:
        if isinstance(value, kinds) and not isinstance(value, bool):
            return {field: value}
        return value

    return expand


def one_or_many(*kinds: type) -> Callable[[Any], Any]:
    """A before-validator for a short form: a single value of ``kinds`` stands for a
    list of one."""

    def expand(value: Any) -> Any:
        return [value] if isinstance(value, kinds) else value

    return expand


class Percentage(Base):
    value: float = Field(ge=0, le=100)


PercentageField = Annotated[
    Percentage,
    BeforeValidator(bare("value", int, float), json_schema_input_type=Percentage | float),
]
"""A percentage: ``50`` or Istio's ``{value: 50}``."""


class StringMatch(Base):
    exact: str | None = None
    prefix: str | None = None
    regex: str | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> StringMatch:
        chosen = [k for k in ("exact", "prefix", "regex") if getattr(self, k) is not None]
        if len(chosen) > 1:  # none at all is allowed: for a header, it tests presence
            raise ValueError(f"give one of exact, prefix or regex, not {' and '.join(chosen)}")
        return self


StringMatchField = Annotated[
    StringMatch,
    BeforeValidator(bare("exact", str), json_schema_input_type=StringMatch | str),
]
"""A string condition: ``v2`` (exact) or ``{exact|prefix|regex: ...}``."""


class PortSelector(Base):
    number: int = Field(ge=1, le=65535)


PortSelectorField = Annotated[
    PortSelector,
    BeforeValidator(bare("number", int), json_schema_input_type=PortSelector | int),
]
"""A port: ``8080`` or ``{number: 8080}``."""

Labels = dict[str, str]


class ResourceOverride(Base):
    """Overrides for one generated resource's metadata and visibility."""

    name: str | None = None
    namespace: str | None = None
    labels: Labels | None = None
    annotations: dict[str, str] | None = None
    export_to: list[str] | None = None
    spec: dict[str, Any] | None = Field(
        default=None,
        description="Spec fields written as given, over what meshgen generates: for what "
        "the model does not express (tcp and tls routes, say).",
    )

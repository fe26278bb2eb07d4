"""Schemas by (apiVersion, kind), compiled into validators once and reused."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from meshgen._resources import data_dir
from meshgen.releases import GATEWAY_API_RELEASE, ISTIO_RELEASE, KUBERNETES_RELEASE
from meshgen.validation.structural import to_json_schema

if TYPE_CHECKING:
    from importlib.abc import Traversable

ISTIO_GROUP = "networking.istio.io"
# The Kubernetes kinds meshgen writes, from schemas/kubernetes/ (see its provenance.json).
KUBERNETES_KINDS = (
    ("v1", "Namespace"),
    ("v1", "ServiceAccount"),
    ("v1", "Service"),
    ("apps/v1", "Deployment"),
)


class Validator:
    """One JSON Schema, checked fast and explained in full.

    A compiled validator (jsonschema-rs) gives the verdict; only documents it rejects are
    run through jsonschema, whose errors carry the detail findings need. Both are built
    on first use. Their verdicts agree on every corpus the tests hold.
    """

    def __init__(self, schema: dict[str, Any]) -> None:
        self.schema = schema
        self._fast: Any = None
        self._full: Any = None

    def verdict(self, instance: Any) -> bool | None:
        """The compiled validator's verdict, or None when it cannot decide."""
        if self._fast is None:
            import jsonschema_rs

            try:
                self._fast = jsonschema_rs.Draft202012Validator(
                    self.schema,
                    retriever=_refuse_retrieval,
                    pattern_options=jsonschema_rs.RegexOptions(),  # linear time, as RE2
                )
            except ValueError:  # a schema it cannot compile: always explain in full
                self._fast = False
        if self._fast is False:
            return None
        try:
            return bool(self._fast.is_valid(instance))
        except ValueError:  # keys that are not strings: left to jsonschema
            return None

    def iter_errors(self, instance: Any) -> Iterator[Any]:
        if self.verdict(instance):
            return iter(())
        errors: Iterator[Any] = self.full.iter_errors(instance)
        return errors

    @property
    def full(self) -> Any:
        """The pure-Python validator, whose errors are explained field by field."""
        if self._full is None:
            self._full = _explaining_validator()(self.schema)
        return self._full


def _refuse_retrieval(uri: str) -> Any:
    raise ValueError(f"meshgen does not fetch {uri}")


@lru_cache(maxsize=1)
def _explaining_validator() -> Any:
    """jsonschema's Draft 2020-12 validator with ``pattern`` matched by RE2, as Kubernetes
    does: no pattern can take exponential time on a hostile value."""
    from jsonschema import Draft202012Validator, validators
    from jsonschema.exceptions import ValidationError

    from meshgen.manifests.hosts import compile_regex

    def pattern(validator: Any, expected: str, instance: Any, schema: Any) -> Any:
        if not validator.is_type(instance, "string"):
            return
        try:
            found = compile_regex(expected).search(instance)
        except ValueError:
            return  # a pattern RE2 refuses is the schema's problem, not the document's
        if found is None:
            yield ValidationError(f"{instance!r} does not match {expected!r}")

    return validators.extend(Draft202012Validator, {"pattern": pattern})  # type: ignore[no-untyped-call]


@dataclass
class SchemaSet:
    """Structural schemas keyed by (apiVersion, kind), and the validators built from them."""

    schemas: dict[tuple[str, str], dict[str, Any]]
    source: str
    _validators: dict[tuple[str, str], Any] = field(default_factory=dict, repr=False)
    _with_rules: dict[tuple[str, str], bool] = field(default_factory=dict, repr=False)
    _with_defaults: dict[tuple[str, str], bool] = field(default_factory=dict, repr=False)

    def served_versions(self, group: str, kind: str) -> list[str]:
        return [
            api_version.partition("/")[2]
            for api_version, known in self.schemas
            if known == kind and api_version.partition("/")[0] == group
        ]

    def knows_kind(self, group: str, kind: str) -> bool:
        return bool(self.served_versions(group, kind))

    def schema(self, api_version: str, kind: str) -> dict[str, Any] | None:
        return self.schemas.get((api_version, kind))

    def overlaid(self, other: SchemaSet) -> SchemaSet:
        """This set with ``other``'s schemas added, and preferred where both have one."""
        return SchemaSet({**self.schemas, **other.schemas}, f"{other.source}, then {self.source}")

    def rule_violations(self, api_version: str, kind: str, value: Any) -> list[Any]:
        """Each CEL rule of the schema that ``value`` (defaults applied) breaks (see
        cel.Violation)."""
        structural = self.schemas.get((api_version, kind))
        if structural is None or not self._has_rules(api_version, kind):
            return []
        from meshgen.validation.cel import violations

        return list(violations(structural, value))

    def defaulted(self, api_version: str, kind: str, value: Any) -> Any:
        """``value`` with the schema's defaults applied, as the API server does before
        validating it."""
        key = (api_version, kind)
        structural = self.schemas.get(key)
        if structural is None:
            return value
        if key not in self._with_defaults:
            self._with_defaults[key] = '"default"' in json.dumps(structural)
        if not self._with_defaults[key]:
            return value
        from meshgen.validation.cel import with_defaults

        return with_defaults(structural, value)

    def _has_rules(self, api_version: str, kind: str) -> bool:
        key = (api_version, kind)
        if key not in self._with_rules:
            text = json.dumps(self.schemas[key])
            # CEL rules, or lists whose items must differ (their check walks the same way)
            self._with_rules[key] = "x-kubernetes-validations" in text or any(
                f'"x-kubernetes-list-type": "{kind}"' in text for kind in ("map", "set")
            )
        return self._with_rules[key]

    def validator(self, api_version: str, kind: str) -> Validator | None:
        """The validator for a kind and version, or None when that pair is not served."""
        key = (api_version, kind)
        if key not in self._validators:
            structural = self.schemas.get(key)
            if structural is None:
                return None
            complete = _with_implicit_fields(structural, api_version, kind)
            self._validators[key] = Validator(to_json_schema(complete))
        validator: Validator = self._validators[key]
        return validator


_OBJECT_META = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"


def _with_implicit_fields(schema: dict[str, Any], api_version: str, kind: str) -> dict[str, Any]:
    """The schema with the fields every Kubernetes object has, which CRDs leave implicit:
    apiVersion, kind, and metadata (checked as ObjectMeta)."""
    properties = schema.get("properties") or {}
    if {"apiVersion", "kind", "metadata"} <= set(properties):
        return schema
    defs = _object_meta_defs()
    implicit = {
        "apiVersion": {"type": "string", "enum": [api_version]},
        "kind": {"type": "string", "enum": [kind]},
        "metadata": {"$ref": f"#/$defs/{_OBJECT_META}"},
    }
    return {
        **schema,
        "properties": {**implicit, **properties},
        "$defs": {**defs, **(schema.get("$defs") or {})},
    }


@lru_cache(maxsize=1)
def _object_meta_defs() -> dict[str, Any]:
    """ObjectMeta and what it refers to, as bundled with the Istio schemas."""
    defs: dict[str, Any] = bundled().schemas[(f"{ISTIO_GROUP}/v1", "Gateway")]["$defs"]
    return defs


@lru_cache(maxsize=1)
def bundled() -> SchemaSet:
    """The schemas shipped with meshgen (see provenance.json in schemas/istio and
    schemas/kubernetes)."""
    folder = data_dir("schemas")
    schemas = {**_by_group(folder / "istio"), **_by_group(folder / "gateway-api")}
    for api_version, kind in KUBERNETES_KINDS:
        path = folder / "kubernetes" / api_version / f"{kind}.json"
        schemas[(api_version, kind)] = json.loads(path.read_text("utf-8"))
    releases = f"Istio {ISTIO_RELEASE}, Gateway API {GATEWAY_API_RELEASE}"
    return SchemaSet(schemas, f"bundled schemas ({releases}, Kubernetes {KUBERNETES_RELEASE})")


def _by_group(folder: Traversable) -> dict[tuple[str, str], dict[str, Any]]:
    """The schemas of a folder of ``<group>/<version>/<Kind>.json``."""
    schemas = {}
    for group in folder.iterdir():
        for version in group.iterdir() if group.is_dir() else ():
            for path in version.iterdir():
                kind = path.name.removesuffix(".json")
                schemas[(f"{group.name}/{version.name}", kind)] = json.loads(
                    path.read_text("utf-8")
                )
    return schemas


GATEWAY_API_CHANNELS = ("experimental", "standard")


def schemas_for(crds: str | None, gateway_api_channel: str = "experimental") -> SchemaSet:
    """The bundled schemas (with the Gateway API kinds of ``gateway_api_channel``),
    overlaid with those of a CRD file or bundle when one is given."""
    base = bundled() if gateway_api_channel == "experimental" else _standard_channel()
    if not crds:
        return base
    from meshgen.validation.crds import load_schema_file

    return base.overlaid(load_schema_file(crds))


@lru_cache(maxsize=1)
def _standard_channel() -> SchemaSet:
    everything = bundled()
    schemas = {}
    for key, schema in everything.schemas.items():
        if key[0].partition("/")[0] not in _GATEWAY_API_GROUPS:
            schemas[key] = schema
        elif (standard := standard_channel(schema)) is not None:
            schemas[key] = standard
    source = everything.source.replace(GATEWAY_API_RELEASE, f"{GATEWAY_API_RELEASE} standard")
    return SchemaSet(schemas, source)


_GATEWAY_API_GROUPS = ("gateway.networking.k8s.io", "gateway.networking.x-k8s.io")


def standard_channel(schema: dict[str, Any]) -> dict[str, Any] | None:
    """A bundled Gateway API schema as the standard channel has it (None: the channel
    does not serve it): experimental fields dropped, constraints stated as the channel
    states them (``x-meshgen-standard``)."""
    if schema.get("x-meshgen-channel") == "experimental":
        return None
    node = {k: v for k, v in schema.items() if k != "x-meshgen-standard"}
    for key, value in (schema.get("x-meshgen-standard") or {}).items():
        if value is None:
            node.pop(key, None)
        else:
            node[key] = value
    if isinstance(node.get("properties"), dict):
        kept = {name: standard_channel(child) for name, child in node["properties"].items()}
        node["properties"] = {name: child for name, child in kept.items() if child is not None}
    for key in ("items", "additionalProperties"):
        if isinstance(node.get(key), dict):
            node[key] = standard_channel(node[key]) or {}
    return node

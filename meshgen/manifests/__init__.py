"""Istio manifests as data: the one home of what meshgen knows about them.

Kinds and their API groups, and :class:`Manifest`, the read-only view of one document
that every stage uses (its identity with Istio's defaults, its spec, the codes it opts
out of, and where it came from). :mod:`.sources` reads input and tells resources from
models; :mod:`.hosts` resolves hosts as Istio does; :mod:`.index` is the mesh that
cross-resource checks and explain look things up in.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

from meshgen.findings import Finding, Resource, format_path

if TYPE_CHECKING:
    from meshgen.manifests.sources import Source

ISTIO_NETWORKING = "networking.istio.io"

# Every Istio kind, by API group.
ISTIO_KINDS: dict[str, tuple[str, ...]] = {
    ISTIO_NETWORKING: (
        "Gateway",
        "VirtualService",
        "DestinationRule",
        "ServiceEntry",
        "Sidecar",
        "WorkloadEntry",
        "WorkloadGroup",
        "EnvoyFilter",
        "ProxyConfig",
    ),
    "security.istio.io": ("AuthorizationPolicy", "PeerAuthentication", "RequestAuthentication"),
    "telemetry.istio.io": ("Telemetry",),
    "extensions.istio.io": ("WasmPlugin",),
}
ROUTING_KINDS = ("Gateway", "VirtualService", "DestinationRule")

# What marks a meshgen model file, as kustomize and skaffold files mark theirs.
MODEL_API_VERSION = "meshgen.io/v1alpha1"
MODEL_KIND = "Mesh"

DEFAULT_NAMESPACE = "default"
ROOT_NAMESPACE = "istio-system"  # where mesh-wide configuration lives
IGNORE_ANNOTATION = "meshgen.io/ignore"


def mapping(value: Any) -> dict[Any, Any]:
    """``value`` if it is a mapping, else an empty one: input is not trusted to be shaped."""
    return value if isinstance(value, dict) else {}


def sequence(value: Any) -> list[Any]:
    """``value`` if it is a list, else an empty one."""
    return value if isinstance(value, list) else []


_CANONICAL = json.JSONEncoder(sort_keys=True, default=str)


def canonical(value: Any) -> str:
    """``value`` as text that is equal for equal data whatever the order of its keys: a
    key to compare or remember values by."""
    return _CANONICAL.encode(value)


def group_of(api_version: str) -> str:
    """``networking.istio.io/v1`` -> ``networking.istio.io``; ``v1`` (core) -> ``""``."""
    return api_version.rpartition("/")[0]


def is_istio(document: dict[str, Any]) -> bool:
    api_version = document.get("apiVersion")
    return isinstance(api_version, str) and group_of(api_version) in ISTIO_KINDS


Identity = tuple[str, str, str]  # (kind, namespace, name)


def identity(document: dict[str, Any]) -> Identity:
    """(kind, namespace, name), the namespace defaulted as Istio does."""
    metadata = mapping(document.get("metadata"))
    namespace = metadata.get("namespace")
    return (
        str(document.get("kind")),
        namespace if isinstance(namespace, str) and namespace else DEFAULT_NAMESPACE,
        str(metadata.get("name")),
    )


def resource_of(document: dict[str, Any]) -> Resource:
    """Which resource a finding is about, as written (no namespace when none is given)."""
    metadata = mapping(document.get("metadata"))
    name, namespace = metadata.get("name"), metadata.get("namespace")
    return Resource(
        str(document.get("kind")),
        namespace if isinstance(namespace, str) else None,
        name if isinstance(name, str) else None,
    )


def ignored_codes(document: dict[str, Any]) -> frozenset[str]:
    """Codes a resource opts out of: ``meshgen.io/ignore: "MG2104,IST0128"``."""
    annotations = mapping(mapping(document.get("metadata")).get("annotations"))
    value = annotations.get(IGNORE_ANNOTATION)
    if not isinstance(value, str):
        return frozenset()
    return frozenset(code.strip() for code in value.split(",") if code.strip())


@dataclass(frozen=True, eq=False)
class Manifest:
    """One Kubernetes resource read from the input, and where it came from (what checks
    read of its document is computed once: the document is never changed).

    ``valid`` says the schema accepted it, so checks may trust its types; ``reported``
    is False for context the user gave only for lookups, whose own problems are not
    reported.
    """

    document: dict[str, Any]
    source: Source | None = None
    index: int = 0  # the document's position in its file
    reported: bool = True
    valid: bool = True
    at: tuple[Any, ...] = ()  # where in the document it sits: ("items", 3) in a List

    def finding(
        self, code: str, message: str, path: tuple[Any, ...] = (), **fields: Any
    ) -> Finding:
        """A finding about this resource, placed at ``path`` below it."""
        if self.source is None:
            return Finding(code, message, path=format_path((*self.at, *path)), **fields)
        return self.source.finding(
            code,
            message,
            (*self.at, *path),
            document=self.index,
            resource=self.resource,
            **fields,
        )

    @cached_property
    def kind(self) -> str:
        return str(self.document.get("kind"))

    @cached_property
    def api_version(self) -> str:
        return str(self.document.get("apiVersion"))

    @cached_property
    def namespace(self) -> str:
        return identity(self.document)[1]

    @cached_property
    def name(self) -> str:
        return identity(self.document)[2]

    @cached_property
    def identity(self) -> Identity:
        return identity(self.document)

    @property
    def ref(self) -> str:
        """``namespace/name``, as Istio's messages name resources."""
        return f"{self.namespace}/{self.name}"

    @cached_property
    def metadata(self) -> dict[str, Any]:
        return mapping(self.document.get("metadata"))

    @cached_property
    def spec(self) -> dict[str, Any]:
        return mapping(self.document.get("spec"))

    @property
    def resource(self) -> Resource:
        return resource_of(self.document)

    @property
    def ignored(self) -> frozenset[str]:
        return ignored_codes(self.document)

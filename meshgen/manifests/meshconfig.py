"""Istio's mesh settings (MeshConfig), the few the analysis reads, with Istio's defaults.

Read from a file as `istioctl analyze --meshConfigFile` reads it (the MeshConfig itself),
or as a repository keeps it: the `istio` ConfigMap (`data.mesh`), or an IstioOperator or
Helm values file (`meshConfig`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from meshgen import yamlio
from meshgen.errors import InputError
from meshgen.findings import Finding
from meshgen.manifests import mapping, sequence


@dataclass(frozen=True)
class MeshConfig:
    root_namespace: str = "istio-system"
    proxy_metadata: dict[str, Any] = field(default_factory=dict)
    image_type: str | None = None
    default_access_logging: tuple[str, ...] = ()
    extension_providers: dict[str, str] = field(default_factory=dict)  # name -> type

    @classmethod
    def of(cls, settings: dict[str, Any]) -> MeshConfig:
        proxy = mapping(settings.get("defaultConfig"))
        image_type = mapping(proxy.get("image")).get("imageType")
        providers: dict[str, str] = {}
        for provider in sequence(settings.get("extensionProviders")):
            provider = mapping(provider)
            kinds = [k for k in provider if k != "name"]
            if isinstance(provider.get("name"), str) and kinds:
                providers[provider["name"]] = kinds[0]
        root = settings.get("rootNamespace")
        return cls(
            root_namespace=root if isinstance(root, str) and root else "istio-system",
            proxy_metadata=dict(mapping(proxy.get("proxyMetadata"))),
            image_type=image_type if isinstance(image_type, str) else None,
            default_access_logging=tuple(
                str(p)
                for p in sequence(mapping(settings.get("defaultProviders")).get("accessLogging"))
            ),
            extension_providers=providers,
        )

    @property
    def allocates_addresses(self) -> bool:
        """Whether proxies capture DNS and Istio allocates addresses to ServiceEntries."""
        flags = self.proxy_metadata
        return flags.get("ISTIO_META_DNS_CAPTURE") == "true" and (
            flags.get("ISTIO_META_DNS_AUTO_ALLOCATE") == "true"
            or flags.get("PILOT_ENABLE_IP_AUTOALLOCATE") == "true"
        )


DEFAULT = MeshConfig()


def _settings_in(document: Any) -> dict[str, Any] | None:
    """The MeshConfig a document holds, in any of the forms it is kept in."""
    if not isinstance(document, dict):
        return None
    if document.get("kind") == "ConfigMap":
        mesh = mapping(document.get("data")).get("mesh")
        return mapping(yamlio.load_one(mesh)) if isinstance(mesh, str) else None
    if document.get("kind") == "IstioOperator":
        return mapping(mapping(document.get("spec")).get("meshConfig"))
    if "meshConfig" in document:
        return mapping(document.get("meshConfig"))
    return None if "kind" in document else document


def in_cluster(config_map: dict[str, Any]) -> MeshConfig | None:
    """The mesh settings in the `istio` ConfigMap (None when its `data.mesh` cannot be
    read: then Istio's defaults apply)."""
    try:
        settings = _settings_in(config_map)
    except InputError:
        return None
    return MeshConfig.of(settings) if settings is not None else None


def read_mesh_config(path: str, limits: yamlio.Limits = yamlio.DEFAULT_LIMITS) -> MeshConfig:
    """The mesh settings in a file; InputError (with the file and line) when it holds none."""
    text = yamlio.read_text(path, limits)
    documents = [d for d in yamlio.load_all(text, path, limits) if d is not None]
    try:
        found = [s for s in map(_settings_in, documents) if s is not None]
    except InputError as e:
        raise InputError(f"{path}: data.mesh is not YAML: {e}") from None
    if len(found) != 1:
        message = (
            "holds no mesh settings (a MeshConfig, the istio ConfigMap, or an "
            "IstioOperator with meshConfig)"
            if not found
            else f"holds {len(found)} sets of mesh settings; give one"
        )
        raise InputError(f"{path}: {message}", [Finding("MG003", message, path, 1, 1)])
    return MeshConfig.of(found[0])

"""Istio's mesh settings (MeshConfig), the few the analysis reads, with Istio's defaults,
and the mesh networks (MeshNetworks).

Read from a file as `istioctl analyze --meshConfigFile` reads it (the MeshConfig itself,
and a MeshNetworks document: `networks:`), or as a repository keeps them: the `istio`
ConfigMap (`data.mesh`, `data.meshNetworks`), or an IstioOperator or Helm values file
(`meshConfig`).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from meshgen import yamlio
from meshgen.errors import InputError
from meshgen.findings import Finding
from meshgen.manifests import Manifest, mapping, sequence
from meshgen.manifests.sources import Source


@dataclass(frozen=True)
class MeshNetworks:
    """The mesh networks, and the resource and path findings about them point at."""

    networks: dict[str, Any]
    subject: Manifest
    at: tuple[Any, ...]


@dataclass(frozen=True)
class MeshConfig:
    root_namespace: str = "istio-system"
    proxy_metadata: dict[str, Any] = field(default_factory=dict)
    image_type: str | None = None
    default_access_logging: tuple[str, ...] = ()
    extension_providers: dict[str, str] = field(default_factory=dict)  # name -> type
    mesh_networks: MeshNetworks | None = None

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


def _networks_in(config_map: Manifest) -> MeshNetworks | None:
    text = mapping(config_map.document.get("data")).get("meshNetworks")
    if not isinstance(text, str):
        return None
    networks = mapping(mapping(yamlio.load_one(text)).get("networks"))
    return MeshNetworks(networks, config_map, ("data", "meshNetworks"))


def in_cluster(config_map: Manifest) -> MeshConfig | None:
    """The mesh settings and networks in the `istio` ConfigMap (None when they cannot be
    read: then Istio's defaults apply)."""
    try:
        settings = _settings_in(config_map.document)
        networks = _networks_in(config_map)
    except InputError:
        return None
    if settings is None and networks is None:
        return None
    return replace(MeshConfig.of(settings or {}), mesh_networks=networks)


_NONE_FOUND = (
    "holds no mesh settings (a MeshConfig, a MeshNetworks, the istio ConfigMap, or an "
    "IstioOperator with meshConfig)"
)


def read_mesh_config(path: str, limits: yamlio.Limits = yamlio.DEFAULT_LIMITS) -> MeshConfig:
    """The mesh settings and networks in a file; InputError (with the file and line) when
    it holds neither, or either twice."""
    text = yamlio.read_text(path, limits)
    source = Source(path, text)
    settings: list[dict[str, Any]] = []
    networks: list[MeshNetworks] = []
    for index, document in enumerate(yamlio.load_all(text, path, limits)):
        if not isinstance(document, dict):
            continue
        try:
            if "networks" in document and "kind" not in document:
                named = {
                    **document,
                    "kind": "MeshNetworks",
                    "metadata": {"name": "meshnetworks", "namespace": "istio-system"},
                }
                subject = Manifest(named, source, index)
                networks.append(MeshNetworks(mapping(document["networks"]), subject, ("networks",)))
                continue
            if document.get("kind") == "ConfigMap":
                found = _networks_in(Manifest(document, source, index))
                networks += [found] if found is not None else []
            found_settings = _settings_in(document)
        except InputError as e:
            raise InputError(f"{path}: the ConfigMap's settings are not YAML: {e}") from None
        settings += [found_settings] if found_settings is not None else []
    problem = (
        _NONE_FOUND
        if not settings and not networks
        else f"holds {len(settings)} sets of mesh settings; give one"
        if len(settings) > 1
        else f"holds {len(networks)} sets of mesh networks; give one"
        if len(networks) > 1
        else None
    )
    if problem is not None:
        raise InputError(f"{path}: {problem}", [Finding("MG003", problem, path, 1, 1)])
    return replace(
        MeshConfig.of(settings[0] if settings else {}),
        mesh_networks=networks[0] if networks else None,
    )

"""Meshes across clusters: the mesh networks against the clusters the input names."""

from __future__ import annotations

from collections.abc import Iterator

from meshgen.manifests import mapping, sequence
from meshgen.manifests.index import MeshIndex
from meshgen.validation.rules.registry import ERROR, Problem, rule

_BUILT_IN_REGISTRIES = frozenset({"Mock", "Kubernetes", "External"})


def _clusters(mesh: MeshIndex) -> set[str]:
    """The clusters of the remote secrets in the input (Secrets labelled
    `istio/multiCluster: "true"`, one cluster per data key)."""
    found: set[str] = set()
    for manifest in mesh.manifests:
        labels = mapping(manifest.metadata.get("labels"))
        if manifest.kind == "Secret" and labels.get("istio/multiCluster") == "true":
            found.update(str(k) for k in mapping(manifest.document.get("data")))
    return found


@rule(
    "MG2459",
    ("MeshNetworks", "Secret"),
    ERROR,
    "mesh network endpoints from a registry the mesh does not have",
    "IST0126",
    istio="IST0126",
    scope="mesh",
)
def unknown_registries(mesh: MeshIndex) -> Iterator[Problem]:
    """A mesh network's `endpoints[].fromRegistry` names neither a built-in registry
    (Kubernetes, External, Mock; the case counts) nor a cluster of the remote secrets in
    the input: the network gets no endpoints. Checked on the mesh networks of
    `--mesh-config` or the istio ConfigMap."""
    networks = mesh.settings.mesh_networks
    if networks is None:
        return
    known = _BUILT_IN_REGISTRIES | _clusters(mesh)
    for name, network in networks.networks.items():
        for k, endpoint in enumerate(sequence(mapping(network).get("endpoints"))):
            registry = mapping(endpoint).get("fromRegistry")
            if isinstance(registry, str) and registry not in known:
                where = (
                    (*networks.at, name, "endpoints", k, "fromRegistry")
                    if networks.at == ("networks",)
                    else networks.at
                )
                yield Problem(
                    where,
                    f"network {name} takes endpoints from registry {registry}, which is "
                    f"neither built in nor a cluster of the input's remote secrets "
                    f"({', '.join(sorted(known))})",
                    networks.subject,
                )

"""Sidecars, AuthorizationPolicies and Telemetries against the pods they select."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from meshgen.manifests import Manifest, group_of, mapping, sequence
from meshgen.manifests.gatewayapi import GATEWAY_API
from meshgen.manifests.index import MeshIndex
from meshgen.manifests.selectors import carries, selector_text
from meshgen.validation.rules.analyzers.lookups import (
    ambient_namespace,
    ambient_pod,
    in_mesh,
    namespace_labels,
    selecting_nothing,
    selecting_one_pod,
    sidecar_scope,
)
from meshgen.validation.rules.registry import ERROR, WARNING, Problem, rule


@rule(
    "MG2418",
    ("Sidecar", "Pod", "Deployment", "Namespace"),
    ERROR,
    "Sidecar whose workload selector matches no pod of its namespace",
    "IST0101",
    scope="mesh",
)
def sidecar_without_workload(mesh: MeshIndex) -> Iterator[Problem]:
    """A Sidecar's `workloadSelector` selects no pod of its own namespace, so it configures
    nothing. Checked when the input holds pods; a warning unless `--complete`."""
    yield from selecting_nothing(mesh, "Sidecar")


@rule(
    "MG2419",
    ("Sidecar", "Pod", "Deployment"),
    ERROR,
    "pod selected by several Sidecars",
    "IST0110",
    scope="mesh",
)
def sidecars_selecting_one_pod(mesh: MeshIndex) -> Iterator[Problem]:
    """Two Sidecars of a namespace select the same pod: which one configures it is
    undefined. Give them selectors that do not overlap."""
    yield from selecting_one_pod(mesh, "Sidecar", skip_ambient=True)


@rule(
    "MG2420",
    ("Sidecar", "Namespace"),
    ERROR,
    "several Sidecars without a workload selector in one namespace",
    "IST0111",
    scope="mesh",
)
def namespace_sidecars(mesh: MeshIndex) -> Iterator[Problem]:
    """A namespace has at most one Sidecar without a `workloadSelector` (its default);
    with two, which one applies is undefined. An ambient namespace is left to MG2421."""
    namespaces = namespace_labels(mesh)
    scoped: dict[str, list[Manifest]] = defaultdict(list)
    for entry, labels in sidecar_scope(mesh):
        if not labels and not ambient_namespace(namespaces.get(entry.namespace, {})):
            scoped[entry.namespace].append(entry)
    for namespace, entries in scoped.items():
        if len(entries) > 1:
            names = ", ".join(sorted(e.name for e in entries))
            for entry in entries:
                yield Problem(
                    ("metadata", "name"),
                    f"Sidecars {names} all apply to namespace {namespace} (none selects "
                    "workloads); keep one",
                    entry,
                )


@rule(
    "MG2421",
    ("Sidecar", "Namespace", "Pod"),
    WARNING,
    "Sidecar in ambient mode, where it has no effect",
    "IST0167",
    scope="mesh",
)
def ambient_sidecar(mesh: MeshIndex) -> Iterator[Problem]:
    """Ambient workloads have no sidecar: a Sidecar for an ambient namespace, or selecting
    ambient pods, configures nothing."""
    namespaces = namespace_labels(mesh)
    for entry, labels in sidecar_scope(mesh):
        if not labels and ambient_namespace(namespaces.get(entry.namespace, {})):
            yield Problem(
                ("metadata", "name"),
                f"namespace {entry.namespace} is in ambient mode; this Sidecar has no effect",
                entry,
            )
        elif labels and any(
            p.namespace == entry.namespace and ambient_pod(p) for p, _ in mesh.pods(labels)
        ):
            yield Problem(
                ("spec", "workloadSelector"),
                "the selected workload is in ambient mode; this Sidecar has no effect",
                entry,
            )


@rule(
    "MG2427",
    ("AuthorizationPolicy", "Pod", "Deployment", "Namespace"),
    WARNING,
    "AuthorizationPolicy that selects no workload in the mesh",
    "IST0127",
    scope="mesh",
)
def policy_without_workload(mesh: MeshIndex) -> Iterator[Problem]:
    """An AuthorizationPolicy's selector matches no pod with a sidecar (or in ambient mode)
    of its namespace (of any namespace for the mesh's root namespace), or a
    namespace-wide policy has no such pod to apply to. Checked when the input holds pods."""
    if not mesh.knows_pods:
        return
    namespaces = namespace_labels(mesh)
    meshed = {id(m) for m in mesh.runs_pods() if in_mesh(m, namespaces)}
    for entry in mesh.of_kind("AuthorizationPolicy"):
        selector = mapping(mapping(entry.spec.get("selector")).get("matchLabels"))
        root = entry.namespace == mesh.settings.root_namespace
        if root and not selector:
            continue
        if not any(  # the pods carrying the labels, from the index: not every pod each time
            id(pod) in meshed and (root or pod.namespace == entry.namespace)
            for pod, _ in mesh.pods(selector)
        ):
            yield Problem(
                ("spec", "selector") if selector else ("metadata", "name"),
                f"no workload in the mesh matches {selector_text(selector)}"
                + ("" if root else f" in namespace {entry.namespace}"),
                entry,
            )


def _namespace_pattern_matches(pattern: str, names: set[str]) -> bool:
    if pattern == "*":
        return bool(names)
    if pattern.endswith("*"):
        return any(n.startswith(pattern[:-1]) for n in names)
    if pattern.startswith("*"):
        return any(n.endswith(pattern[1:]) for n in names)
    return any(n.lower() == pattern.lower() for n in names)


@rule(
    "MG2428",
    ("AuthorizationPolicy", "Namespace"),
    ERROR,
    "AuthorizationPolicy source namespace that no Namespace matches",
    "IST0101",
    scope="mesh",
)
def policy_unknown_namespace(mesh: MeshIndex) -> Iterator[Problem]:
    """A rule's `source.namespaces` (or `notNamespaces`) names a namespace, or a pattern,
    that no Namespace of the input matches. Checked when the input holds Namespaces; a
    warning unless `--complete`."""
    names = set(namespace_labels(mesh))
    if not names and not mesh.complete:
        return
    severity = None if mesh.complete else WARNING
    for entry in mesh.of_kind("AuthorizationPolicy"):
        for i, rule_ in enumerate(sequence(entry.spec.get("rules"))):
            for j, origin in enumerate(sequence(mapping(rule_).get("from"))):
                source = mapping(mapping(origin).get("source"))
                for field in ("namespaces", "notNamespaces"):
                    for k, pattern in enumerate(sequence(source.get(field))):
                        if isinstance(pattern, str) and not _namespace_pattern_matches(
                            pattern, names
                        ):
                            yield Problem(
                                ("spec", "rules", i, "from", j, "source", field, k),
                                f"no Namespace in the input matches {pattern}",
                                entry,
                                severity,
                            )


@rule(
    "MG2431",
    ("Telemetry", "Pod", "Deployment"),
    ERROR,
    "Telemetry whose selector matches no pod of its namespace",
    "IST0101",
    scope="mesh",
)
def telemetry_without_workload(mesh: MeshIndex) -> Iterator[Problem]:
    """A Telemetry's selector selects no pod of its own namespace, so it configures
    nothing. Checked when the input holds pods; a warning unless `--complete`."""
    yield from selecting_nothing(mesh, "Telemetry")


@rule(
    "MG2432",
    ("Telemetry", "Pod", "Deployment"),
    ERROR,
    "pod selected by several Telemetries",
    "IST0159",
    scope="mesh",
)
def telemetries_selecting_one_pod(mesh: MeshIndex) -> Iterator[Problem]:
    """Two Telemetries of a namespace select the same pod: which one applies is
    undefined."""
    yield from selecting_one_pod(mesh, "Telemetry", skip_ambient=False)


@rule(
    "MG2433",
    "Telemetry",
    ERROR,
    "several namespace-wide Telemetries in one namespace",
    "IST0160",
    scope="mesh",
)
def namespace_telemetries(mesh: MeshIndex) -> Iterator[Problem]:
    """A namespace has at most one Telemetry without `selector`; with two, which applies
    is undefined."""
    scoped: dict[str, list[Manifest]] = defaultdict(list)
    for entry in mesh.of_kind("Telemetry"):
        if "selector" not in entry.spec:
            scoped[entry.namespace].append(entry)
    for namespace, entries in scoped.items():
        if len(entries) > 1:
            names = ", ".join(sorted(e.name for e in entries))
            for entry in entries:
                yield Problem(
                    ("metadata", "name"),
                    f"Telemetries {names} all apply to namespace {namespace}; keep one",
                    entry,
                )


@rule(
    "MG2434",
    "Telemetry",
    WARNING,
    "access logging without a provider",
    "IST0157",
    scope="mesh",
)
def access_logging_without_provider(mesh: MeshIndex) -> Iterator[Problem]:
    """An `accessLogging` entry that is not disabled names no provider, and the mesh
    settings (`--mesh-config`, else Istio's defaults) name no default one either:
    nothing is logged."""
    if mesh.settings.default_access_logging:
        return
    for entry in mesh.of_kind("Telemetry"):
        for i, logging in enumerate(sequence(entry.spec.get("accessLogging"))):
            logging = mapping(logging)
            if logging.get("disabled") is not True and not logging.get("providers"):
                yield Problem(
                    ("spec", "accessLogging", i),
                    "names no provider, and the mesh has no default one for access logs",
                    entry,
                )


_GATEWAY_NAME = "gateway.networking.k8s.io/gateway-name"
_POLICIES = ("AuthorizationPolicy", "RequestAuthentication", "Telemetry", "WasmPlugin")


def _gateway_pods(mesh: MeshIndex) -> dict[str, list[tuple[str, dict[str, Any]]]]:
    """Per namespace, the pods Istio runs for Kubernetes Gateway API Gateways, as
    (gateway name, pod labels): the Pods in the input that carry the gateway-name label,
    and for each Gateway of the input the pods Istio would deploy for it."""
    pods: dict[str, list[tuple[str, dict[str, Any]]]] = defaultdict(list)
    for pod, labels in mesh.pods({}):
        if isinstance(labels.get(_GATEWAY_NAME), str):
            pods[pod.namespace].append((labels[_GATEWAY_NAME], labels))
    for gateway in mesh.manifests:
        if gateway.kind == "Gateway" and group_of(gateway.api_version) == GATEWAY_API:
            extra = mapping(mapping(gateway.spec.get("infrastructure")).get("labels"))
            pods[gateway.namespace].append(
                (gateway.name or "", {**extra, _GATEWAY_NAME: gateway.name})
            )
    return pods


@rule(
    "MG2453",
    (*_POLICIES, "Gateway", "Pod"),
    WARNING,
    "policy selector on a Kubernetes Gateway's pods",
    "IST0166",
    scope="mesh",
)
def selector_on_gateway_pods(mesh: MeshIndex) -> Iterator[Problem]:
    """An AuthorizationPolicy, RequestAuthentication, Telemetry or WasmPlugin selects the
    pods of a Kubernetes Gateway API Gateway with `selector`: Istio ignores selectors on
    those pods. Attach the policy with `targetRef` to the Gateway instead."""
    pods = _gateway_pods(mesh)
    for entry in (e for kind in _POLICIES for e in mesh.of_kind(kind)):
        if "targetRef" in entry.spec or "selector" not in entry.spec:
            continue
        wanted = mapping(mapping(entry.spec.get("selector")).get("matchLabels"))
        gateways = sorted(
            {name for name, labels in pods.get(entry.namespace, []) if carries(labels, wanted)}
        )
        for name in gateways:
            yield Problem(
                ("spec", "selector"),
                f"selects the pods of Kubernetes Gateway {name}, where selectors have no "
                f"effect; use targetRef: {{group: gateway.networking.k8s.io, kind: Gateway, "
                f"name: {name}}}",
                entry,
            )


@rule(
    "MG2455",
    "Telemetry",
    WARNING,
    "tracing through the deprecated Lightstep provider",
    "IST0002",
    scope="mesh",
)
def lightstep_tracing(mesh: MeshIndex) -> Iterator[Problem]:
    """A Telemetry traces through a provider the mesh settings define as `lightstep`,
    which Istio deprecates: move to an OpenTelemetry provider. Checked with the mesh
    settings (`--mesh-config`, or the istio ConfigMap in the input)."""
    lightstep = {n for n, kind in mesh.settings.extension_providers.items() if kind == "lightstep"}
    if not lightstep:
        return
    for entry in mesh.of_kind("Telemetry"):
        for i, tracing in enumerate(sequence(entry.spec.get("tracing"))):
            for k, provider in enumerate(sequence(mapping(tracing).get("providers"))):
                name = mapping(provider).get("name")
                if name in lightstep:
                    yield Problem(
                        ("spec", "tracing", i, "providers", k, "name"),
                        f"provider {name} is a Lightstep provider, which is deprecated; "
                        "use an OpenTelemetry provider",
                        entry,
                    )

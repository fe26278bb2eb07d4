"""Istio's annotations on Kubernetes objects: unknown ones, misplaced ones, deprecated
ones, and values the injector would refuse.

As `istioctl analyze`, the annotations of Namespaces, Services, Pods and Deployments'
own metadata are read. meshgen also reads the pod template of every workload kind as the
Pod it becomes: a repository holds Deployments, not Pods, and Istio would say the same
of each Pod once it exists.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import yaml

from meshgen.manifests import Manifest, mapping
from meshgen.manifests.index import POD_TEMPLATES, MeshIndex, pod_template
from meshgen.manifests.values import is_quantity, parse_prefix
from meshgen.validation.rules.analyzers.lookups import with_code
from meshgen.validation.rules.registry import INFO, WARNING, Problem, rule

ANY = "Any"
INJECT = "sidecar.istio.io/inject"
# Written by Istio itself, never by hand: not checked.
_SET_BY_ISTIO = frozenset(
    {"sidecar.istio.io/status", "gateway.istio.io/controller-version", "istio.io/rev"}
)


def _uint(bits: int) -> Callable[[str], str | None]:
    def check(value: str) -> str | None:
        ok = value.isascii() and value.isdigit() and int(value) < 2**bits
        return None if ok else f"not an unsigned {bits}-bit integer"

    return check


def _ports(value: str, wildcard: bool = False) -> str | None:
    if wildcard and value == "*":
        return None
    text = value.strip()
    for part in text.split(",") if text else ():
        if _uint(16)(part.strip()):
            return f"{part!r} is not a port"
    return None


def _prefix(text: str) -> bool:
    try:
        parse_prefix(text)
    except ValueError:
        return False
    return True


def _cidrs(value: str, wildcard: bool = False) -> str | None:
    if wildcard and value == "*":
        return None
    for part in value.split(",") if value else ():
        if not _prefix(part):
            return f"{part!r} is not a CIDR range"
    return None


def _interfaces(value: str) -> str | None:
    for part in value.split(","):
        name = part.strip()
        if not 0 < len(name) <= 15 or name in (".", "..") or re.search(r"[\s/:]", name):
            return f"{name!r} is not a network interface name"
    return None


def _boolean(value: str) -> str | None:
    known = ("1", "t", "T", "TRUE", "true", "True", "0", "f", "F", "FALSE", "false", "False")
    return None if value in known else "not a boolean"


def _proxy_config(value: str) -> str | None:
    try:
        parsed = yaml.safe_load(value)
    except yaml.YAMLError:
        return "not YAML"
    return None if parsed is None or isinstance(parsed, dict) else "not a ProxyConfig mapping"


def _quantity(value: str) -> str | None:
    return None if is_quantity(value) else "not a Kubernetes quantity"


def _one_of(*allowed: str) -> Callable[[str], str | None]:
    return lambda value: None if value in allowed else f"use {', '.join(allowed)}"


@dataclass(frozen=True)
class Annotation:
    kinds: tuple[str, ...]
    deprecated: bool = False
    check: Callable[[str], str | None] | None = None


def _catalogue() -> dict[str, Annotation]:
    pod, service = ("Pod",), ("Service",)
    entries: dict[str, Annotation] = {}

    def add(names: str, kinds: tuple[str, ...], **how: Any) -> None:
        for name in names.split():
            entries[name] = Annotation(kinds, **how)

    add("galley.istio.io/analyze-suppress gateway.istio.io/controller-version", (ANY,))
    add("networking.istio.io/exportTo traffic.istio.io/nodeSelector", service)
    add(
        "alpha.istio.io/kubernetes-serviceaccounts alpha.istio.io/canonical-serviceaccounts",
        service,
        deprecated=True,
    )
    add(
        "networking.istio.io/traffic-distribution istio.io/use-waypoint-canary-weight",
        ("Namespace", "Service", "ServiceEntry"),
    )
    add("topology.istio.io/controlPlaneClusters", ("Namespace",))
    add("kubernetes.io/ingress.class", ("Ingress",))
    add("istio.io/dry-run", ("AuthorizationPolicy",))
    add(
        "gateway.istio.io/service-account gateway.istio.io/name-override "
        "networking.istio.io/service-type",
        ("Gateway",),
    )
    add("ambient.istio.io/waypoint-inbound-binding", ("GatewayClass", "Gateway"))
    add(
        "istio.io/autoRegistrationGroup istio.io/workloadController istio.io/connectedAt "
        "istio.io/disconnectedAt",
        ("WorkloadEntry",),
    )
    add(f"{INJECT} sidecar.istio.io/status istio.io/rev", pod)
    add(
        "sidecar.istio.io/discoveryAddress sidecar.istio.io/extraStatTags "
        "sidecar.istio.io/statsCompression sidecar.istio.io/statsInclusionPrefixes "
        "sidecar.istio.io/statsInclusionRegexps sidecar.istio.io/statsInclusionSuffixes",
        pod,
        deprecated=True,
    )
    entries[INJECT] = Annotation(pod, deprecated=True)
    add("traffic.sidecar.istio.io/kubevirtInterfaces", pod, deprecated=True, check=_interfaces)
    add(
        "traffic.sidecar.istio.io/excludeInterfaces istio.io/reroute-virtual-interfaces",
        pod,
        check=_interfaces,
    )
    add("sidecar.istio.io/interceptionMode", pod, check=_one_of("REDIRECT", "TPROXY", "NONE"))
    add("status.sidecar.istio.io/port", pod, check=lambda v: _uint(16)(v.strip()))
    add(
        "readiness.status.sidecar.istio.io/initialDelaySeconds "
        "readiness.status.sidecar.istio.io/periodSeconds "
        "readiness.status.sidecar.istio.io/failureThreshold",
        pod,
        check=_uint(32),
    )
    add(
        "traffic.sidecar.istio.io/includeOutboundIPRanges",
        pod,
        check=lambda v: _cidrs(v, wildcard=True),
    )
    add("traffic.sidecar.istio.io/excludeOutboundIPRanges", pod, check=_cidrs)
    add(
        "traffic.sidecar.istio.io/includeInboundPorts",
        pod,
        check=lambda v: _ports(v, wildcard=True),
    )
    add(
        "traffic.sidecar.istio.io/excludeInboundPorts traffic.sidecar.istio.io/excludeOutboundPorts",
        pod,
        check=_ports,
    )
    add("prometheus.istio.io/merge-metrics", pod, check=_boolean)
    add("proxy.istio.io/config", pod, check=_proxy_config)
    add(
        "sidecar.istio.io/proxyCPU sidecar.istio.io/proxyCPULimit sidecar.istio.io/proxyMemory "
        "sidecar.istio.io/proxyMemoryLimit",
        pod,
        check=_quantity,
    )
    add(
        "ambient.istio.io/redirection ambient.istio.io/bypass-inbound-capture "
        "ambient.istio.io/dns-capture inject.istio.io/templates proxy.istio.io/overrides "
        "readiness.status.sidecar.istio.io/applicationPorts sidecar.istio.io/agentLogLevel "
        "sidecar.istio.io/bootstrapOverride sidecar.istio.io/componentLogLevel "
        "sidecar.istio.io/logLevel sidecar.istio.io/nativeSidecar sidecar.istio.io/proxyImage "
        "sidecar.istio.io/proxyImageType sidecar.istio.io/rewriteAppHTTPProbers "
        "sidecar.istio.io/statsEvictionInterval sidecar.istio.io/statsFlushInterval "
        "sidecar.istio.io/statsHistogramBins sidecar.istio.io/statsHistogramBuckets "
        "sidecar.istio.io/userVolume sidecar.istio.io/userVolumeMount "
        "traffic.sidecar.istio.io/includeOutboundPorts",
        pod,
    )
    return entries


CATALOGUE = _catalogue()
_READ_FROM = ("Namespace", "Service", "Pod", "Deployment")


def _istio_annotation(key: str) -> bool:
    return key == "kubernetes.io/ingress.class" or key.partition("/")[0].endswith("istio.io")


def _annotated(mesh: MeshIndex) -> Iterator[tuple[Manifest, str, tuple[Any, ...], dict[str, Any]]]:
    """Each object whose annotations are read: (object, the kind they are judged as, the
    path to its metadata, the metadata)."""
    for manifest in mesh.manifests:
        if manifest.kind in _READ_FROM and manifest.api_version in ("v1", "apps/v1"):
            yield manifest, manifest.kind, ("metadata",), manifest.metadata
        if manifest.kind in POD_TEMPLATES and manifest.kind != "Pod":
            template = mapping(pod_template(manifest).get("metadata"))
            yield manifest, "Pod", (*POD_TEMPLATES[manifest.kind], "metadata"), template


def _findings(mesh: MeshIndex) -> Iterator[tuple[str, Problem]]:
    for manifest, kind, at, metadata in _annotated(mesh):
        labels = mapping(metadata.get("labels"))
        for key, value in mapping(metadata.get("annotations")).items():
            if not isinstance(key, str) or not _istio_annotation(key) or key in _SET_BY_ISTIO:
                continue
            path = (*at, "annotations", key)
            known = CATALOGUE.get(key)
            if known is None:
                yield ("IST0108", Problem(path, f"{key} is no annotation Istio knows", manifest))
                continue
            if known.deprecated and not (key == INJECT and INJECT in labels):
                instead = f'; use the label "{INJECT}"' if key == INJECT else ""
                yield (
                    "IST0135",
                    Problem(path, f"{key} is deprecated and may stop working{instead}", manifest),
                )
            if ANY in known.kinds:
                continue
            if kind not in known.kinds:
                hint = " (put it in spec.template.metadata)" if "Pod" in known.kinds else ""
                yield (
                    "IST0107",
                    Problem(
                        path,
                        f"{key} applies to {', '.join(known.kinds)}, not to a {kind}{hint}",
                        manifest,
                    ),
                )
            elif known.check is not None and (problem := known.check(str(value))):
                yield (
                    "IST0125",
                    Problem(path, f"the injector refuses {key}: {value!r} ({problem})", manifest),
                )


@rule(
    "MG2438",
    ("Namespace", "Service", "Pod", "Deployment"),
    WARNING,
    "Istio annotation that Istio does not know",
    "IST0108",
    scope="mesh",
)
def unknown_annotations(mesh: MeshIndex) -> Iterator[Problem]:
    """An annotation in one of Istio's domains (`*.istio.io/...`) that no Istio release
    defines: most often a misspelling (`networking.istio.io/exportTo`), and then ignored."""
    yield from with_code(mesh, _findings, "IST0108")


@rule(
    "MG2439",
    ("Namespace", "Service", "Pod", "Deployment"),
    WARNING,
    "Istio annotation on an object it does not apply to",
    "IST0107",
    scope="mesh",
)
def misplaced_annotations(mesh: MeshIndex) -> Iterator[Problem]:
    """An Istio annotation on a kind it has no effect on: a pod annotation on a
    Deployment's own metadata instead of its pod template, or `kubernetes.io/ingress.class`
    anywhere but an Ingress."""
    yield from with_code(mesh, _findings, "IST0107")


@rule(
    "MG2440",
    ("Pod", "Deployment"),
    WARNING,
    "Istio annotation whose value the sidecar injector refuses",
    "IST0125",
    scope="mesh",
)
def invalid_annotation_values(mesh: MeshIndex) -> Iterator[Problem]:
    """A pod annotation the sidecar injector reads, with a value it cannot use: ports and
    CIDR lists, readiness probe settings, interception mode, interface names, proxy
    resources as Kubernetes quantities, `proxy.istio.io/config` as YAML."""
    yield from with_code(mesh, _findings, "IST0125")


@rule(
    "MG2441",
    ("Namespace", "Service", "Pod", "Deployment"),
    INFO,
    "deprecated Istio annotation",
    "IST0135",
    scope="mesh",
)
def deprecated_annotations(mesh: MeshIndex) -> Iterator[Problem]:
    """An Istio annotation that is deprecated and may stop working in a later release;
    `sidecar.istio.io/inject` is a label now."""
    yield from with_code(mesh, _findings, "IST0135")

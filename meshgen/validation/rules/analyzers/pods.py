"""Pods and Namespaces: how workloads join the mesh, and what breaks their sidecar."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from meshgen import yamlio
from meshgen.errors import InputError
from meshgen.manifests import Manifest, mapping, sequence
from meshgen.manifests.index import POD_TEMPLATES, MeshIndex, pod_template
from meshgen.manifests.selectors import selects
from meshgen.validation.rules.analyzers.lookups import (
    PROXY_CONTAINER,
    istio_control_plane,
    namespace_labels,
    namespace_objects,
)
from meshgen.validation.rules.registry import ERROR, INFO, WARNING, Problem, rule

_PROXY_UID = 1337


_PROXY_CONTAINERS = frozenset({"istio-proxy", "istio-operator"})


@rule(
    "MG2417",
    ("Pod", "Deployment", "StatefulSet", "DaemonSet"),
    WARNING,
    "application running as the sidecar's user ID 1337",
    "IST0144",
    scope="mesh",
)
def application_uid(mesh: MeshIndex) -> Iterator[Problem]:
    """An application pod or container runs as user 1337, the ID Istio's sidecar runs as
    and whose traffic it does not intercept: its requests bypass the mesh. Use another
    user ID. Reported once per resource, where it is first set."""
    for manifest in mesh.runs_pods():
        if manifest.kind not in ("Pod", "Deployment", "StatefulSet", "DaemonSet"):
            continue
        if istio_control_plane(manifest):
            continue
        at: tuple[str | int, ...] = (*POD_TEMPLATES[manifest.kind], "spec")
        pod = mapping(pod_template(manifest).get("spec"))
        places = [((*at, "securityContext"), mapping(pod).get("securityContext"))]
        for i, container in enumerate(sequence(mapping(pod).get("containers"))):
            if mapping(container).get("name") not in _PROXY_CONTAINERS:
                places.append(
                    (
                        (*at, "containers", i, "securityContext"),
                        mapping(container).get("securityContext"),
                    )
                )
        for path, context in places:
            if mapping(context).get("runAsUser") == _PROXY_UID:
                yield Problem(
                    (*path, "runAsUser"),
                    "runs as user 1337, the sidecar's, whose traffic the sidecar does not "
                    "intercept: these pods' requests bypass the mesh",
                    manifest,
                )
                break


@rule(
    "MG2424",
    "Namespace",
    WARNING,
    "Namespace with data-plane labels that contradict each other",
    "IST0123",
    scope="mesh",
)
def conflicting_injection_labels(mesh: MeshIndex) -> Iterator[Problem]:
    """A namespace says how its pods join the mesh once: `istio-injection: enabled`, or
    `istio.io/rev` (a revision's injector), or `istio.io/dataplane-mode: ambient`."""
    for namespace, labels in namespace_objects(mesh):
        if namespace.name == "istio-system":
            continue
        found = (
            [f"istio-injection={labels['istio-injection']}"] if "istio-injection" in labels else []
        )
        if labels.get("istio-injection") in (None, "enabled"):
            found += [
                f"{k}={labels[k]}"
                for k in ("istio.io/rev", "istio.io/dataplane-mode")
                if k in labels
            ]
        if len(found) > 1:
            yield Problem(
                ("metadata", "labels"),
                f"the labels {', '.join(found)} each choose how pods join the mesh; keep one",
                namespace,
            )


_INJECTOR = "istio-sidecar-injector"


def _injector_values(mesh: MeshIndex) -> dict[str, dict[str, Any]]:
    """The sidecar injector's settings (the `values` of its ConfigMaps in the input), by
    revision ("default" for the one without)."""
    found: dict[str, dict[str, Any]] = {}
    for manifest in mesh.manifests:
        name = manifest.name or ""
        if manifest.kind != "ConfigMap" or not name.startswith(_INJECTOR):
            continue
        try:
            values = json.loads(str(mapping(manifest.document.get("data")).get("values", "")))
        except ValueError:
            continue
        found.setdefault(
            name.removeprefix(_INJECTOR).removeprefix("-") or "default", mapping(values)
        )
    return found


def _injected_by_default(mesh: MeshIndex) -> bool:
    """Whether the injector's settings in the input inject namespaces without a label."""
    values = _injector_values(mesh).get("default", {})
    return mapping(values.get("sidecarInjectorWebhook")).get("enableNamespacesByDefault") is True


@rule(
    "MG2425",
    "Namespace",
    INFO,
    "Namespace without sidecar injection",
    "IST0102",
    scope="mesh",
)
def namespace_not_injected(mesh: MeshIndex) -> Iterator[Problem]:
    """A namespace with neither `istio-injection` nor `istio.io/rev` (nor ambient mode):
    its pods get no sidecar unless the injector injects every namespace, and are then not
    in the mesh (`kubectl label namespace NAME istio-injection=enabled`)."""
    for namespace, labels in namespace_objects(mesh):
        if namespace.name == "istio-system" or labels.get("istio.io/dataplane-mode") == "ambient":
            continue
        if labels.get("istio-injection") or "istio.io/rev" in labels:
            continue
        if _injected_by_default(mesh):
            yield Problem(
                ("metadata",),
                f"namespace {namespace.name} has no injection label; the injector injects "
                "it by default (enableNamespacesByDefault)",
                namespace,
                istio="IST0148",
            )
        else:
            yield Problem(
                ("metadata",),
                f"namespace {namespace.name} is not labelled for sidecar injection "
                "(istio-injection=enabled) nor for ambient mode",
                namespace,
            )


@rule(
    "MG2426",
    ("Pod", "Namespace"),
    WARNING,
    "Pod without a sidecar in a namespace with injection",
    "IST0103",
    scope="mesh",
)
def pod_without_sidecar(mesh: MeshIndex) -> Iterator[Problem]:
    """A Pod (as `kubectl get -o yaml` gives it) of a namespace labelled
    `istio-injection: enabled` has no `istio-proxy` container: it was created before the
    label, or opted out; restart it to get a sidecar."""
    injected = {
        n.name
        for n, labels in namespace_objects(mesh)
        if labels.get("istio-injection") == "enabled"
    }
    for pod in mesh.runs_pods():
        if pod.kind != "Pod" or pod.namespace not in injected:
            continue
        metadata = pod.metadata
        choice = mapping(metadata.get("labels")).get(
            "sidecar.istio.io/inject",
            mapping(metadata.get("annotations")).get("sidecar.istio.io/inject"),
        )
        if str(choice).lower() == "false" or pod.spec.get("hostNetwork") is True:
            continue
        containers = [
            *sequence(pod.spec.get("containers")),
            *sequence(pod.spec.get("initContainers")),
        ]
        if not any(
            mapping(c).get("name") == PROXY_CONTAINER and mapping(c).get("image")
            for c in containers
        ):
            yield Problem(
                ("spec", "containers"),
                f"pod {pod.namespace}/{pod.name} has no {PROXY_CONTAINER} container although its "
                "namespace injects sidecars",
                pod,
            )


def _auto_image(manifest: Manifest) -> int | None:
    """The index of the `istio-proxy` container whose image is `auto` (left for the
    injector to fill in), if the pod has one."""
    containers = sequence(mapping(pod_template(manifest).get("spec")).get("containers"))
    for i, container in enumerate(containers):
        container = mapping(container)
        if container.get("name") == PROXY_CONTAINER and container.get("image") == "auto":
            return i
    return None


def _injector_webhooks(mesh: MeshIndex) -> list[dict[str, Any]]:
    """Istio's injector webhooks in the input: those named `*istio.io`, in any
    MutatingWebhookConfiguration."""
    return [
        mapping(w)
        for m in mesh.manifests
        if m.kind == "MutatingWebhookConfiguration"
        for w in sequence(m.document.get("webhooks"))
        if str(mapping(w).get("name", "")).endswith("istio.io")
    ]


def _injector_selects(mesh: MeshIndex, hooks: list[dict[str, Any]], manifest: Manifest) -> bool:
    """Whether one of ``hooks`` selects the pods of ``manifest``, by its namespace's
    labels and its own."""
    of_namespace = namespace_labels(mesh).get(manifest.namespace, {})
    labels = mapping(mapping(pod_template(manifest).get("metadata")).get("labels"))
    return any(
        selects(hook.get("namespaceSelector"), of_namespace)
        and selects(hook.get("objectSelector"), labels)
        for hook in hooks
    )


@rule(
    "MG2454",
    ("Pod", "Deployment", "MutatingWebhookConfiguration", "Namespace"),
    ERROR,
    "`image: auto` proxy that no injector fills in",
    "IST0146 IST0147",
    istio="IST0147",
    scope="mesh",
)
def auto_image_not_injected(mesh: MeshIndex) -> Iterator[Problem]:
    """An `istio-proxy` container with `image: auto` is filled in by Istio's sidecar
    injector. A Pod that still carries it was never injected (IST0147, an error); a
    Deployment whose pods no injector webhook of the input selects will not be (IST0146,
    a warning, checked when the input holds Istio's injector webhooks)."""
    hooks = _injector_webhooks(mesh)
    for manifest in mesh.runs_pods():
        index = _auto_image(manifest)
        if index is None:
            continue
        path = (*POD_TEMPLATES[manifest.kind], "spec", "containers", index, "image")
        if manifest.kind == "Pod":
            yield Problem(
                path,
                "image: auto is still here, so no injector handled this pod: it runs "
                "without a working proxy",
                manifest,
            )
        elif (
            manifest.kind == "Deployment" and hooks and not _injector_selects(mesh, hooks, manifest)
        ):
            yield Problem(
                path,
                "image: auto, but no Istio injector webhook selects these pods (by their "
                "namespace's labels and their own), so the image is never filled in",
                manifest,
                WARNING,
                istio="IST0146",
            )


def _proxy_image(values: dict[str, Any]) -> str | None:
    """The proxy image an injector's settings give: `global.proxy.image` when it names a
    registry, else `hub/image:tag`."""
    settings = mapping(values.get("global"))
    image = mapping(settings.get("proxy")).get("image")
    if not isinstance(image, str) or not image:
        return None
    return image if "/" in image else f"{settings.get('hub')}/{image}:{settings.get('tag')}"


def _image_type(mesh: MeshIndex, pod: Manifest) -> str | None:
    """The proxy image variant (distroless, debug) a pod gets: the mesh default, then the
    ProxyConfigs of the root namespace, of the pod's namespace, and selecting the pod,
    then its `proxy.istio.io/config` annotation."""
    chosen = mesh.settings.image_type
    labels = mapping(pod.metadata.get("labels"))
    configs = list(mesh.of_kind("ProxyConfig"))
    layers = [
        [c for c in configs if c.namespace == mesh.settings.root_namespace],
        [c for c in configs if c.namespace == pod.namespace and "selector" not in c.spec],
        [
            c
            for c in configs
            if c.namespace == pod.namespace
            and "selector" in c.spec
            and selects({"matchLabels": mapping(c.spec.get("selector")).get("matchLabels")}, labels)
        ],
    ]
    for layer in layers:
        for config in layer:
            kind = mapping(config.spec.get("image")).get("imageType")
            chosen = kind if isinstance(kind, str) and kind else chosen
    annotation = mapping(pod.metadata.get("annotations")).get("proxy.istio.io/config")
    if isinstance(annotation, str):
        try:
            kind = mapping(mapping(yamlio.load_one(annotation)).get("image")).get("imageType")
        except InputError:
            kind = None
        chosen = kind if isinstance(kind, str) and kind else chosen
    return None if chosen in (None, "default") else chosen


@rule(
    "MG2456",
    ("Namespace", "Pod", "ConfigMap", "ProxyConfig"),
    WARNING,
    "Pods whose proxy image is not the injector's",
    "IST0158",
    scope="mesh",
)
def outdated_proxy_images(mesh: MeshIndex) -> Iterator[Problem]:
    """Pods (as `kubectl get -o yaml` gives them) of an injected namespace run an
    `istio-proxy` image other than the one the injector's settings in the input give
    (with the image variant the mesh settings and ProxyConfigs choose): most often pods
    started before an upgrade of Istio. Restart them to get the current proxy."""
    images = {revision: _proxy_image(values) for revision, values in _injector_values(mesh).items()}
    if not images:
        return
    for namespace, labels in namespace_objects(mesh):
        revision = labels.get("istio.io/rev") or (
            "default" if labels.get("istio-injection") == "enabled" else None
        )
        expected = images.get(str(revision)) if revision else None
        if expected is None:
            continue
        outdated = []
        for pod in mesh.runs_pods():
            if pod.kind != "Pod" or pod.namespace != namespace.name:
                continue
            if "sidecar.istio.io/proxyImage" in mapping(pod.metadata.get("annotations")):
                continue
            variant = _image_type(mesh, pod)
            wanted = {expected, f"{expected}-{variant}"} if variant else {expected}
            proxies = [
                mapping(c)
                for c in (
                    *sequence(pod.spec.get("containers")),
                    *sequence(pod.spec.get("initContainers")),
                )
                if mapping(c).get("name") == PROXY_CONTAINER
            ]
            if any(c.get("image") not in wanted for c in proxies):
                outdated.append(pod.name or "")
        if outdated:
            yield Problem(
                ("metadata",),
                f"pods {', '.join(sorted(outdated))} run a proxy image other than "
                f"{expected} (or the variant their settings choose), which the injector "
                "gives now: restart them",
                namespace,
            )

"""Pods and Namespaces: how workloads join the mesh, and what breaks their sidecar."""

from __future__ import annotations

import json
from collections.abc import Iterator

from meshgen.manifests import mapping, sequence
from meshgen.manifests.index import POD_TEMPLATES, MeshIndex, pod_template
from meshgen.validation.rules.analyzers.lookups import (
    PROXY_CONTAINER,
    istio_control_plane,
    namespace_objects,
)
from meshgen.validation.rules.registry import INFO, WARNING, Problem, rule

_PROXY_UID = 1337


_PROXY_CONTAINERS = frozenset({"istio-proxy", "istio-operator"})


@rule(
    "MG2417",
    ("Pod", "Deployment", "StatefulSet", "DaemonSet"),
    WARNING,
    "application running as the sidecar's user ID 1337",
    "IST0144",
    istio="IST0144",
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
    istio="IST0123",
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


def _injected_by_default(mesh: MeshIndex, revision: str | None) -> bool:
    """Whether the injector's settings in the input inject namespaces without a label."""
    name = f"istio-sidecar-injector-{revision}" if revision else "istio-sidecar-injector"
    for manifest in mesh.manifests:
        if manifest.kind == "ConfigMap" and manifest.name == name:
            try:
                values = json.loads(str(mapping(manifest.document.get("data")).get("values", "")))
            except ValueError:
                return False
            webhook = mapping(mapping(values).get("sidecarInjectorWebhook"))
            return webhook.get("enableNamespacesByDefault") is True
    return False


@rule(
    "MG2425",
    "Namespace",
    INFO,
    "Namespace without sidecar injection",
    "IST0102",
    istio="IST0102",
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
        if _injected_by_default(mesh, None):
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
    istio="IST0103",
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
        metadata = mapping(pod.document.get("metadata"))
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

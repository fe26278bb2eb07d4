"""Checks across resources: `istioctl analyze`'s offline analyzers, and meshgen's mesh lint.

Every resource given in one run forms one mesh (plus context files, whose own problems
are not reported). Input is often partial (a pre-commit hook sees only changed files),
so a reference to something absent from the input altogether is a warning, unless the
run says the input is the whole mesh (``--complete``).
"""

from __future__ import annotations

import base64
import binascii
import json
from collections import defaultdict
from collections.abc import Iterator
from datetime import datetime, timezone
from typing import Any

from meshgen.manifests import Manifest, mapping, sequence
from meshgen.manifests.certificates import validity
from meshgen.manifests.hosts import applies_to_mesh, export_scopes, fqdn, overlap, served_hosts
from meshgen.manifests.index import GATEWAY_API, POD_TEMPLATES, MeshIndex, pod_labels, pod_template
from meshgen.manifests.ports import port_protocol
from meshgen.validation.rules.registry import ERROR, INFO, WARNING, Problem, rule


@rule(
    "MG2401",
    "VirtualService",
    ERROR,
    "VirtualServices for the same host on sidecars",
    "IST0109",
    istio="IST0109",
    scope="mesh",
)
def conflicting_hosts(mesh: MeshIndex) -> Iterator[Problem]:
    """Two VirtualServices that apply to sidecars (`mesh`) and are visible in the same
    namespaces claim the same host: which one a sidecar uses is undefined. Merge them
    into one VirtualService. Short hosts are compared as FQDNs in their namespace."""
    claims: dict[tuple[str, str], list[Manifest]] = defaultdict(list)
    for entry in mesh.of_kind("VirtualService"):
        if not applies_to_mesh(entry.spec):
            continue
        scopes = export_scopes(entry.spec.get("exportTo"), entry.namespace)
        for host in entry.spec.get("hosts") or []:
            if isinstance(host, str):
                for scope in scopes:
                    claims[(scope, fqdn(host, entry.namespace))].append(entry)
    everywhere = [(host, owners) for (scope, host), owners in claims.items() if scope == "*"]
    reported: set[str] = set()  # each VirtualService once, as Istio reports it
    for (scope, host), owners in claims.items():
        if scope != "*":  # what every namespace sees is seen here too, wildcards included
            owners = owners + [
                e for other, seen in everywhere if overlap(other, host) for e in seen
            ]
        unique = {e.ref: e for e in owners}
        if len(unique) < 2:
            continue
        names = ", ".join(sorted(unique))
        for ref, entry in unique.items():
            if ref in reported:
                continue
            reported.add(ref)
            yield Problem(
                ("spec", "hosts"),
                f"VirtualServices {names} all claim host {host} for sidecars; which one applies is undefined: merge them",
                entry,
            )


def _subset_references(entry: Manifest) -> Iterator[tuple[tuple[Any, ...], dict[str, Any], str]]:
    for kind in ("http", "tcp", "tls"):
        for i, route in enumerate(entry.spec.get(kind) or []):
            route = mapping(route)
            for k, destination in enumerate(route.get("route") or []):
                yield (
                    ("spec", kind, i, "route", k, "destination"),
                    mapping(mapping(destination).get("destination")),
                    "route",
                )
            if kind == "http" and route.get("mirror"):
                yield ("spec", kind, i, "mirror"), mapping(route.get("mirror")), "mirror"
            for k, mirror in enumerate(route.get("mirrors") or [] if kind == "http" else []):
                yield (
                    ("spec", kind, i, "mirrors", k, "destination"),
                    mapping(mapping(mirror).get("destination")),
                    "mirror",
                )


def _service_ports(service: Manifest) -> list[int]:
    return [
        number
        for port in sequence(service.spec.get("ports"))
        if isinstance(number := mapping(port).get("port"), int)
    ]


@rule(
    "MG2409",
    ("VirtualService", "Service", "ServiceEntry"),
    ERROR,
    "destination host or port no Service or ServiceEntry defines",
    "IST0101",
    istio="IST0101",
    scope="mesh",
)
def unknown_destinations(mesh: MeshIndex) -> Iterator[Problem]:
    """A route or mirror sends to a host that no Service or ServiceEntry in the input
    defines (Istio has nowhere to send it), or to a port the Service does not expose.
    Checked only when the input holds Services or ServiceEntries at all; a warning, since
    the host may be defined elsewhere, and an error with `--complete`."""
    if not mesh.knows_services:
        return
    severity = None if mesh.complete else WARNING
    for entry in mesh.of_kind("VirtualService"):
        for where, destination, what in _subset_references(entry):
            host = destination.get("host")
            if not isinstance(host, str):
                continue
            target = fqdn(host, entry.namespace)
            service = mesh.service(target)
            if service is None and mesh.service_entry(target, entry.namespace) is None:
                yield Problem(
                    (*where, "host"),
                    f"{what} sends to {host}, which no Service or ServiceEntry in the input defines",
                    entry,
                    severity,
                )
                continue
            port = mapping(destination.get("port")).get("number")
            ports = _service_ports(service) if service is not None else []
            if service is not None and isinstance(port, int) and ports and port not in ports:
                yield Problem(
                    (*where, "port", "number"),
                    f"{what} sends to port {port} of {host}, which exposes {', '.join(map(str, ports))}",
                    entry,
                    severity,
                )


def _destination_service(mesh: MeshIndex, rule: Manifest) -> Manifest | None:
    """The Service or ServiceEntry a DestinationRule's host names, if the input has it."""
    host = rule.spec.get("host")
    if not isinstance(host, str):
        return None
    target = fqdn(host, rule.namespace)
    return mesh.service(target) or mesh.service_entry(target, rule.namespace)


@rule(
    "MG2411",
    ("DestinationRule", "Service", "ServiceEntry"),
    WARNING,
    "DestinationRule for a host no Service or ServiceEntry defines",
    "IST0174",
    istio="IST0174",
    scope="mesh",
)
def unknown_destination_rule_host(mesh: MeshIndex) -> Iterator[Problem]:
    """A DestinationRule's host is no Service or ServiceEntry of the input: its policy
    applies to nothing (a misspelled host, or a Service not deployed yet). Checked only
    when the input holds Services or ServiceEntries at all."""
    if not mesh.knows_services:
        return
    for entry in mesh.of_kind("DestinationRule"):
        host = entry.spec.get("host")
        if isinstance(host, str) and _destination_service(mesh, entry) is None:
            yield Problem(
                ("spec", "host"),
                f"{host} is no Service or ServiceEntry in the input, so this rule applies "
                "to nothing",
                entry,
            )


@rule(
    "MG2412",
    ("DestinationRule", "Service", "ServiceEntry", "Deployment", "Pod"),
    ERROR,
    "subset that selects no pod",
    "IST0173",
    istio="IST0173",
    scope="mesh",
)
def subset_selects_no_pod(mesh: MeshIndex) -> Iterator[Problem]:
    """A subset's labels (with the workload selector of the ServiceEntry its host names)
    are on no pod of the input: Pods, and the pod templates of Deployments, StatefulSets,
    DaemonSets, ReplicaSets, Jobs and CronJobs, in any namespace, as Istio looks. Requests
    routed to it fail with 503 (no healthy upstream). A warning when the input holds pods
    but may not hold all of them; an error with `--complete`."""
    if not (mesh.knows_pods or mesh.complete):
        return
    severity = None if mesh.complete else WARNING
    for entry in mesh.of_kind("DestinationRule"):
        target = _destination_service(mesh, entry)
        if target is None:
            continue  # MG2411's
        workload = mapping(target.spec.get("workloadSelector")).get("labels")
        base = mapping(workload) if target.kind == "ServiceEntry" else {}
        for i, subset in enumerate(sequence(entry.spec.get("subsets"))):
            subset = mapping(subset)
            selector = {**base, **mapping(subset.get("labels"))}
            if not mesh.selects_pods(selector):
                shown = ", ".join(f"{k}: {v}" for k, v in selector.items()) or "any pod"
                yield Problem(
                    ("spec", "subsets", i),
                    f"subset '{subset.get('name')}' selects {shown}, which no pod in the "
                    "input carries: requests routed to it fail with 503 (no healthy upstream)",
                    entry,
                    severity,
                )


def _selector_text(selector: dict[str, Any]) -> str:
    return ", ".join(f"{k}: {v}" for k, v in selector.items()) or "every pod"


@rule(
    "MG2413",
    ("Gateway", "Pod", "Deployment"),
    ERROR,
    "Gateway whose selector matches no pod",
    "IST0101",
    istio="IST0101",
    scope="mesh",
)
def gateway_without_workload(mesh: MeshIndex) -> Iterator[Problem]:
    """No pod of the input carries the Gateway's selector labels, so no proxy serves it.
    Checked only with `--complete`: gateway pods are usually installed with Istio, not kept
    beside the configuration."""
    if not mesh.complete:
        return
    for entry in mesh.of_kind("Gateway"):
        selector = mapping(entry.spec.get("selector"))
        if not mesh.selects_pods(selector):
            yield Problem(
                ("spec", "selector"),
                f"selects {_selector_text(selector)}, which no pod in the input carries: "
                "no proxy serves this gateway",
                entry,
            )


def _gateway_ports(mesh: MeshIndex, selector: dict[str, Any]) -> set[int] | None:
    """The ports a Gateway's pods are reachable on through their Services: each TCP port's
    integer targetPort and the port it maps from, or the port itself (None: the input has
    no Service for the pods)."""
    ports: set[int] | None = None
    for pod, labels in mesh.pods(selector):
        for service in mesh.services_in(pod.namespace):
            wanted = mapping(service.spec.get("selector"))
            if not all(labels.get(k) == v for k, v in wanted.items()):
                continue
            ports = ports if ports is not None else set()
            for port in sequence(service.spec.get("ports")):
                port = mapping(port)
                if port.get("protocol", "TCP") != "TCP":
                    continue  # unset is TCP, as the API server fills it in
                target, number = port.get("targetPort"), port.get("port")
                if isinstance(target, int) and target:
                    ports.add(target)
                if isinstance(number, int):
                    ports.add(number)
    return ports


@rule(
    "MG2414",
    ("Gateway", "Service", "Pod", "Deployment"),
    WARNING,
    "Gateway server port its pods' Services do not expose",
    "IST0162",
    istio="IST0162",
    scope="mesh",
)
def gateway_port_not_exposed(mesh: MeshIndex) -> Iterator[Problem]:
    """A Gateway server listens on a port that no Service of the gateway's pods exposes
    (as a port or a targetPort): traffic cannot reach the listener. Checked when the
    input holds the gateway's pods and their Services."""
    for entry in mesh.of_kind("Gateway"):
        selector = mapping(entry.spec.get("selector"))
        ports = _gateway_ports(mesh, selector)
        if ports is None:
            continue
        for i, server in enumerate(sequence(entry.spec.get("servers"))):
            number = mapping(mapping(server).get("port")).get("number")
            if isinstance(number, int) and number not in ports:
                yield Problem(
                    ("spec", "servers", i, "port", "number"),
                    f"port {number} is not exposed by the Services of the pods this gateway "
                    f"selects ({_selector_text(selector)}); they expose "
                    f"{', '.join(map(str, sorted(ports))) or 'no TCP port'}",
                    entry,
                )


# Namespaces whose objects Istio's analysis never sees, and the labels of Istio's own.
_SYSTEM_NAMESPACES = frozenset(
    {"kube-system", "kube-public", "kube-node-lease", "local-path-storage"}
)


def _istio_control_plane(manifest: Manifest) -> bool:
    labels = mapping(mapping(manifest.document.get("metadata")).get("labels"))
    return "istio" in labels or labels.get("release") == "istio"


def _mesh_services(mesh: MeshIndex) -> Iterator[Manifest]:
    """The Services Istio's port analysis looks at: not system, not Istio's own."""
    for service in mesh.services():
        labels = mapping(mapping(service.document.get("metadata")).get("labels"))
        managed = str(labels.get("gateway.istio.io/managed", ""))
        if (
            service.namespace not in _SYSTEM_NAMESPACES
            and not _istio_control_plane(service)
            and not managed.startswith("istio.io-")
        ):
            yield service


def _port_problems(service: Manifest) -> Iterator[tuple[int, dict[str, Any], str | None]]:
    for i, port in enumerate(sequence(service.spec.get("ports"))):
        port = mapping(port)
        name = port.get("name") if isinstance(port.get("name"), str) else None
        app = port.get("appProtocol") if isinstance(port.get("appProtocol"), str) else None
        number = port.get("port") if isinstance(port.get("port"), int) else None
        protocol = port.get("protocol") if isinstance(port.get("protocol"), str) else None
        yield i, port, port_protocol(name, app, protocol, number)


@rule(
    "MG2415",
    "Service",
    INFO,
    "Service port whose name gives Istio no protocol",
    "IST0118",
    istio="IST0118",
    scope="mesh",
)
def port_name_convention(mesh: MeshIndex) -> Iterator[Problem]:
    """A Service port that is unnamed, or whose name is not `<protocol>[-<suffix>]` (http,
    http2, grpc, tcp, tls, https, mongo, mysql, redis...) and has no `appProtocol`: Istio
    sniffs its protocol, which costs latency and can guess wrong for server-first
    protocols. Name it, say `http-web` or `tcp-db`."""
    for service in _mesh_services(mesh):
        if service.spec.get("type") == "ExternalName":
            continue  # MG2416's
        for i, port, protocol in _port_problems(service):
            if protocol is None:
                yield Problem(
                    ("spec", "ports", i),
                    f"port {port.get('port')} is {repr(port['name']) if 'name' in port else 'unnamed'}: "
                    "Istio sniffs its protocol; name it <protocol>[-<suffix>] (http-web, "
                    "grpc, tcp-db) or set appProtocol",
                    service,
                )


@rule(
    "MG2416",
    "Service",
    WARNING,
    "ExternalName Service port without a protocol Istio can route",
    "IST0150",
    istio="IST0150",
    scope="mesh",
)
def external_name_port_name(mesh: MeshIndex) -> Iterator[Problem]:
    """Istio cannot sniff the protocol of an ExternalName Service: a port without a
    protocol in its name or `appProtocol`, or named just `tcp`, is not routed as meant."""
    for service in _mesh_services(mesh):
        if service.spec.get("type") != "ExternalName":
            continue
        for i, port, protocol in _port_problems(service):
            if protocol is None or port.get("name") == "tcp":
                yield Problem(
                    ("spec", "ports", i),
                    f"port {port.get('port')} of an ExternalName Service needs its protocol "
                    "in its name (http, https, tls, tcp-<suffix>) or in appProtocol",
                    service,
                )


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
        if _istio_control_plane(manifest):
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


def _namespaces(mesh: MeshIndex) -> Iterator[tuple[Manifest, dict[str, Any]]]:
    """Each Namespace object of the input, with its labels."""
    for manifest in mesh.manifests:
        if manifest.kind == "Namespace" and manifest.api_version == "v1":
            yield manifest, mapping(mapping(manifest.document.get("metadata")).get("labels"))


def _namespace_labels(mesh: MeshIndex) -> dict[str, dict[str, Any]]:
    return {namespace.name: labels for namespace, labels in _namespaces(mesh)}


def _ambient_namespace(labels: dict[str, Any]) -> bool:
    return (
        labels.get("istio.io/dataplane-mode") == "ambient"
        and labels.get("istio-injection") != "enabled"
        and not labels.get("istio.io/rev")
    )


def _ambient_pod(pod: Manifest) -> bool:
    metadata = mapping(pod_template(pod).get("metadata"))
    return mapping(metadata.get("annotations")).get("ambient.istio.io/redirection") == "enabled"


# Where each kind that selects workloads keeps its selector labels.
_SELECTOR_LABELS = {
    "Sidecar": ("workloadSelector", "labels"),
    "Telemetry": ("selector", "matchLabels"),
}


def _selecting(mesh: MeshIndex, kind: str) -> Iterator[tuple[Manifest, dict[str, Any]]]:
    field, labels = _SELECTOR_LABELS[kind]
    for entry in mesh.of_kind(kind):
        yield entry, mapping(mapping(entry.spec.get(field)).get(labels))


def _sidecar_scope(mesh: MeshIndex) -> Iterator[tuple[Manifest, dict[str, Any]]]:
    return _selecting(mesh, "Sidecar")


def _selecting_nothing(mesh: MeshIndex, kind: str) -> Iterator[Problem]:
    """Resources of ``kind`` whose selector matches no pod of their namespace."""
    if not mesh.knows_pods:
        return
    severity = None if mesh.complete else WARNING
    for entry, labels in _selecting(mesh, kind):
        if labels and not any(p.namespace == entry.namespace for p, _ in mesh.pods(labels)):
            yield Problem(
                ("spec", *_SELECTOR_LABELS[kind]),
                f"selects {_selector_text(labels)}, which no pod of namespace "
                f"{entry.namespace} in the input carries",
                entry,
                severity,
            )


def _selecting_one_pod(mesh: MeshIndex, kind: str, skip_ambient: bool) -> Iterator[Problem]:
    """Resources of ``kind`` that select the same pod of their namespace, once each."""
    selecting: dict[int, list[Manifest]] = defaultdict(list)
    pods: dict[int, Manifest] = {}
    for entry, labels in _selecting(mesh, kind):
        for pod, _ in mesh.pods(labels) if labels else ():
            if pod.namespace == entry.namespace and not (skip_ambient and _ambient_pod(pod)):
                selecting[id(pod)].append(entry)
                pods[id(pod)] = pod
    reported: set[int] = set()
    for key, entries in selecting.items():
        if len(entries) < 2:
            continue
        names = ", ".join(sorted(e.name for e in entries))
        for entry in entries:
            if id(entry) not in reported:
                reported.add(id(entry))
                yield Problem(
                    ("spec", _SELECTOR_LABELS[kind][0]),
                    f"{kind}s {names} all select {pods[key].kind} {pods[key].name}; "
                    "which one applies is undefined",
                    entry,
                )


@rule(
    "MG2418",
    ("Sidecar", "Pod", "Deployment", "Namespace"),
    ERROR,
    "Sidecar whose workload selector matches no pod of its namespace",
    "IST0101",
    istio="IST0101",
    scope="mesh",
)
def sidecar_without_workload(mesh: MeshIndex) -> Iterator[Problem]:
    """A Sidecar's `workloadSelector` selects no pod of its own namespace, so it configures
    nothing. Checked when the input holds pods; a warning unless `--complete`."""
    yield from _selecting_nothing(mesh, "Sidecar")


@rule(
    "MG2419",
    ("Sidecar", "Pod", "Deployment"),
    ERROR,
    "pod selected by several Sidecars",
    "IST0110",
    istio="IST0110",
    scope="mesh",
)
def sidecars_selecting_one_pod(mesh: MeshIndex) -> Iterator[Problem]:
    """Two Sidecars of a namespace select the same pod: which one configures it is
    undefined. Give them selectors that do not overlap."""
    yield from _selecting_one_pod(mesh, "Sidecar", skip_ambient=True)


@rule(
    "MG2420",
    ("Sidecar", "Namespace"),
    ERROR,
    "several Sidecars without a workload selector in one namespace",
    "IST0111",
    istio="IST0111",
    scope="mesh",
)
def namespace_sidecars(mesh: MeshIndex) -> Iterator[Problem]:
    """A namespace has at most one Sidecar without a `workloadSelector` (its default);
    with two, which one applies is undefined. An ambient namespace is left to MG2421."""
    namespaces = _namespace_labels(mesh)
    scoped: dict[str, list[Manifest]] = defaultdict(list)
    for entry, labels in _sidecar_scope(mesh):
        if not labels and not _ambient_namespace(namespaces.get(entry.namespace, {})):
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
    istio="IST0167",
    scope="mesh",
)
def ambient_sidecar(mesh: MeshIndex) -> Iterator[Problem]:
    """Ambient workloads have no sidecar: a Sidecar for an ambient namespace, or selecting
    ambient pods, configures nothing."""
    namespaces = _namespace_labels(mesh)
    for entry, labels in _sidecar_scope(mesh):
        if not labels and _ambient_namespace(namespaces.get(entry.namespace, {})):
            yield Problem(
                ("metadata", "name"),
                f"namespace {entry.namespace} is in ambient mode; this Sidecar has no effect",
                entry,
            )
        elif labels and any(
            p.namespace == entry.namespace and _ambient_pod(p) for p, _ in mesh.pods(labels)
        ):
            yield Problem(
                ("spec", "workloadSelector"),
                "the selected workload is in ambient mode; this Sidecar has no effect",
                entry,
            )


def _gateway_secrets(mesh: MeshIndex) -> Iterator[tuple[Manifest, int, str, Manifest | None]]:
    """Each Gateway server's credentialName, with the Secret it names: looked up in the
    namespace of the gateway's pods (the first found), or as `namespace/name`."""
    for entry in mesh.of_kind("Gateway"):
        pod = next(mesh.pods(mapping(entry.spec.get("selector"))), None)
        if pod is None:
            continue  # MG2413's
        for i, server in enumerate(sequence(entry.spec.get("servers"))):
            name = mapping(mapping(server).get("tls")).get("credentialName")
            if not isinstance(name, str) or not name:
                continue
            namespace, _, secret = name.rpartition("/")
            key = ("", "Secret", namespace or pod[0].namespace, secret)
            yield entry, i, name, mesh.by_identity.get(key)


@rule(
    "MG2422",
    ("Gateway", "Secret", "Pod", "Deployment"),
    ERROR,
    "Gateway credentialName without its Secret",
    "IST0101",
    istio="IST0101",
    scope="mesh",
)
def gateway_secret_missing(mesh: MeshIndex) -> Iterator[Problem]:
    """A server's `tls.credentialName` names no Secret in the namespace of the gateway's
    pods: the listener has no certificate. Checked when the input holds the gateway's pods
    and Secrets; a warning unless `--complete` (Secrets are often kept out of git)."""
    if not (mesh.complete or any(m.kind == "Secret" for m in mesh.manifests)):
        return
    severity = None if mesh.complete else WARNING
    for entry, i, name, secret in _gateway_secrets(mesh):
        if secret is None:
            yield Problem(
                ("spec", "servers", i, "tls", "credentialName"),
                f"no Secret {name} in the input, in the namespace of the gateway's pods",
                entry,
                severity,
            )


def _secret_problem(secret: Manifest) -> str | None:
    data = mapping(secret.document.get("data"))
    for cert, key in (("cert", "key"), ("tls.crt", "tls.key")):
        if data.get(cert) and data.get(key):
            try:
                pem = base64.b64decode(str(data[cert]), validate=True)
            except (binascii.Error, ValueError):
                return f"its {cert} is not base64"
            window = validity(pem)
            if window is None:
                return f"its {cert} holds no PEM certificate"
            now = datetime.now(timezone.utc)
            if not window[0] <= now <= window[1]:
                return f"its certificate is valid from {window[0]:%Y-%m-%d} to {window[1]:%Y-%m-%d}"
            return None
    return "it has neither cert and key nor tls.crt and tls.key"


@rule(
    "MG2423",
    ("Gateway", "Secret"),
    ERROR,
    "Gateway credentialName whose Secret holds no valid certificate",
    "IST0161",
    istio="IST0161",
    scope="mesh",
)
def gateway_secret_invalid(mesh: MeshIndex) -> Iterator[Problem]:
    """The Secret a server's `tls.credentialName` names must hold `tls.crt` and `tls.key`
    (or `cert` and `key`), the certificate PEM-encoded and within its validity window."""
    for entry, i, name, secret in _gateway_secrets(mesh):
        if secret is not None and (problem := _secret_problem(secret)):
            yield Problem(
                ("spec", "servers", i, "tls", "credentialName"),
                f"Secret {name} cannot serve TLS: {problem}",
                entry,
            )


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
    for namespace, labels in _namespaces(mesh):
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
    for namespace, labels in _namespaces(mesh):
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


_PROXY = "istio-proxy"


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
        n.name for n, labels in _namespaces(mesh) if labels.get("istio-injection") == "enabled"
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
            mapping(c).get("name") == _PROXY and mapping(c).get("image") for c in containers
        ):
            yield Problem(
                ("spec", "containers"),
                f"pod {pod.namespace}/{pod.name} has no {_PROXY} container although its "
                "namespace injects sidecars",
                pod,
            )


def _in_mesh(manifest: Manifest, namespaces: dict[str, dict[str, Any]]) -> bool:
    """Whether a pod (or a workload's pods) has a sidecar or is ambient, as Istio's
    analysis decides from the files: an istio-proxy container, else the
    `sidecar.istio.io/inject` label or annotation, else the Namespace's labels."""
    pod = pod_template(manifest)
    spec, metadata = mapping(pod.get("spec")), mapping(pod.get("metadata"))
    containers = [*sequence(spec.get("containers")), *sequence(spec.get("initContainers"))]
    if any(mapping(c).get("name") == _PROXY and mapping(c).get("image") for c in containers):
        return True
    if mapping(metadata.get("annotations")).get("ambient.istio.io/redirection") == "enabled":
        return True
    for source in (metadata.get("labels"), metadata.get("annotations")):
        choice = mapping(source).get("sidecar.istio.io/inject")
        if choice is not None:
            return str(choice).lower() == "true"
    labels = namespaces.get(manifest.namespace, {})
    return labels.get("istio-injection") == "enabled" or _ambient_namespace(labels)


@rule(
    "MG2427",
    ("AuthorizationPolicy", "Pod", "Deployment", "Namespace"),
    WARNING,
    "AuthorizationPolicy that selects no workload in the mesh",
    "IST0127",
    istio="IST0127",
    scope="mesh",
)
def policy_without_workload(mesh: MeshIndex) -> Iterator[Problem]:
    """An AuthorizationPolicy's selector matches no pod with a sidecar (or in ambient mode)
    of its namespace (of any namespace for the root namespace, istio-system), or a
    namespace-wide policy has no such pod to apply to. Checked when the input holds pods."""
    if not mesh.knows_pods:
        return
    namespaces = _namespace_labels(mesh)
    meshed = [(m, pod_labels(m, {}) or {}) for m in mesh.runs_pods() if _in_mesh(m, namespaces)]
    for entry in mesh.of_kind("AuthorizationPolicy"):
        selector = mapping(mapping(entry.spec.get("selector")).get("matchLabels"))
        root = entry.namespace == "istio-system"
        if root and not selector:
            continue
        candidates = [labels for m, labels in meshed if root or m.namespace == entry.namespace]
        if not any(all(labels.get(k) == v for k, v in selector.items()) for labels in candidates):
            yield Problem(
                ("spec", "selector") if selector else ("metadata", "name"),
                f"no workload in the mesh matches {_selector_text(selector)}"
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
    istio="IST0101",
    scope="mesh",
)
def policy_unknown_namespace(mesh: MeshIndex) -> Iterator[Problem]:
    """A rule's `source.namespaces` (or `notNamespaces`) names a namespace, or a pattern,
    that no Namespace of the input matches. Checked when the input holds Namespaces; a
    warning unless `--complete`."""
    names = set(_namespace_labels(mesh))
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


def _deployment_services(mesh: MeshIndex) -> Iterator[tuple[Manifest, list[Manifest]]]:
    """Each Deployment in the mesh that Services of its namespace select more than once,
    with those Services (found through the pod index, not by comparing every pair)."""
    selected: dict[int, tuple[Manifest, list[Manifest]]] = {}
    for service in mesh.services():
        selector = mapping(service.spec.get("selector"))
        if not selector:
            continue
        for pod, _ in mesh.pods(selector):
            if pod.kind == "Deployment" and pod.namespace == service.namespace:
                selected.setdefault(id(pod), (pod, []))[1].append(service)
    namespaces = _namespace_labels(mesh)
    for deployment, services in selected.values():
        if len(services) > 1 and _in_mesh(deployment, namespaces):
            yield deployment, services


@rule(
    "MG2429",
    ("Deployment", "Service", "Namespace"),
    WARNING,
    "Deployment behind Services that give one port different protocols",
    "IST0116",
    istio="IST0116",
    scope="mesh",
)
def deployment_port_protocols(mesh: MeshIndex) -> Iterator[Problem]:
    """Two Services select the same pods and use one port number with different
    protocols (TCP and UDP, say): Istio cannot tell which one traffic on it speaks."""
    for deployment, services in _deployment_services(mesh):
        protocols: dict[int, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
        for service in services:
            for port in sequence(service.spec.get("ports")):
                number = mapping(port).get("port")
                if isinstance(number, int):
                    protocol = str(mapping(port).get("protocol") or "TCP")
                    protocols[number][protocol].append(f"{service.namespace}/{service.name}")
        for number, by_protocol in sorted(protocols.items()):
            if len(by_protocol) > 1:
                names = sorted(n for group in by_protocol.values() for n in group)
                yield Problem(
                    ("metadata", "name"),
                    f"Services {', '.join(names)} give port {number} of these pods different "
                    f"protocols ({', '.join(sorted(by_protocol))})",
                    deployment,
                )


@rule(
    "MG2430",
    ("Deployment", "Service", "Namespace"),
    WARNING,
    "Deployment behind Services that send different ports to one container port",
    "IST0137",
    istio="IST0137",
    scope="mesh",
)
def deployment_conflicting_ports(mesh: MeshIndex) -> Iterator[Problem]:
    """Services that select the same pods send two different ports to one targetPort:
    Istio builds one listener per target port and cannot serve both."""
    for deployment, services in _deployment_services(mesh):
        feeding: dict[str, set[int]] = defaultdict(set)
        names: dict[str, list[str]] = defaultdict(list)
        for service in services:
            for port in sequence(service.spec.get("ports")):
                number = mapping(port).get("port")
                target = str(mapping(port).get("targetPort", number))
                if isinstance(number, int):
                    feeding[target].add(number)
                    names[target].append(service.name)
        for target, numbers in sorted(feeding.items()):
            if len(numbers) > 1:
                yield Problem(
                    ("metadata", "name"),
                    f"Services {', '.join(sorted(names[target]))} send ports "
                    f"{', '.join(map(str, sorted(numbers)))} to container port {target}",
                    deployment,
                )


@rule(
    "MG2431",
    ("Telemetry", "Pod", "Deployment"),
    ERROR,
    "Telemetry whose selector matches no pod of its namespace",
    "IST0101",
    istio="IST0101",
    scope="mesh",
)
def telemetry_without_workload(mesh: MeshIndex) -> Iterator[Problem]:
    """A Telemetry's selector selects no pod of its own namespace, so it configures
    nothing. Checked when the input holds pods; a warning unless `--complete`."""
    yield from _selecting_nothing(mesh, "Telemetry")


@rule(
    "MG2432",
    ("Telemetry", "Pod", "Deployment"),
    ERROR,
    "pod selected by several Telemetries",
    "IST0159",
    istio="IST0159",
    scope="mesh",
)
def telemetries_selecting_one_pod(mesh: MeshIndex) -> Iterator[Problem]:
    """Two Telemetries of a namespace select the same pod: which one applies is
    undefined."""
    yield from _selecting_one_pod(mesh, "Telemetry", skip_ambient=False)


@rule(
    "MG2433",
    "Telemetry",
    ERROR,
    "several namespace-wide Telemetries in one namespace",
    "IST0160",
    istio="IST0160",
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
    istio="IST0157",
    scope="mesh",
)
def access_logging_without_provider(mesh: MeshIndex) -> Iterator[Problem]:
    """An `accessLogging` entry that is not disabled names no provider, and the default
    mesh settings name none either: nothing is logged. (Checked against Istio's default
    mesh settings, which meshgen assumes.)"""
    for entry in mesh.of_kind("Telemetry"):
        for i, logging in enumerate(sequence(entry.spec.get("accessLogging"))):
            logging = mapping(logging)
            if logging.get("disabled") is not True and not logging.get("providers"):
                yield Problem(
                    ("spec", "accessLogging", i),
                    "names no provider, and the mesh has no default one for access logs",
                    entry,
                )


def _export_scopes_of(entry: Manifest) -> list[str]:
    scopes = [str(s) for s in sequence(entry.spec.get("exportTo"))]
    if not scopes or "*" in scopes:
        return ["*"]
    return [entry.namespace if s == "." else s for s in scopes]


@rule(
    "MG2435",
    "ServiceEntry",
    WARNING,
    "ServiceEntries giving one host and port different protocols",
    "IST0177",
    istio="IST0177",
    scope="mesh",
)
def conflicting_service_entry_protocols(mesh: MeshIndex) -> Iterator[Problem]:
    """Two ServiceEntries visible in the same namespaces define the same host and port
    with different protocols: which one a proxy uses is undefined."""
    found: dict[tuple[str, str, int], list[tuple[str, Manifest]]] = defaultdict(list)
    for entry in mesh.of_kind("ServiceEntry"):
        for scope in _export_scopes_of(entry):
            for host in sequence(entry.spec.get("hosts")):
                for port in sequence(entry.spec.get("ports")):
                    number = mapping(port).get("number")
                    if isinstance(host, str) and isinstance(number, int):
                        protocol = str(mapping(port).get("protocol") or "").upper()
                        found[(scope, host, number)].append((protocol, entry))
    for (scope, host, number), entries in list(found.items()):
        if scope != "*":
            entries += found.get(("*", host, number), [])
    reported: set[int] = set()
    for (_, host, number), entries in found.items():
        protocols = sorted({protocol for protocol, _ in entries})
        if len(protocols) < 2:
            continue
        names = ", ".join(sorted({f"{e.namespace}/{e.name}" for _, e in entries}))
        for _, entry in entries:
            if id(entry) not in reported:
                reported.add(id(entry))
                yield Problem(
                    ("spec", "ports"),
                    f"ServiceEntries {names} give host {host} port {number} different "
                    f"protocols ({', '.join(p or '(none)' for p in protocols)})",
                    entry,
                )


@rule(
    "MG2436",
    "ServiceEntry",
    WARNING,
    "ServiceEntry TCP port without addresses, with Istio's default DNS settings",
    "IST0134",
    istio="IST0134",
    scope="mesh",
)
def service_entry_addresses(mesh: MeshIndex) -> Iterator[Problem]:
    """With Istio's default mesh settings (no DNS capture and address allocation), a
    ServiceEntry port serving TCP (or no protocol) needs `addresses`: TCP traffic is told
    apart by destination address only."""
    for entry in mesh.of_kind("ServiceEntry"):
        if entry.spec.get("addresses") or mapping(entry.document.get("status")).get("addresses"):
            continue
        for i, port in enumerate(sequence(entry.spec.get("ports"))):
            if str(mapping(port).get("protocol") or "TCP").upper() == "TCP":
                yield Problem(
                    ("spec", "ports", i),
                    "serves TCP (or no protocol) without addresses; add addresses, or enable "
                    "DNS capture and auto-allocation in the mesh settings",
                    entry,
                )


def _selector_string(selector: dict[str, Any]) -> str:
    return ",".join(f"{k}={v}" for k, v in sorted(selector.items()))


@rule(
    "MG2437",
    ("Gateway", "Pod", "Deployment"),
    ERROR,
    "Gateways serving the same host and port on the same gateway pods",
    "IST0145",
    istio="IST0145",
    scope="mesh",
)
def conflicting_gateways(mesh: MeshIndex) -> Iterator[Problem]:
    """Two Gateways whose selectors pick the same gateway pods (the same selector, or one
    within the other when some pod carries both) serve the same host on the same port
    and bind: which one's settings apply is undefined. Hosts are compared as written."""
    # (selector, port) -> (host, bind) -> the gateways serving it there
    served: dict[tuple[str, int], dict[tuple[str, Any], set[str]]] = defaultdict(
        lambda: defaultdict(set)
    )
    gateways = list(mesh.of_kind("Gateway"))
    for entry in gateways:
        key = _selector_string(mapping(entry.spec.get("selector")))
        for port, host, bind in _served_hosts(entry):
            served[(key, port)][(host, bind)].add(f"{entry.namespace}/{entry.name}")
    for entry in gateways:
        selector = mapping(entry.spec.get("selector"))
        own = _selector_string(selector)
        conflicts: set[str] = set()
        for port, host, bind in _served_hosts(entry):
            for (other_key, other_port), by_host in served.items():
                if other_port == port and _selectors_overlap(mesh, own, other_key, selector):
                    conflicts |= by_host.get((host, bind), set())
        conflicts.discard(f"{entry.namespace}/{entry.name}")
        if conflicts:
            names = sorted(c.partition("/")[2] for c in conflicts)
            yield Problem(
                ("spec", "servers"),
                f"Gateways {', '.join(names)} serve the same hosts and ports on "
                f"the pods this gateway selects ({own})",
                entry,
            )


def _served_hosts(entry: Manifest) -> Iterator[tuple[int, str, Any]]:
    """(port, host, bind) of each host each server of a Gateway serves."""
    for server in sequence(entry.spec.get("servers")):
        server = mapping(server)
        number = mapping(server.get("port")).get("number")
        for host in sequence(server.get("hosts")):
            yield (number if isinstance(number, int) else 0), str(host), server.get("bind")


def _selectors_overlap(mesh: MeshIndex, own: str, other: str, selector: dict[str, Any]) -> bool:
    if own == other:
        return True
    if own not in other and other not in own:
        return False
    other_selector = dict(part.split("=", 1) for part in other.split(",") if "=" in part)
    return any(mesh.pods({**selector, **other_selector}))


@rule(
    "MG2410",
    ("VirtualService", "Service"),
    ERROR,
    "destination without a port for a Service with several",
    "IST0112",
    istio="IST0112",
    scope="mesh",
)
def port_selector_required(mesh: MeshIndex) -> Iterator[Problem]:
    """A route sends to a Service that exposes more than one port without saying which:
    Istio needs the destination's port to know where to send it."""
    for entry in mesh.of_kind("VirtualService"):
        for where, destination, what in _subset_references(entry):
            host = destination.get("host")
            service = mesh.service(fqdn(host, entry.namespace)) if isinstance(host, str) else None
            ports = _service_ports(service) if service is not None else []
            if len(ports) > 1 and "port" not in destination:
                yield Problem(
                    where,
                    f"{what} to {host} must name a port: the Service exposes "
                    f"{', '.join(map(str, ports))}",
                    entry,
                )


@rule(
    "MG2402",
    ("VirtualService", "DestinationRule"),
    ERROR,
    "subset no DestinationRule defines",
    "IST0101",
    istio="IST0101",
    scope="mesh",
)
def unknown_subsets(mesh: MeshIndex) -> Iterator[Problem]:
    """A route or mirror sends to a subset that no DestinationRule for its host defines:
    Istio answers those requests with 503. An error when a DestinationRule for the host is
    in the input but lacks the subset; a warning when the input holds no DestinationRule
    for the host at all (it may live in a file not given), unless `--complete` says the
    input is the whole mesh."""
    for entry in mesh.of_kind("VirtualService"):
        for where, destination, what in _subset_references(entry):
            subset, host = destination.get("subset"), destination.get("host")
            if not subset or not isinstance(host, str):
                continue
            rules = mesh.destination_rules(fqdn(host, entry.namespace))
            defined = {
                name
                for r in rules
                for s in sequence(r.spec.get("subsets"))
                if isinstance(name := mapping(s).get("name"), str)
            }
            if subset in defined:
                continue
            if rules:
                yield Problem(
                    (*where, "subset"),
                    f"{what} sends to subset {subset} of {host}, which DestinationRule {rules[0].ref} does not define",
                    entry,
                )
            else:
                severity = None if mesh.complete else WARNING
                yield Problem(
                    (*where, "subset"),
                    f"{what} sends to subset {subset} of {host}, but no DestinationRule for {host} is in the input",
                    entry,
                    severity,
                )


@rule(
    "MG2403",
    ("VirtualService", "Gateway"),
    ERROR,
    "gateway not in the input",
    "IST0101",
    istio="IST0101",
    scope="mesh",
)
def unknown_gateways(mesh: MeshIndex) -> Iterator[Problem]:
    """A VirtualService is bound to a Gateway that is not in the input (a bare name is
    looked up in the VirtualService's namespace). A warning, since the Gateway may be
    defined elsewhere; an error with `--complete`."""
    for entry in mesh.of_kind("VirtualService"):
        for i, ref in enumerate(entry.spec.get("gateways") or []):
            if not isinstance(ref, str) or ref == "mesh" or GENERATED_GATEWAY in ref:
                continue
            if mesh.gateway(ref, entry.namespace) or mesh.gateway(
                ref, entry.namespace, GATEWAY_API
            ):
                continue  # an Istio Gateway, or a Kubernetes Gateway API Gateway
            severity = None if mesh.complete else WARNING
            yield Problem(
                ("spec", "gateways", i), f"gateway {ref} is not in the input", entry, severity
            )


GENERATED_GATEWAY = "~istio-autogenerated-"


@rule(
    "MG2408",
    "VirtualService",
    WARNING,
    "reference to a gateway Istio generates",
    "IST0165",
    istio="IST0165",
    scope="mesh",
)
def generated_gateway_references(mesh: MeshIndex) -> Iterator[Problem]:
    """A VirtualService names a Gateway that Istio generates internally for a Kubernetes
    Gateway API Gateway (`...~istio-autogenerated-k8s-gateway~...`). Such names are
    Istio's own and may change: bind to the Kubernetes Gateway by its name instead."""
    for entry in mesh.of_kind("VirtualService"):
        for i, ref in enumerate(entry.spec.get("gateways") or []):
            if isinstance(ref, str) and GENERATED_GATEWAY in ref:
                yield Problem(
                    ("spec", "gateways", i),
                    f"gateway {ref} is generated by Istio; name the Kubernetes Gateway it "
                    "comes from instead",
                    entry,
                )


@rule(
    "MG2404",
    ("VirtualService", "Gateway"),
    WARNING,
    "VirtualService hosts a gateway does not serve",
    "IST0132",
    istio="IST0132",
    scope="mesh",
)
def hosts_not_on_gateway(mesh: MeshIndex) -> Iterator[Problem]:
    """None of a VirtualService's hosts is served by a Gateway it is bound to (server hosts,
    with their namespace prefixes applied), so the gateway never routes to it."""
    for entry in mesh.of_kind("VirtualService"):
        hosts = [h for h in entry.spec.get("hosts") or [] if isinstance(h, str)]
        for i, ref in enumerate(entry.spec.get("gateways") or []):
            gateway = mesh.gateway(ref, entry.namespace) if isinstance(ref, str) else None
            if gateway is None:
                continue
            servers = sequence(gateway.spec.get("servers"))
            served = served_hosts(servers, gateway.namespace, entry.namespace)
            if not any(overlap(g, h) for g in served for h in hosts):
                yield Problem(
                    ("spec", "gateways", i),
                    f"gateway {gateway.ref} serves none of the hosts {', '.join(hosts)}",
                    entry,
                )


@rule(
    "MG2405",
    "DestinationRule",
    WARNING,
    "TLS to upstream without CA certificates",
    "IST0128 IST0129",
    istio="IST0128",
    scope="mesh",
)
def tls_without_ca(mesh: MeshIndex) -> Iterator[Problem]:
    """SIMPLE or MUTUAL TLS to a service without `caCertificates` does not verify the
    server's identity (unless a credential is used for a workload-selected rule). Checked
    on the rule's policy and its port-level settings (IST0128, IST0129)."""
    for entry in mesh.of_kind("DestinationRule"):
        policy = mapping(entry.spec.get("trafficPolicy"))
        levels: list[tuple[tuple[Any, ...], dict[str, Any], str, str]] = [
            (("spec", "trafficPolicy", "tls"), mapping(policy.get("tls")), "", "IST0128")
        ]
        for k, port in enumerate(policy.get("portLevelSettings") or []):
            number = mapping(mapping(port).get("port")).get("number")
            levels.append(
                (
                    ("spec", "trafficPolicy", "portLevelSettings", k, "tls"),
                    mapping(mapping(port).get("tls")),
                    f" at port {number}",
                    "IST0129",
                )
            )
        for where, tls, at, istio in levels:
            if tls.get("mode") in ("SIMPLE", "MUTUAL") and not tls.get("caCertificates"):
                if tls.get("credentialName") and entry.spec.get("workloadSelector"):
                    continue
                yield Problem(
                    where,
                    f"TLS mode {tls['mode']} without caCertificates does not verify the identity of {entry.spec.get('host')}{at}",
                    entry,
                    istio=istio,
                )


@rule(
    "MG2406",
    "Gateway",
    WARNING,
    "certificate shared by gateways",
    "IST0138",
    istio="IST0138",
    scope="mesh",
)
def duplicate_certificates(mesh: MeshIndex) -> Iterator[Problem]:
    """Two Gateways on the same workloads (one's selector contains the other's) serve the
    same certificate: clients that reuse HTTP/2 connections across their hosts can get
    404s."""

    def certificates(entry: Manifest) -> set[str]:
        found = set()
        for server in entry.spec.get("servers") or []:
            tls = mapping(mapping(server).get("tls"))
            if tls.get("credentialName"):
                found.add(f"credential {tls['credentialName']}")
            elif tls.get("serverCertificate") and tls.get("privateKey"):
                found.add(f"certificate {tls['serverCertificate']}")
        return found

    gateways = list(mesh.of_kind("Gateway"))
    by_certificate: dict[str, list[Manifest]] = defaultdict(list)
    for entry in gateways:
        for certificate in certificates(entry):
            by_certificate[certificate].append(entry)
    for certificate, sharing in by_certificate.items():
        for entry in sharing:
            selector = mapping(entry.spec.get("selector"))
            others = [
                o.ref
                for o in sharing
                if o is not entry
                and all(mapping(o.spec.get("selector")).get(k) == v for k, v in selector.items())
            ]
            if others:
                yield Problem(
                    ("spec", "servers"),
                    f"{certificate} is also served by gateway {', '.join(others)}; clients reusing HTTP/2 connections may get 404s",
                    entry,
                )


@rule(
    "MG2407",
    "VirtualService",
    WARNING,
    "deprecated fault.delay.percent",
    "IST0002",
    istio="IST0002",
    scope="mesh",
)
def deprecated_delay_percent(mesh: MeshIndex) -> Iterator[Problem]:
    """`fault.delay.percent` is deprecated; use `fault.delay.percentage: {value: N}`."""
    for entry in mesh.of_kind("VirtualService"):
        for i, route in enumerate(entry.spec.get("http") or []):
            delay = mapping(mapping(mapping(route).get("fault")).get("delay"))
            if (delay.get("percent") or 0) > 0:
                yield Problem(
                    ("spec", "http", i, "fault", "delay", "percent"),
                    "fault.delay.percent is deprecated; use fault.delay.percentage",
                    entry,
                )


# -- meshgen's mesh lint -----------------------------------------------------------------


@rule(
    "MG2501",
    "DestinationRule",
    WARNING,
    "subsets that select the same pods",
    "lint",
    scope="mesh",
)
def identical_subsets(mesh: MeshIndex) -> Iterator[Problem]:
    """Two subsets of one DestinationRule select the same pods (identical labels), so
    weights between them change nothing: a canary needs labels of its own. (This is the
    MSA-Ez topping's default until a canary Deployment exists.)"""
    for entry in mesh.of_kind("DestinationRule"):
        seen: dict[str, str] = {}
        for i, subset in enumerate(entry.spec.get("subsets") or []):
            key = json.dumps(mapping(mapping(subset).get("labels")), sort_keys=True)
            name = mapping(subset).get("name")
            if key in seen:
                yield Problem(
                    ("spec", "subsets", i),
                    f"subsets {seen[key]} and {name} select the same pods; weights between them have no effect",
                    entry,
                )
            else:
                seen[key] = str(name)


@rule(
    "MG2502",
    "VirtualService",
    INFO,
    "VirtualService that is not followed",
    "lint",
    scope="mesh",
)
def chains(mesh: MeshIndex) -> Iterator[Problem]:
    """A route's destination host has a VirtualService of its own. It is not followed: a
    request meets one VirtualService, in the sending proxy, and goes where that one sends
    it. So requests sent here end at the destination host itself, whatever its own
    VirtualService says (lab 004: the circular pair does not loop)."""
    for entry in mesh.of_kind("VirtualService"):
        if not applies_to_mesh(entry.spec):
            continue
        own = {
            fqdn(h, entry.namespace) for h in entry.spec.get("hosts") or [] if isinstance(h, str)
        }
        for where, destination, _ in _subset_references(entry):
            host = destination.get("host")
            if not isinstance(host, str) or where[-1] != "destination":
                continue
            target = fqdn(host, entry.namespace)
            others = [
                o
                for o in mesh.virtual_services(target)
                if o is not entry and applies_to_mesh(o.spec)
            ]
            if target not in own and others:
                yield Problem(
                    (*where, "host"),
                    f"{host} has its own VirtualService {others[0].ref}, which is not followed: requests routed here end at {host}",
                    entry,
                )


@rule(
    "MG2503",
    "VirtualService",
    INFO,
    "weights that all go one way",
    "lint",
    scope="mesh",
)
def one_way_weights(mesh: MeshIndex) -> Iterator[Problem]:
    """A weighted route whose non-zero weights all go to one destination: the others get
    no traffic. Often intended (a canary at 0%), worth knowing."""
    for entry in mesh.of_kind("VirtualService"):
        for kind in ("http", "tcp", "tls"):
            for i, route in enumerate(entry.spec.get(kind) or []):
                entries = [mapping(e) for e in mapping(route).get("route") or []]
                live = [e for e in entries if (e.get("weight") or 0) > 0]
                if len(entries) > 1 and len(live) == 1 and any("weight" in e for e in entries):
                    target = mapping(live[0].get("destination"))
                    shown = target.get("host", "?") + (
                        f" subset {target['subset']}" if target.get("subset") else ""
                    )
                    yield Problem(
                        ("spec", kind, i, "route"),
                        f"all traffic goes to {shown}; the other destinations get 0%",
                        entry,
                    )


@rule(
    "MG2504",
    "DestinationRule",
    WARNING,
    "several DestinationRules for one host",
    "lint",
    scope="mesh",
)
def several_rules_per_host(mesh: MeshIndex) -> Iterator[Problem]:
    """More than one DestinationRule for the same host in one namespace (without workload
    selectors): Istio merges them only partly and in no documented order; keep one."""
    grouped: dict[tuple[str, str], list[Manifest]] = defaultdict(list)
    for entry in mesh.of_kind("DestinationRule"):
        host = entry.spec.get("host")
        if isinstance(host, str) and not entry.spec.get("workloadSelector"):
            grouped[(entry.namespace, fqdn(host, entry.namespace))].append(entry)
    for (namespace, host), rules in grouped.items():
        if len(rules) > 1:
            names = ", ".join(r.ref for r in rules)
            for entry in rules:
                yield Problem(
                    ("spec", "host"),
                    f"DestinationRules {names} all apply to {host} in {namespace}; keep one",
                    entry,
                )

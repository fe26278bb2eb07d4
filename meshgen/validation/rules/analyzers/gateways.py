"""Gateways against their pods, Services, Secrets and each other."""

from __future__ import annotations

import base64
import binascii
from collections import defaultdict
from collections.abc import Iterator
from datetime import datetime, timezone
from typing import Any

from meshgen.manifests import Manifest, mapping, sequence
from meshgen.manifests.certificates import validity
from meshgen.manifests.index import MeshIndex
from meshgen.manifests.selectors import carries, selector_text
from meshgen.validation.rules.registry import ERROR, WARNING, Problem, rule


@rule(
    "MG2413",
    ("Gateway", "Pod", "Deployment"),
    ERROR,
    "Gateway whose selector matches no pod",
    "IST0101",
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
                f"selects {selector_text(selector)}, which no pod in the input carries: "
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
            if not carries(labels, wanted):
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
                    f"selects ({selector_text(selector)}); they expose "
                    f"{', '.join(map(str, sorted(ports))) or 'no TCP port'}",
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


def _selector_string(selector: dict[str, Any]) -> str:
    return ",".join(f"{k}={v}" for k, v in sorted(selector.items()))


@rule(
    "MG2437",
    ("Gateway", "Pod", "Deployment"),
    ERROR,
    "Gateways serving the same host and port on the same gateway pods",
    "IST0145",
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
    "MG2406",
    "Gateway",
    WARNING,
    "certificate shared by gateways",
    "IST0138",
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
                if o is not entry and carries(mapping(o.spec.get("selector")), selector)
            ]
            if others:
                yield Problem(
                    ("spec", "servers"),
                    f"{certificate} is also served by gateway {', '.join(others)}; clients reusing HTTP/2 connections may get 404s",
                    entry,
                )

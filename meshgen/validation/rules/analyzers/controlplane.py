"""Istio's own installation, when the input holds it: the injector and validation
webhooks, istiod's Deployment, and the Gateway API CRDs Istio reads."""

from __future__ import annotations

import ipaddress
import re
from collections import defaultdict
from collections.abc import Iterator
from itertools import product
from typing import Any
from urllib.parse import urlsplit

from meshgen.manifests import Manifest, mapping, sequence
from meshgen.manifests.index import MeshIndex, pod_template
from meshgen.manifests.selectors import selects
from meshgen.validation.rules.registry import ERROR, INFO, WARNING, Problem, rule

REVISION = "istio.io/rev"


def _webhooks(manifest: Manifest) -> Iterator[tuple[int, dict[str, Any]]]:
    for i, webhook in enumerate(sequence(manifest.document.get("webhooks"))):
        yield i, mapping(webhook)


def _revisions(manifest: Manifest) -> set[str]:
    """The revisions an injector configuration names, on itself or in its selectors."""
    found = set()
    labels = mapping(manifest.metadata.get("labels"))
    if isinstance(labels.get(REVISION), str):
        found.add(labels[REVISION])
    for _, webhook in _webhooks(manifest):
        for field in ("namespaceSelector", "objectSelector"):
            selector = mapping(webhook.get(field))
            value = mapping(selector.get("matchLabels")).get(REVISION)
            if isinstance(value, str):
                found.add(value)
            for expression in sequence(selector.get("matchExpressions")):
                if mapping(expression).get("key") == REVISION:
                    found.update(
                        v for v in sequence(mapping(expression).get("values")) if isinstance(v, str)
                    )
    return found


def _injectors(mesh: MeshIndex) -> list[Manifest]:
    """Istio's injector configurations: with revisions, or a webhook named `*istio.io`."""
    return [
        m
        for m in mesh.manifests
        if m.kind == "MutatingWebhookConfiguration"
        and (
            _revisions(m)
            or any(str(w.get("name", "")).endswith("istio.io") for _, w in _webhooks(m))
        )
    ]


def _label_cases(key: str, values: tuple[str, ...], revisions: set[str]) -> list[dict[str, str]]:
    base: list[dict[str, str]] = [{}] + [{key: v} for v in values]
    return base + [{**labels, REVISION: r} for labels in base for r in sorted(revisions)]


@rule(
    "MG2448",
    ("MutatingWebhookConfiguration", "Service"),
    ERROR,
    "sidecar injector webhooks that overlap, or whose Service is missing",
    "IST0139",
    scope="mesh",
)
def injector_webhooks(mesh: MeshIndex) -> Iterator[Problem]:
    """Two of Istio's injector webhooks select the same pods (for a namespace labelled
    `istio-injection`, `istio.io/rev` or neither, and pods labelled
    `sidecar.istio.io/inject` or not): the sidecar is injected twice. An injector webhook
    calls a Service that is not in the input: a warning unless `--complete`."""
    injectors = _injectors(mesh)
    revisions = set().union(*(_revisions(m) for m in injectors)) if injectors else set()
    hooks = [(m, w) for m in injectors for _, w in _webhooks(m)]
    overlapping: dict[int, set[str]] = defaultdict(set)
    namespaces = _label_cases("istio-injection", ("enabled", "disabled"), revisions)
    pods = _label_cases("sidecar.istio.io/inject", ("true", "false"), revisions)
    for namespace, pod in product(namespaces, pods):
        hits = [
            (m, f"{m.name}/{w.get('name')}")
            for m, w in hooks
            if selects(w.get("namespaceSelector"), namespace)
            and selects(w.get("objectSelector"), pod)
        ]
        if len(hits) > 1:
            for m, name in hits:
                overlapping[id(m)].update(other for _, other in hits if other != name)
    for manifest in injectors:
        if overlapping[id(manifest)]:
            yield Problem(
                ("webhooks",),
                f"overlaps {', '.join(sorted(overlapping[id(manifest)]))}: pods they both "
                "select get the sidecar injected twice",
                manifest,
            )
    severity = None if mesh.complete else WARNING
    for manifest in injectors:
        for i, webhook in _webhooks(manifest):
            service = mapping(mapping(webhook.get("clientConfig")).get("service"))
            if not service:
                continue
            key = ("", "Service", str(service.get("namespace")), str(service.get("name")))
            if key not in mesh.by_identity:
                yield Problem(
                    ("webhooks", i, "clientConfig", "service"),
                    f"calls Service {key[2]}/{key[3]}, which is not in the input",
                    manifest,
                    severity,
                )


def _external_webhooks(mesh: MeshIndex) -> Iterator[tuple[Manifest, int, dict[str, Any]]]:
    for manifest in mesh.manifests:
        name = manifest.name or ""
        if (
            manifest.kind == "ValidatingWebhookConfiguration"
            and (name == "istiod-default-validator" or name.startswith("istio-validator"))
        ) or (
            manifest.kind == "MutatingWebhookConfiguration"
            and name.startswith("istio-sidecar-injector")
        ):
            for i, webhook in _webhooks(manifest):
                yield manifest, i, webhook


def _ip_host(url: str) -> str | None:
    """The host of ``url`` when it is an IP address (None otherwise); ValueError when the
    URL cannot be parsed."""
    host = urlsplit(url).hostname
    try:
        ipaddress.ip_address(host or "")
    except ValueError:
        return None
    return host


@rule(
    "MG2449",
    ("MutatingWebhookConfiguration", "ValidatingWebhookConfiguration"),
    WARNING,
    "Istio webhook with neither a Service nor a usable URL",
    "IST0163",
    scope="mesh",
)
def webhook_without_address(mesh: MeshIndex) -> Iterator[Problem]:
    """An injector or validation webhook of Istio (as an external control plane sets them
    up) has no `clientConfig.service` and no `clientConfig.url`, or a URL that cannot be
    parsed: the API server cannot reach istiod."""
    for manifest, i, webhook in _external_webhooks(mesh):
        config = mapping(webhook.get("clientConfig"))
        url = config.get("url")
        if url:
            try:
                _ip_host(str(url))
            except ValueError:
                yield Problem(
                    ("webhooks", i, "clientConfig", "url"),
                    f"webhook {webhook.get('name')}: {url} is not a URL",
                    manifest,
                )
        elif not config.get("service"):
            yield Problem(
                ("webhooks", i, "clientConfig"),
                f"webhook {webhook.get('name')} has neither a service nor a url",
                manifest,
            )


@rule(
    "MG2450",
    ("MutatingWebhookConfiguration", "ValidatingWebhookConfiguration"),
    INFO,
    "Istio webhook that reaches istiod by IP address",
    "IST0164",
    scope="mesh",
)
def webhook_by_address(mesh: MeshIndex) -> Iterator[Problem]:
    """An Istio webhook's URL names an IP address instead of a host name: not
    recommended outside tests (certificates, and addresses that change)."""
    for manifest, i, webhook in _external_webhooks(mesh):
        url = mapping(webhook.get("clientConfig")).get("url")
        try:
            host = _ip_host(str(url)) if url else None
        except ValueError:
            continue  # MG2449's
        if host:
            yield Problem(
                ("webhooks", i, "clientConfig", "url"),
                f"webhook {webhook.get('name')} reaches istiod at the IP address {host}; "
                "use a host name",
                manifest,
            )


_BLOCKED_CIDRS = "BLOCKED_CIDRS_IN_JWKS_URIS"


def _blocks_cidrs(deployment: Manifest) -> bool:
    for container in sequence(mapping(pod_template(deployment).get("spec")).get("containers")):
        for variable in sequence(mapping(container).get("env")):
            variable = mapping(variable)
            if variable.get("name") == _BLOCKED_CIDRS and variable.get("value"):
                return True
    return False


@rule(
    "MG2451",
    ("Deployment", "RequestAuthentication"),
    WARNING,
    "istiod fetching JWKS from any address",
    "IST0175",
    scope="mesh",
)
def jwks_unrestricted(mesh: MeshIndex) -> Iterator[Problem]:
    """RequestAuthentications make istiod fetch their `jwksUri`, and istiod's Deployment
    (in the input) does not set `BLOCKED_CIDRS_IN_JWKS_URIS`: a policy author can make
    istiod fetch from internal addresses."""
    policies = sorted(f"{p.namespace}/{p.name}" for p in mesh.of_kind("RequestAuthentication"))
    if not policies:
        return
    shown = ", ".join(policies[:5]) + (
        f", and {len(policies) - 5} more" if len(policies) > 5 else ""
    )
    for manifest in mesh.manifests:
        labels = mapping(manifest.metadata.get("labels"))
        if (
            manifest.kind == "Deployment"
            and labels.get("app") == "istiod"
            and not _blocks_cidrs(manifest)
        ):
            yield Problem(
                ("spec", "template", "spec", "containers"),
                f"{_BLOCKED_CIDRS} is not set, and {len(policies)} RequestAuthentication(s) "
                f"make istiod fetch JWKS ({shown}); set it to the networks istiod must not reach",
                manifest,
            )


# The Gateway API CRDs Istio reads only from a minimum bundle version.
_MINIMUM_BUNDLE = {
    "grpcroutes.gateway.networking.k8s.io": (1, 1, 0),
    "backendtlspolicies.gateway.networking.k8s.io": (1, 4, 0),
    "tlsroutes.gateway.networking.k8s.io": (1, 5, 0),
    "tcproutes.gateway.networking.k8s.io": (1, 6, 0),
}
_SEMVER = re.compile(r"v?(\d+)\.(\d+)\.(\d+)(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?")


@rule(
    "MG2452",
    "CustomResourceDefinition",
    WARNING,
    "Gateway API CRD older than Istio reads",
    "IST0176",
    scope="mesh",
)
def old_gateway_api_crds(mesh: MeshIndex) -> Iterator[Problem]:
    """A Gateway API CRD whose `gateway.networking.k8s.io/bundle-version` is below what
    Istio needs for that kind (GRPCRoute 1.1, BackendTLSPolicy 1.4, TLSRoute 1.5,
    TCPRoute 1.6): Istio ignores resources of that kind. Upgrade the Gateway API CRDs."""
    for manifest in mesh.manifests:
        minimum = _MINIMUM_BUNDLE.get(manifest.name or "")
        if manifest.kind != "CustomResourceDefinition" or minimum is None:
            continue
        annotations = mapping(manifest.metadata.get("annotations"))
        parsed = _SEMVER.fullmatch(
            str(annotations.get("gateway.networking.k8s.io/bundle-version", ""))
        )
        if parsed is None:
            continue
        version = tuple(int(part) for part in parsed.groups())
        if version < minimum:
            yield Problem(
                ("metadata", "annotations", "gateway.networking.k8s.io/bundle-version"),
                f"bundle version {'.'.join(map(str, version))} is below "
                f"{'.'.join(map(str, minimum))}, the least Istio reads this kind from; "
                "Istio ignores its resources: upgrade the Gateway API CRDs",
                manifest,
            )

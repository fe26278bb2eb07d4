"""BackendTLSPolicy, XBackend and XBackendTrafficPolicy."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from meshgen.manifests import mapping
from meshgen.manifests.values import duration_nanoseconds
from meshgen.validation.rules.gatewayapi.common import Path, given, items, repeated
from meshgen.validation.rules.primitives import is_dns1123_label
from meshgen.validation.rules.registry import ERROR, Found, rule

_SECOND = 1_000_000_000
_HOUR = 3600 * _SECOND


@rule(
    "MG3213",
    ("BackendTLSPolicy", "XBackend"),
    ERROR,
    "backend TLS validation that names no CA, or both kinds, or a half-set SAN",
    "",
    scope="gateway-api",
)
def tls_validation(spec: dict[str, Any], document: dict[str, Any]) -> Iterator[Found]:
    """Validation trusts `caCertificateRefs` or `wellKnownCACertificates`, exactly one;
    a subject alternative name sets the field of its `type` and not the other; a policy
    that targets one resource twice tells the references apart by `sectionName`."""
    on_tls = document.get("kind") == "XBackend"
    holder = mapping(spec.get("tls")) if on_tls else spec
    at: Path = ("spec", "tls", "validation") if on_tls else ("spec", "validation")
    validation = mapping(holder.get("validation"))
    if validation:
        ca_refs = given(validation.get("caCertificateRefs"))
        well_known = given(validation.get("wellKnownCACertificates"))
        if ca_refs and well_known:
            yield at, "caCertificateRefs and wellKnownCACertificates exclude each other"
        elif not ca_refs and not well_known:
            yield at, "name the CA: caCertificateRefs or wellKnownCACertificates"
        for san_at, san in items(validation.get("subjectAltNames"), (*at, "subjectAltNames")):
            for kind, field in (("Hostname", "hostname"), ("URI", "uri")):
                if san.get("type") == kind and not given(san.get(field)):
                    yield san_at, f"a {kind} subject alternative name sets {field}"
                if san.get("type") != kind and given(san.get(field)):
                    yield (*san_at, field), f"{field} is for type {kind}"
    targets = list(items(spec.get("targetRefs"), ("spec", "targetRefs")))
    by_target: dict[tuple[Any, ...], list[tuple[Path, Any]]] = {}
    for target_at, ref in targets:
        key = (ref.get("group"), ref.get("kind"), ref.get("name"))
        by_target.setdefault(key, []).append((target_at, ref.get("sectionName") or ""))
    for (_group, kind, name), refs in by_target.items():
        if len(refs) < 2:
            continue
        twice = repeated([section for _, section in refs])
        for target_at, section in refs:
            if not section or section in twice:
                yield (
                    target_at,
                    (
                        f"{kind} {name} is targeted {len(refs)} times: each target needs its own "
                        "sectionName"
                    ),
                )


@rule(
    "MG3214",
    "XBackend",
    ERROR,
    "XBackend settings that do not fit its type or TLS mode",
    "",
    scope="gateway-api",
)
def x_backend(spec: dict[str, Any], _: dict[str, Any]) -> Iterator[Found]:
    """`externalHostname` is set exactly when `type` is `ExternalHostname`, and is not
    a cluster-local name; `tls.clientCertificateRef` is set exactly when the mode is
    `ClientAndServer`; a port name is a DNS label."""
    external = "externalHostname" in spec
    if (spec.get("type") == "ExternalHostname") != external:
        yield ("spec",), "externalHostname is set exactly when type is ExternalHostname"
    host = mapping(spec.get("externalHostname")).get("hostname")
    if isinstance(host, str) and host.endswith(".cluster.local"):
        yield ("spec", "externalHostname", "hostname"), f"{host} is a cluster-local name"
    tls = mapping(spec.get("tls"))
    if tls and (tls.get("mode") == "ClientAndServer") != ("clientCertificateRef" in tls):
        yield ("spec", "tls"), "clientCertificateRef is set exactly when mode is ClientAndServer"
    name = mapping(spec.get("port")).get("name")
    if isinstance(name, str) and name and not is_dns1123_label(name):
        yield ("spec", "port", "name"), f"port name {name!r} is not a DNS label"


@rule(
    "MG3215",
    "XBackendTrafficPolicy",
    ERROR,
    "XBackendTrafficPolicy retry interval out of range",
    "",
    scope="gateway-api",
)
def retry_intervals(spec: dict[str, Any], _: dict[str, Any]) -> Iterator[Found]:
    """A retry budget's `interval` is from 1s to 1h; a minimum retry rate's `interval` is
    more than 0s and at most 1h."""
    constraint = mapping(spec.get("retryConstraint"))
    at = ("spec", "retryConstraint")
    budget = mapping(constraint.get("budget")).get("interval")
    if isinstance(budget, str):
        ns = duration_nanoseconds(budget)
        if ns is not None and not _SECOND <= ns <= _HOUR:
            yield (*at, "budget", "interval"), f"interval {budget} is not from 1s to 1h"
    rate = mapping(constraint.get("minRetryRate")).get("interval")
    if isinstance(rate, str):
        ns = duration_nanoseconds(rate)
        if ns is not None and not 0 < ns <= _HOUR:
            yield (*at, "minRetryRate", "interval"), f"interval {rate} is not over 0s and up to 1h"

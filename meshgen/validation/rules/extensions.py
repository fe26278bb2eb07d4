"""Istio's webhook checks for WorkloadGroup, ProxyConfig, Telemetry and WasmPlugin (rules
WG, PC, TM and WP of validation-rules-other-kinds)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from meshgen.manifests import mapping, sequence
from meshgen.validation.cel import syntax_problem
from meshgen.validation.cel_library import URL
from meshgen.validation.rules import primitives as p
from meshgen.validation.rules import security
from meshgen.validation.rules.registry import ERROR, WARNING, Found, rule
from meshgen.validation.rules.security import selector_problems

WG, PC, TM, WP, TE = "WorkloadGroup", "ProxyConfig", "Telemetry", "WasmPlugin", "TrafficExtension"
_PROBE_HEADER = re.compile(r"[-A-Za-z0-9]+")
_SHA256 = re.compile(r"[a-f0-9]{64}")


@rule(
    "MG2801",
    (PC, TM, WP, TE),
    ERROR,
    "selector or target reference Istio rejects",
    "PC1 TM1 TM2 TM4 WP1 WP2 WP4 C1 C2 C4 C5 C6 C7",
)
def selector(spec: dict[str, Any], resource: dict[str, Any]) -> Iterator[Found]:
    """As for security policies: selector labels have non-empty keys and no wildcards; one
    of `selector` or `targetRef(s)`; targets name a Service, ServiceEntry, Gateway or
    GatewayClass of the resource's own namespace."""
    yield from selector_problems(spec)


@rule(
    "MG2802",
    (PC, TM, WP, TE),
    WARNING,
    "selector without labels",
    "PC2 TM3 WP3 C3",
)
def selector_without_labels(spec: dict[str, Any], resource: dict[str, Any]) -> Iterator[Found]:
    """A `selector` without labels applies to every workload of the namespace."""
    yield from security.selector_without_labels(spec, resource)


@rule(
    "MG2803",
    WG,
    ERROR,
    "WorkloadGroup template, labels or readiness probe Istio rejects",
    "WG1 WG2 WG3 WG4 WG5 WG6 WG7 WG8 WG9",
)
def workload_group(spec: dict[str, Any], resource: dict[str, Any]) -> Iterator[Found]:
    """A WorkloadGroup has a template; its labels are valid; its probe uses `httpGet`,
    `tcpSocket` or `exec`, with ports in 1..65535, scheme HTTP or HTTPS, header names of
    letters, digits and `-`, a command, and no negative timings."""
    if "template" not in spec:
        yield ("spec",), "template is required"
        return
    problems = p.labels(mapping(spec.get("metadata")).get("labels"))
    if problems:
        yield ("spec", "metadata", "labels"), f"invalid labels: {problems[0]}"
        return
    if "probe" not in spec:
        return
    probe = mapping(spec.get("probe"))
    at = ("spec", "probe")
    for field in (
        "periodSeconds",
        "initialDelaySeconds",
        "timeoutSeconds",
        "successThreshold",
        "failureThreshold",
    ):
        value = probe.get(field)
        if isinstance(value, int) and value < 0:
            yield (*at, field), f"{field} must be non-negative"
    if "httpGet" in probe:
        http = mapping(probe.get("httpGet"))
        port = http.get("port", 0)
        if not isinstance(port, int) or not 1 <= port <= 65535:
            yield (*at, "httpGet", "port"), f"port number {port} must be in the range 1..65535"
        if http.get("scheme") not in (None, "", "HTTP", "HTTPS"):
            yield (*at, "httpGet", "scheme"), 'httpGet.scheme must be one of "HTTPS", "HTTP"'
        for i, header in enumerate(sequence(http.get("httpHeaders"))):
            name = str(mapping(header).get("name") or "")
            if not name:
                yield (*at, "httpGet", "httpHeaders", i, "name"), "header name cannot be empty"
            elif not _PROBE_HEADER.fullmatch(name):
                yield (
                    (*at, "httpGet", "httpHeaders", i, "name"),
                    f"header name {name} is not a valid header name",
                )
    elif "tcpSocket" in probe:
        port = mapping(probe.get("tcpSocket")).get("port", 0)
        if not isinstance(port, int) or not 1 <= port <= 65535:
            yield (*at, "tcpSocket", "port"), f"port number {port} must be in the range 1..65535"
    elif "exec" in probe:
        if not mapping(probe.get("exec")).get("command"):
            yield (*at, "exec", "command"), "exec.command is required"
    else:
        method = "grpc" if "grpc" in probe else "none"
        yield at, f"unknown health check method ({method}): use httpGet, tcpSocket or exec"


@rule(
    "MG2804",
    PC,
    ERROR,
    "negative ProxyConfig concurrency",
    "PC3",
)
def concurrency(spec: dict[str, Any], resource: dict[str, Any]) -> Iterator[Found]:
    """`concurrency` is 0 (one worker per core) or more."""
    value = spec.get("concurrency")
    if isinstance(value, int) and value < 0:
        yield ("spec", "concurrency"), "concurrency must be greater than or equal to 0"


@rule(
    "MG2805",
    TM,
    ERROR,
    "Telemetry providers, overrides or tags Istio rejects",
    "TM5 TM7 TM8 TM9 TM12 TM13 TM14 TM15 TM16",
)
def telemetry(spec: dict[str, Any], resource: dict[str, Any]) -> Iterator[Found]:
    """Providers are named; a tag override sets a value exactly when it UPSERTs; custom
    metrics and tags are named; sampling is a percentage; literal, header and
    environment tags say what they read."""
    for section in ("metrics", "tracing", "accessLogging"):
        for i, entry in enumerate(sequence(spec.get(section))):
            entry = mapping(entry)
            if any(not mapping(item).get("name") for item in sequence(entry.get("providers"))):
                yield (("spec", section, i, "providers"), "providers.name may not be empty")
    for i, metrics in enumerate(sequence(spec.get("metrics"))):
        for j, override in enumerate(sequence(mapping(metrics).get("overrides"))):
            override = mapping(override)
            at = ("spec", "metrics", i, "overrides", j)
            if mapping(override.get("match")).get("customMetric") == "":
                yield (*at, "match", "customMetric"), "customMetric may not be empty"
            for name, tag in mapping(override.get("tagOverrides")).items():
                tag = mapping(tag)
                where = (*at, "tagOverrides", name)
                if tag.get("operation", "UPSERT") == "UPSERT" and not tag.get("value"):
                    yield where, "tagOverrides.value must be set when operation is UPSERT"
                elif tag.get("operation") == "REMOVE" and tag.get("value"):
                    yield where, "tagOverrides.value may only be set when operation is UPSERT"
    for i, tracing in enumerate(sequence(spec.get("tracing"))):
        tracing = mapping(tracing)
        place: tuple[str | int, ...] = ("spec", "tracing", i)
        rate = tracing.get("randomSamplingPercentage")
        if isinstance(rate, (int, float)) and not 0 <= rate <= 100:
            yield (
                (*place, "randomSamplingPercentage"),
                "randomSamplingPercentage must be in range [0.0, 100.0]",
            )
        for name, tag in mapping(tracing.get("customTags")).items():
            tag = mapping(tag)
            where = (*place, "customTags", name)
            if name == "":
                yield where, "tag name may not be empty"
            for kind, field in (("literal", "value"), ("header", "name"), ("environment", "name")):
                if kind in tag and not mapping(tag.get(kind)).get(field):
                    what = f"{kind} tag value" if kind == "literal" else f"{kind} tag name"
                    yield (*where, kind), f"{what} may not be empty"


@rule(
    "MG2809",
    TM,
    ERROR,
    "access-log filter that is not CEL",
    "TM17",
)
def access_log_filter(spec: dict[str, Any], resource: dict[str, Any]) -> Iterator[Found]:
    """An access-log `filter.expression` must parse as CEL (its attributes are not
    checked: `response.code >= 400` passes, `response.code >=` does not)."""
    for i, logging in enumerate(sequence(spec.get("accessLogging"))):
        logging = mapping(logging)
        if "filter" not in logging:
            continue
        expression = mapping(logging.get("filter")).get("expression", "")
        if isinstance(expression, str) and (problem := syntax_problem(expression)):
            yield (
                ("spec", "accessLogging", i, "filter", "expression"),
                f"must be a valid CEL expression, {problem}",
            )


@rule(
    "MG2806",
    TM,
    WARNING,
    "Telemetry with what Istio does not support yet",
    "TM6 TM10 TM11",
)
def telemetry_warnings(spec: dict[str, Any], resource: dict[str, Any]) -> Iterator[Found]:
    """One tracing entry with one provider is what Istio supports; a tag override needs a
    name."""
    tracing = sequence(spec.get("tracing"))
    if len(tracing) > 1:
        yield ("spec", "tracing"), "multiple tracing is not currently supported"
    for i, entry in enumerate(tracing):
        if len(sequence(mapping(entry).get("providers"))) > 1:
            yield (
                ("spec", "tracing", i, "providers"),
                "multiple providers is not currently supported",
            )
    for i, metrics in enumerate(sequence(spec.get("metrics"))):
        for j, override in enumerate(sequence(mapping(metrics).get("overrides"))):
            if "" in mapping(mapping(override).get("tagOverrides")):
                yield (
                    ("spec", "metrics", i, "overrides", j, "tagOverrides"),
                    "tagOverrides.name may not be empty",
                )


def _wasm_url_problem(url: str) -> str | None:
    """WP6, WP7: a request URI, or one once `http://` is put before it."""
    parsed = URL.parse(url) or URL.parse(f"http://{url}")
    if parsed is None:
        return f"failed to parse url: {url}"
    if parsed.scheme not in ("", "file", "http", "https", "oci"):
        return f"url contains unsupported scheme: {parsed.scheme}"
    return None


@rule(
    "MG2807",
    WP,
    ERROR,
    "WasmPlugin url, checksum, names, env or match Istio rejects",
    "WP5 WP6 WP7 WP8 WP9 WP10 WP11 WP12 WP13 WP14 WP15 WP16",
)
def wasm_plugin(spec: dict[str, Any], resource: dict[str, Any]) -> Iterator[Found]:
    """The module's url is set, parses and uses file, http, https or oci; its sha256 is 64
    lower-case hex digits; names keep to their lengths; env names are set and unique, and
    HOST values carry no value; matched ports are in 1..65535."""
    yield from _wasm_module(spec, ("spec",), name_limit=(256, "255"))
    yield from _matched_ports(spec)


def _wasm_module(
    wasm: dict[str, Any], at: tuple[str, ...], name_limit: tuple[int, str]
) -> Iterator[Found]:
    """WP5-WP15 on a Wasm module's settings (a WasmPlugin's spec, or a
    TrafficExtension's `wasm`)."""
    url = wasm.get("url")
    if not url:
        yield (*at, "url"), "url field needs to be set"
    elif isinstance(url, str) and (problem := _wasm_url_problem(url)):
        yield (*at, "url"), problem
    sha = wasm.get("sha256")
    if isinstance(sha, str) and sha:
        if len(sha) != 64:
            yield (*at, "sha256"), "sha256 field must be 64 characters long"
        elif not _SHA256.fullmatch(sha):
            yield (*at, "sha256"), "sha256 field must match [a-f0-9]{64} pattern"
    if len(str(wasm.get("imagePullSecret") or "")) > 253:
        yield (
            (*at, "imagePullSecret"),
            "imagePullSecret field must be less than 253 characters long",
        )
    if len(str(wasm.get("pluginName") or "")) > name_limit[0]:
        yield (
            (*at, "pluginName"),
            f"pluginName field must be less than {name_limit[1]} characters long",
        )
    names: set[str] = set()
    for i, env in enumerate(sequence(mapping(wasm.get("vmConfig")).get("env"))):
        env = mapping(env)
        where = (*at, "vmConfig", "env", i)
        name = str(env.get("name") or "")
        if not name:
            yield (*where, "name"), "spec.vmConfig.env invalid"
        elif len(name) > 256:
            yield (*where, "name"), "env.name field must be less than 255 characters long"
        elif name in names:
            yield (*where, "name"), "duplicate env"
        names.add(name)
        if env.get("valueFrom") == "HOST" and env.get("value"):
            yield (*where, "value"), "value may only be set when valueFrom is INLINE"


def _matched_ports(spec: dict[str, Any]) -> Iterator[Found]:
    """WP16: the first matched port outside 1..65535."""
    for i, match in enumerate(sequence(spec.get("match"))):
        for j, port in enumerate(sequence(mapping(match).get("ports"))):
            number = mapping(port).get("number", 0)
            if not isinstance(number, int) or not 1 <= number <= 65535:
                yield (
                    ("spec", "match", i, "ports", j, "number"),
                    f"spec.Match[{i}].Ports[{j}] is out of range: {number}",
                )
                return


@rule(
    "MG2808",
    TE,
    ERROR,
    "TrafficExtension code, module or match Istio rejects",
    "TE1 TE6 TE7 TE8 TE9 TE10 TE11 TE12 TE13",
)
def traffic_extension(spec: dict[str, Any], resource: dict[str, Any]) -> Iterator[Found]:
    """A TrafficExtension runs Wasm or Lua: Lua code is given and at most 64 KiB; a Wasm
    module is checked as a WasmPlugin's; matched ports are in 1..65535."""
    if "wasm" not in spec and "lua" not in spec:
        yield ("spec",), "exactly one of wasm or lua must be set"
    if "lua" in spec:
        code = str(mapping(spec.get("lua")).get("inlineCode") or "")
        if not code:
            yield ("spec", "lua", "inlineCode"), "lua.inlineCode cannot be empty"
        elif len(code.encode("utf-8")) > 65536:
            yield ("spec", "lua", "inlineCode"), "lua.inlineCode exceeds maximum size of 64KB"
    elif "wasm" in spec:
        yield from _wasm_module(
            mapping(spec.get("wasm")), ("spec", "wasm"), name_limit=(256, "256")
        )
    yield from _matched_ports(spec)

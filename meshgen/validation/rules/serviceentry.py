"""Istio's webhook checks for ServiceEntry (rules SE1-SE39 of validation-rules-other-kinds).

Resolution defaults to NONE. "HTTP-family" protocols are HTTP, HTTP2, HTTP_PROXY, GRPC and
GRPC-WEB; an unset protocol belongs to no family.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from meshgen.manifests import mapping, sequence
from meshgen.manifests.hosts import is_ip
from meshgen.validation.rules import primitives as p
from meshgen.validation.rules.registry import ERROR, WARNING, Found, rule

SE = "ServiceEntry"
_PROTOCOLS = frozenset(
    {
        "TCP",
        "UDP",
        "GRPC",
        "GRPC-WEB",
        "HTTP",
        "HTTP_PROXY",
        "HTTP2",
        "HTTPS",
        "TLS",
        "MONGO",
        "REDIS",
        "MYSQL",
    }
)
_HTTP_FAMILY = frozenset({"HTTP", "HTTP2", "HTTP_PROXY", "GRPC", "GRPC-WEB"})
_TCP_FAMILY = frozenset({"TCP", "HTTPS", "TLS", "MONGO", "REDIS", "MYSQL"})
_DYNAMIC_DNS_PROTOCOLS = frozenset({"HTTP", "TLS", "GRPC", "HTTP2"})


def _resolution(spec: dict[str, Any]) -> str:
    resolution = spec.get("resolution")
    return resolution if isinstance(resolution, str) else "NONE"


def _ports(spec: dict[str, Any]) -> Iterator[tuple[int, dict[str, Any]]]:
    for i, port in enumerate(sequence(spec.get("ports"))):
        if isinstance(port, dict):
            yield i, port


def _protocol(port: dict[str, Any]) -> str:
    protocol = port.get("protocol")
    return protocol.upper() if isinstance(protocol, str) else ""


@rule(
    "MG2601",
    SE,
    ERROR,
    "ServiceEntry host that is not a domain name",
    "SE4 SE5 SE6",
)
def hosts(spec: dict[str, Any], resource: dict[str, Any]) -> Iterator[Found]:
    """A ServiceEntry needs at least one host; each is a domain name (short names and a
    leading wildcard label allowed), never `*` alone nor an IP address."""
    entries = sequence(spec.get("hosts"))
    if not entries:
        yield ("spec", "hosts"), "service entry must have at least one host"
    for i, host in enumerate(entries):
        if not isinstance(host, str):
            continue
        if host == "*":
            yield ("spec", "hosts", i), "invalid host *"
        elif problem := p.wildcard_domain(host):
            yield ("spec", "hosts", i), problem


@rule(
    "MG2602",
    SE,
    WARNING,
    "ServiceEntry host with a partial wildcard",
    "SE7",
)
def partial_wildcard(spec: dict[str, Any], resource: dict[str, Any]) -> Iterator[Found]:
    """A wildcard must be a whole leading label (`*.example.com`); `*foo.com` matches
    nothing as meant (except with DYNAMIC_DNS resolution)."""
    if _resolution(spec) == "DYNAMIC_DNS":
        return
    for i, host in enumerate(sequence(spec.get("hosts"))):
        if isinstance(host, str) and "*" in host and host != "*" and not host.startswith("*."):
            yield ("spec", "hosts", i), f"partial wildcard '{host}' not allowed"


@rule(
    "MG2603",
    SE,
    ERROR,
    "ServiceEntry address that is not an IP or CIDR for its resolution",
    "SE8 SE9",
)
def addresses(spec: dict[str, Any], resource: dict[str, Any]) -> Iterator[Found]:
    """Addresses are IP addresses or CIDR blocks; a CIDR block only with NONE or STATIC
    resolution."""
    for i, address in enumerate(sequence(spec.get("addresses"))):
        if not isinstance(address, str):
            continue
        if problem := p.subnet(address):
            yield ("spec", "addresses", i), problem
        elif "/" in address and _resolution(spec) not in ("NONE", "STATIC"):
            yield (
                ("spec", "addresses", i),
                "CIDR addresses are allowed only for NONE/STATIC resolution types",
            )


@rule(
    "MG2604",
    SE,
    ERROR,
    "ServiceEntry port that is duplicated or invalid",
    "SE10 SE11 SE12 SE14 SE15 SE16",
)
def ports(spec: dict[str, Any], resource: dict[str, Any]) -> Iterator[Found]:
    """Port names and numbers are unique; a name is a DNS label (upper case allowed), a
    number and targetPort in 1..65535, and the protocol one Istio knows (or unset)."""
    names: set[Any] = set()
    numbers: set[Any] = set()
    for i, port in _ports(spec):
        where = ("spec", "ports", i)
        name, number = port.get("name"), port.get("number")
        if name in names:
            yield (*where, "name"), f"service entry port name '{name}' already defined"
        names.add(name)
        if number in numbers:
            yield (*where, "number"), f"service entry port {number} already defined"
        numbers.add(number)
        target = port.get("targetPort")
        if isinstance(target, int) and target and (problem := p.port(target)):
            yield (*where, "targetPort"), problem
        if not (isinstance(name, str) and p.is_port_name(name)):
            yield (*where, "name"), f"invalid port name: {name or ''}"
        protocol = port.get("protocol")
        if isinstance(protocol, str) and protocol and protocol.upper() not in _PROTOCOLS:
            yield (*where, "protocol"), f"unsupported protocol: {protocol}"
        if not isinstance(number, int) or not 1 <= number <= 65535:
            yield (*where, "number"), f"port number {number or 0} must be in the range 1..65535"


@rule(
    "MG2605",
    SE,
    WARNING,
    "ServiceEntry TCP port without addresses",
    "SE13",
)
def tcp_without_addresses(spec: dict[str, Any], resource: dict[str, Any]) -> Iterator[Found]:
    """A port serving TCP (or an unset protocol) needs `addresses` to be told apart, unless
    Istio allocates an address itself: it does for resolutions other than NONE, unless the
    label `networking.istio.io/enable-autoallocate-ip` is `false`."""
    if spec.get("addresses"):
        return
    labels = mapping(mapping(resource.get("metadata")).get("labels"))
    opted_out = str(labels.get("networking.istio.io/enable-autoallocate-ip", "")).lower() == "false"
    if _resolution(spec) != "NONE" and not opted_out:
        return
    for i, port in _ports(spec):
        if port.get("protocol") in (None, "", "TCP"):
            yield (
                ("spec", "ports", i),
                "addresses are required for ports serving TCP (or unset) protocol when IP "
                "Autoallocation is not enabled",
            )


@rule(
    "MG2606",
    SE,
    ERROR,
    "ServiceEntry endpoints that its resolution does not allow",
    "SE17 SE20 SE21 SE24 SE25",
)
def endpoints(spec: dict[str, Any], resource: dict[str, Any]) -> Iterator[Found]:
    """NONE resolution takes no endpoints; STATIC endpoints are IP addresses (or
    `unix://` sockets); DNS endpoints are IPs or domain names; DNS_ROUND_ROBIN takes at
    most one; an endpoint's ports name ports of the ServiceEntry."""
    resolution, entries = _resolution(spec), sequence(spec.get("endpoints"))
    if resolution == "NONE" and entries:
        yield ("spec", "endpoints"), "no endpoints should be provided for resolution type none"
        return
    if resolution == "DNS_ROUND_ROBIN" and len(entries) > 1:
        yield (
            ("spec", "endpoints"),
            "there must only be 0 or 1 endpoint for resolution mode DNS_ROUND_ROBIN",
        )
    names = {port.get("name") for _, port in _ports(spec)}
    for i, endpoint in enumerate(entries):
        endpoint = mapping(endpoint)
        where = ("spec", "endpoints", i)
        address = endpoint.get("address")
        if resolution == "STATIC" and isinstance(address, str):
            if not is_ip(address) and not address.startswith("unix://"):
                yield (*where, "address"), f"endpoint address '{address}' is not a valid IP address"
        elif resolution in ("DNS", "DNS_ROUND_ROBIN"):
            text = address if isinstance(address, str) else ""
            if not is_ip(text) and p.wildcard_domain(text, wildcard=False):
                yield (
                    (*where, "address"),
                    f"endpoint address '{text}' is not a valid FQDN or an IP address",
                )
        if resolution in ("STATIC", "DNS", "DNS_ROUND_ROBIN"):
            for name, number in mapping(endpoint.get("ports")).items():
                if name not in names:
                    yield (
                        (*where, "ports", name),
                        f"endpoint port {number} is not defined by the service entry",
                    )


@rule(
    "MG2607",
    SE,
    ERROR,
    "DNS resolution without endpoints for a host that is not a domain name",
    "SE23",
)
def dns_hosts(spec: dict[str, Any], resource: dict[str, Any]) -> Iterator[Found]:
    """With DNS or DNS_ROUND_ROBIN resolution and no endpoints, Istio resolves the hosts
    themselves: each must be a domain name without wildcards."""
    resolution = _resolution(spec)
    if resolution not in ("DNS", "DNS_ROUND_ROBIN") or spec.get("endpoints"):
        return
    for i, host in enumerate(sequence(spec.get("hosts"))):
        if isinstance(host, str) and (problem := p.wildcard_domain(host, wildcard=False)):
            yield (
                ("spec", "hosts", i),
                "hosts must be FQDN or contain only prefix wildcards if no endpoints are "
                f"provided for resolution mode {resolution}, {problem}",
            )
            return


@rule(
    "MG2608",
    SE,
    ERROR,
    "DYNAMIC_DNS ServiceEntry with what that resolution does not allow",
    "SE29 SE30 SE31 SE32 SE33",
)
def dynamic_dns(spec: dict[str, Any], resource: dict[str, Any]) -> Iterator[Found]:
    """DYNAMIC_DNS resolution takes wildcard hosts only, no addresses, no endpoints, and
    ports of protocol HTTP, TLS, GRPC or HTTP2."""
    if _resolution(spec) != "DYNAMIC_DNS":
        return
    for i, host in enumerate(sequence(spec.get("hosts"))):
        if isinstance(host, str) and not host.startswith("*"):
            yield ("spec", "hosts", i), "host must be wildcarded for resolution mode DYNAMIC_DNS"
    if spec.get("addresses"):
        yield ("spec", "addresses"), "addresses cannot be set for resolution type DYNAMIC_DNS"
    if spec.get("endpoints"):
        yield ("spec", "endpoints"), "endpoints cannot be set for resolution type DYNAMIC_DNS"
    for i, port in _ports(spec):
        if _protocol(port) not in _DYNAMIC_DNS_PROTOCOLS:
            yield (
                ("spec", "ports", i, "protocol"),
                "only HTTP, TLS, GRPC, and HTTP2 protocols are supported for resolution type "
                "DYNAMIC_DNS",
            )


@rule(
    "MG2609",
    SE,
    ERROR,
    "several hosts with a port that is neither HTTP nor TLS",
    "SE37",
)
def multiple_hosts(spec: dict[str, Any], resource: dict[str, Any]) -> Iterator[Found]:
    """With a resolution other than NONE, several hosts can share ports only if those
    speak HTTP (Istio tells the hosts apart by the Host header) or TLS (by SNI)."""
    if _resolution(spec) == "NONE" or len(sequence(spec.get("hosts"))) < 2:
        return
    for i, port in _ports(spec):
        if _protocol(port) not in _HTTP_FAMILY | {"HTTPS", "TLS"}:
            yield ("spec", "ports", i), "multiple hosts provided with non-HTTP, non-TLS ports"
            return


@rule(
    "MG2610",
    SE,
    WARNING,
    "several hosts with an address and a TCP port",
    "SE28",
)
def hosts_with_address(spec: dict[str, Any], resource: dict[str, Any]) -> Iterator[Found]:
    """With DNS resolution and addresses, a TCP port cannot tell several hosts apart."""
    if _resolution(spec) not in ("DNS", "DNS_ROUND_ROBIN") or not spec.get("addresses"):
        return
    if len(sequence(spec.get("hosts"))) > 1 and any(
        _protocol(port) in _TCP_FAMILY for _, port in _ports(spec)
    ):
        yield (
            ("spec", "hosts"),
            "service entry can not have more than one host specified simultaneously with "
            "address and tcp port",
        )


@rule(
    "MG2611",
    SE,
    ERROR,
    "ServiceEntry workload selector that is invalid or beside endpoints",
    "SE1 SE3",
)
def workload_selector(spec: dict[str, Any], resource: dict[str, Any]) -> Iterator[Found]:
    """A workload selector's labels have non-empty keys and no wildcards, and a
    ServiceEntry selects workloads or lists endpoints, not both."""
    selector = spec.get("workloadSelector")
    if not isinstance(selector, dict):
        return
    for key, problem in p.selector_labels(selector.get("labels")):
        yield ("spec", "workloadSelector", "labels", key), problem
    if spec.get("endpoints"):
        yield (
            ("spec", "workloadSelector"),
            "only one of WorkloadSelector or Endpoints is allowed in Service Entry",
        )


@rule(
    "MG2612",
    SE,
    WARNING,
    "ServiceEntry workload selector without labels, or with NONE resolution",
    "SE2 SE18",
)
def selector_warnings(spec: dict[str, Any], resource: dict[str, Any]) -> Iterator[Found]:
    """A selector without labels selects every workload of the namespace; with NONE
    resolution a selector has no effect."""
    selector = spec.get("workloadSelector")
    if not isinstance(selector, dict):
        return
    if not selector.get("labels"):
        yield ("spec", "workloadSelector"), p.SELECTS_NAMESPACE
    if _resolution(spec) == "NONE":
        yield (
            ("spec", "workloadSelector"),
            "workloadSelector should not be set when resolution mode is NONE",
        )


@rule(
    "MG2613",
    SE,
    ERROR,
    "ServiceEntry exportTo Istio rejects",
    "SE38 SE39",
)
def export_to(spec: dict[str, Any], resource: dict[str, Any]) -> Iterator[Found]:
    """exportTo entries are `.`, `*`, `~` or namespace names, without duplicates; `*`
    stands alone, and so does `~` (exported to no one)."""
    entries = spec.get("exportTo")
    if not isinstance(entries, list):
        return
    namespace = mapping(resource.get("metadata")).get("namespace")
    for problem in p.export_to([e for e in entries if e != "~"], namespace):
        yield ("spec", "exportTo"), problem
    if "~" in entries and len(entries) > 1:
        yield ("spec", "exportTo"), "cannot export service entry to no one (~) and someone"

"""DestinationRule rules (Istio's ValidateDestinationRule and its traffic policy checks).

One flat list of rules, in the order of Istio's checks; over 500 lines because each rule
is short and stands alone, and splitting the traffic-policy checks from the rest would
part rules that share the policy walk.

Istio drops the warnings of subset and port-level policies (they are computed, then
lost); meshgen reports them wherever they occur, since the same mistake is no less a
mistake one level down.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from meshgen.validation.rules import primitives as p
from meshgen.validation.rules.common import policies
from meshgen.validation.rules.registry import ERROR, WARNING, Found, rule

DR = "DestinationRule"
POLICY_FIELDS = (
    "connectionPool",
    "loadBalancer",
    "outlierDetection",
    "tls",
    "portLevelSettings",
    "tunnel",
    "proxyProtocol",
    "retryBudget",
)
TOPOLOGY = (
    "topology.kubernetes.io/region",
    "topology.kubernetes.io/zone",
    "topology.istio.io/subzone",
)


def _get(node: Any, *path: str) -> Any:
    for part in path:
        node = node.get(part) if isinstance(node, dict) else None
    return node


@rule(
    "MG2301",
    DR,
    ERROR,
    "invalid host",
    "D1",
)
def host(spec: dict[str, Any], resource: dict[str, Any]) -> Iterator[Found]:
    """The host is a short name, a DNS name or a wildcard domain (not an IP address)."""
    value = spec.get("host")
    if isinstance(value, str) and (problem := p.wildcard_domain(value)):
        yield ("spec", "host"), problem


@rule(
    "MG2302",
    DR,
    ERROR,
    "empty traffic policy",
    "D2 D3 D62 D63 D64",
)
def policy_shape(spec: dict[str, Any], resource: dict[str, Any]) -> Iterator[Found]:
    """A traffic policy sets at least one field, and not both `tunnel` and
    `proxyProtocol`; each port-level setting names its port and sets at least one of
    connectionPool, loadBalancer, outlierDetection or tls."""
    for where, policy in policies(spec):
        if where[-2] == "portLevelSettings":
            if not policy.get("port"):
                yield where, "a port-level setting needs its port"
            if not any(
                policy.get(k) for k in ("connectionPool", "loadBalancer", "outlierDetection", "tls")
            ):
                yield where, "a port-level setting must set at least one policy"
            continue
        if not any(k in policy for k in POLICY_FIELDS):
            yield where, "a traffic policy must have at least one field"
        if policy.get("tunnel") and policy.get("proxyProtocol"):
            yield where, "tunnel and proxyProtocol cannot be set together"


@rule(
    "MG2303",
    DR,
    ERROR,
    "invalid subsets",
    "D4 D5 D6 D7 D8",
)
def subsets(spec: dict[str, Any], resource: dict[str, Any]) -> Iterator[Found]:
    """Subsets are not null, their names are unique, non-empty DNS-1123 labels, and their
    labels are valid Kubernetes labels."""
    seen: set[Any] = set()
    for i, subset in enumerate(spec.get("subsets") or []):
        where = ("spec", "subsets", i)
        if not isinstance(subset, dict):
            yield where, "a subset may not be null"
            continue
        name = subset.get("name")
        if not name:
            yield (*where, "name"), "a subset needs a name"
        elif not p.is_dns1123_label(str(name)):
            yield (
                (*where, "name"),
                f"subset name {name} is invalid: use lower case letters, digits and '-'",
            )
        elif name in seen:
            yield (*where, "name"), f"subset {name} is defined twice"
        seen.add(name)
        for problem in p.labels(subset.get("labels")):
            yield (*where, "labels"), problem


@rule(
    "MG2304",
    DR,
    ERROR,
    "workload selector conflicts",
    "D11 D12 D13 D14",
)
def workload_selector(spec: dict[str, Any], resource: dict[str, Any]) -> Iterator[Found]:
    """With a `workloadSelector`, the rule applies only to workloads of its own namespace,
    so `exportTo` must be that namespace alone; selector labels have no empty keys and
    no `*`."""
    selector = spec.get("workloadSelector")
    if not isinstance(selector, dict):
        return
    namespace = p.mapping(resource.get("metadata")).get("namespace")
    export = spec.get("exportTo") or []
    own = [e for e in export if e in (".", namespace)]
    if export and not own:
        yield (
            ("spec", "exportTo"),
            "a rule with a workloadSelector cannot be exported beyond its namespace",
        )
    elif len(export) > 1:
        yield (
            ("spec", "exportTo"),
            "a rule with a workloadSelector cannot have several exportTo entries",
        )
    for key, value in (selector.get("matchLabels") or {}).items():
        where = ("spec", "workloadSelector", "matchLabels", key)
        if key == "":
            yield where, "empty label keys are not supported in a selector"
        elif "*" in str(key) or "*" in str(value):
            yield where, "wildcards are not supported in a selector"


@rule(
    "MG2305",
    DR,
    WARNING,
    "workload selector without labels",
    "D15",
)
def empty_selector(spec: dict[str, Any], resource: dict[str, Any]) -> Iterator[Found]:
    """A `workloadSelector` without labels selects nothing in particular."""
    selector = spec.get("workloadSelector")
    if isinstance(selector, dict) and not selector.get("matchLabels"):
        yield ("spec", "workloadSelector"), "a workload selector without labels"


_NON_NEGATIVE = (
    ("http", "http1MaxPendingRequests"),
    ("http", "http2MaxRequests"),
    ("http", "maxRequestsPerConnection"),
    ("http", "maxRetries"),
    ("http", "maxConcurrentStreams"),
    ("tcp", "maxConnections"),
)


@rule(
    "MG2306",
    DR,
    ERROR,
    "invalid connection pool",
    "D16 D17 D18 D19 D20 D21 D23 D24 D25",
)
def connection_pool(spec: dict[str, Any], resource: dict[str, Any]) -> Iterator[Found]:
    """A connection pool sets tcp or http settings; counts are not negative; forcing
    HTTP/2 (`h2UpgradePolicy: UPGRADE`) excludes `useClientProtocol`; an HTTP/2
    keepalive needs both an interval and a timeout."""
    for where, policy in policies(spec):
        pool = policy.get("connectionPool")
        if isinstance(pool, dict):
            for path, message in pool_problems(pool):
                yield (*where, "connectionPool", *path), message


def pool_problems(pool: dict[str, Any]) -> Iterator[Found]:
    """D16-D21, D23-D25 on one connection pool (paths below it)."""
    if not pool.get("tcp") and not pool.get("http"):
        yield (), "a connection pool must set tcp or http settings"
    for side, field in _NON_NEGATIVE:
        value = _get(pool, side, field)
        if isinstance(value, int) and value < 0:
            yield (side, field), f"{field} must not be negative"
    http = p.mapping(pool.get("http"))
    if http.get("h2UpgradePolicy") == "UPGRADE" and http.get("useClientProtocol"):
        yield ("http",), "useClientProtocol cannot be true when h2UpgradePolicy is UPGRADE"
    keepalive = http.get("http2KeepAlive")
    if isinstance(keepalive, dict):
        for part in ("interval", "timeout"):
            if not keepalive.get(part):
                yield ("http", "http2KeepAlive"), f"an HTTP/2 keepalive needs its {part}"


def _is_prime(number: int) -> bool:
    if number < 2:
        return False
    return all(number % d for d in range(2, int(number**0.5) + 1))


@rule(
    "MG2307",
    DR,
    ERROR,
    "invalid load balancer",
    "D28 D29 D31 D32 D33 D34 D35 D36 D37 D38",
)
def load_balancer(spec: dict[str, Any], resource: dict[str, Any]) -> Iterator[Found]:
    """Consistent hashing: a cookie needs a name (and unique, named attributes); the
    deprecated `minimumRingSize` excludes `ringHash`/`maglev`; a maglev table size is a
    prime under 5000011. `localityLbSetting` and `zoneAwareLbSetting` exclude each other.
    A warmup needs a duration, a minimumPercent of at most 100, and an aggression above 0."""
    for where, policy in policies(spec):
        lb = policy.get("loadBalancer")
        if not isinstance(lb, dict):
            continue
        here = (*where, "loadBalancer")
        hashing = p.mapping(lb.get("consistentHash"))
        cookie = hashing.get("httpCookie")
        if isinstance(cookie, dict):
            if not cookie.get("name"):
                yield (*here, "consistentHash", "httpCookie"), "a hash cookie needs a name"
            names = [a.get("name") for a in cookie.get("attributes") or [] if isinstance(a, dict)]
            if any(not n for n in names):
                yield (*here, "consistentHash", "httpCookie"), "cookie attributes need names"
            if len({n for n in names if n}) != len([n for n in names if n]):
                yield (
                    (*here, "consistentHash", "httpCookie"),
                    "cookie attribute names must be unique",
                )
        if hashing.get("minimumRingSize") and (hashing.get("ringHash") or hashing.get("maglev")):
            yield (*here, "consistentHash"), "give minimumRingSize or ringHash/maglev, not both"
        maglev = hashing.get("maglev")
        if isinstance(maglev, dict):
            size = maglev.get("tableSize") or 0
            if size == 0:
                yield (*here, "consistentHash", "maglev"), "tableSize must be set for maglev"
            elif size >= 5_000_011:
                yield (
                    (*here, "consistentHash", "maglev"),
                    "tableSize must be less than 5000011 for maglev",
                )
            elif not _is_prime(size):
                yield (
                    (*here, "consistentHash", "maglev"),
                    f"tableSize {size} must be a prime number for maglev",
                )
        if "localityLbSetting" in lb and "zoneAwareLbSetting" in lb:
            yield here, "give localityLbSetting or zoneAwareLbSetting, not both"
        warmup = lb.get("warmup")
        if isinstance(warmup, dict):
            if not warmup.get("duration"):
                yield (*here, "warmup"), "a warmup needs a duration"
            if (warmup.get("minimumPercent") or 0) > 100:
                yield (*here, "warmup"), "minimumPercent must be at most 100"
            if "aggression" in warmup and (warmup.get("aggression") or 0) <= 0:
                yield (*here, "warmup"), "aggression must be greater than 0"


@rule(
    "MG2308",
    DR,
    WARNING,
    "deprecated minimumRingSize",
    "D30",
)
def deprecated_ring_size(spec: dict[str, Any], resource: dict[str, Any]) -> Iterator[Found]:
    """`consistentHash.minimumRingSize` is deprecated; use `ringHash.minimumRingSize`."""
    for where, policy in policies(spec):
        if _get(policy, "loadBalancer", "consistentHash", "minimumRingSize"):
            yield (
                (*where, "loadBalancer", "consistentHash", "minimumRingSize"),
                "minimumRingSize is deprecated; use ringHash.minimumRingSize",
            )


def _locality_problems(setting: dict[str, Any], here: tuple[Any, ...]) -> Iterator[Found]:
    distribute, failover = setting.get("distribute") or [], setting.get("failover") or []
    if distribute and failover:
        yield here, "give distribute or failover, not both"
        return
    if failover:
        for label in setting.get("failoverPriority") or []:
            if label in TOPOLOGY:
                yield (
                    (*here, "failoverPriority"),
                    f"failover cannot go with topology label {label} in failoverPriority",
                )
    seen: list[str] = []
    for k, rule_ in enumerate(distribute):
        if not isinstance(rule_, dict):
            continue
        weights = [w for w in (rule_.get("to") or {}).values() if isinstance(w, int)]
        if any(w <= 0 or w > 100 for w in weights):
            yield (*here, "distribute", k, "to"), "locality weights must be in 1..100"
        elif weights and sum(weights) != 100:
            yield (
                (*here, "distribute", k, "to"),
                f"locality weights add up to {sum(weights)}, not 100",
            )
        for locality in [rule_.get("from"), *(rule_.get("to") or {})]:
            if not isinstance(locality, str):
                continue
            parts = locality.split("/")
            if locality.count("*") > 1 or ("*" in locality and not locality.endswith("*")):
                yield (*here, "distribute", k), f"locality {locality}: one '*' at most, at the end"
            elif "" in parts:
                yield (
                    (*here, "distribute", k),
                    f"locality {locality} has an empty region, zone or subzone",
                )
        source = rule_.get("from")
        if isinstance(source, str):
            stem = source.rstrip("*").rstrip("/")
            if any(
                s == "*" or stem.startswith(s.rstrip("*").rstrip("/")) or s.startswith(stem)
                for s in seen
            ):
                yield (
                    (*here, "distribute", k, "from"),
                    f"locality {source} overlaps one given before",
                )
            seen.append(source)
    for k, entry in enumerate(failover):
        if not isinstance(entry, dict):
            continue
        origin, target = str(entry.get("from", "")), str(entry.get("to", ""))
        if origin == target:
            yield (*here, "failover", k), "failover must go to a different region"
        elif "/" in origin + target:
            yield (*here, "failover", k), "failover names regions only (no zones)"
        elif "*" in origin + target:
            yield (*here, "failover", k), "failover regions cannot contain '*'"


@rule(
    "MG2309",
    DR,
    ERROR,
    "invalid locality load balancing",
    "D39 D40 D41 D42 D43 D45 D46 D47",
)
def locality(spec: dict[str, Any], resource: dict[str, Any]) -> Iterator[Found]:
    """Locality load balancing: `distribute` and `failover` exclude each other; weights are
    1..100 and add up to 100 per source; localities have one trailing `*` at most, no
    empty parts, and do not overlap; failover goes between different regions, named
    without zones or wildcards; `failoverPriority` with `failover` (or in zone-aware
    settings) may not use the region/zone/subzone topology labels."""
    for where, policy in policies(spec):
        lb = p.mapping(policy.get("loadBalancer"))
        setting = lb.get("localityLbSetting")
        if isinstance(setting, dict):
            yield from _locality_problems(setting, (*where, "loadBalancer", "localityLbSetting"))
        zone = lb.get("zoneAwareLbSetting")
        if isinstance(zone, dict):
            here = (*where, "loadBalancer", "zoneAwareLbSetting")
            for label in zone.get("failoverPriority") or []:
                if label in TOPOLOGY:
                    yield (
                        (*here, "failoverPriority"),
                        f"zone aware failoverPriority must not use topology label {label}",
                    )
            yield from _locality_problems({"failover": zone.get("failover") or []}, here)


@rule(
    "MG2310",
    DR,
    WARNING,
    "failover without outlier detection",
    "D44",
)
def failover_needs_outlier_detection(
    spec: dict[str, Any], resource: dict[str, Any]
) -> Iterator[Found]:
    """Failover moves traffic away from unhealthy endpoints, which only outlier detection
    finds: without it in the same policy, failover never happens."""
    for where, policy in policies(spec):
        setting = _get(policy, "loadBalancer", "localityLbSetting")
        fails_over = bool(
            p.mapping(setting).get("failover") or p.mapping(setting).get("failoverPriority")
        )
        if fails_over and not policy.get("outlierDetection"):
            yield (
                (*where, "loadBalancer", "localityLbSetting"),
                "failover needs outlierDetection in the same policy",
            )


@rule(
    "MG2311",
    DR,
    ERROR,
    "invalid outlier detection",
    "D50 D51",
)
def outlier_detection(spec: dict[str, Any], resource: dict[str, Any]) -> Iterator[Found]:
    """`consecutiveLocalOriginFailures` counts only when
    `splitExternalLocalOriginErrors` is on; `maxEjectionPercent` and `minHealthPercent`
    are 0..100."""
    for where, policy in policies(spec):
        outlier = policy.get("outlierDetection")
        if not isinstance(outlier, dict):
            continue
        here = (*where, "outlierDetection")
        if (outlier.get("consecutiveLocalOriginFailures") or 0) > 0 and not outlier.get(
            "splitExternalLocalOriginErrors"
        ):
            yield here, "consecutiveLocalOriginFailures needs splitExternalLocalOriginErrors: true"
        for field in ("maxEjectionPercent", "minHealthPercent"):
            if problem := p.integer_percent(outlier.get(field)):
                yield (*here, field), problem


@rule(
    "MG2312",
    DR,
    WARNING,
    "deprecated consecutiveErrors",
    "D49",
)
def deprecated_consecutive_errors(
    spec: dict[str, Any], resource: dict[str, Any]
) -> Iterator[Found]:
    """`consecutiveErrors` is deprecated; use `consecutiveGatewayErrors` or
    `consecutive5xxErrors`."""
    for where, policy in policies(spec):
        if _get(policy, "outlierDetection", "consecutiveErrors"):
            yield (
                (*where, "outlierDetection", "consecutiveErrors"),
                "consecutiveErrors is deprecated; use consecutive5xxErrors or consecutiveGatewayErrors",
            )


@rule(
    "MG2313",
    DR,
    ERROR,
    "invalid client TLS settings",
    "D52 D53 D54 D55 D56 D57",
)
def client_tls(spec: dict[str, Any], resource: dict[str, Any]) -> Iterator[Found]:
    """Client TLS: a `configmap://ns/name` credential names this rule's namespace;
    `insecureSkipVerify` excludes CA certificates and subject alt names (and, for SIMPLE,
    a credential); with `credentialName`, no certificate, key, CA or CRL files; MUTUAL
    without a credential needs a client certificate and a private key."""
    namespace = p.mapping(resource.get("metadata")).get("namespace")
    for where, policy in policies(spec):
        tls = policy.get("tls")
        if not isinstance(tls, dict):
            continue
        here = (*where, "tls")
        mode, credential = tls.get("mode"), tls.get("credentialName")
        if isinstance(credential, str) and credential.startswith("configmap://"):
            ns, _, name = credential[len("configmap://") :].partition("/")
            if not ns or not name:
                yield (
                    (*here, "credentialName"),
                    "a configmap:// credential is configmap://namespace/name",
                )
            elif ns != namespace:
                yield (
                    (*here, "credentialName"),
                    f"a configmap:// credential must be in this rule's namespace ({namespace})",
                )
        if tls.get("insecureSkipVerify"):
            given = [k for k in ("caCertificates", "subjectAltNames") if tls.get(k)]
            if mode == "SIMPLE" and credential:
                given.append("credentialName")
            if mode in ("SIMPLE", "MUTUAL") and given:
                yield here, f"insecureSkipVerify excludes {', '.join(given)}"
        if mode in ("SIMPLE", "MUTUAL") and credential:
            files = [
                k
                for k in ("clientCertificate", "caCertificates", "privateKey", "caCrl")
                if tls.get(k)
            ]
            if files:
                yield here, f"with credentialName, do not give {', '.join(files)}"
        elif mode == "MUTUAL":
            if not tls.get("clientCertificate"):
                yield here, "mutual TLS needs a client certificate"
            if not tls.get("privateKey"):
                yield here, "mutual TLS needs a private key"


@rule(
    "MG2314",
    DR,
    ERROR,
    "invalid tunnel or proxy protocol",
    "D58 D59 D60 D61",
)
def tunnel(spec: dict[str, Any], resource: dict[str, Any]) -> Iterator[Found]:
    """A tunnel's protocol is `CONNECT` or `POST` (upper case), its target host a DNS
    name or IP, and its target port 1..65535."""
    for where, policy in policies(spec):
        settings = policy.get("tunnel")
        if not isinstance(settings, dict):
            continue
        here = (*where, "tunnel")
        if settings.get("protocol") not in (None, "", "CONNECT", "POST"):
            yield (*here, "protocol"), 'tunnel protocol must be "CONNECT" or "POST"'
        target = settings.get("targetHost")
        if isinstance(target, str) and p.ip(target) and p.wildcard_domain(target, wildcard=False):
            yield (
                (*here, "targetHost"),
                f"tunnel target host {target} must be a DNS name or an IP address",
            )
        if (problem := p.port(settings.get("targetPort"))) or settings.get("targetPort") == 0:
            yield (*here, "targetPort"), problem or "tunnel target port must be 1..65535"

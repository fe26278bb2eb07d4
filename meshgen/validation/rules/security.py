"""Istio's webhook checks for AuthorizationPolicy, PeerAuthentication, RequestAuthentication
and WorkloadEntry (rules AP, PA, RA, WE and C1-C17 of validation-rules-other-kinds)."""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

from meshgen.manifests import mapping, sequence
from meshgen.manifests.hosts import is_ip
from meshgen.validation.rules import primitives as p
from meshgen.validation.rules.registry import ERROR, WARNING, Found, rule

AP, PA, RA, WE = (
    "AuthorizationPolicy",
    "PeerAuthentication",
    "RequestAuthentication",
    "WorkloadEntry",
)
_TARGET_KINDS = {
    ("", "Service"),
    ("core", "Service"),
    ("networking.istio.io", "ServiceEntry"),
    ("gateway.networking.k8s.io", "Gateway"),
    ("gateway.networking.k8s.io", "GatewayClass"),
}
_SOURCE_LISTS = (
    "principals", "notPrincipals", "requestPrincipals", "notRequestPrincipals", "namespaces",
    "notNamespaces", "ipBlocks", "notIpBlocks", "remoteIpBlocks", "notRemoteIpBlocks",
    "serviceAccounts", "notServiceAccounts", "trustDomains", "notTrustDomains",
)  # fmt: skip
_OPERATION_LISTS = (
    "ports",
    "methods",
    "paths",
    "hosts",
    "notPorts",
    "notMethods",
    "notPaths",
    "notHosts",
)
_IP_LISTS = ("ipBlocks", "notIpBlocks", "remoteIpBlocks", "notRemoteIpBlocks")
_CUSTOM_UNSUPPORTED_SOURCES = (
    "namespaces", "notNamespaces", "serviceAccounts", "notServiceAccounts", "trustDomains",
    "notTrustDomains", "principals", "notPrincipals", "requestPrincipals", "notRequestPrincipals",
)  # fmt: skip
# Condition keys Istio knows, and how their values are checked.
_EXACT_KEYS = {
    "source.ip": "ip",
    "remote.ip": "ip",
    "destination.ip": "ip",
    "destination.port": "port",
    "source.serviceAccount": "account",
    "source.trustDomain": "wildcard",
    "source.namespace": "",
    "source.principal": "",
    "request.auth.principal": "",
    "request.auth.audiences": "",
    "request.auth.presenter": "",
    "connection.sni": "",
}
_MAP_KEY_PREFIXES = ("request.headers", "request.auth.claims", "experimental.envoy.filters.")
_HEADER_NAME = re.compile(r"[-_A-Za-z0-9]+")
_GO_BOOLEANS = frozenset(
    {"1", "t", "T", "TRUE", "true", "True", "0", "f", "F", "FALSE", "false", "False"}
)


def _title(field: str) -> str:
    return field[0].upper() + field[1:]


def selector_problems(spec: dict[str, Any], field: str = "selector") -> Iterator[Found]:
    """C1, C2 on ``selector.matchLabels``; C4 one kind of selector; C5-C7 target refs."""
    selector = spec.get(field)
    labels = mapping(mapping(selector).get("matchLabels"))
    for key, message in p.selector_labels(labels):
        yield ("spec", field, "matchLabels", key), message
    chosen = ["selector" in spec, "targetRef" in spec, bool(spec.get("targetRefs"))]
    if sum(chosen) > 1:
        yield ("spec",), "only one of targetRefs or workloadSelector can be set"
    refs: list[tuple[tuple[str | int, ...], Any]] = []
    if "targetRef" in spec:
        refs.append((("spec", "targetRef"), spec.get("targetRef")))
    refs += [(("spec", "targetRefs", i), r) for i, r in enumerate(sequence(spec.get("targetRefs")))]
    for where, ref in refs:
        ref = mapping(ref)
        if not ref.get("name"):
            yield where, "targetRef name must be set"
        if ref.get("namespace"):
            yield (
                (*where, "namespace"),
                "targetRef namespace must not be set; cross namespace referencing is not supported",
            )
        group, kind = ref.get("group", ""), ref.get("kind", "")
        if (group, kind) not in _TARGET_KINDS:
            yield (
                where,
                "targetRef must be to one of [core/v1/Service networking.istio.io/v1/ServiceEntry "
                "gateway.networking.k8s.io/v1/Gateway gateway.networking.k8s.io/v1/GatewayClass] "
                f"but was {group}/{kind}",
            )


@rule(
    "MG2701",
    (AP, PA, RA),
    ERROR,
    "policy selector or target reference Istio rejects",
    "AP3 AP4 AP6 PA4 RA1 RA2 RA4 C1 C2 C4 C5 C6 C7",
)
def policy_selector(spec: dict[str, Any], resource: dict[str, Any]) -> Iterator[Found]:
    """A selector's labels have non-empty keys and no wildcards; a policy selects
    workloads with `selector` or targets `targetRef`/`targetRefs`, not both; a target
    names a Service, ServiceEntry, Gateway or GatewayClass of its own namespace."""
    yield from selector_problems(spec)


@rule(
    "MG2702",
    (AP, PA, RA),
    WARNING,
    "policy selector without labels",
    "AP5 PA5 RA3 C3",
)
def selector_without_labels(spec: dict[str, Any], resource: dict[str, Any]) -> Iterator[Found]:
    """A `selector` with no labels selects every workload of the namespace; leave it out
    to say so, or give the labels meant."""
    if "selector" in spec and not mapping(mapping(spec.get("selector")).get("matchLabels")):
        yield ("spec", "selector"), "workload selector specified without labels"


def _action(spec: dict[str, Any]) -> str:
    action = spec.get("action")
    return action if isinstance(action, str) else "ALLOW"


def _rules(spec: dict[str, Any]) -> Iterator[tuple[int, dict[str, Any]]]:
    for i, entry in enumerate(sequence(spec.get("rules"))):
        yield i, mapping(entry)


@rule(
    "MG2703",
    AP,
    ERROR,
    "AuthorizationPolicy action without what it needs, or with what it cannot use",
    "AP7 AP8 AP9 AP10 AP11 AP12",
)
def policy_action(spec: dict[str, Any], resource: dict[str, Any]) -> Iterator[Found]:
    """DENY and CUSTOM need rules (an empty rule `{}` matches every request); CUSTOM needs
    a provider and cannot match on identities (sources' principals, namespaces, service
    accounts, trust domains, or `source.*`/`request.auth.*` conditions); only CUSTOM takes
    a provider."""
    action = _action(spec)
    if action in ("DENY", "CUSTOM") and not spec.get("rules"):
        yield (
            ("spec", "rules"),
            f"{action} action without `rules` is meaningless as it will never be triggered, "
            "add an empty rule `{}` if you want it be triggered for every request",
        )
    elif action == "CUSTOM" and not mapping(spec.get("provider")).get("name"):
        yield ("spec", "provider"), "`provider.name` must not be empty"
    if action != "CUSTOM" and "provider" in spec:
        yield ("spec", "provider"), f"`provider` must not be with non CUSTOM action, found {action}"
    if action != "CUSTOM":
        return
    for i, entry in _rules(spec):
        for j, origin in enumerate(sequence(entry.get("from"))):
            source = mapping(mapping(origin).get("source"))
            for field in _CUSTOM_UNSUPPORTED_SOURCES:
                if source.get(field):
                    yield (
                        ("spec", "rules", i, "from", j, "source", field),
                        f"From.{_title(field)} is currently not supported with CUSTOM action",
                    )
        for j, condition in enumerate(sequence(entry.get("when"))):
            key = mapping(condition).get("key")
            if isinstance(key, str) and (
                key
                in (
                    "source.namespace",
                    "source.serviceAccount",
                    "source.trustDomain",
                    "source.principal",
                )
                or key.startswith("request.auth.")
            ):
                yield (
                    ("spec", "rules", i, "when", j, "key"),
                    f"{key} is currently not supported with CUSTOM action",
                )


def _clauses(
    spec: dict[str, Any], side: str, part: str, lists: tuple[str, ...]
) -> Iterator[tuple[int, tuple[Any, ...], dict[str, Any], str | None]]:
    """Each rule's `from[].source` or `to[].operation`: (rule, path, the clause, and the
    problem when it is missing or empty)."""
    for i, entry in _rules(spec):
        for j, clause in enumerate(sequence(entry.get(side))):
            where = ("spec", "rules", i, side, j, part)
            content = mapping(mapping(clause).get(part))
            if part not in mapping(clause):
                yield i, where[:-1], content, f"`{side}.{part}` must not be nil, found at rule {i}"
            elif not any(content.get(field) for field in lists):
                yield i, where, content, f"`{side}.{part}` must not be empty, found at rule {i}"
            else:
                yield i, where, content, None


def _ip_problems(values: list[Any]) -> list[str]:
    """C15."""
    problems = []
    for value in values:
        text = str(value)
        if "/" in text:
            try:
                ipaddress.ip_network(text, strict=False)
            except ValueError:
                problems.append(f"bad CIDR range ({text})")
        elif not is_ip(text):
            problems.append(f"bad IP address ({text})")
    return problems


def _port_problems(values: list[Any]) -> list[str]:
    """C16."""
    return [
        f"bad port ({value})"
        for value in values
        if not (str(value).isdigit() and int(str(value)) <= 65535)
    ]


def _account_problem(values: list[Any], field: str) -> str | None:
    """C12."""
    if len(values) > 16:
        return "may not have more than 16 values"
    for value in values:
        text = str(value)
        if text == "":
            return f"empty value not allowed, found in {field}"
        if "*" in text:
            return f"wildcard not allowed, found in {field}"
        if text.count("/") >= 2:
            return (
                "expected format 'serviceAccount' or 'namespace/serviceAccount', found "
                f'"{text}" in {field}'
            )
        if len(text) > 320:
            return f'value cannot exceed 320 characters, found "{text[:40]}..." in {field}'
        namespace, slash, account = text.partition("/")
        if slash and not account:
            return f"expected format 'serviceAccount' or 'namespace/serviceAccount', found empty serviceAccount \"{text}\" in {field}"
        if slash and not namespace:
            return f"expected format 'serviceAccount' or 'namespace/serviceAccount', found empty namespace \"{text}\" in {field}"
    return None


def _wildcard_problem(values: list[Any], field: str) -> str | None:
    """C11, C13."""
    for value in values:
        text = str(value)
        if text == "":
            return f"empty value not allowed, found in {field}"
        if text.count("*") > 1:
            return f'at most one wildcard is allowed, found in {field}: "{text}"'
        if "*" in text and text != "*" and not (text.startswith("*") or text.endswith("*")):
            return f'wildcard is only allowed at the start or end, found in {field}: "{text}"'
    return None


@rule(
    "MG2704",
    AP,
    ERROR,
    "AuthorizationPolicy source Istio rejects",
    "AP13 AP14 AP15 AP16 AP17 AP18 AP19",
)
def policy_sources(spec: dict[str, Any], resource: dict[str, Any]) -> Iterator[Found]:
    """Each `from` has a non-empty `source`; service accounts do not mix with principals or
    namespaces; IP blocks are IPs or CIDRs; no list holds an empty value; service accounts
    are `name` or `namespace/name` without wildcards; trust domains have at most one
    leading or trailing wildcard and no `/`."""
    for i, where, source, problem in _clauses(spec, "from", "source", _SOURCE_LISTS):
        if problem:
            yield where, problem
            continue
        identities = any(
            source.get(f) for f in ("principals", "notPrincipals", "namespaces", "notNamespaces")
        )
        if identities and any(source.get(f) for f in ("serviceAccounts", "notServiceAccounts")):
            yield (
                where,
                f"cannot set serviceAccounts with namespaces or principals, found at rule {i}",
            )
        for field in _SOURCE_LISTS:
            values = sequence(source.get(field))
            if field in _IP_LISTS:
                for message in _ip_problems(values):
                    yield (*where, field), message
            if problem := _source_values_problem(field, values):
                yield (*where, field), problem


def _source_values_problem(field: str, values: list[Any]) -> str | None:
    """C11, C12, C14 for one list of a source."""
    if field in ("serviceAccounts", "notServiceAccounts"):
        return _account_problem(values, _title(field))
    if field in ("trustDomains", "notTrustDomains"):
        problem = _wildcard_problem(values, _title(field))
        if problem is None and any("/" in str(v) for v in values):
            problem = f"trust domain must not contain '/', found in {_title(field)}"
        return problem
    if "" in values:
        return f"empty value not allowed, found in {_title(field)}"
    return None


@rule(
    "MG2705",
    AP,
    ERROR,
    "AuthorizationPolicy operation Istio rejects",
    "AP20 AP21 AP22 AP23 AP24",
)
def policy_operations(spec: dict[str, Any], resource: dict[str, Any]) -> Iterator[Found]:
    """Each `to` has a non-empty `operation`; ports are numbers up to 65535; no list holds
    an empty value; paths use `{*}` and `{**}` only as whole segments, `{**}` last."""
    for _, where, operation, problem in _clauses(spec, "to", "operation", _OPERATION_LISTS):
        if problem:
            yield where, problem
            continue
        for field in _OPERATION_LISTS:
            values = sequence(operation.get(field))
            if "" in values:
                yield (*where, field), f"empty value not allowed, found in {_title(field)}"
            elif field in ("ports", "notPorts"):
                for message in _port_problems(values):
                    yield (*where, field), message
            elif field in ("paths", "notPaths"):
                for value in values:
                    if template := _path_template_problem(str(value), _title(field)):
                        yield (*where, field), template
                        break


_SEGMENT = re.compile(r"[a-zA-Z0-9\-._~%!$&'()+,;:@=]+")


def _path_template_problem(path: str, field: str) -> str | None:
    """C17."""
    if "{" not in path and "}" not in path:
        return None
    trimmed = path.strip("/")
    segments = trimmed.split("/")
    templated = any(s in ("{*}", "{**}") for s in segments)
    seen_double = False
    for segment in segments:
        if segment in ("{*}", "{**}"):
            if seen_double:
                return f"invalid or unsupported path {trimmed}, found in {field}. {{**}} is not the last operator"
            seen_double = segment == "{**}"
        elif "{" in segment or "}" in segment:
            return f"invalid or unsupported path {trimmed}, found in {field}. Contains '{{' or '}}' beyond a supported path template"
        elif templated and not _SEGMENT.fullmatch(segment):
            return f"invalid or unsupported path {trimmed}, found in {field}. Contains segment {segment} with invalid string literal"
    return None


def _attribute_problem(key: str, values: list[Any]) -> str | None:
    """C11 then the check of the condition's key."""
    if "" in values:
        return f"empty value not allowed, found in {key}"
    if key == "destination.namespace":
        return "attribute destination.namespace is replaced by the metadata.namespace"
    if key.startswith("destination.labels"):
        return f"attribute {key} is replaced by the workload selector"
    if key in ("destination.name", "destination.user"):
        return f"deprecated attribute {key}: only supported in v1alpha1"
    if key.startswith(_MAP_KEY_PREFIXES):
        open_at = key.find("[")
        if not key.endswith("]") or open_at < 1 or open_at == len(key) - 2:
            return f"bad key ({key}): should have format a[b]"
        return None
    kind = _EXACT_KEYS.get(key)
    if kind is None:
        return f"unknown attribute: {key}"
    if kind == "ip":
        problems = _ip_problems(values)
        return problems[0] if problems else None
    if kind == "port":
        problems = _port_problems(values)
        return problems[0] if problems else None
    if kind == "account":
        return _account_problem(values, key)
    if kind == "wildcard":
        return _wildcard_problem(values, key)
    return None


@rule(
    "MG2706",
    AP,
    ERROR,
    "AuthorizationPolicy condition Istio rejects",
    "AP25 AP26 AP27 AP28 AP29 AP30 AP31",
)
def policy_conditions(spec: dict[str, Any], resource: dict[str, Any]) -> Iterator[Found]:
    """A `when` condition names an attribute Istio knows (`request.headers[x-token]`,
    `source.ip`, `destination.port`, `request.auth.claims[iss]`...) and has `values` or
    `notValues` of its form (IPs for `*.ip`, ports for `destination.port`)."""
    for i, entry in _rules(spec):
        for j, condition in enumerate(sequence(entry.get("when"))):
            condition = mapping(condition)
            where = ("spec", "rules", i, "when", j)
            key = condition.get("key")
            if not key:
                yield (*where, "key"), "`key` must not be empty"
                continue
            if not condition.get("values") and not condition.get("notValues"):
                yield (
                    where,
                    f"at least one of `values` or `notValues` must be set for key {key}",
                )
            for field, noun in (("values", "value"), ("notValues", "notValue")):
                problem = _attribute_problem(str(key), sequence(condition.get(field)))
                if problem:
                    yield (*where, field), f"invalid `{noun}` for `key` {key}: {problem}"
                    break


@rule(
    "MG2707",
    AP,
    WARNING,
    "DENY rule with only HTTP attributes, which denies all TCP traffic",
    "AP32",
)
def deny_http_only(spec: dict[str, Any], resource: dict[str, Any]) -> Iterator[Found]:
    """A DENY rule that matches on HTTP attributes only (paths, methods, request
    principals...) cannot be evaluated on TCP traffic, so Istio denies all of it on the
    ports in scope: name the ports the rule is about."""
    if _action(spec) != "DENY":
        return
    tcp_sources = (
        "principals",
        "notPrincipals",
        "namespaces",
        "notNamespaces",
        *_IP_LISTS,
        "serviceAccounts",
        "notServiceAccounts",
    )
    for i, entry in _rules(spec):
        sources = [
            mapping(mapping(o).get("source"))
            for o in sequence(entry.get("from"))
            if "source" in mapping(o)
        ]
        operations = [
            mapping(mapping(t).get("operation"))
            for t in sequence(entry.get("to"))
            if "operation" in mapping(t)
        ]
        http_sources = (
            sources and not operations and not any(s.get(f) for s in sources for f in tcp_sources)
        )
        http_operations = operations and not any(
            o.get("ports") or o.get("notPorts") for o in operations
        )
        if http_sources or http_operations:
            yield (
                ("spec", "rules", i),
                "configured AuthorizationPolicy will deny all traffic to TCP ports under its "
                "scope due to the use of only HTTP attributes in a DENY rule; it is recommended "
                "to explicitly specify the port",
            )


@rule(
    "MG2708",
    AP,
    ERROR,
    "AuthorizationPolicy dry-run annotation Istio rejects",
    "AP1 AP2",
)
def dry_run(spec: dict[str, Any], resource: dict[str, Any]) -> Iterator[Found]:
    """`istio.io/dry-run` is a boolean (`true`, `false`...), and only for ALLOW and DENY
    policies."""
    metadata = mapping(resource.get("metadata"))
    annotations = mapping(metadata.get("annotations"))
    if "istio.io/dry-run" not in annotations:
        return
    value, action = annotations["istio.io/dry-run"], _action(spec)
    where = ("metadata", "annotations", "istio.io/dry-run")
    if action in ("AUDIT", "CUSTOM"):
        yield (
            where,
            "the annotation istio.io/dry-run currently only supports action ALLOW/DENY, found "
            f"action {action}",
        )
    elif str(value) not in _GO_BOOLEANS:
        yield where, f"annotation istio.io/dry-run has invalid value ({value}): not a boolean"


@rule(
    "MG2709",
    PA,
    ERROR,
    "port-level mTLS Istio rejects",
    "PA1 PA2 PA3",
)
def port_level_mtls(spec: dict[str, Any], resource: dict[str, Any]) -> Iterator[Found]:
    """Port-level mTLS needs a selector with labels (a namespace- or mesh-wide policy has
    no ports), at least one port, and ports in 1..65535."""
    if "portLevelMtls" not in spec:
        return
    ports = mapping(spec.get("portLevelMtls"))
    if not mapping(mapping(spec.get("selector")).get("matchLabels")) and ports:
        yield (
            ("spec", "portLevelMtls"),
            "mesh/namespace peer authentication cannot have port level mTLS",
        )
    if not ports:
        yield (
            ("spec", "portLevelMtls"),
            "port level mTLS, if defined, must have at least one element",
        )
    for key in ports:
        if not (str(key).isdigit() and 1 <= int(str(key)) <= 65535):
            yield ("spec", "portLevelMtls", key), "port must be in range 1..65535"


def _jwks_uri_problem(uri: str) -> str | None:
    try:
        parts = urlsplit(uri)
        parts.port  # noqa: B018  (raises on a port that is not a number)
    except ValueError as e:
        return f"parse {uri!r}: {e}"
    if parts.scheme not in ("http", "https"):
        return f'URI scheme "{parts.scheme}" is not supported'
    return None


# The members each key type needs, and those only a private (or symmetric) key has.
_JWK_MEMBERS = {"RSA": ("n", "e"), "EC": ("crv", "x", "y"), "OKP": ("crv", "x"), "oct": ("k",)}
_JWK_PRIVATE = ("d", "p", "q", "dp", "dq", "qi", "k")


def _jwks_keys(text: str) -> list[dict[str, Any]] | str:
    """The keys of an inline JWKS (a JSON Web Key, or a set under `keys`), or why it is
    none."""
    try:
        parsed = json.loads(text)
    except ValueError as e:
        return f"not JSON ({e})"
    if not isinstance(parsed, dict):
        return "not a JSON object"
    keys = parsed.get("keys") if "keys" in parsed else [parsed]
    if not isinstance(keys, list):
        return '"keys" is not a list'
    for index, key in enumerate(keys):
        kind = key.get("kty") if isinstance(key, dict) else None
        if kind not in _JWK_MEMBERS:
            return f"key at index {index} has no key type (kty) of RSA, EC, OKP or oct"
        missing = [m for m in _JWK_MEMBERS[kind] if not key.get(m)]
        if missing:
            return f"{kind} key at index {index} lacks {', '.join(missing)}"
    return keys


@rule(
    "MG2713",
    RA,
    WARNING,
    "inline JWKS holding private key material",
    "RA15",
)
def private_jwks(spec: dict[str, Any], resource: dict[str, Any]) -> Iterator[Found]:
    """Inline `jwks` is only used to verify tokens: a private key (RSA, EC or OKP with `d`)
    or a symmetric key (`oct`) is a secret published in the cluster. Keep only the public
    parts."""
    for i, jwt in enumerate(sequence(spec.get("jwtRules"))):
        jwks = mapping(jwt).get("jwks")
        keys = _jwks_keys(jwks) if isinstance(jwks, str) and jwks else []
        for index, key in enumerate(keys if isinstance(keys, list) else []):
            if key.get("kty") == "oct" or any(m in key for m in _JWK_PRIVATE):
                yield (
                    ("spec", "jwtRules", i, "jwks"),
                    f"jwks key at index {index} contains private key material; only public "
                    "keys are used for verification",
                )


@rule(
    "MG2710",
    RA,
    ERROR,
    "JWT rule Istio rejects",
    "RA5 RA6 RA7 RA8 RA9 RA10 RA11 RA12 RA13 RA14",
)
def jwt_rules(spec: dict[str, Any], resource: dict[str, Any]) -> Iterator[Found]:
    """A JWT rule has an issuer or a `jwksUri` (an http or https URL); inline `jwks` is a
    JSON Web Key or key set; audiences, header, parameter and cookie names are non-empty;
    claims go to headers with valid names; the timeout is a duration."""
    for i, jwt in enumerate(sequence(spec.get("jwtRules"))):
        jwt = mapping(jwt)
        where = ("spec", "jwtRules", i)
        for k, audience in enumerate(sequence(jwt.get("audiences"))):
            if audience == "":
                yield (*where, "audiences", k), "audience must be non-empty string"
        if not jwt.get("issuer") and not jwt.get("jwksUri"):
            yield where, "issuer or jwksUri must be non-empty string"
        uri = jwt.get("jwksUri")
        if isinstance(uri, str) and uri and (problem := _jwks_uri_problem(uri)):
            yield (*where, "jwksUri"), problem
        jwks = jwt.get("jwks")
        if isinstance(jwks, str) and jwks and isinstance(keys := _jwks_keys(jwks), str):
            yield (*where, "jwks"), f"jwks parse error: {keys}"
        for k, header in enumerate(sequence(jwt.get("fromHeaders"))):
            if not mapping(header).get("name"):
                yield (
                    (*where, "fromHeaders", k, "name"),
                    "location header name must be non-empty string",
                )
        for field, what in (("fromParams", "location query"), ("fromCookies", "cookie name")):
            for k, value in enumerate(sequence(jwt.get(field))):
                if value == "":
                    yield (*where, field, k), f"{what} must be non-empty string"
        for k, output in enumerate(sequence(jwt.get("outputClaimToHeaders"))):
            output = mapping(output)
            claim, header = output.get("claim"), output.get("header")
            if not claim or not header:
                yield (
                    (*where, "outputClaimToHeaders", k),
                    "outputClaimToHeaders header and claim value must be non-empty string",
                )
            elif not _HEADER_NAME.fullmatch(str(header)):
                yield (
                    (*where, "outputClaimToHeaders", k, "header"),
                    f"header name {header} is not a valid header name",
                )
        if "timeout" in jwt and (problem := p.duration(jwt["timeout"])):
            yield (*where, "timeout"), problem


@rule(
    "MG2711",
    WE,
    ERROR,
    "WorkloadEntry address, ports or labels Istio rejects",
    "WE1 WE3 WE4 WE5 WE6 WE7 WE8",
)
def workload_entry(spec: dict[str, Any], resource: dict[str, Any]) -> Iterator[Found]:
    """A WorkloadEntry has an address (or a network): an IP, a domain name or an absolute
    `unix://` socket path (without ports); port names are DNS labels, port numbers in
    1..65535, labels valid Kubernetes labels."""
    written = spec.get("address")
    address = written if isinstance(written, str) else ""
    if not address and not spec.get("network"):
        yield ("spec",), "address is required"
        return
    ports = mapping(spec.get("ports"))
    if address.startswith("unix://"):
        path = address.removeprefix("unix://")
        if not path:
            yield ("spec", "address"), "unix address must not be empty"
        elif not path.startswith("@") and (not path.startswith("/") or path.endswith("/")):
            yield ("spec", "address"), f"{path} is not an absolute path to a file"
        if ports:
            yield ("spec", "ports"), f"unix endpoint {address} must not include ports"
    elif address and not is_ip(address) and p.wildcard_domain(address, wildcard=False):
        yield (
            ("spec", "address"),
            f"endpoint address '{address}' is not a valid FQDN or an IP address",
        )
    for name, number in ports.items():
        if not p.is_port_name(str(name)):
            yield ("spec", "ports", name), f"invalid port name: {name}"
        if problem := p.port(number):
            yield ("spec", "ports", name), problem
    for problem in p.labels(spec.get("labels")):
        yield ("spec", "labels"), problem


@rule(
    "MG2712",
    WE,
    WARNING,
    "WorkloadEntry with a network but no address",
    "WE2",
)
def workload_entry_network_only(spec: dict[str, Any], resource: dict[str, Any]) -> Iterator[Found]:
    """An entry without an address is reached through its network's gateway only."""
    if not spec.get("address") and spec.get("network"):
        yield ("spec", "address"), f"address is unset with network '{spec['network']}'"

"""Write meshgen's schemas of the Kubernetes Gateway API into schemas/gateway-api/.

    python scripts/write_gateway_api_schemas.py           # rewrite what changed
    python scripts/write_gateway_api_schemas.py --check   # exit 1 if a file is stale

No registry ships the Gateway API's CRDs, so meshgen states the API itself: every kind
and served version of release v1.6.0 (the one current Istio supports), each field with
its type, bounds, pattern, enum, default and list type, as the API reference specifies
them. The cross-field rules (what the CRDs say in CEL) are meshgen's own checks, in
meshgen/validation/rules/gatewayapi/. A field, kind or version only the experimental
channel serves carries ``x-meshgen-channel: experimental``, and a constraint the
standard channel states otherwise ``x-meshgen-standard`` (what it says instead); the
standard channel's schemas are these with both applied.
tests/test_gateway_api_schemas.py compares them with the upstream CRDs where a copy of
them is at hand.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from vendoring import ROOT, vendor, with_provenance

OUT = ROOT / "schemas" / "gateway-api"
RELEASE = "v1.6.0"
GROUP = "gateway.networking.k8s.io"
X_GROUP = "gateway.networking.x-k8s.io"
EXPERIMENTAL = {"x-meshgen-channel": "experimental"}

# -- building blocks -------------------------------------------------------------------

_LABEL = r"[a-z0-9]([-a-z0-9]*[a-z0-9])?"
_SUBDOMAIN = rf"{_LABEL}(\.{_LABEL})*"
_TOKEN = r"^[A-Za-z0-9!#$%&'*+\-.^_\x60|~]+$"  # an HTTP header or parameter name
_PATH = r"^(?:[-A-Za-z0-9/._~!$&'()*+,;=:@]|[%][0-9a-fA-F]{2})+$"
_DOMAIN_PREFIXED = rf"^{_SUBDOMAIN}\/[A-Za-z0-9\/\-._~%!$&'()*+,;=:]+$"
_DURATION = r"^([0-9]{1,5}(h|m|s|ms)){1,4}$"


def string(
    pattern: str | None = None,
    *,
    min: int | None = None,
    max: int | None = None,
    enum: list[str] | None = None,
    default: str | None = None,
) -> dict[str, Any]:
    node: dict[str, Any] = {"type": "string"}
    if enum is not None:
        node["enum"] = enum
    if pattern is not None:
        node["pattern"] = pattern
    if min is not None:
        node["minLength"] = min
    if max is not None:
        node["maxLength"] = max
    if default is not None:
        node["default"] = default
    return node


def integer(
    min: int | None = None, max: int | None = None, *, default: int | None = None
) -> dict[str, Any]:
    node: dict[str, Any] = {"type": "integer", "format": "int32"}
    if min is not None:
        node["minimum"] = min
    if max is not None:
        node["maximum"] = max
    if default is not None:
        node["default"] = default
    return node


def boolean() -> dict[str, Any]:
    return {"type": "boolean"}


def obj(fields: dict[str, Any], *, default: Any = None, **extra: Any) -> dict[str, Any]:
    """An object; a field name ending in ``!`` is required."""
    node: dict[str, Any] = {
        "type": "object",
        "properties": {name.rstrip("!"): schema for name, schema in fields.items()},
    }
    required = [name.rstrip("!") for name in fields if name.endswith("!")]
    if required:
        node["required"] = required
    if default is not None:
        node["default"] = default
    return {**node, **extra}


def strings_map(value: dict[str, Any], *, max: int) -> dict[str, Any]:
    return {"type": "object", "additionalProperties": value, "maxProperties": max}


def array(
    items: dict[str, Any],
    *,
    max: int | None = None,
    min: int | None = None,
    kind: str = "atomic",
    keys: list[str] | None = None,
    default: Any = None,
) -> dict[str, Any]:
    node: dict[str, Any] = {"type": "array", "items": items}
    if min is not None:
        node["minItems"] = min
    if max is not None:
        node["maxItems"] = max
    if default is not None:
        node["default"] = default
    node["x-kubernetes-list-type"] = kind
    if keys:
        node["x-kubernetes-list-map-keys"] = keys
    return node


def experimental(schema: dict[str, Any]) -> dict[str, Any]:
    return {**schema, **EXPERIMENTAL}


def in_standard(schema: dict[str, Any], **instead: Any) -> dict[str, Any]:
    """``schema`` where the standard channel says less: ``instead`` holds what it says
    for those keys (None: nothing)."""
    return {**schema, "x-meshgen-standard": instead}


def group(default: str | None = None) -> dict[str, Any]:
    return string(rf"^$|^{_SUBDOMAIN}$", max=253, default=default)


def kind(default: str | None = None) -> dict[str, Any]:
    return string(r"^[a-zA-Z]([-a-zA-Z0-9]*[a-zA-Z0-9])?$", min=1, max=63, default=default)


def name() -> dict[str, Any]:
    return string(min=1, max=253)


def namespace() -> dict[str, Any]:
    return string(rf"^{_LABEL}$", min=1, max=63)


def section_name() -> dict[str, Any]:
    return string(rf"^{_SUBDOMAIN}$", min=1, max=253)


def hostname(*, wildcard: bool = True) -> dict[str, Any]:
    prefix = r"(\*\.)?" if wildcard else ""
    return string(rf"^{prefix}{_SUBDOMAIN}$", min=1, max=253)


def port() -> dict[str, Any]:
    return integer(1, 65535)


def duration() -> dict[str, Any]:
    return string(_DURATION)


def token() -> dict[str, Any]:
    return string(_TOKEN, min=1, max=256)


def header_value() -> dict[str, Any]:
    return in_standard(string(r"^[!-~]+([\t ]?[!-~]+)*$", min=1, max=4096), pattern=None)


def label_selector() -> dict[str, Any]:
    requirement = obj(
        {
            "key!": {"type": "string"},
            "operator!": {"type": "string"},
            "values": array({"type": "string"}),
        }
    )
    return obj(
        {
            "matchExpressions": array(requirement),
            "matchLabels": {"type": "object", "additionalProperties": {"type": "string"}},
        },
        **{"x-kubernetes-map-type": "atomic"},
    )


def local_reference(*, namespaced: bool = False) -> dict[str, Any]:
    """A reference by group, kind and name (all required), in the same namespace unless
    ``namespaced``."""
    fields = {"group!": group(), "kind!": kind(), "name!": name()}
    return obj({**fields, "namespace": namespace()} if namespaced else fields)


def secret_reference() -> dict[str, Any]:
    return obj(
        {
            "group": group(""),
            "kind": kind("Secret"),
            "name!": name(),
            "namespace": namespace(),
        }
    )


def backend_object_reference() -> dict[str, Any]:
    return obj(
        {
            "group": group(""),
            "kind": kind("Service"),
            "name!": name(),
            "namespace": namespace(),
            "port": port(),
        }
    )


def backend_ref(filters: dict[str, Any] | None = None) -> dict[str, Any]:
    node = backend_object_reference()
    node["properties"]["weight"] = integer(0, 1000000, default=1)
    if filters is not None:
        node["properties"]["filters"] = filters
    return node


def parent_reference() -> dict[str, Any]:
    return obj(
        {
            "group": group(GROUP),
            "kind": kind("Gateway"),
            "namespace": namespace(),
            "name!": name(),
            "sectionName": section_name(),
            "port": port(),
        }
    )


def session_persistence() -> dict[str, Any]:
    return experimental(
        obj(
            {
                "sessionName": string(max=128),
                "absoluteTimeout": duration(),
                "type": string(enum=["Cookie", "Header"], default="Cookie"),
                "cookieConfig": obj(
                    {"lifetimeType": string(enum=["Permanent", "Session"], default="Session")}
                ),
            }
        )
    )


# -- routes ----------------------------------------------------------------------------


def common_route_spec() -> dict[str, Any]:
    return {
        "parentRefs": array(parent_reference(), max=32),
        "useDefaultGateways": experimental(string(enum=["All", "None"])),
    }


def header_modifier() -> dict[str, Any]:
    header = obj({"name!": token(), "value!": header_value()})
    return obj(
        {
            "set": array(header, max=16, kind="map", keys=["name"]),
            "add": array(header, max=16, kind="map", keys=["name"]),
            "remove": array({"type": "string"}, max=16, kind="set"),
        }
    )


def request_mirror() -> dict[str, Any]:
    return obj(
        {
            "backendRef!": backend_object_reference(),
            "percent": integer(0, 100),
            "fraction": obj({"numerator!": integer(0), "denominator": integer(1, default=100)}),
        }
    )


def path_modifier() -> dict[str, Any]:
    return obj(
        {
            "type!": string(enum=["ReplaceFullPath", "ReplacePrefixMatch"]),
            "replaceFullPath": string(max=1024),
            "replacePrefixMatch": string(max=1024),
        }
    )


_METHODS = ["GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"]


def cors() -> dict[str, Any]:
    origin = string(
        r"(^\*$)|(^(http(s)?):\/\/(((\*\.)?([a-zA-Z0-9\-]+\.)*[a-zA-Z0-9-]+|\*)(:([0-9]{1,5}))?)$)",
        min=1,
        max=253,
    )
    return obj(
        {
            "allowOrigins": array(origin, max=64, kind="set"),
            "allowCredentials": boolean(),
            "allowMethods": array(string(enum=[*_METHODS, "*"]), max=9, kind="set"),
            "allowHeaders": array(token(), max=64, kind="set"),
            "exposeHeaders": array(token(), max=64, kind="set"),
            "maxAge": integer(1, default=5),
        }
    )


def external_auth() -> dict[str, Any]:
    headers = array({"type": "string"}, max=64, kind="set")
    return experimental(
        obj(
            {
                "protocol!": string(enum=["HTTP", "GRPC"]),
                "backendRef!": backend_object_reference(),
                "grpc": obj({"allowedHeaders": headers}),
                "http": obj(
                    {
                        "path": string(_PATH, max=1024),
                        "allowedHeaders": headers,
                        "allowedResponseHeaders": headers,
                    }
                ),
                "forwardBody": obj({"maxSize": {"type": "integer"}}),
            }
        )
    )


def http_filter() -> dict[str, Any]:
    types = [
        "RequestHeaderModifier",
        "ResponseHeaderModifier",
        "RequestMirror",
        "RequestRedirect",
        "URLRewrite",
        "ExtensionRef",
        "CORS",
        "ExternalAuth",
    ]
    return obj(
        {
            "type!": in_standard(string(enum=types), enum=types[:-1]),
            "requestHeaderModifier": header_modifier(),
            "responseHeaderModifier": header_modifier(),
            "requestMirror": request_mirror(),
            "requestRedirect": obj(
                {
                    "scheme": string(enum=["http", "https"]),
                    "hostname": hostname(wildcard=False),
                    "path": path_modifier(),
                    "port": port(),
                    "statusCode": {
                        "type": "integer",
                        "enum": [301, 302, 303, 307, 308],
                        "default": 302,
                    },
                }
            ),
            "urlRewrite": obj({"hostname": hostname(wildcard=False), "path": path_modifier()}),
            "extensionRef": local_reference(),
            "cors": cors(),
            "externalAuth": external_auth(),
        }
    )


def grpc_filter() -> dict[str, Any]:
    types = ["ResponseHeaderModifier", "RequestHeaderModifier", "RequestMirror", "ExtensionRef"]
    return obj(
        {
            "type!": string(enum=types),
            "requestHeaderModifier": header_modifier(),
            "responseHeaderModifier": header_modifier(),
            "requestMirror": request_mirror(),
            "extensionRef": local_reference(),
        }
    )


_MATCH_ALL = {"path": {"type": "PathPrefix", "value": "/"}}


def http_route_spec() -> dict[str, Any]:
    filters = array(http_filter(), max=16)
    value_match = obj(
        {
            "type": string(enum=["Exact", "RegularExpression"], default="Exact"),
            "name!": token(),
            "value!": header_value(),
        }
    )
    query_match = obj(
        {
            "type": string(enum=["Exact", "RegularExpression"], default="Exact"),
            "name!": token(),
            "value!": string(min=1, max=1024),
        }
    )
    match = obj(
        {
            "path": obj(
                {
                    "type": string(
                        enum=["Exact", "PathPrefix", "RegularExpression"], default="PathPrefix"
                    ),
                    "value": string(max=1024, default="/"),
                },
                default=_MATCH_ALL["path"],
            ),
            "headers": array(value_match, max=16, kind="map", keys=["name"]),
            "queryParams": array(query_match, max=16, kind="map", keys=["name"]),
            "method": string(enum=_METHODS),
        }
    )
    rule = obj(
        {
            "name": section_name(),
            "matches": array(match, max=64, default=[_MATCH_ALL]),
            "filters": filters,
            "backendRefs": array(backend_ref(filters), max=16),
            "timeouts": obj({"request": duration(), "backendRequest": duration()}),
            "retry": experimental(
                obj(
                    {
                        "codes": array(integer(400, 599), kind="set"),
                        "attempts": integer(1),
                        "backoff": duration(),
                    }
                )
            ),
            "sessionPersistence": session_persistence(),
        }
    )
    return obj(
        {
            **common_route_spec(),
            "hostnames": array(hostname(), max=16),
            "rules": array(rule, min=1, max=16, default=[{"matches": [_MATCH_ALL]}]),
        }
    )


def grpc_route_spec() -> dict[str, Any]:
    filters = array(grpc_filter(), max=16)
    match = obj(
        {
            "method": obj(
                {
                    "type": string(enum=["Exact", "RegularExpression"], default="Exact"),
                    "service": string(max=1024),
                    "method": string(max=1024),
                }
            ),
            "headers": array(
                obj(
                    {
                        "type": string(enum=["Exact", "RegularExpression"], default="Exact"),
                        "name!": token(),
                        "value!": string(min=1, max=4096),
                    }
                ),
                max=16,
                kind="map",
                keys=["name"],
            ),
        }
    )
    rule = obj(
        {
            "name": section_name(),
            "matches": array(match, max=64),
            "filters": filters,
            "backendRefs": array(backend_ref(filters), max=16),
            "sessionPersistence": session_persistence(),
        }
    )
    return obj(
        {
            **common_route_spec(),
            "hostnames": array(hostname(), max=16),
            "rules": array(rule, max=16),
        }
    )


def l4_route_spec(*, hostnames: bool = False, rules: int = 1) -> dict[str, Any]:
    """TCPRoute, TLSRoute and UDPRoute: rules of backends only (v1: exactly one rule)."""
    rule = obj({"name": section_name(), "backendRefs!": array(backend_ref(), min=1, max=16)})
    fields: dict[str, Any] = {**common_route_spec()}
    if hostnames:
        fields["hostnames!" if rules == 1 else "hostnames"] = array(
            hostname(), max=1024, **({"min": 1} if rules == 1 else {})
        )
    fields["rules!"] = array(rule, min=1, max=rules)
    return obj(fields)


# -- gateways --------------------------------------------------------------------------


def listener() -> dict[str, Any]:
    allowed_routes = obj(
        {
            "namespaces": obj(
                {
                    "from": string(enum=["All", "Selector", "Same"], default="Same"),
                    "selector": label_selector(),
                },
                default={"from": "Same"},
            ),
            "kinds": array(obj({"group": group(GROUP), "kind!": kind()}), max=8),
        },
        default={"namespaces": {"from": "Same"}},
    )
    tls = obj(
        {
            "mode": string(enum=["Terminate", "Passthrough"], default="Terminate"),
            "certificateRefs": array(secret_reference(), max=64),
            "options": strings_map(string(min=0, max=4096), max=16),
        }
    )
    protocol = rf"^[a-zA-Z0-9]([-a-zA-Z0-9]*[a-zA-Z0-9])?$|{_SUBDOMAIN}\/[A-Za-z0-9]+$"
    return obj(
        {
            "name!": section_name(),
            "hostname": hostname(),
            "port!": port(),
            "protocol!": string(protocol, min=1, max=255),
            "tls": tls,
            "allowedRoutes": allowed_routes,
        }
    )


def frontend_validation() -> dict[str, Any]:
    return obj(
        {
            "caCertificateRefs!": array(local_reference(namespaced=True), min=1, max=16),
            "mode": string(
                enum=["AllowValidOnly", "AllowInsecureFallback"], default="AllowValidOnly"
            ),
        }
    )


def parameters_reference(*, namespaced: bool) -> dict[str, Any]:
    return local_reference(namespaced=namespaced)


def gateway_spec() -> dict[str, Any]:
    address_type = rf"^Hostname|IPAddress|NamedAddress|{_DOMAIN_PREFIXED[1:]}"
    label_value = r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$"
    return obj(
        {
            "gatewayClassName!": name(),
            "listeners!": array(listener(), min=1, max=64, kind="map", keys=["name"]),
            "addresses": array(
                obj(
                    {
                        "type": string(address_type, min=1, max=253, default="IPAddress"),
                        "value": string(max=253),
                    }
                ),
                max=16,
            ),
            "infrastructure": obj(
                {
                    "labels": strings_map(string(label_value, min=0, max=63), max=8),
                    "annotations": strings_map(string(min=0, max=4096), max=16),
                    "parametersRef": parameters_reference(namespaced=False),
                }
            ),
            "allowedListeners": obj(
                {
                    "namespaces": obj(
                        {
                            "from": string(
                                enum=["All", "Selector", "Same", "None"], default="None"
                            ),
                            "selector": label_selector(),
                        },
                        default={"from": "None"},
                    )
                }
            ),
            "tls": obj(
                {
                    "backend": obj({"clientCertificateRef": secret_reference()}),
                    "frontend": obj(
                        {
                            "default!": obj({"validation": frontend_validation()}),
                            "perPort": array(
                                obj(
                                    {
                                        "port!": port(),
                                        "tls!": obj({"validation": frontend_validation()}),
                                    }
                                ),
                                max=64,
                                kind="map",
                                keys=["port"],
                            ),
                        }
                    ),
                }
            ),
            "defaultScope": experimental(string(enum=["All", "None"])),
        }
    )


def class_spec() -> dict[str, Any]:
    """GatewayClass and XMesh: a controller and its parameters."""
    return obj(
        {
            "controllerName!": string(_DOMAIN_PREFIXED, min=1, max=253),
            "parametersRef": parameters_reference(namespaced=True),
            "description": string(max=64),
        }
    )


def listener_set_spec() -> dict[str, Any]:
    parent = obj(
        {
            "group": group(GROUP),
            "kind": kind("Gateway"),
            "name!": name(),
            "namespace": namespace(),
        }
    )
    return obj(
        {
            "parentRef!": parent,
            "listeners!": array(listener(), min=1, max=64, kind="map", keys=["name"]),
        }
    )


def reference_grant_spec() -> dict[str, Any]:
    source = obj({"group!": group(), "kind!": kind(), "namespace!": namespace()})
    target = obj({"group!": group(), "kind!": kind(), "name": name()})
    return obj(
        {
            "from!": array(source, min=1, max=16),
            "to!": array(target, min=1, max=16),
        }
    )


def tls_validation(*, hostname_required: bool = True) -> dict[str, Any]:
    san = obj(
        {
            "type!": string(enum=["Hostname", "URI"]),
            "hostname": hostname(),
            "uri": string(
                r"^(([^:/?#]+):)(//([^/?#]*))([^?#]*)(\?([^#]*))?(#(.*))?", min=1, max=253
            ),
        }
    )
    well_known = rf"^(System|({_SUBDOMAIN}/([A-Za-z0-9][-A-Za-z0-9_.]{{0,61}})?[A-Za-z0-9]))$"
    return obj(
        {
            "caCertificateRefs": array(local_reference(), max=8),
            "wellKnownCACertificates": string(well_known, min=1, max=253),
            "hostname!" if hostname_required else "hostname": hostname(wildcard=False),
            "subjectAltNames": array(san, max=5),
        }
    )


def backend_tls_policy_spec() -> dict[str, Any]:
    target = obj(
        {"group!": group(), "kind!": kind(), "name!": name(), "sectionName": section_name()}
    )
    return obj(
        {
            "targetRefs!": array(target, min=1, max=16),
            "validation!": tls_validation(),
            "options": strings_map(string(min=0, max=4096), max=16),
        }
    )


def x_backend_spec() -> dict[str, Any]:
    return obj(
        {
            "type!": string(enum=["ExternalHostname"]),
            "externalHostname": obj({"hostname!": hostname(wildcard=False)}),
            "port!": obj({"port!": port(), "name": string(max=63)}),
            "protocol": string(enum=["TCP", "HTTP", "HTTP2", "HTTP11", "H2C", "MCP"]),
            "tls": obj(
                {
                    "mode!": string(enum=["None", "ServerOnly", "ClientAndServer"]),
                    "clientCertificateRef": secret_reference(),
                    "validation": tls_validation(),
                }
            ),
        }
    )


def x_backend_traffic_policy_spec() -> dict[str, Any]:
    target = obj({"group!": group(), "kind!": kind(), "name!": name()})
    return obj(
        {
            "targetRefs!": array(target, min=1, max=16, kind="map", keys=["group", "kind", "name"]),
            "retryConstraint": obj(
                {
                    "budget": obj(
                        {
                            "percent": integer(0, 100, default=20),
                            "interval": string(_DURATION, default="10s"),
                        },
                        default={"interval": "10s", "percent": 20},
                    ),
                    "minRetryRate": obj(
                        {"count": integer(1, 1000000), "interval": duration()},
                        default={"count": 10, "interval": "1s"},
                    ),
                }
            ),
            "sessionPersistence": {
                k: v for k, v in session_persistence().items() if k != "x-meshgen-channel"
            },
        }
    )


# -- kinds -----------------------------------------------------------------------------

# The status a controller writes is not what a manifest author checks: taken as written.
_STATUS = {"type": "object", "x-kubernetes-preserve-unknown-fields": True}


def resource(spec: dict[str, Any], *, channel: str = "standard") -> dict[str, Any]:
    node = obj({"spec!": spec, "status": _STATUS})
    return {**node, **(EXPERIMENTAL if channel == "experimental" else {})}


def kinds() -> dict[tuple[str, str, str], dict[str, Any]]:
    """(group, version, kind) → structural schema, for every version v1.6.0 serves."""
    std, exp = "standard", "experimental"
    http, grpc = http_route_spec(), grpc_route_spec()
    alpha_l4 = l4_route_spec(rules=16)
    table: list[tuple[str, str, str, dict[str, Any], str]] = [
        (GROUP, "v1", "GatewayClass", class_spec(), std),
        (GROUP, "v1beta1", "GatewayClass", class_spec(), std),
        (GROUP, "v1", "Gateway", gateway_spec(), std),
        (GROUP, "v1beta1", "Gateway", gateway_spec(), std),
        (GROUP, "v1", "HTTPRoute", http, std),
        (GROUP, "v1beta1", "HTTPRoute", http, std),
        (GROUP, "v1", "GRPCRoute", grpc, std),
        (GROUP, "v1", "ListenerSet", listener_set_spec(), std),
        (GROUP, "v1", "ReferenceGrant", reference_grant_spec(), std),
        (GROUP, "v1beta1", "ReferenceGrant", reference_grant_spec(), std),
        (GROUP, "v1", "BackendTLSPolicy", backend_tls_policy_spec(), std),
        (GROUP, "v1alpha3", "BackendTLSPolicy", backend_tls_policy_spec(), exp),
        (GROUP, "v1", "TCPRoute", l4_route_spec(), std),
        (GROUP, "v1alpha2", "TCPRoute", alpha_l4, exp),
        (GROUP, "v1", "TLSRoute", l4_route_spec(hostnames=True), std),
        (GROUP, "v1alpha2", "TLSRoute", l4_route_spec(hostnames=True, rules=16), exp),
        (GROUP, "v1alpha3", "TLSRoute", l4_route_spec(hostnames=True), exp),
        (GROUP, "v1", "UDPRoute", l4_route_spec(), std),
        (GROUP, "v1alpha2", "UDPRoute", alpha_l4, exp),
        (X_GROUP, "v1alpha1", "XBackend", x_backend_spec(), exp),
        (X_GROUP, "v1alpha1", "XBackendTrafficPolicy", x_backend_traffic_policy_spec(), exp),
        (X_GROUP, "v1alpha1", "XMesh", class_spec(), exp),
    ]
    return {(g, v, k): resource(spec, channel=c) for g, v, k, spec, c in table}


def build(_: Path) -> dict[str, str]:
    files = {
        f"{g}/{v}/{k}.json": json.dumps(schema, indent=1, sort_keys=True) + "\n"
        for (g, v, k), schema in kinds().items()
    }
    provenance = {
        "gateway_api_release": RELEASE,
        "channels": ["standard", "experimental"],
        "written_by": "scripts/write_gateway_api_schemas.py",
        "sources": [
            {
                "what": "the Kubernetes Gateway API specification, release " + RELEASE,
                "used_for": "each kind's fields, types, bounds, patterns, enums, defaults "
                "and list types, stated by meshgen; nothing is copied",
            }
        ],
    }
    return with_provenance(files, provenance)


if __name__ == "__main__":
    raise SystemExit(vendor(__doc__.splitlines()[0], OUT, build))

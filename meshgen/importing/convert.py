"""Single resources in the model's terms, with its short forms where they apply."""

from __future__ import annotations

from collections import Counter
from typing import Any

from meshgen.manifests import mapping

DEFAULT_SELECTOR = {"istio": "ingressgateway"}
PREFIXES = {"msaez": {"VirtualService": "vsvc-", "DestinationRule": "destrule-"}}

_DR_FIELDS = ("host", "trafficPolicy", "subsets", "exportTo")
_VS_FIELDS = ("hosts", "gateways", "http", "exportTo")
_GATEWAY_FIELDS = ("selector", "servers")
_METADATA = ("name", "namespace", "labels", "annotations")

Indexed = tuple[int, dict[str, Any]]


def identity(resource: dict[str, Any]) -> tuple[str, str | None, str]:
    """(kind, namespace, name) as written: a model renders "no namespace" back as none."""
    metadata = mapping(resource.get("metadata"))
    return (str(resource.get("kind")), metadata.get("namespace"), str(metadata.get("name")))


def _metadata_overrides(resource: dict[str, Any], default_name: str) -> dict[str, Any]:
    metadata = resource.get("metadata") or {}
    out: dict[str, Any] = {}
    if metadata.get("name") != default_name:
        out["name"] = metadata.get("name")
    for key in ("labels", "annotations"):
        if metadata.get(key):
            out[key] = metadata[key]
    return out


def _key_of(resource: dict[str, Any], preset: str) -> str:
    name = str((resource.get("metadata") or {}).get("name", ""))
    prefix = PREFIXES.get(preset, {}).get(str(resource.get("kind")), "")
    return name[len(prefix) :] if prefix and name.startswith(prefix) else name


def pair_services(members: list[Indexed], preset: str) -> dict[str, list[Indexed]]:
    """VirtualServices and DestinationRules grouped into services.

    A DestinationRule and a VirtualService in the same namespace pair up when the
    VirtualService's first host is the rule's host (or, with a preset, when their names
    share a service name).
    """
    rules = [(i, r) for i, r in members if r["kind"] == "DestinationRule"]
    services = [(i, r) for i, r in members if r["kind"] == "VirtualService"]
    # VirtualServices by (namespace, first host) and, with a preset, by (namespace, name).
    candidates: dict[tuple[Any, ...], list[Indexed]] = {}
    for j, vs in services:
        namespace = identity(vs)[1]
        hosts = (vs.get("spec") or {}).get("hosts") or []
        if hosts and isinstance(hosts[0], str):
            candidates.setdefault(("host", namespace, hosts[0]), []).append((j, vs))
        if preset != "plain":
            candidates.setdefault(("name", namespace, _key_of(vs, preset)), []).append((j, vs))
    groups: dict[str, list[Indexed]] = {}
    paired: set[int] = set()
    for i, rule in rules:
        namespace, host = identity(rule)[1], (rule.get("spec") or {}).get("host")
        found = [
            *candidates.get(("host", namespace, host), []),
            *(
                candidates.get(("name", namespace, _key_of(rule, preset)), [])
                if preset != "plain"
                else []
            ),
        ]
        free = sorted((j, vs) for j, vs in found if j not in paired)
        if free:
            j, vs = free[0]
            key = _key_of(rule, preset)
            if _key_of(vs, preset) != key and isinstance(host, str):
                key = host.split(".")[0]
            groups[_unique(key, groups)] = [(i, rule), (j, vs)]
            paired |= {i, j}
        else:
            groups[_unique(_key_of(rule, preset), groups)] = [(i, rule)]
    for j, vs in services:
        if j not in paired:
            groups[_unique(_key_of(vs, preset), groups)] = [(j, vs)]
    return groups


def _unique(key: str, taken: dict[str, Any]) -> str:
    candidate, n = key or "service", 2
    while candidate in taken:
        candidate, n = f"{key}-{n}", n + 1
    return candidate


def _string_match(condition: Any) -> Any:
    if (
        isinstance(condition, dict)
        and list(condition) == ["exact"]
        and isinstance(condition["exact"], str)
    ):
        return condition["exact"]
    return condition


def _match(block: dict[str, Any]) -> dict[str, Any]:
    out = dict(block)
    for key in ("uri", "scheme", "method", "authority"):
        if key in out:
            out[key] = _string_match(out[key])
    for key in ("headers", "queryParams", "withoutHeaders"):
        if isinstance(out.get(key), dict):
            out[key] = {k: _string_match(v) for k, v in out[key].items()}
    return out


def _place(destination: dict[str, Any], own_host: str) -> dict[str, Any]:
    """A destination, with the host left out when it is the service's own."""
    out: dict[str, Any] = {}
    if destination.get("host") != own_host:
        out["host"] = destination.get("host")
    if "subset" in destination:
        out["subset"] = destination["subset"]
    if "port" in destination:
        port = destination["port"]
        short = isinstance(port, dict) and list(port) == ["number"]
        out["port"] = port["number"] if short else port
    out.update({k: v for k, v in destination.items() if k not in ("host", "subset", "port")})
    return out


def _route(entries: list[Any], own_host: str) -> Any:
    """A rule's route in the shortest form that means the same."""
    if not all(isinstance(e, dict) and isinstance(e.get("destination"), dict) for e in entries):
        return entries
    places = [(_place(e["destination"], own_host), e) for e in entries]
    simple = all(set(e) <= {"destination", "weight"} for _, e in places)
    if simple and len(places) == 1 and "weight" not in entries[0]:
        place = places[0][0]
        if not place:
            return None  # the service itself: no route needed
        if list(place) == ["subset"]:
            return place["subset"]
        return place
    subsets = [p.get("subset") for p, _ in places]
    if (
        simple
        and all(list(p) == ["subset"] for p, _ in places)
        and all(isinstance(e.get("weight"), int) for e in entries)
        and len(set(subsets)) == len(subsets)
    ):
        return {p["subset"]: e["weight"] for p, e in places}
    flat = []
    for place, entry in places:
        if set(place) <= {"host", "subset", "port"}:  # {subset: v1, weight: 90}
            flat.append({**place, **{k: v for k, v in entry.items() if k != "destination"}})
        else:
            flat.append(entry)
    return flat


def _rule(rule: dict[str, Any], own_host: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in rule.items():
        if key == "match" and isinstance(value, list) and all(isinstance(b, dict) for b in value):
            blocks = [_match(b) for b in value]
            out["match"] = blocks[0] if len(blocks) == 1 else blocks
        elif key == "route" and isinstance(value, list):
            route = _route(value, own_host)
            if route is not None:
                out["route"] = route
        elif key == "mirror" and isinstance(value, dict):
            place = _place(value, own_host)
            out["mirror"] = place["subset"] if list(place) == ["subset"] else place
        else:
            out[key] = _short_percentages(value, key)
    return out


def _short_percentages(value: Any, key: str = "") -> Any:
    """``{value: 10}`` -> ``10`` wherever Istio takes a Percent (the model's short form);
    the round trip proves each one."""
    percent = key in ("percentage", "mirrorPercentage") and isinstance(value, dict)
    if percent and list(value) == ["value"] and isinstance(value["value"], (int, float)):
        return value["value"]
    if isinstance(value, dict):
        return {k: _short_percentages(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_short_percentages(item) for item in value]
    return value


def _own_host(rule: dict[str, Any] | None, vs: dict[str, Any] | None) -> str | None:
    if rule is not None:
        host = (rule.get("spec") or {}).get("host")
        return host if isinstance(host, str) else None
    spec = (vs or {}).get("spec") or {}
    hosts = [
        (entry.get("destination") or {}).get("host")
        for http in spec.get("http") or []
        if isinstance(http, dict)
        for entry in http.get("route") or []
        if isinstance(entry, dict)
    ]
    if hosts:
        return str(Counter(hosts).most_common(1)[0][0])
    declared = spec.get("hosts") or []
    return declared[0] if declared and isinstance(declared[0], str) else None


def _msaez_defaults(key: str) -> dict[str, Any]:
    return {
        "subsets": {"stable": {"labels": {"app": key}}, "canary": {"labels": {"app": key}}},
        "routes": [
            {
                "name": "primary",
                "match": {"uri": {"prefix": f"/{_plural(key)}"}},
                "route": {"stable": 100, "canary": 0},
            }
        ],
        "hosts": ["*"],
        "gateways": ["main-gw"],
    }


def _plural(word: str) -> str:
    from meshgen.model.presets import plural

    return plural(word)


def _subsets(subsets: list[Any]) -> Any:
    if not all(isinstance(s, dict) and isinstance(s.get("name"), str) for s in subsets):
        return subsets
    if all(set(s) == {"name", "labels"} and s["labels"] == {"version": s["name"]} for s in subsets):
        return [s["name"] for s in subsets]  # [v1, v2]: subsets by the version label
    out: dict[str, Any] = {}
    for subset in subsets:
        body = {k: v for k, v in subset.items() if k != "name"}
        out[subset["name"]] = body["labels"] if list(body) == ["labels"] else body
    return out


def convert_service(
    key: str,
    members: list[Indexed],
    default_namespace: str | None,
    preset: str,
    gateways: set[str],
    overlays: set[int],
) -> dict[str, Any]:
    """One service for a DestinationRule and/or VirtualService."""
    rule = next((r for _, r in members if r["kind"] == "DestinationRule"), None)
    vs = next((r for _, r in members if r["kind"] == "VirtualService"), None)
    overlay_rule = any(i in overlays for i, r in members if r["kind"] == "DestinationRule")
    overlay_vs = any(i in overlays for i, r in members if r["kind"] == "VirtualService")
    namespace = identity(members[0][1])[1]
    host = _own_host(rule, vs) or key
    defaults = _msaez_defaults(key) if preset == "msaez" else {}
    prefixes = PREFIXES.get(preset, {})
    body: dict[str, Any] = {}
    if namespace != default_namespace and namespace is not None:
        body["namespace"] = namespace
    if host != key:
        body["host"] = host
    if rule is not None:
        spec = rule.get("spec") or {}
        if spec.get("subsets"):
            subsets = _subsets(spec["subsets"])
            if subsets != {k: v["labels"] for k, v in defaults.get("subsets", {}).items()}:
                body["subsets"] = subsets
        elif defaults:
            body["subsets"] = {}
        if spec.get("trafficPolicy"):
            body["trafficPolicy"] = spec["trafficPolicy"]
        override = _metadata_overrides(rule, prefixes.get("DestinationRule", "") + key)
        if spec.get("exportTo"):
            override["exportTo"] = spec["exportTo"]
        extra = {k: v for k, v in spec.items() if k not in _DR_FIELDS or overlay_rule}
        if extra:
            override["spec"] = extra
        if override or not (spec.get("subsets") or spec.get("trafficPolicy")):
            body["destinationRule"] = override  # an empty block still asks for the rule
    if vs is not None:
        spec = vs.get("spec") or {}
        override = _metadata_overrides(vs, prefixes.get("VirtualService", "") + key)
        extra = {k: v for k, v in spec.items() if k not in _VS_FIELDS or overlay_vs}
        hosts = spec.get("hosts") or []
        if hosts != defaults.get("hosts", [host]):
            body["hosts"] = hosts
        refs = spec.get("gateways") or []
        if all(r == "mesh" or "/" in r or r in gateways for r in refs):
            if refs != defaults.get("gateways", []):
                body["gateways"] = refs
        else:
            extra["gateways"] = refs
            if defaults:
                body["gateways"] = []
        # Subsets are checked against the service's own; with no DestinationRule here
        # (it may live in another file), destinations keep their host, which is not.
        own = host if rule is not None or defaults else ""
        routes = [_rule(r, own) if isinstance(r, dict) else r for r in spec.get("http") or []]
        if routes != defaults.get("routes"):
            body["routes"] = routes
        if spec.get("exportTo"):
            override["exportTo"] = spec["exportTo"]
        if extra:
            override["spec"] = extra
        if override:
            body["virtualService"] = override
    elif defaults:
        body["routes"] = []
    return body


def convert_gateway(
    resource: dict[str, Any], default_namespace: str | None, preset: str
) -> tuple[str, dict[str, Any] | None]:
    """A gateway's key and body (None when the preset makes exactly this gateway)."""
    metadata = resource.get("metadata") or {}
    key = str(metadata.get("name"))
    spec = resource.get("spec") or {}
    body: dict[str, Any] = {}
    namespace = metadata.get("namespace")
    if namespace != default_namespace and namespace is not None:
        body["namespace"] = namespace
    if spec.get("selector") != DEFAULT_SELECTOR:
        body["selector"] = spec.get("selector") or {}
    servers = []
    for server in spec.get("servers") or []:
        if not isinstance(server, dict):
            servers.append(server)
            continue
        item = dict(server)
        if item.get("hosts") == ["*"]:
            del item["hosts"]
        servers.append(item)
    body["servers"] = servers
    for name in ("labels", "annotations"):
        if metadata.get(name):
            body[name] = metadata[name]
    extra = {k: v for k, v in spec.items() if k not in _GATEWAY_FIELDS}
    if extra:
        body["spec"] = extra
    if (
        preset == "msaez"
        and key == "main-gw"
        and body == {"servers": [{"port": {"number": 80, "name": "http", "protocol": "HTTP"}}]}
    ):
        return key, None
    return key, body

"""Kubernetes workloads (Namespaces, ServiceAccounts, Services, Deployments) in the
model's terms: each joins the service its app label or name says, its fields become the
model's where the model has them, and what is left over goes in the workload's ``raw``
(a merge patch over what meshgen writes), so rendering gives the object back unchanged.
"""

from __future__ import annotations

from typing import Any

from meshgen.importing.convert import identity
from meshgen.manifests import mapping
from meshgen.model.presets import PRESETS

# (apiVersion, kind) of what the model writes.
WORKLOAD_KINDS = frozenset(
    {("v1", "Namespace"), ("v1", "ServiceAccount"), ("v1", "Service"), ("apps/v1", "Deployment")}
)
_DATAPLANES = (
    ("sidecar", "istio-injection", "enabled"),
    ("ambient", "istio.io/dataplane-mode", "ambient"),
)
_CONTAINER_FIELDS = (
    "image",
    "imagePullPolicy",
    "command",
    "args",
    "resources",
    "readinessProbe",
    "livenessProbe",
    "startupProbe",
    "securityContext",
)
_SERVICE_PORT_FIELDS = {"name", "port", "targetPort", "protocol", "appProtocol"}


def is_workload(document: dict[str, Any]) -> bool:
    api_version, kind = document.get("apiVersion"), document.get("kind")
    return (
        isinstance(api_version, str)
        and isinstance(kind, str)
        and (api_version, kind) in WORKLOAD_KINDS
    )


def merge_diff(built: Any, wanted: Any) -> Any:
    """The merge patch (RFC 7386) that turns ``built`` into ``wanted``: the inverse of
    applying a workload's ``raw``."""
    if not (isinstance(built, dict) and isinstance(wanted, dict)):
        return wanted
    patch: dict[str, Any] = {key: None for key in built if key not in wanted}
    for key, value in wanted.items():
        if key not in built:
            patch[key] = value
        elif built[key] != value:
            patch[key] = merge_diff(built[key], value)
    return patch


def _namespace_part(document: dict[str, Any]) -> dict[str, Any]:
    metadata = mapping(document.get("metadata"))
    labels = dict(mapping(metadata.get("labels")))
    part: dict[str, Any] = {}
    for dataplane, label, value in _DATAPLANES:
        if labels.get(label) == value:
            part["dataplane"] = dataplane
            del labels[label]
            break
    if labels:
        part["labels"] = labels
    if metadata.get("annotations"):
        part["annotations"] = metadata["annotations"]
    return part


def _service_part(document: dict[str, Any], key: str) -> dict[str, Any] | None:
    """The model's ``ports`` and ``kubernetesService`` for a Service; None if its ports
    have fields the model has no name for."""
    metadata = mapping(document.get("metadata"))
    spec = dict(mapping(document.get("spec")))
    ports = spec.pop("ports", None)
    if not isinstance(ports, list) or not ports:
        return None
    model_ports = []
    for port in ports:
        if not isinstance(port, dict) or not set(port) <= _SERVICE_PORT_FIELDS:
            return None
        model_port = {"number": port.get("port")}
        model_port.update(
            (field, port[field]) for field in ("name", "targetPort", "appProtocol") if field in port
        )
        if "protocol" in port:
            model_port["protocol"] = port["protocol"]
        model_ports.append(model_port)
    part: dict[str, Any] = {"ports": model_ports}
    override: dict[str, Any] = {}
    labels = mapping(metadata.get("labels"))
    if labels and labels != {"app": key}:
        override["labels"] = dict(labels)
    if metadata.get("annotations"):
        override["annotations"] = metadata["annotations"]
    if spec.get("selector") == {"app": key}:
        del spec["selector"]
    elif "selector" not in spec:
        spec["selector"] = None  # a Service without a selector: meshgen writes none
    if spec:
        override["spec"] = spec
    if override:
        part["kubernetesService"] = override
    return part


def _env(env: Any) -> dict[str, Any] | None:
    """Kubernetes' env list as the model's ``{NAME: value}``; None if it has no such form."""
    if not isinstance(env, list):
        return None
    out: dict[str, Any] = {}
    for item in env:
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            return None
        if set(item) == {"name", "value"} and isinstance(item["value"], str):
            out[item["name"]] = item["value"]
        elif set(item) == {"name", "valueFrom"}:
            out[item["name"]] = {"valueFrom": item["valueFrom"]}
        else:
            return None
    return out if len(out) == len(env) else None


def workload_fields(document: dict[str, Any], key: str, selector: dict[str, Any]) -> dict[str, Any]:
    """A Deployment's fields in the model's workload terms (without ``raw``)."""
    spec = mapping(document.get("spec"))
    template = mapping(spec.get("template"))
    pod = mapping(template.get("spec"))
    containers = pod.get("containers")
    container = mapping(containers[0]) if isinstance(containers, list) and containers else {}
    fields: dict[str, Any] = {
        name: container[name] for name in _CONTAINER_FIELDS if name in container
    }
    if isinstance(container.get("ports"), list):
        fields["ports"] = container["ports"]
    env = _env(container.get("env"))
    if env:
        fields["env"] = env
    replicas = spec.get("replicas")
    if isinstance(replicas, int) and not isinstance(replicas, bool) and replicas != 1:
        fields["replicas"] = replicas
    account = pod.get("serviceAccountName")
    if account is None:
        fields["serviceAccount"] = False
    elif account != key:
        fields["serviceAccount"] = account
    labels = mapping(mapping(template.get("metadata")).get("labels"))
    extra = {k: v for k, v in labels.items() if selector.get(k) != v}
    if extra:
        fields["labels"] = extra
    annotations = mapping(template.get("metadata")).get("annotations")
    if annotations:
        fields["annotations"] = annotations
    return fields


def deployment_key(document: dict[str, Any]) -> str | None:
    """The service a Deployment belongs to: its pods' app label."""
    spec = mapping(document.get("spec"))
    labels = mapping(mapping(spec.get("selector")).get("matchLabels"))
    app = labels.get("app")
    return app if isinstance(app, str) else None


def add_workloads(
    model: dict[str, Any], objects: list[dict[str, Any]], kept: set[int]
) -> tuple[dict[int, str], dict[int, dict[str, Any]]]:
    """Put each object (but those in ``kept``) into ``model``, in place. Return which part
    of the model each went to, by position (``services.<key>``, ``namespaces.<name>``),
    and for each Deployment the workload block that writes it. An object with no place
    is added to ``kept``."""
    default_ns = mapping(model.get("defaults")).get("namespace", "default")
    services: dict[str, Any] = model.setdefault("services", {})
    owner: dict[int, str] = {}

    def service_for(key: str, namespace: str | None) -> dict[str, Any] | None:
        body = services.get(key)
        if body is None:
            body = services[key] = {} if namespace == default_ns else {"namespace": namespace}
        own_ns = body.get("namespace", default_ns)
        return body if own_ns == namespace else None

    accounts = {identity(o)[1:] for o in objects if o.get("kind") == "ServiceAccount"}
    deployments: dict[str, list[tuple[int, dict[str, Any]]]] = {}
    for i, document in enumerate(objects):
        if i in kept:
            continue
        kind, namespace, name = identity(document)
        if kind == "Namespace":
            model.setdefault("namespaces", {})[name] = _namespace_part(document)
            owner[i] = f"namespaces.{name}"
        elif kind == "Service":
            part = _service_part(document, name)
            body = service_for(name, namespace) if part is not None else None
            if body is None or part is None:
                kept.add(i)
                continue
            body.update(part)
            owner[i] = f"services.{name}"
        elif kind == "Deployment":
            key = deployment_key(document)
            if key is None or service_for(key, namespace) is None:
                kept.add(i)
                continue
            deployments.setdefault(key, []).append((i, document))
            owner[i] = f"services.{key}"
        elif kind != "ServiceAccount":
            kept.add(i)
    for i, document in enumerate(objects):  # once every service is known
        kind, namespace, name = identity(document)
        if kind == "ServiceAccount" and i not in kept:
            if name in services:
                owner[i] = f"services.{name}"  # written with the service's Deployments
            else:
                kept.add(i)
    blocks: dict[int, dict[str, Any]] = {}
    preset = PRESETS[str(model.get("preset", "plain"))]
    for key, members in deployments.items():
        inherited = preset.workload(key)
        defaults = inherited.to_istio() if inherited is not None else {}
        if "ports" not in defaults:
            defaults["ports"] = _derived_ports(services[key].get("ports"))
        placed = _attach(services[key], key, members, accounts, defaults)
        blocks.update(placed)
        kept.update(i for i, _ in members if i not in placed)
        preset_ports = preset.ports(key)
        if (
            placed
            and preset_ports
            and services[key].get("ports") == [p.to_istio() for p in preset_ports]
        ):
            del services[key]["ports"]
    for body in services.values():  # a Service without pods the model deploys
        if "ports" in body and "workload" not in body:
            body.setdefault("kubernetesService", {})
    return owner, blocks


def _subsets_by_name(subsets: Any) -> dict[str, dict[str, Any]]:
    """A service's subsets in the model's full form, ``{name: {labels: ..., ...}}``."""
    if isinstance(subsets, list):
        return {name: {"labels": {"version": name}} for name in subsets if isinstance(name, str)}
    if not isinstance(subsets, dict):
        return {}
    out = {}
    for name, body in subsets.items():
        full = isinstance(body, dict) and isinstance(body.get("labels"), dict)
        out[name] = dict(body) if full else {"labels": dict(body or {})}
    return out


def _attach(
    body: dict[str, Any],
    key: str,
    members: list[tuple[int, dict[str, Any]]],
    accounts: set[tuple[str | None, str]],
    defaults: dict[str, Any],
) -> dict[int, dict[str, Any]]:
    """A service's Deployments as its workload, one subset each where it has subsets;
    return the workload block of each Deployment placed."""
    subsets = _subsets_by_name(body.get("subsets"))
    placed: list[tuple[int, str | None, dict[str, Any]]] = []
    taken: set[str | None] = set()
    for i, document in members:
        match_labels = mapping(
            mapping(mapping(document.get("spec")).get("selector")).get("matchLabels")
        )
        selector = dict(match_labels)
        subset = None
        if selector != {"app": key}:
            subset = next(
                (n for n, s in subsets.items() if {"app": key, **s["labels"]} == selector), None
            )
            if subset is None:
                continue  # its pods are no subset's: kept as written
        if subset in taken:
            continue
        taken.add(subset)
        fields = workload_fields(document, key, selector)
        if "serviceAccount" not in fields:  # the pods run as the service's own account
            written = (identity(document)[1], key) in accounts
            fields["serviceAccount"] = True if written else key  # else: written elsewhere
        inherited = {**defaults, "serviceAccount": defaults.get("serviceAccount", True)}
        fields = {k: v for k, v in fields.items() if inherited.get(k) != v}
        name = mapping(document.get("metadata")).get("name")
        if name != (key if subset is None else f"{key}-{subset}"):
            fields["name"] = name
        placed.append((i, subset, fields))
    if not placed:
        return {}
    shared = _common([f for _, _, f in placed]) if len(placed) > 1 else {}
    service_block = {**shared}
    blocks: dict[int, dict[str, Any]] = {}
    for i, subset, fields in placed:
        if subset is None:
            service_block.update(fields)
            blocks[i] = service_block
        else:
            own = {k: v for k, v in fields.items() if shared.get(k) != v}
            subsets[subset]["workload"] = own
            blocks[i] = own
    body["workload"] = service_block
    if any(subset is not None for _, subset, _ in placed):
        body["subsets"] = subsets
    return blocks


def _derived_ports(ports: Any) -> list[dict[str, Any]]:
    """The container ports meshgen writes for a workload that names none: one per
    Service port, at its numeric targetPort (or its port)."""
    out = []
    for port in ports if isinstance(ports, list) else []:
        target = port.get("targetPort", port.get("number"))
        if isinstance(target, int):
            derived = {"containerPort": target}
            derived.update((k, port[k]) for k in ("name", "protocol") if k in port)
            out.append(derived)
    return out


def _common(all_fields: list[dict[str, Any]]) -> dict[str, Any]:
    first, *others = all_fields
    return {
        k: v
        for k, v in first.items()
        if k != "name" and all(k in other and other[k] == v for other in others)
    }

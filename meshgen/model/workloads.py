"""The workloads of a resolved service: which Deployments, which Service, which account.

Layers merge from the preset's defaults, through ``defaults.workload`` and the service's
``workload``, to each subset's. Subsets whose labels select the same pods share one
Deployment (the MSA-Ez preset's stable and canary do, until a canary has labels of its own).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from meshgen.model.mesh import Service, ServicePort
from meshgen.model.traffic import Subset
from meshgen.model.workload import ObjectOverride, Workload

Path = tuple[str | int, ...]

_MERGED_BY_NAME = ("env", "labels", "annotations")


def merge_patch(base: Any, patch: Any) -> Any:
    """RFC 7386 JSON merge patch: mappings merge key by key, a null removes a key, any
    other value replaces."""
    if not isinstance(patch, dict):
        return patch
    out = dict(base) if isinstance(base, dict) else {}
    for key, value in patch.items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = merge_patch(out.get(key), value)
    return out


def merged(*layers: Workload | None) -> Workload:
    """The workload the layers give, later layers over earlier ones."""
    fields: dict[str, Any] = {}
    for layer in layers:
        if layer is None:
            continue
        for name in layer.model_fields_set:
            value = getattr(layer, name)
            if value is None:
                continue
            if name in _MERGED_BY_NAME and fields.get(name) is not None:
                value = {**fields[name], **value}
            elif name == "raw" and fields.get(name) is not None:
                value = merge_patch(fields[name], value)
            fields[name] = value
    return Workload.model_construct(_fields_set=set(fields), **fields)


@dataclass(frozen=True)
class DeploymentPlan:
    name: str
    subsets: tuple[str | None, ...]  # the subsets whose pods these are
    selector: dict[str, str]  # the app label and the subset's: what identifies the pods
    pod_labels: dict[str, str]  # as the pods will carry them, raw overrides applied
    service_account: str | None  # the account the pods run as; None: the namespace default
    workload: Workload
    path: Path  # where in the model the Deployment comes from
    layers: tuple[tuple[Path, Workload], ...] = ()  # what it merges, with where each is


@dataclass(frozen=True)
class WorkloadsPlan:
    """What a service writes beside its Istio resources."""

    writes_service: bool
    service_name: str | None  # None: the host is not a Kubernetes Service's
    selector: dict[str, str]
    ports: list[ServicePort]
    kubernetes_service: ObjectOverride | None
    service_account: str | None  # the account meshgen writes (the service's own)
    deployments: list[DeploymentPlan]


def _pod_labels(app: str, workload: Workload, subset: Subset | None) -> dict[str, str]:
    labels = {**(workload.labels or {}), "app": app, **(subset.labels if subset else {})}
    raw_labels = merge_patch(
        {"spec": {"template": {"metadata": {"labels": labels}}}}, workload.raw or {}
    )
    template = raw_labels.get("spec", {}).get("template", {})
    found = (template.get("metadata") or {}).get("labels") if isinstance(template, dict) else None
    return found if isinstance(found, dict) else {}


def plan_workloads(
    key: str,
    service: Service,
    service_name: str | None,
    subsets: dict[str, Subset],
    path: Path,
    inherited: tuple[tuple[Path, Workload | None], ...],
    ports: list[ServicePort],
) -> WorkloadsPlan | None:
    """The workloads of one service, or None when it has neither a workload nor a
    ``kubernetesService`` block. ``inherited`` are the layers under the service's own,
    each with its model path (empty for the preset's)."""
    if service.workload is None and service.kubernetes_service is None:
        return None
    deployments: list[DeploymentPlan] = []
    if service.workload is not None:
        base_layers = [
            *((where, w) for where, w in inherited if w is not None),
            ((*path, "workload"), service.workload),
        ]
        base = merged(*(w for _, w in base_layers))
        by_labels: dict[tuple[tuple[str, str], ...], int] = {}
        pairs: list[tuple[str | None, Subset | None]] = [*subsets.items()] or [(None, None)]
        for name, subset in pairs:
            workload = merged(base, subset.workload) if subset is not None else base
            selector = {"app": key, **(subset.labels if subset else {})}
            labels = _pod_labels(key, workload, subset)
            identity = tuple(sorted(selector.items()))
            if identity in by_labels and (subset is None or subset.workload is None):
                shared = deployments[by_labels[identity]]
                deployments[by_labels[identity]] = DeploymentPlan(
                    shared.name,
                    (*shared.subsets, name),
                    shared.selector,
                    shared.pod_labels,
                    shared.service_account,
                    shared.workload,
                    shared.path,
                )
                continue
            own = name is not None and subset is not None and subset.workload is not None
            layers = tuple(base_layers)
            if own:
                assert subset is not None and subset.workload is not None
                layers += (((*path, "subsets", name or "", "workload"), subset.workload),)
            default_name = key if selector == {"app": key} else f"{key}-{name}"
            by_labels[identity] = len(deployments)
            deployments.append(
                DeploymentPlan(
                    workload.name or default_name,
                    (name,),
                    selector,
                    labels,
                    _account(key, workload),
                    workload,
                    layers[-1][0],
                    layers,
                )
            )
    spec = (service.kubernetes_service.spec if service.kubernetes_service else None) or {}
    service_selector = spec.get("selector")
    return WorkloadsPlan(
        service.kubernetes_service is not None or bool(ports),
        service_name,
        service_selector if isinstance(service_selector, dict) else {"app": key},
        ports,
        service.kubernetes_service,
        key if any(d.workload.service_account in (None, True) for d in deployments) else None,
        deployments,
    )


def _account(key: str, workload: Workload) -> str | None:
    """The account the pods run as: the service's own unless the workload names another
    or none."""
    chosen = workload.service_account
    if chosen is False:
        return None
    if chosen is None or chosen is True:
        return key
    return str(chosen)

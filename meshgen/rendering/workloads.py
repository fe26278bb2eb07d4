"""The resolved model's Kubernetes objects: Namespaces, ServiceAccounts, Services and
Deployments, each as a document for its template."""

from __future__ import annotations

from typing import Any

from meshgen.model.mesh import ServicePort
from meshgen.model.plan import NamespacePlan, ServicePlan
from meshgen.model.workload import ContainerPort, EnvValue, Workload
from meshgen.model.workloads import DeploymentPlan, WorkloadsPlan, merge_patch

NAMESPACE = "namespace.yaml.j2"
SERVICE_ACCOUNT = "serviceaccount.yaml.j2"
SERVICE = "service.yaml.j2"
DEPLOYMENT = "deployment.yaml.j2"
WORKLOAD_TEMPLATES = (NAMESPACE, SERVICE_ACCOUNT, SERVICE, DEPLOYMENT)
WITHOUT_SPEC = (NAMESPACE, SERVICE_ACCOUNT)


def _metadata(
    name: str,
    namespace: str | None,
    labels: dict[str, str] | None = None,
    annotations: dict[str, str] | None = None,
) -> dict[str, Any]:
    out: dict[str, Any] = {"name": name}
    if namespace is not None:
        out["namespace"] = namespace
    if labels:
        out["labels"] = dict(labels)
    if annotations:
        out["annotations"] = dict(annotations)
    return out


def namespace_object(namespace: NamespacePlan) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": _metadata(namespace.name, None, namespace.labels, namespace.annotations),
    }


def service_account_object(service: ServicePlan, workloads: WorkloadsPlan) -> dict[str, Any]:
    assert workloads.service_account is not None
    return {
        "apiVersion": "v1",
        "kind": "ServiceAccount",
        "metadata": _metadata(workloads.service_account, service.namespace),
    }


def _service_port(port: ServicePort) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if port.name is not None:
        out["name"] = port.name
    out["port"] = port.number
    if port.target_port is not None:
        out["targetPort"] = port.target_port
    if port.protocol is not None:
        out["protocol"] = port.protocol
    if port.app_protocol is not None:
        out["appProtocol"] = port.app_protocol
    return out


def service_object(service: ServicePlan, workloads: WorkloadsPlan) -> dict[str, Any]:
    assert workloads.service_name is not None
    override = workloads.kubernetes_service
    labels = {"app": service.key, **((override.labels if override else None) or {})}
    spec: dict[str, Any] = {
        "selector": {"app": service.key},
        "ports": [_service_port(p) for p in workloads.ports],
    }
    spec.update((override.spec if override else None) or {})
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": _metadata(
            workloads.service_name,
            service.namespace,
            labels,
            override.annotations if override else None,
        ),
        "spec": spec,
    }


def container_ports(workload: Workload, service_ports: list[ServicePort]) -> list[ContainerPort]:
    """The container's ports: as the workload names them, else one per Service port (at
    its numeric targetPort, or its port)."""
    if workload.ports is not None:
        return workload.ports
    out = []
    for port in service_ports:
        target = port.target_port if port.target_port is not None else port.number
        if isinstance(target, int):
            out.append(ContainerPort(container_port=target, name=port.name, protocol=port.protocol))
    return out


def _env(env: dict[str, str | EnvValue]) -> list[dict[str, Any]]:
    return [
        {"name": name, "value": value}
        if isinstance(value, str)
        else {"name": name, "valueFrom": value.value_from}
        for name, value in env.items()
    ]


_CONTAINER_FIELDS = (
    "image",
    "imagePullPolicy",
    "command",
    "args",
    "ports",
    "env",
    "resources",
    "readinessProbe",
    "livenessProbe",
    "startupProbe",
    "securityContext",
)


def _container(name: str, workload: Workload, ports: list[ServicePort]) -> dict[str, Any]:
    fields = workload.to_istio()  # Kubernetes' names too: camelCase, unset left out
    fields["ports"] = [p.to_istio() for p in container_ports(workload, ports)]
    if workload.env is not None:
        fields["env"] = _env(workload.env)
    container: dict[str, Any] = {"name": name}
    container.update((key, fields[key]) for key in _CONTAINER_FIELDS if fields.get(key))
    return container


def deployment_object(
    service: ServicePlan, workloads: WorkloadsPlan, deployment: DeploymentPlan
) -> dict[str, Any]:
    workload = deployment.workload
    pod_labels = deployment.pod_labels
    pod_spec: dict[str, Any] = {}
    if deployment.service_account is not None:
        pod_spec["serviceAccountName"] = deployment.service_account
    pod_spec["containers"] = [_container(service.key, workload, workloads.ports)]
    template_metadata: dict[str, Any] = {"labels": pod_labels}
    if workload.annotations:
        template_metadata["annotations"] = dict(workload.annotations)
    built = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": _metadata(deployment.name, service.namespace, pod_labels),
        "spec": {
            "replicas": workload.replicas if workload.replicas is not None else 1,
            "selector": {"matchLabels": dict(deployment.selector)},
            "template": {"metadata": template_metadata, "spec": pod_spec},
        },
    }
    patched: dict[str, Any] = merge_patch(built, workload.raw or {})
    return patched

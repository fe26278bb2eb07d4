"""Checks across the model that one field alone cannot make: references, weights, names."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from meshgen.findings import did_you_mean
from meshgen.model.issues import ModelIssue
from meshgen.model.plan import MeshPlan, Path, ServicePlan
from meshgen.model.routes import Destination, RouteDestination
from meshgen.model.workload_checks import check_workloads


def _quoted(names: Iterable[str]) -> str:
    listed = [f"'{n}'" for n in names]
    return ", ".join(listed) if listed else "none"


def check(plan: MeshPlan) -> list[ModelIssue]:
    """Every cross-reference problem of the model, in model order."""
    issues: list[ModelIssue] = []
    for service in plan.services.values():
        issues.extend(_check_routes(plan, service))
        issues.extend(_check_gateways(plan, service))
    issues.extend(_check_unique_resources(plan))
    issues.extend(check_workloads(plan))
    if (
        not plan.gateways
        and not plan.mesh.resources
        and not plan.namespaces
        and not any(
            s.virtual_service or s.destination_rule or s.workloads for s in plan.services.values()
        )
    ):
        issues.append(ModelIssue("MG027", (), "the model renders no resources"))
    return issues


def _target(plan: MeshPlan, service: ServicePlan, destination: Destination) -> ServicePlan | None:
    if destination.host is not None:
        return None
    if destination.service is not None:
        return plan.services.get(destination.service)
    return service


def _check_destination(
    plan: MeshPlan, service: ServicePlan, destination: Destination, path: Path, what: str
) -> Iterator[ModelIssue]:
    if destination.service is not None and destination.service not in plan.services:
        yield ModelIssue(
            "MG022",
            path,
            f"{what} names service '{destination.service}', "
            f"which the model does not define{did_you_mean(destination.service, plan.services)}",
        )
        return
    target = _target(plan, service, destination)
    if target is None:
        return
    if destination.subset is not None and destination.subset not in target.subsets:
        owner = "the service" if target is service else f"service '{target.key}'"
        yield ModelIssue(
            "MG020",
            path,
            f"{what} sends to subset '{destination.subset}', which "
            f"{owner} does not define (it has {_quoted(target.subsets)})"
            f"{did_you_mean(destination.subset, target.subsets)}",
        )
    ports = [p.number for p in target.service.ports or []]
    if destination.port is not None and ports and destination.port.number not in ports:
        yield ModelIssue(
            "MG026",
            path,
            f"{what} sends to port {destination.port.number}, but "
            f"service '{target.key}' exposes {', '.join(map(str, ports))}",
        )
    elif destination.port is None and len(ports) > 1:
        yield ModelIssue(
            "MG026",
            path,
            f"{what} must name a port: service '{target.key}' "
            f"exposes {', '.join(map(str, ports))} (add port: {ports[0]})",
        )


def _check_weights(
    service: ServicePlan, route: list[RouteDestination], path: Path, rule: int
) -> Iterator[ModelIssue]:
    weights = [d.weight for d in route]
    if all(w is None for w in weights) and len(route) == 1:
        return
    total = sum(w or 0 for w in weights)
    if total == 0:
        yield ModelIssue(
            "MG024",
            path,
            f"rule {rule + 1} gives every destination weight 0, so it has nowhere to send traffic",
        )
    elif total != 100:
        yield ModelIssue(
            "MG025",
            path,
            f"rule {rule + 1} weights add up to {total}, not 100; "
            "Istio reads them as relative shares",
        )


def _check_routes(plan: MeshPlan, service: ServicePlan) -> Iterator[ModelIssue]:
    from_model = service.routes_path != service.path
    for i, rule in enumerate(service.routes):
        rule_path = (*service.routes_path, i) if from_model else service.path
        what = f"rule {i + 1}"
        for j, route in enumerate(rule.route or []):
            path = (*rule_path, "route", j) if from_model else rule_path
            yield from _check_destination(plan, service, route.destination, path, what)
        if rule.route:
            path = (*rule_path, "route") if from_model else rule_path
            yield from _check_weights(service, rule.route, path, i)
        if rule.mirror is not None:
            path = (*rule_path, "mirror") if from_model else rule_path
            yield from _check_destination(plan, service, rule.mirror, path, f"{what} mirror")
        for k, match in enumerate(rule.match or []):
            for name in match.gateways or []:
                path = (*rule_path, "match", k, "gateways") if from_model else rule_path
                yield from _check_gateway_name(plan, service, name, path)


def _check_gateway_name(
    plan: MeshPlan, service: ServicePlan, name: str, path: Path
) -> Iterator[ModelIssue]:
    if name == "mesh" or "/" in name or name in plan.gateways:
        return
    hint = did_you_mean(name, plan.gateways) or (
        "; write namespace/name for a gateway defined outside the model"
    )
    yield ModelIssue(
        "MG021",
        path,
        f"bound to gateway '{name}', which the model does not "
        f"define (it has {_quoted(plan.gateways)}){hint}",
    )


def _check_gateways(plan: MeshPlan, service: ServicePlan) -> Iterator[ModelIssue]:
    explicit = service.service.gateways is not None
    for i, name in enumerate(service.gateways):
        path = (*service.path, "gateways", i) if explicit else service.path
        yield from _check_gateway_name(plan, service, name, path)


def _check_unique_resources(plan: MeshPlan) -> Iterator[ModelIssue]:
    seen: dict[tuple[str, str | None, str], str] = {}
    for service in plan.services.values():
        for kind, metadata in (
            ("DestinationRule", service.destination_rule),
            ("VirtualService", service.virtual_service),
        ):
            if metadata is None:
                continue
            key = (kind, metadata.namespace, metadata.name)
            if key in seen:
                yield ModelIssue(
                    "MG023",
                    service.path,
                    f"generates {kind} "
                    f"{'/'.join(filter(None, (metadata.namespace, metadata.name)))}, "
                    f"which service '{seen[key]}' generates too; "
                    "give one of them another name",
                    at_key=True,
                )
            else:
                seen[key] = service.key

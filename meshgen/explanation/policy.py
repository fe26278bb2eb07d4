"""Which DestinationRule applies to a destination, and the policy it takes effect with."""

from __future__ import annotations

from typing import Any

from meshgen.manifests import identity
from meshgen.manifests.hosts import covers, fqdn, service_of, specificity, visible

POLICY_FIELDS = ("loadBalancer", "connectionPool", "outlierDetection", "tls")


def destination_rule(
    rules: list[dict[str, Any]], host: str, client_namespace: str, root_namespace: str
) -> dict[str, Any] | None:
    """The DestinationRule for ``host`` as seen from ``client_namespace``.

    Istio looks in the client's namespace first, then in the namespace of the service,
    then in the root namespace; within one, an exact host beats a wildcard.
    """
    service = service_of(host)
    service_namespace = service[0] if service else None
    for namespace in (client_namespace, service_namespace, root_namespace):
        candidates = [
            rule
            for rule in rules
            if _namespace(rule) == namespace
            and visible((rule.get("spec") or {}).get("exportTo"), namespace or "", client_namespace)
            and covers(_host(rule), host)
        ]
        if candidates:
            return min(candidates, key=lambda rule: specificity(_host(rule)))
    return None


def _namespace(resource: dict[str, Any]) -> str:
    return identity(resource)[1]


def _host(rule: dict[str, Any]) -> str:
    return fqdn(str((rule.get("spec") or {}).get("host", "")), _namespace(rule))


def subset_of(rule: dict[str, Any] | None, name: str | None) -> dict[str, Any] | None:
    if rule is None or name is None:
        return None
    for subset in (rule.get("spec") or {}).get("subsets") or []:
        if subset.get("name") == name:
            return dict(subset)
    return None


_PORT_LEVEL = ("connectionPool", "outlierDetection", "loadBalancer", "tls")


def _with_port_settings(policy: dict[str, Any], levels: Any, port: int | None) -> dict[str, Any]:
    """``policy`` with the ``portLevelSettings`` entry for ``port`` (if any) in force: it
    replaces the connection pool, outlier detection, load balancer and TLS as a whole;
    what it leaves out falls back to Istio's defaults, not to the policy around it."""
    for settings in levels or [] if port is not None else []:
        if isinstance(settings, dict) and (settings.get("port") or {}).get("number") == port:
            policy = {k: v for k, v in policy.items() if k not in _PORT_LEVEL}
            policy.update({k: settings[k] for k in _PORT_LEVEL if k in settings})
            break
    return policy


def effective_policy(
    rule: dict[str, Any] | None, subset: dict[str, Any] | None, port: int | None
) -> dict[str, Any]:
    """The traffic policy in effect, as Istio merges it: the rule's policy for the port,
    then the subset's fields over it, then the subset's settings for the port."""
    top = ((rule or {}).get("spec") or {}).get("trafficPolicy") or {}
    policy = _with_port_settings(
        {k: top[k] for k in POLICY_FIELDS if k in top}, top.get("portLevelSettings"), port
    )
    own = (subset or {}).get("trafficPolicy") or {}
    policy.update({k: own[k] for k in POLICY_FIELDS if k in own})
    return _with_port_settings(policy, own.get("portLevelSettings"), port)

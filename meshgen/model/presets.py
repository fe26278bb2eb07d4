"""Naming presets: how resources are named and what a bare service gets by default."""

from __future__ import annotations

import re
from dataclasses import dataclass

from meshgen.model.gateway import Gateway
from meshgen.model.mesh import ServicePort
from meshgen.model.routes import RouteRule
from meshgen.model.traffic import Subset
from meshgen.model.workload import Workload


@dataclass(frozen=True)
class Preset:
    """Plain names: resources are named after their service, nothing is added."""

    name: str = "plain"

    def virtual_service_name(self, service: str) -> str:
        return service

    def destination_rule_name(self, service: str) -> str:
        return service

    def gateways(self) -> dict[str, Gateway]:
        return {}

    def subsets(self, service: str) -> dict[str, Subset] | None:
        return None

    def routes(self, service: str) -> list[RouteRule] | None:
        return None

    def hosts(self, service: str) -> list[str] | None:
        return None

    def bound_gateways(self, service: str) -> list[str] | None:
        return None

    def workload(self, service: str) -> Workload | None:
        """What a service's workload has before the model's defaults and its own."""
        return None

    def ports(self, service: str) -> list[ServicePort] | None:
        """The Service ports of a service with a workload that names none."""
        return None


_IRREGULAR_PLURALS = {"person": "people", "child": "children", "man": "men", "woman": "women"}


def plural(word: str) -> str:
    """English plural of a resource name, as MSA-Ez names its REST paths."""
    if word in _IRREGULAR_PLURALS:
        return _IRREGULAR_PLURALS[word]
    if re.search(r"(s|x|z|ch|sh)$", word):
        return word + "es"
    if re.search(r"[^aeiou]y$", word):
        return word[:-1] + "ies"
    return word + "s"


@dataclass(frozen=True)
class MsaEzPreset(Preset):
    """The MSA-Ez Istio topping: every service behind ``main-gw`` with a canary ready.

    Each service gets subsets ``stable`` and ``canary`` (both selecting ``app: <svc>``
    until a canary Deployment has labels of its own), and one rule named ``primary``
    that sends the URI prefix ``/<plural of svc>`` 100% to stable and 0% to canary.
    """

    name: str = "msaez"
    gateway: str = "main-gw"

    def virtual_service_name(self, service: str) -> str:
        return f"vsvc-{service}"

    def destination_rule_name(self, service: str) -> str:
        return f"destrule-{service}"

    def gateways(self) -> dict[str, Gateway]:
        return {self.gateway: Gateway()}

    def subsets(self, service: str) -> dict[str, Subset] | None:
        return {
            "stable": Subset(labels={"app": service}),
            "canary": Subset(labels={"app": service}),
        }

    def routes(self, service: str) -> list[RouteRule] | None:
        return [
            RouteRule.model_validate(
                {
                    "name": "primary",
                    "match": {"uri": {"prefix": f"/{plural(service)}"}},
                    "route": {"stable": 100, "canary": 0},
                }
            )
        ]

    def hosts(self, service: str) -> list[str] | None:
        return ["*"]

    def bound_gateways(self, service: str) -> list[str] | None:
        return [self.gateway]

    def workload(self, service: str) -> Workload | None:
        """The Deployment MSA-Ez's template.yml writes: the image to build and push,
        port 8080, Spring Boot's health endpoint for readiness and liveness, and the
        namespace's default account."""
        return Workload.model_validate(
            {
                "image": f"username/{service}:latest",
                "ports": [8080],
                "serviceAccount": False,
                "readinessProbe": _actuator_probe(initial_delay=10, failure_threshold=10),
                "livenessProbe": _actuator_probe(initial_delay=120, failure_threshold=5),
            }
        )

    def ports(self, service: str) -> list[ServicePort] | None:
        return [ServicePort(number=8080, target_port=8080)]


def _actuator_probe(*, initial_delay: int, failure_threshold: int) -> dict[str, object]:
    return {
        "httpGet": {"path": "/actuator/health", "port": 8080},
        "initialDelaySeconds": initial_delay,
        "timeoutSeconds": 2,
        "periodSeconds": 5,
        "failureThreshold": failure_threshold,
    }


PRESETS: dict[str, Preset] = {p.name: p for p in (Preset(), MsaEzPreset())}

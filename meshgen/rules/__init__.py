"""Istio's semantic validation, offline: every rule registered with its examples."""

from meshgen.rules import gateway  # noqa: F401  (registers its rules)
from meshgen.rules.registry import RULES, Rule, problems

__all__ = ["RULES", "Rule", "problems"]

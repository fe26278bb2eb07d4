"""Istio's semantic validation, offline: every rule registered with its examples."""

from meshgen.rules import (  # noqa: F401  (importing registers the rules)
    analyzers,
    common,
    destinationrule,
    gateway,
    virtualservice,
)
from meshgen.rules.registry import RULES, Rule, problems

__all__ = ["RULES", "Rule", "problems"]

"""Istio's semantic validation, offline: every rule, in one registry.

Importing this package imports every rule module, so :data:`RULES` is complete before
anything reads it.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from typing import Any

from meshgen.findings import BASE_CODES, Code
from meshgen.manifests.index import MeshIndex
from meshgen.validation.rules import (  # noqa: F401  (each module registers its rules)
    analyzers,
    common,
    destinationrule,
    envoyfilter,
    extensions,
    gateway,
    gatewayapi,
    security,
    serviceentry,
    sidecar,
    virtualservice,
)
from meshgen.validation.rules.registry import RULES, Problem, Rule, Scope

__all__ = ["RULES", "Problem", "Rule", "catalogue", "mesh_problems", "resource_problems"]


@functools.cache
def catalogue() -> dict[str, Code]:
    """Every code meshgen reports, with its default severity, title and Istio code."""
    codes = dict(BASE_CODES)
    for code, entry in RULES.items():
        codes[code] = Code(code, entry.severity, entry.title, entry.istio)
    return codes


@functools.cache
def _resource_rules(kind: str, scope: Scope) -> tuple[Rule, ...]:
    return tuple(r for r in RULES.values() if r.scope == scope and r.applies_to(kind))


def resource_problems(
    document: dict[str, Any], scope: Scope = "resource"
) -> Iterator[tuple[Rule, Problem]]:
    """Every rule of ``scope`` (an Istio kind's, or a Gateway API kind's) that
    ``document`` breaks (paths from the document root)."""
    spec = document.get("spec")
    spec = spec if isinstance(spec, dict) else {}
    for entry in _resource_rules(str(document.get("kind")), scope):
        for found in entry.check(spec, document):
            yield entry, found if isinstance(found, Problem) else Problem(*found)


def mesh_problems(index: MeshIndex) -> Iterator[tuple[Rule, Problem]]:
    """Every cross-resource problem of the mesh, about resources whose problems are
    reported (not context)."""
    for entry in RULES.values():
        if entry.scope != "mesh":
            continue
        for problem in entry.check(index):
            if problem.subject is not None and problem.subject.reported:
                yield entry, problem

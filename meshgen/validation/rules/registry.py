"""The semantic rules: what Istio checks beyond the schema, and meshgen's mesh lint.

One registry. A rule has a stable code, a scope (``resource``: one manifest at a time, as
Istio's webhook; ``mesh``: across every resource of a run, as ``istioctl analyze``), the
kinds it looks at, the Istio rules it implements (ids from Istio's validation code, like
G4 or V19), the Istio code it mirrors, a severity and a description. Its failing and
passing examples are YAML files under ``examples/fail`` and ``examples/pass``, named by
code; the tests and the generated docs read them from there.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from importlib.resources import files
from typing import Any, Literal, NamedTuple

from meshgen.findings import Severity
from meshgen.manifests import Manifest

ERROR, WARNING, INFO = Severity.ERROR, Severity.WARNING, Severity.INFO
SCHEMA_ERROR, SCHEMA_WARNING = "IST0106", "IST0133"  # what Istio reports webhook rules as
EVERY_KIND = "*"

Path = tuple[Any, ...]
Found = tuple[Path, str]  # what a resource check yields: a path and a message without it
# resource: an Istio kind's own fields; gateway-api: a Gateway API kind's; mesh: across
# resources.
Scope = Literal["resource", "gateway-api", "mesh"]


class Problem(NamedTuple):
    """What a check yields: a path from the document root and a message without it.

    Mesh checks name the resource the problem is about (``subject``) and may lower the
    rule's severity for one finding (a reference into input that may be partial). A
    check may also name the Istio code one finding mirrors, where Istio tells two cases
    of one rule apart (IST0128 for a policy, IST0129 for one of its ports)."""

    path: Path
    message: str
    subject: Manifest | None = None
    severity: Severity | None = None
    istio: str | None = None


@dataclass(frozen=True)
class Rule:
    code: str
    scope: Scope
    kinds: tuple[str, ...]
    severity: Severity
    title: str
    refs: tuple[str, ...]
    istio: str | None
    description: str
    check: Callable[..., Iterator[Any]]

    def example(self, outcome: Literal["fail", "pass"]) -> str:
        """The manifests this rule's tests and docs use: ``fail`` triggers it, ``pass`` is
        the near miss that does not."""
        return (files(__package__) / "examples" / outcome / f"{self.code}.yaml").read_text(
            encoding="utf-8"
        )

    def applies_to(self, kind: str) -> bool:
        return EVERY_KIND in self.kinds or kind in self.kinds


RULES: dict[str, Rule] = {}


def rule(
    code: str,
    kinds: str | tuple[str, ...],
    severity: Severity,
    title: str,
    refs: str,
    istio: str | None = None,
    scope: Scope = "resource",
) -> Callable[[Callable[..., Iterator[Any]]], Callable[..., Iterator[Any]]]:
    """Register a check.

    A resource check is ``check(spec, document)`` and yields ``(path, message)`` pairs; a
    mesh check is ``check(index)`` and yields :class:`Problem` with a subject. Webhook
    rules mirror IST0106 (errors) or IST0133 (warnings), and mesh checks the first Istio
    code of ``refs``, unless ``istio`` says otherwise.
    """

    def decorate(check: Callable[..., Iterator[Any]]) -> Callable[..., Iterator[Any]]:
        if code in RULES:
            raise ValueError(f"rule code {code} is registered twice")
        mirrored = istio
        if mirrored is None and scope == "resource":
            mirrored = SCHEMA_ERROR if severity is ERROR else SCHEMA_WARNING
        elif mirrored is None and refs.startswith("IST"):
            mirrored = refs.split()[0]
        RULES[code] = Rule(
            code,
            scope,
            (kinds,) if isinstance(kinds, str) else kinds,
            severity,
            title,
            tuple(refs.split()),
            mirrored,
            " ".join((check.__doc__ or title).split()),
            check,
        )
        return check

    return decorate

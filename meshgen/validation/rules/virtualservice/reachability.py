"""HTTP rules that can never match: every match taken by an earlier rule."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from meshgen.manifests import canonical
from meshgen.validation.rules import primitives as p
from meshgen.validation.rules.registry import WARNING, Found, Problem, rule
from meshgen.validation.rules.virtualservice.walk import VS, matches, rule_name, rules

# -- unreachable rules -------------------------------------------------------------------


def _comparable(match: dict[str, Any], kind: str = "http") -> str:
    """A match as Istio compares matches: names aside, and for HTTP an omitted method
    counting as GET (Istio's analyzer fills it in before comparing)."""
    compared = {k: v for k, v in match.items() if k != "name"}
    if kind == "http":
        compared.setdefault("method", {"exact": "GET"})
    return canonical(compared)


@rule(
    "MG2210",
    VS,
    WARNING,
    "rule after a catch-all rule",
    "V11 V12",
    istio="IST0130",
)
def after_catch_all(spec: dict[str, Any], resource: dict[str, Any]) -> Iterator[Found]:
    """A rule without `match` takes every request, so rules after it are never used: only
    the last rule may go without matches. Checked for http, tcp and tls routes."""
    for kind in ("http", "tcp", "tls"):
        catch_all = None
        for i, route in enumerate(spec.get(kind) or []):
            if not isinstance(route, dict):
                continue
            if catch_all is not None:
                why = (
                    "only the last rule can have no matches"
                    if not route.get("match")
                    else "a rule without matches comes before it"
                )
                yield ("spec", kind, i), f"rule {rule_name(route, i)} is never used ({why})"
            elif not route.get("match"):
                catch_all = i


@rule(
    "MG2211",
    VS,
    WARNING,
    "rule whose matches earlier rules take",
    "V13 V14",
    istio="IST0131",
)
def duplicatematches(spec: dict[str, Any], resource: dict[str, Any]) -> Iterator[Found | Problem]:
    """A match identical to a match of an earlier rule (names aside; an omitted HTTP
    method counts as GET, as Istio compares them) never applies (IST0131); when every
    match of a rule is such a copy, the whole rule is never used as well (IST0130)."""
    for kind in ("http", "tcp", "tls"):
        seen: dict[str, int] = {}
        for i, route in enumerate(spec.get(kind) or []):
            if not isinstance(route, dict) or not route.get("match"):
                continue
            keys = [_comparable(m, kind) for m in route["match"] if isinstance(m, dict)]
            for j, key in enumerate(keys):
                if key in seen:
                    yield (
                        ("spec", kind, i, "match", j),
                        f"match #{j} of rule {rule_name(route, i)} is never used: rule #{seen[key]} has the same match",
                    )
            if keys and all(key in seen for key in keys):
                yield Problem(
                    ("spec", kind, i),
                    f"rule {rule_name(route, i)} is never used: earlier rules take all its matches",
                    istio="IST0130",
                )
            for key in keys:
                seen.setdefault(key, i)


@rule(
    "MG2212",
    VS,
    WARNING,
    "URI prefix that an earlier prefix covers",
    "V15",
    istio="IST0131",
)
def covered_prefixes(spec: dict[str, Any], resource: dict[str, Any]) -> Iterator[Found]:
    """A URI prefix match after a shorter prefix that covers it (`/api/v2` after `/api`),
    with the same other conditions, is never used: order the longer prefix first."""
    earlier: list[tuple[int, str, str]] = []
    for i, route in rules(spec):
        for j, match in matches(route):
            prefix = (
                p.mapping(match.get("uri")).get("prefix")
                if isinstance(match.get("uri"), dict)
                else None
            )
            if not isinstance(prefix, str):
                continue
            rest = _comparable({k: v for k, v in match.items() if k != "uri"})
            for rule_index, other, other_rest in earlier:
                if prefix != other and prefix.startswith(other) and rest == other_rest:
                    yield (
                        ("spec", "http", i, "match", j),
                        f"prefix {prefix} is never used: rule #{rule_index} matches prefix {other} first",
                    )
                    break
            earlier.append((i, prefix, rest))

"""Kubernetes label selectors (`matchLabels` and `matchExpressions`), as the API server
reads them."""

from __future__ import annotations

from typing import Any

from meshgen.manifests import mapping, sequence


def carries(labels: dict[str, Any], wanted: dict[str, Any]) -> bool:
    """Whether ``labels`` hold every label of ``wanted`` (a `matchLabels` map, or an Istio
    selector's labels); nothing wanted is carried by everything."""
    return all(labels.get(k) == v for k, v in wanted.items())


def selector_text(labels: dict[str, Any]) -> str:
    """Labels a selector wants, as messages show them: ``app: reviews, version: v1``."""
    return ", ".join(f"{key}: {value}" for key, value in labels.items()) or "every pod"


def selects(selector: Any, labels: dict[str, Any]) -> bool:
    """Whether a LabelSelector selects an object with ``labels``: an absent or empty
    selector selects everything; one the API server would refuse selects nothing."""
    if selector is None:
        return True
    if not isinstance(selector, dict):
        return False
    if not carries(labels, mapping(selector.get("matchLabels"))):
        return False
    for expression in sequence(selector.get("matchExpressions")):
        expression = mapping(expression)
        key, operator = expression.get("key"), expression.get("operator")
        values = sequence(expression.get("values"))
        if operator == "In":
            ok = key in labels and labels[key] in values
        elif operator == "NotIn":
            ok = key not in labels or labels[key] not in values
        elif operator == "Exists":
            ok = key in labels
        elif operator == "DoesNotExist":
            ok = key not in labels
        else:
            return False
        if not ok:
            return False
    return True

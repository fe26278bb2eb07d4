"""Kubernetes value formats meshgen reads: label selectors and resource quantities."""

from __future__ import annotations

import pytest

from meshgen.manifests.selectors import selects
from meshgen.manifests.values import is_quantity

LABELS = {"app": "reviews", "version": "v1"}


@pytest.mark.parametrize(
    ("selector", "expected"),
    [
        (None, True),
        ({}, True),
        ({"matchLabels": {"app": "reviews"}}, True),
        ({"matchLabels": {"app": "ratings"}}, False),
        ({"matchExpressions": [{"key": "app", "operator": "In", "values": ["reviews"]}]}, True),
        ({"matchExpressions": [{"key": "app", "operator": "NotIn", "values": ["reviews"]}]}, False),
        ({"matchExpressions": [{"key": "tier", "operator": "NotIn", "values": ["db"]}]}, True),
        ({"matchExpressions": [{"key": "version", "operator": "Exists"}]}, True),
        ({"matchExpressions": [{"key": "version", "operator": "DoesNotExist"}]}, False),
        ({"matchExpressions": [{"key": "version", "operator": "Matches"}]}, False),
        (
            {
                "matchLabels": {"app": "reviews"},
                "matchExpressions": [{"key": "tier", "operator": "Exists"}],
            },
            False,
        ),
        ("app=reviews", False),
    ],
)
def test_label_selectors_select_as_the_api_server_does(selector: object, expected: bool) -> None:
    assert selects(selector, LABELS) is expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("250m", True),
        ("1.5Gi", True),
        ("2e3", True),
        ("128974848", True),
        ("+1k", True),
        (".5", True),
        ("1Gb", False),
        ("1 Gi", False),
        ("", False),
        ("Mi", False),
        ("1.2.3", False),
    ],
)
def test_quantities_are_read_as_kubernetes_reads_them(value: str, expected: bool) -> None:
    assert is_quantity(value) is expected

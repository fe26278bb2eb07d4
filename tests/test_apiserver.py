"""The API server's own checks: names, label keys and values, map-type lists."""

from __future__ import annotations

import pytest

from meshgen.validation.apiserver import qualified_name_problem, refusals


def _codes(api_version: str, kind: str, metadata: dict[str, object]) -> list[str]:
    return [r.code for r in refusals(api_version, kind, {"metadata": metadata})]


@pytest.mark.parametrize("name", ["r", "reviews", "reviews-v1", "a.b.c", "9lives", "x" * 253])
def test_subdomain_names_pass(name: str) -> None:
    assert _codes("networking.istio.io/v1", "VirtualService", {"name": name}) == []


@pytest.mark.parametrize("name", ["My_VS", "Reviews", "-a", "a-", "a..b", ".a", "x" * 254, ""])
def test_other_names_fail(name: str) -> None:
    assert _codes("networking.istio.io/v1", "VirtualService", {"name": name}) == ["MG109"]


@pytest.mark.parametrize(("name", "ok"), [("reviews", True), ("9reviews", False), ("a.b", False)])
def test_a_service_name_is_a_dns_1035_label(name: str, ok: bool) -> None:
    assert (_codes("v1", "Service", {"name": name}) == []) == ok


@pytest.mark.parametrize(
    ("key", "ok"),
    [
        ("app", True),
        ("app.kubernetes.io/name", True),
        ("Team_Name", True),
        ("example.com/Team", True),
        ("Example.com/team", False),
        ("a/b/c", False),
        ("/name", False),
        ("team-", False),
        ("x" * 64, False),
    ],
)
def test_label_keys(key: str, ok: bool) -> None:
    assert (qualified_name_problem(key) is None) == ok


def test_annotation_keys_may_have_upper_case_prefixes() -> None:
    metadata = {"name": "r", "annotations": {"Example.com/owner": "x"}, "labels": {"a": "b c"}}
    found = list(refusals("networking.istio.io/v1", "VirtualService", {"metadata": metadata}))
    assert [(r.path, r.code) for r in found] == [(("metadata", "labels", "a"), "MG109")]


def test_map_list_items_must_differ_by_their_keys() -> None:
    document = {
        "metadata": {"name": "d"},
        "spec": {
            "template": {
                "spec": {
                    "containers": [
                        {
                            "name": "web",
                            "ports": [
                                {"containerPort": 80},
                                {"containerPort": 80, "protocol": "TCP"},
                            ],
                        },
                        {"name": "web"},
                    ]
                }
            }
        },
    }
    found = [(r.code, r.path) for r in refusals("apps/v1", "Deployment", document)]
    assert found == [
        ("MG110", ("spec", "template", "spec", "containers", 1)),
        ("MG110", ("spec", "template", "spec", "containers", 0, "ports", 1)),
    ]

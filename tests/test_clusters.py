"""Several clusters' configuration at once (--cluster NAME=PATH): each cluster is its own
mesh, and their Services are compared."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import run

SERVICE = """\
apiVersion: v1
kind: Service
metadata: {name: reviews, namespace: bookinfo}
spec:
  selector: {app: reviews}
  ports: [{name: http, port: 9080}]
"""


def _clusters(tmp_path: Path, east: str, west: str) -> list[str]:
    for name, text in (("east", east), ("west", west)):
        (tmp_path / name).mkdir()
        (tmp_path / name / "reviews.yaml").write_text(text)
    return [f"--cluster=east={tmp_path / 'east'}", f"--cluster=west={tmp_path / 'west'}"]


def test_one_service_in_two_clusters_is_not_a_duplicate(tmp_path: Path) -> None:
    code, out, _ = run("validate", "--strict", *_clusters(tmp_path, SERVICE, SERVICE))
    assert code == 0 and "no problems in 2 files (2 resources checked)" in out, out


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (
            {"ports: [{name: http, port: 9080}]": "ports: [{name: http, port: 9081}]"},
            "ports differ",
        ),
        ({"spec:\n": "spec:\n  clusterIP: None\n"}, "headless in some clusters only"),
        ({"spec:\n": "spec:\n  type: LoadBalancer\n"}, "type differs"),
    ],
)
def test_a_service_that_differs_between_clusters_is_reported_once(
    tmp_path: Path, change: dict[str, str], reason: str
) -> None:
    other = SERVICE
    for old, new in change.items():
        other = other.replace(old, new)
    code, out, _ = run("validate", "--strict", *_clusters(tmp_path, SERVICE, other))
    assert code == 1
    assert out.count("[MG2460/IST0170]") == 1 and reason in out, out
    assert "east/reviews.yaml:" in out and "between clusters east and west" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--cluster", "east"], "write it NAME=PATH"),
        (["--cluster", "east=a", "b.yaml"], "give every file to a cluster"),
    ],
)
def test_cluster_usage_errors(argv: list[str], message: str) -> None:
    code, _, err = run("validate", *argv)
    assert code == 2 and message in err and "Traceback" not in err

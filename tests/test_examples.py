"""Every lab renders to its golden file, and to the manifests the lab expects."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from conftest import EXAMPLES, ROOT
from helpers import as_stored, by_identity

from meshgen.model.load import parse_model
from meshgen.rendering import Only, render_loaded


def _rendered(name: str, only: Only | None = None) -> str:
    source = f"examples/{name}/model.yaml"
    text = (ROOT / source).read_text(encoding="utf-8")
    return render_loaded(parse_model(text, source), source="model.yaml").only(only).text


# The examples that write the lab's workloads too, with the file of them the lab applies.
# Those files are applied with `kubectl apply -n <namespace>`, named at their end.
LAB_WORKLOADS = {
    "catalog-dark-launch": "catalog-webapp-istioinaction.yaml",
    "httpbin-mirror": "httpbin-mirror-default.yaml",
    "helloworld-circular": "helloworld-services-default.yaml",
}
WITH_WORKLOADS = sorted([*LAB_WORKLOADS, "msaez-12st-mall"])


def test_every_lab_has_an_example() -> None:
    assert len(EXAMPLES) == 10


@pytest.mark.parametrize("name", EXAMPLES)
def test_renders_its_golden_file_byte_for_byte(name: str) -> None:
    golden = (ROOT / "examples" / name / "istio.yaml").read_text(encoding="utf-8")
    only: Only | None = "istio" if name in WITH_WORKLOADS else None
    assert _rendered(name, only) == golden


@pytest.mark.parametrize("name", WITH_WORKLOADS)
def test_renders_its_workloads_golden_byte_for_byte(name: str) -> None:
    golden = (ROOT / "examples" / name / "workloads.yaml").read_text(encoding="utf-8")
    assert _rendered(name, "workloads") == golden


def test_only_examples_with_workloads_have_a_workloads_golden() -> None:
    assert sorted(p.parent.name for p in ROOT.glob("examples/*/workloads.yaml")) == WITH_WORKLOADS


def _as_applied(document: dict[str, Any], namespace: str) -> dict[str, Any]:
    """A manifest as the API server stores it, for the differences that do not matter:
    ``kubectl apply -n`` gives it the namespace, and a port's protocol defaults to TCP."""
    document = json.loads(json.dumps(document))
    if document["kind"] != "Namespace":
        document["metadata"].setdefault("namespace", namespace)
    spec = document.get("spec") or {}
    ports = list(spec.get("ports") or [])
    for container in spec.get("template", {}).get("spec", {}).get("containers", []):
        ports += container.get("ports") or []
    for port in ports:
        port.setdefault("protocol", "TCP")
    return document


@pytest.mark.parametrize("name", sorted(LAB_WORKLOADS))
def test_renders_the_workloads_the_lab_deploys(name: str, shared: Path) -> None:
    lab_file = LAB_WORKLOADS[name]
    namespace = lab_file.removesuffix(".yaml").rsplit("-", 1)[1]
    text = (shared / "mission" / "expected-workloads" / lab_file).read_text()
    expected = [_as_applied(d, namespace) for d in yaml.safe_load_all(text) if d]
    rendered = [
        _as_applied(d, namespace) for d in yaml.safe_load_all(_rendered(name, "workloads")) if d
    ]
    for ours, theirs in zip(by_identity(rendered), by_identity(expected), strict=True):
        if theirs["kind"] == "Deployment" and "labels" not in theirs["metadata"]:
            # meshgen labels a Deployment as its pods; the lab's carry none (README.md)
            ours["metadata"].pop("labels")
        assert ours == theirs


@pytest.mark.parametrize("name", EXAMPLES)
def test_renders_what_the_lab_expects(name: str, shared: Path) -> None:
    # Compared as data, as a set of resources: document order aside (Gateways come
    # first, then each service's DestinationRule and VirtualService).
    expected = [
        d for d in yaml.safe_load_all((shared / f"mission/expected/{name}.yaml").read_text()) if d
    ]
    rendered = [d for d in yaml.safe_load_all(_rendered(name, "istio")) if d]
    assert by_identity(rendered) == by_identity(expected)


def test_examples_cover_every_expected_file(shared: Path) -> None:
    expected = sorted(p.stem for p in (shared / "mission/expected").glob("*.yaml"))
    assert expected == EXAMPLES


@pytest.mark.parametrize("name", EXAMPLES)
def test_model_follows_the_published_schema(name: str) -> None:
    schema = json.loads((ROOT / "schemas/meshgen-model.schema.json").read_text(encoding="utf-8"))
    model = yaml.safe_load((ROOT / "examples" / name / "model.yaml").read_text(encoding="utf-8"))
    errors = [e.message for e in jsonschema.Draft202012Validator(schema).iter_errors(model)]
    assert errors == []


@pytest.mark.parametrize("name", EXAMPLES)
def test_rendered_data_is_what_the_text_reads_back_as(name: str) -> None:
    source = f"examples/{name}/model.yaml"
    rendered = render_loaded(parse_model((ROOT / source).read_text(encoding="utf-8"), source))
    assert rendered.documents == as_stored(rendered.text)


# The cases that render (err-* cases are about models that do not).
RENDER_CASES = [
    p
    for p in sorted((ROOT / "tests" / "cases" / "render").glob("*.yaml"))
    if not p.stem.startswith("err-")
]


@pytest.mark.parametrize("path", RENDER_CASES, ids=lambda p: p.stem)
def test_every_case_that_renders_gives_the_data_its_text_holds(path: Path) -> None:
    rendered = render_loaded(parse_model(path.read_text(encoding="utf-8"), path.name))
    assert rendered.documents == as_stored(rendered.text)

"""Workloads in the model: the checks only a model can make, the output it writes, and
the ways of writing it (--only, --output-dir)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from conftest import ROOT
from helpers import MODEL_HEADER, as_stored, run

from meshgen.errors import ModelError
from meshgen.model.load import parse_model
from meshgen.rendering import render_loaded

CHECKS = ROOT / "tests" / "cases" / "model-checks"
FAILING = sorted((CHECKS / "fail").glob("*.yaml"))
PASSING = sorted((CHECKS / "pass").glob("*.yaml"))
WORKLOAD_CODES = ("MG026", "MG029", "MG030", "MG031", "MG032")


def _code(path: Path) -> str:
    return path.stem.split("-")[0]


@pytest.mark.parametrize("path", FAILING, ids=lambda p: p.stem)
def test_failing_case_is_refused_with_its_code_and_position(path: Path) -> None:
    with pytest.raises(ModelError) as error:
        parse_model(path.read_text(encoding="utf-8"), path.name)
    found = [f for f in error.value.findings if f.code == _code(path)]
    assert found, str(error.value)
    assert all(f.line > 0 and f.column > 0 for f in found)


@pytest.mark.parametrize("path", PASSING, ids=lambda p: p.stem)
def test_passing_case_renders_without_that_finding(path: Path) -> None:
    code, out, err = run("render", str(path))
    assert code == 0, err
    assert _code(path) not in err
    kinds = {d["kind"] for d in yaml.safe_load_all(out) if d}
    assert "Deployment" in kinds


def test_every_workload_check_has_a_failing_and_a_passing_case() -> None:
    assert {_code(p) for p in FAILING} == set(WORKLOAD_CODES)
    assert {p.stem for p in PASSING} == {p.stem for p in FAILING}


APP = (
    MODEL_HEADER
    + """\
defaults: {namespace: shop, dataplane: ambient}
services:
  web:
    ports: [{number: 80, name: http, targetPort: 8080}]
    workload: {image: "ghcr.io/example/web:1.0"}
    routes: [{timeout: 3s}]
  worker:
    workload: {image: "ghcr.io/example/worker:1.0", serviceAccount: false}
"""
)


def _kinds(text: str) -> list[str]:
    return [d["kind"] for d in yaml.safe_load_all(text) if d]


def test_a_model_with_workloads_writes_them_before_the_istio_resources(tmp_path: Path) -> None:
    model = tmp_path / "model.yaml"
    model.write_text(APP)
    code, out, _ = run("render", str(model))
    assert code == 0
    assert _kinds(out) == [
        "Namespace",
        "ServiceAccount",
        "Service",
        "Deployment",
        "Deployment",
        "VirtualService",
    ]
    documents = [d for d in yaml.safe_load_all(out) if d]
    assert documents[0]["metadata"]["labels"] == {"istio.io/dataplane-mode": "ambient"}
    web = documents[3]["spec"]["template"]["spec"]
    assert web["serviceAccountName"] == "web"
    assert web["containers"][0]["ports"] == [{"containerPort": 8080, "name": "http"}]
    worker = documents[4]["spec"]["template"]["spec"]  # a client: no Service, no account
    assert "serviceAccountName" not in worker and "ports" not in worker["containers"][0]


@pytest.mark.parametrize(
    ("only", "kinds"),
    [
        ("istio", ["VirtualService"]),
        ("workloads", ["Namespace", "ServiceAccount", "Service", "Deployment", "Deployment"]),
    ],
)
def test_only_writes_one_layer(tmp_path: Path, only: str, kinds: list[str]) -> None:
    model = tmp_path / "model.yaml"
    model.write_text(APP)
    code, out, _ = run("render", "--only", only, str(model))
    assert code == 0
    assert out.startswith("# Rendered by meshgen from ")
    assert _kinds(out) == kinds


def test_only_workloads_of_a_model_without_any_warns(tmp_path: Path) -> None:
    model = tmp_path / "model.yaml"
    model.write_text(MODEL_HEADER + "services:\n  a:\n    routes: [{timeout: 1s}]\n")
    code, out, err = run("render", "--only", "workloads", str(model))
    assert code == 0 and _kinds(out) == []
    assert "renders no workloads resources" in err


def test_output_dir_writes_a_file_per_kind_in_apply_order(tmp_path: Path) -> None:
    model = tmp_path / "model.yaml"
    model.write_text(APP)
    out = tmp_path / "out"
    assert run("render", str(model), "--output-dir", str(out))[0] == 0
    names = sorted(p.name for p in out.iterdir())
    assert names == [
        "01-namespaces.yaml",
        "02-serviceaccounts.yaml",
        "03-services.yaml",
        "04-deployments.yaml",
        "07-virtualservices.yaml",
    ]
    assert (
        (out / "04-deployments.yaml")
        .read_text()
        .startswith("# Rendered by meshgen from ../model.yaml (split by kind); edit the model")
    )
    assert _kinds((out / "04-deployments.yaml").read_text()) == ["Deployment", "Deployment"]


def test_output_dir_by_service_and_stale_files_removed(tmp_path: Path) -> None:
    model = tmp_path / "model.yaml"
    model.write_text(APP)
    out = tmp_path / "out"
    run("render", str(model), "--output-dir", str(out))
    code, _, err = run("render", str(model), "--output-dir", str(out), "--split", "service")
    assert code == 0
    assert sorted(p.name for p in out.iterdir()) == [
        "01-namespaces.yaml",
        "web.yaml",
        "worker.yaml",
    ]
    assert "removed" in err and "04-deployments.yaml" in err
    assert _kinds((out / "web.yaml").read_text()) == [
        "ServiceAccount",
        "Service",
        "Deployment",
        "VirtualService",
    ]


def test_output_dir_never_replaces_a_file_it_did_not_write(tmp_path: Path) -> None:
    model = tmp_path / "model.yaml"
    model.write_text(APP)
    out = tmp_path / "out"
    out.mkdir()
    (out / "03-services.yaml").write_text("# mine\n")
    code, _, err = run("render", str(model), "--output-dir", str(out))
    assert code == 2
    assert "was not rendered by meshgen" in err
    assert sorted(p.name for p in out.iterdir()) == ["03-services.yaml"]
    assert (out / "03-services.yaml").read_text() == "# mine\n"


def test_workloads_are_checked_against_kubernetes_schemas(tmp_path: Path) -> None:
    model = tmp_path / "model.yaml"
    model.write_text(
        APP.replace(
            '{image: "ghcr.io/example/web:1.0"}',
            '{image: "ghcr.io/example/web:1.0", '
            "raw: {spec: {template: {spec: {hostNetwok: true}}}}}",
        )
    )
    code, out, err = run("render", str(model))
    assert code == 1 and out == ""
    assert (
        "model.yaml:7:93: error: services.web.workload.raw.spec.template.spec.hostNetwok: "
        "unknown field; did you mean 'hostNetwork'?" in err
    )
    assert "nothing written" in err


def test_rendered_workloads_read_back_as_the_data_built() -> None:
    rendered = render_loaded(parse_model(APP, "model.yaml"))
    assert rendered.documents == as_stored(rendered.text)


def test_render_check_knows_each_part_of_the_output(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("model.yaml").write_text(APP)
    assert run("render", "model.yaml", "--only", "istio", "-o", "istio.yaml")[0] == 0
    assert run("render", "model.yaml", "--only", "workloads", "--output-dir", "k8s")[0] == 0
    code, out, err = run("render-check", ".")
    assert (code, out) == (0, "")
    assert err == "5 of 5 rendered files up to date\n"

    Path("model.yaml").write_text(APP.replace("timeout: 3s", "timeout: 4s").replace("1.0", "1.1"))
    code, out, _ = run("render-check", ".")
    assert code == 1
    assert out.splitlines() == [
        "istio.yaml: differs from rendering model.yaml; "
        "run: meshgen render model.yaml --only istio -o istio.yaml",
        "k8s/04-deployments.yaml: differs from rendering model.yaml; "
        "run: meshgen render model.yaml --only workloads --output-dir k8s --split kind",
    ]

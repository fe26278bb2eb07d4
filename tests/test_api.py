"""The public Python API: what ``import meshgen`` offers and how it behaves."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT

import meshgen

MODEL = ROOT / "examples" / "httpbin-mirror" / "model.yaml"


def test_all_names_resolve_and_match_the_export_table() -> None:
    table = {name for names in meshgen._EXPORTS.values() for name in names}
    assert set(meshgen.__all__) == table | {"__version__"}
    for name in meshgen.__all__:
        assert getattr(meshgen, name) is not None
    from meshgen import model

    assert sorted(meshgen._EXPORTS["meshgen.model"]) == sorted(model.__all__)


def test_import_is_lazy() -> None:
    code = (
        "import sys, meshgen; print(sorted(m for m in ('pydantic', 'jinja2') if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "[]"


def test_load_model_from_path_or_text() -> None:
    from_path = meshgen.load_model(MODEL)
    from_str_path = meshgen.load_model(str(MODEL))
    from_text = meshgen.load_model(MODEL.read_text(encoding="utf-8"))
    assert from_path == from_str_path == from_text
    assert list(from_path.services) == ["httpbin"]


def test_render_and_render_yaml_agree() -> None:
    mesh = meshgen.load_model(MODEL)
    documents = meshgen.render(mesh)
    text = meshgen.render_yaml(mesh, source="model.yaml")
    assert text.startswith("# Rendered by meshgen from model.yaml;")
    assert meshgen.yamlio.load_all(text) == documents


def test_models_built_in_python() -> None:
    mesh = meshgen.Mesh(
        services={
            "reviews": meshgen.Service(
                subsets={"v1": meshgen.Subset(labels={"version": "v1"})},
                traffic_policy=meshgen.TrafficPolicy(load_balancer="RANDOM"),
                routes=[meshgen.RouteRule(route="v1", retries=meshgen.Retries(attempts=2))],
            )
        }
    )
    dr, vs = meshgen.render(mesh)
    assert dr["spec"]["trafficPolicy"] == {"loadBalancer": {"simple": "RANDOM"}}
    assert vs["spec"]["http"][0]["retries"] == {"attempts": 2}


def test_invalid_python_model_raises_model_error_with_findings() -> None:
    mesh = meshgen.Mesh(
        services={"reviews": meshgen.Service(routes=[meshgen.RouteRule(route="v9")])}
    )
    with pytest.raises(meshgen.ModelError) as raised:
        meshgen.render(mesh)
    (finding,) = raised.value.findings
    assert finding.code == "MG020"
    assert finding.path == "services.reviews.routes[0].route[0]"


def test_check_model_returns_every_finding(tmp_path: Path) -> None:
    model = tmp_path / "model.yaml"
    model.write_text("services:\n  a:\n    subsets: [v1, v2]\n    routes: [{route: {v1: 1}}]\n")
    (warning,) = meshgen.check_model(model)
    assert (warning.code, warning.severity, warning.line) == ("MG025", meshgen.Severity.WARNING, 4)
    model.write_text("services: [")
    (error,) = meshgen.check_model(model)
    assert error.code == "MG001" and error.is_error
    assert meshgen.check_model(tmp_path / "missing.yaml")[0].message.endswith("no such file")


def test_errors_share_one_root() -> None:
    for error in (meshgen.InputError, meshgen.ModelError, meshgen.TemplateError):
        assert issubclass(error, meshgen.MeshgenError)


def test_model_schema_is_valid_json_schema() -> None:
    import jsonschema

    jsonschema.Draft202012Validator.check_schema(meshgen.model_schema())


def test_ci_runs_the_readme_test_command() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    commands = [line for line in readme[:12] if line.startswith(".venv/bin/")]
    (test_command,) = [c for c in commands if "pytest" in c]
    assert test_command in (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()

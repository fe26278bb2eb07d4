"""The public Python API: what ``import meshgen`` offers and how it behaves."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT
from helpers import MODEL_HEADER

import meshgen
from meshgen import model as models

MODEL = ROOT / "examples" / "httpbin-mirror" / "model.yaml"


def test_all_names_resolve_and_match_the_export_table() -> None:
    table = {name for names in meshgen._EXPORTS.values() for name in names}
    assert set(meshgen.__all__) == table | {"__version__"}
    for name in meshgen.__all__:
        assert getattr(meshgen, name) is not None
    from meshgen import model

    assert model.__all__ and not set(model.__all__) & set(meshgen.__all__)
    assert meshgen.model is model


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
    assert list(from_path.services) == ["httpbin", "sleep"]


def test_render_and_render_yaml_agree() -> None:
    mesh = meshgen.load_model(MODEL)
    documents = meshgen.render(mesh)
    text = meshgen.render_yaml(mesh, source="model.yaml")
    assert text.startswith("# Rendered by meshgen from model.yaml;")
    assert meshgen.yamlio.load_all(text) == documents


def test_models_built_in_python() -> None:
    mesh = models.Mesh(
        services={
            "reviews": models.Service(
                subsets={"v1": models.Subset(labels={"version": "v1"})},
                traffic_policy=models.TrafficPolicy(load_balancer="RANDOM"),
                routes=[models.RouteRule(route="v1", retries=models.Retries(attempts=2))],
            )
        }
    )
    dr, vs = meshgen.render(mesh)
    assert dr["spec"]["trafficPolicy"] == {"loadBalancer": {"simple": "RANDOM"}}
    assert vs["spec"]["http"][0]["retries"] == {"attempts": 2}


def test_invalid_python_model_raises_model_error_with_findings() -> None:
    mesh = models.Mesh(services={"reviews": models.Service(routes=[models.RouteRule(route="v9")])})
    with pytest.raises(meshgen.ModelError) as raised:
        meshgen.render(mesh)
    (finding,) = raised.value.findings
    assert finding.code == "MG020"
    assert finding.path == "services.reviews.routes[0].route[0]"


def test_validate_a_model_file_text_and_paths(tmp_path: Path) -> None:
    model = tmp_path / "model.yaml"
    model.write_text(
        MODEL_HEADER + "services:\n  a:\n    subsets: [v1, v2]\n    routes: [{route: {v1: 1}}]\n"
    )
    (warning,) = meshgen.validate(model).findings
    assert (warning.code, warning.severity, warning.line) == ("MG025", meshgen.Severity.WARNING, 6)
    model.write_text(MODEL_HEADER + "services: [")
    (error,) = meshgen.validate(str(model)).findings
    assert error.code == "MG001" and error.is_error
    report = meshgen.validate([tmp_path / "missing.yaml"])
    assert report.findings[0].message.endswith("no such file") and not report.ok


def test_validate_text_ignores_by_meshgen_or_istio_code() -> None:
    text = (
        "apiVersion: networking.istio.io/v1\nkind: DestinationRule\n"
        "metadata: {name: db}\nspec: {host: db.example.com, trafficPolicy: {tls: {mode: SIMPLE}}}\n"
    )
    (finding,) = meshgen.validate(text).findings
    assert (finding.code, finding.istio, finding.file) == ("MG2405", "IST0128", "<input>")
    assert finding.resource == meshgen.Resource("DestinationRule", None, "db")
    assert meshgen.validate(text, ignore=["IST0128"]).findings == []
    assert meshgen.validate(text, ignore=["MG2405"]).findings == []


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


def test_the_readme_library_example_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Library", 1)[1]
    code = section.split("```python\n", 1)[1].split("```", 1)[0]
    monkeypatch.chdir(ROOT)
    exec(compile(code, "README.md", "exec"), {})


def test_python_built_models_raise_model_error_that_prints_its_findings() -> None:
    with pytest.raises(meshgen.ModelError) as raised:
        models.Mesh(services={"reviews": {"routes": [{"route": {"v1": "80%", "v2": 20}}]}})
    (finding,) = raised.value.findings
    assert finding.path == "services.reviews.routes[0].route"
    assert "weights are whole numbers, not text: write v1: 80" in finding.message
    assert str(finding) in str(raised.value).splitlines()


def test_the_model_accepts_what_istio_accepts_and_no_more(tmp_path: Path) -> None:
    model = tmp_path / "model.yaml"
    model.write_text(
        MODEL_HEADER + "services:\n  a:\n    trafficPolicy:\n"
        "      connectionPool: {tcp: {maxConnections: '100'}}\n"
    )
    (finding,) = meshgen.validate(model).findings
    assert finding.code == "MG011" and finding.line == 6
    assert finding.path == "services.a.trafficPolicy.connectionPool.tcp.maxConnections"


def test_every_complete_model_in_the_readme_renders() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = [b.split("```", 1)[0] for b in readme.split("```yaml\n")[1:]]
    models = [b for b in blocks if "apiVersion: meshgen.io/v1alpha1" in b]
    assert len(models) >= 3
    for block in models:
        assert meshgen.render(meshgen.load_model(block)), block

"""Templates: user overrides by file name, and template mistakes reported as such."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from conftest import ROOT
from helpers import run

import meshgen
from meshgen.errors import MeshgenError, TemplateError

MODEL = ROOT / "examples" / "catalog-v1-only" / "model.yaml"
BUILTIN = ROOT / "templates" / "virtualservice.yaml.j2"


def _override(tmp_path: Path, text: str, name: str = "virtualservice.yaml.j2") -> Path:
    (tmp_path / name).write_text(text, encoding="utf-8")
    return tmp_path


def test_user_template_overrides_the_builtin_one(tmp_path: Path) -> None:
    text = BUILTIN.read_text(encoding="utf-8").replace(
        "metadata: {{ metadata | yaml(0) }}",
        "metadata: {{ metadata | yaml(0) }}\n  annotations:\n    team: {{ spec.hosts[0] }}",
    )
    folder = _override(tmp_path, text)
    documents = meshgen.render(meshgen.load_model(MODEL), templates=folder)
    assert documents[1]["metadata"]["annotations"] == {"team": "catalog"}
    assert "annotations" not in documents[0]["metadata"]  # the DestinationRule is built in
    code, out, _ = run("render", str(MODEL), "--templates", str(folder))
    assert code == 0
    assert list(yaml.safe_load_all(out))[1]["metadata"]["annotations"] == {"team": "catalog"}


def test_a_null_a_user_template_writes_is_dropped_as_the_api_server_drops_it(
    tmp_path: Path,
) -> None:
    text = BUILTIN.read_text(encoding="utf-8").replace(
        "metadata: {{ metadata | yaml(0) }}",
        "metadata: {{ metadata | yaml(0) }}\n  annotations: null",
    )
    folder = _override(tmp_path, text)
    documents = meshgen.render(meshgen.load_model(MODEL), templates=folder)
    assert "annotations" not in documents[1]["metadata"]
    code, out, err = run("render", str(MODEL), "--templates", str(folder))
    assert (code, err) == (0, "")
    assert list(yaml.safe_load_all(out))[1]["metadata"]["annotations"] is None


def test_bare_values_are_escaped_even_in_user_templates(tmp_path: Path) -> None:
    folder = _override(
        tmp_path, BUILTIN.read_text(encoding="utf-8") + "extra: {{ kind ~ ': x\\n' }}\n"
    )
    vs = meshgen.render(meshgen.load_model(MODEL), templates=folder)[1]
    assert vs["extra"] == "VirtualService: x\n"


def test_printing_a_mapping_without_the_filter_is_a_template_error(tmp_path: Path) -> None:
    folder = _override(tmp_path, "spec: {{ spec }}\n")
    with pytest.raises(TemplateError, match=r"virtualservice\.yaml\.j2: .*yaml filter"):
        meshgen.render(meshgen.load_model(MODEL), templates=folder)


def test_unknown_variable_is_a_template_error(tmp_path: Path) -> None:
    folder = _override(tmp_path, "kind: {{ knd }}\n")
    code, out, err = run("render", str(MODEL), "--templates", str(folder))
    assert (code, out) == (1, "")
    assert err == "meshgen: template virtualservice.yaml.j2: 'knd' is undefined\n"


def test_template_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    folder = _override(tmp_path, "kind: x\n{% if %}\n")
    with pytest.raises(TemplateError) as raised:
        meshgen.render(meshgen.load_model(MODEL), templates=folder)
    assert raised.value.line == 2
    assert str(raised.value).startswith(f"template {folder / 'virtualservice.yaml.j2'}:2:")


def test_text_that_is_not_yaml_is_blamed_on_its_template(tmp_path: Path) -> None:
    folder = _override(tmp_path, "kind: [unclosed\n", name="destinationrule.yaml.j2")
    with pytest.raises(TemplateError, match=r"^template destinationrule.yaml.j2:2: rendered text"):
        meshgen.render(meshgen.load_model(MODEL), templates=folder)


def test_a_template_must_render_one_mapping(tmp_path: Path) -> None:
    folder = _override(tmp_path, "- a list\n")
    with pytest.raises(TemplateError, match="exactly one YAML mapping"):
        meshgen.render(meshgen.load_model(MODEL), templates=folder)


def test_a_file_that_overrides_nothing_is_refused(tmp_path: Path) -> None:
    folder = _override(tmp_path, "x: 1\n", name="virtualservices.yaml.j2")
    with pytest.raises(MeshgenError, match=r"did you mean 'virtualservice\.yaml\.j2'"):
        meshgen.render(meshgen.load_model(MODEL), templates=folder)


def test_missing_templates_folder(tmp_path: Path) -> None:
    code, _, err = run("render", str(MODEL), "--templates", str(tmp_path / "nope"))
    assert code == 1
    assert err == f"meshgen: {tmp_path / 'nope'}: no such templates folder\n"

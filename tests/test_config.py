"""Settings from pyproject.toml [tool.meshgen] or .meshgen.yaml, found from the working
directory upwards; flags override them; mistakes in them are reported with positions."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import ROOT
from helpers import MODEL_HEADER, run

BROKEN = ROOT / "tests" / "cases" / "validate" / "err-unknown-fields.yaml"
WARNS = (
    MODEL_HEADER + "services:\n  a:\n    subsets: [v1, v2]\n    routes: [{route: {v1: 1, v2: 1}}]\n"
)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "istio").mkdir()
    shutil.copy(BROKEN, tmp_path / "istio" / "broken.yaml")
    (tmp_path / "istio" / "warns.yaml").write_text(WARNS)
    (tmp_path / "charts").mkdir()
    shutil.copy(BROKEN, tmp_path / "charts" / "vendored.yaml")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_without_settings_paths_default_to_the_working_directory(project: Path) -> None:
    code, out, _ = run("validate")
    assert code == 1
    assert out.splitlines()[-1] == "8 errors, 2 warnings in 3 files (4 resources checked)"


def test_pyproject_settings_apply(project: Path) -> None:
    (project / "pyproject.toml").write_text(
        '[project]\nname = "x"\n\n[tool.meshgen]\ninclude = ["istio"]\n'
        'exclude = ["istio/broken.yaml"]\nstrict = true\nignore = ["MG100"]\n'
    )
    code, out, _ = run("validate")
    assert out.splitlines()[-1] == "1 warning in 1 file (2 resources checked)"
    assert code == 1  # strict: the warning fails
    assert run("validate", "--no-strict")[0] == 0


def test_yaml_settings_are_found_from_a_subfolder(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (project / ".meshgen.yaml").write_text("exclude: ['charts/*']\nignore: [MG025]\n")
    monkeypatch.chdir(project / "istio")
    code, out, _ = run("validate")
    assert code == 1
    # The default is the folder of the settings file: the whole project.
    assert out.splitlines()[-1] == "4 errors in 2 files (3 resources checked)"
    assert all(line.startswith("../istio/broken.yaml:") for line in out.splitlines()[:-1])


def test_flags_add_to_and_override_settings(project: Path) -> None:
    (project / ".meshgen.yaml").write_text("include: [istio]\n")
    code, out, _ = run("validate", "--ignore", "MG100", "--ignore", "MG025", "--strict")
    assert (code, out.splitlines()[-1]) == (0, "no problems in 2 files (3 resources checked)")
    code, out, _ = run("validate", "charts")
    assert code == 1 and out.startswith("charts/vendored.yaml:")


def test_explicit_config_file(project: Path) -> None:
    (project / "other.yaml").write_text("include: [charts]\n")
    code, out, _ = run("validate", "--config", "other.yaml")
    assert (code, out.splitlines()[-1]) == (1, "4 errors in 1 file (1 resource checked)")


def test_settings_paths_are_relative_to_the_settings_file(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    crds = ROOT / "tests" / "cases" / "validate" / "ok-mixed-kinds.yaml"  # no CRD inside
    (project / ".meshgen.yaml").write_text(f"crds: {crds}\n")
    code, _, err = run("validate")
    assert code == 1 and "holds no CustomResourceDefinition" in err


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        (
            "pyproject.toml",
            '[tool.meshgen]\nstrict = true\nignroe = ["MG100"]\n',
            "pyproject.toml:3:1: error: unknown setting 'ignroe'; did you mean 'ignore'? [MG004]",
        ),
        (
            ".meshgen.yaml",
            "strict: true\n  # comment\nexclud: []\n",
            ".meshgen.yaml:3:1: error: unknown setting 'exclud'; did you mean 'exclude'? [MG004]",
        ),
        (
            ".meshgen.yaml",
            "strict: yes please\n",
            ".meshgen.yaml:1:1: error: setting 'strict' must be true or false "
            "(fail on warnings too (like --strict)) [MG004]",
        ),
        (
            ".meshgen.yaml",
            "ignore: MG100\n",
            ".meshgen.yaml:1:1: error: setting 'ignore' must be a list of strings "
            "(codes whose findings are not reported, like MG107) [MG004]",
        ),
    ],
)
def test_bad_settings_are_placed(project: Path, name: str, text: str, expected: str) -> None:
    (project / name).write_text(text)
    code, out, err = run("validate")
    assert (code, out) == (1, "")
    assert err.splitlines()[0] == expected

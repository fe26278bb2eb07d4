"""The built wheel carries the templates and schemas and renders from any directory."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import yaml
from conftest import EXAMPLES, ROOT
from helpers import by_identity

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(out),
            str(ROOT),
        ],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    (built,) = out.glob("meshgen-*.whl")
    return built


def test_wheel_holds_package_data(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for template in ("gateway", "destinationrule", "virtualservice"):
        assert f"meshgen/templates/{template}.yaml.j2" in names
    assert "meshgen/schemas/meshgen-model.schema.json" in names
    assert "meshgen/py.typed" in names
    assert not any(name.startswith(("tests/", "examples/")) for name in names)


def test_renders_every_example_from_the_wheel(wheel: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {**os.environ, "PYTHONPATH": str(site)}
    for name in EXAMPLES:
        model = ROOT / "examples" / name / "model.yaml"
        result = subprocess.run(
            [
                sys.executable,
                "-c",
                "import meshgen, sys; print(meshgen.__file__, file=sys.stderr);"
                "from meshgen.cli import main; sys.exit(main())",
                "render",
                str(model),
            ],
            capture_output=True,
            text=True,
            cwd=elsewhere,
            env=env,
        )
        assert result.returncode == 0, result.stderr
        assert result.stderr.splitlines()[0] == str(site / "meshgen" / "__init__.py")
        assert ": error: " not in result.stderr
        goldens = sorted((ROOT / "examples" / name).glob("*.yaml"))
        expected = [
            d
            for golden in goldens
            if golden.name != "model.yaml"
            for d in yaml.safe_load_all(golden.read_text(encoding="utf-8"))
            if d
        ]
        rendered = [d for d in yaml.safe_load_all(result.stdout) if d]
        assert by_identity(rendered) == by_identity(expected)

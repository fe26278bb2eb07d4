"""The pre-commit hooks are code: parse the hook file and run each hook as pre-commit would."""

from __future__ import annotations

import re
import shlex
import shutil
from pathlib import Path

import pytest
import yaml
from conftest import ROOT
from helpers import run

HOOKS = {hook["id"]: hook for hook in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())}


def _run_hook(hook_id: str, files: list[str]) -> tuple[int, str, str]:
    hook = HOOKS[hook_id]
    program, *args = shlex.split(hook["entry"])
    assert program == "meshgen"
    if hook.get("pass_filenames", True):
        pattern = re.compile(hook.get("files", ""))
        args += [f for f in files if pattern.search(f)]
    return run(*args)


def test_hook_file_declares_both_hooks() -> None:
    assert set(HOOKS) == {"meshgen-validate", "meshgen-render-check"}
    for hook in HOOKS.values():
        assert hook["language"] == "python"
        assert hook["name"] and hook["description"]


@pytest.mark.parametrize("example", sorted(p.name for p in (ROOT / "examples").iterdir()))
def test_validate_hook_passes_on_each_example(
    example: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Each example is a mesh of its own (the labs are alternatives), and its model and
    # rendered file hold the same resources, which must not conflict with themselves.
    monkeypatch.chdir(ROOT)
    files = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "examples" / example).glob("*.yaml"))
    code, out, _ = _run_hook("meshgen-validate", files)
    assert code == 0, out
    assert ": error: " not in out
    assert f"in {len(files)} files" in out.splitlines()[-1]


def test_validate_hook_fails_on_a_broken_manifest(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    code, out, _ = _run_hook("meshgen-validate", ["tests/cases/validate/err-unknown-fields.yaml"])
    assert code == 1 and "[MG100]" in out


def test_render_check_hook_passes_on_the_repository(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    code, out, err = _run_hook("meshgen-render-check", [])
    assert (code, out) == (0, "")
    goldens = len(list((ROOT / "examples").glob("*/*.yaml"))) - len(
        list((ROOT / "examples").glob("*/model.yaml"))
    )
    assert err == f"{goldens} of {goldens} rendered files up to date\n"


def test_render_check_hook_catches_a_model_edited_without_rendering(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copytree(
        ROOT / "examples" / "catalog-retries", tmp_path / "examples" / "catalog-retries"
    )
    monkeypatch.chdir(tmp_path)
    assert _run_hook("meshgen-render-check", [])[0] == 0
    model = tmp_path / "examples" / "catalog-retries" / "model.yaml"
    model.write_text(model.read_text().replace("attempts: 3", "attempts: 5"))
    code, out, err = _run_hook("meshgen-render-check", [])
    assert code == 1
    assert out == (
        "examples/catalog-retries/istio.yaml: differs from rendering "
        "examples/catalog-retries/model.yaml; run: meshgen render "
        "examples/catalog-retries/model.yaml -o examples/catalog-retries/istio.yaml\n"
    )
    assert err == "0 of 1 rendered files up to date\n"
    # The fix it names works.
    assert (
        run(
            "render",
            "examples/catalog-retries/model.yaml",
            "-o",
            "examples/catalog-retries/istio.yaml",
        )[0]
        == 0
    )
    assert _run_hook("meshgen-render-check", [])[0] == 0

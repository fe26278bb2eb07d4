"""The command line: exit codes, what goes to stdout and stderr, and files it writes."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import ROOT
from helpers import MODEL_HEADER, run

from meshgen import cli

DARK_LAUNCH = ROOT / "examples" / "catalog-dark-launch" / "model.yaml"
BROKEN = MODEL_HEADER + "services:\n  catalog:\n    routes:\n      - route: v3\n"


def test_render_prints_manifests_and_nothing_else() -> None:
    code, out, err = run("render", str(DARK_LAUNCH))
    assert (code, err) == (0, "")
    relative = Path(os.path.relpath(DARK_LAUNCH)).as_posix()  # never an absolute path
    assert out.startswith(f"# Rendered by meshgen from {relative}; edit the model")
    kinds = [d["kind"] for d in yaml.safe_load_all(out) if d]
    assert kinds == [
        "Namespace",
        *("ServiceAccount", "Service", "Deployment", "Deployment"),  # catalog v1 and v2
        *("ServiceAccount", "Service", "Deployment"),  # webapp
        *("DestinationRule", "VirtualService"),
    ]


def test_render_is_deterministic() -> None:
    assert run("render", str(DARK_LAUNCH)) == run("render", str(DARK_LAUNCH))


def test_render_reads_standard_input() -> None:
    code, out, err = run("render", "-", stdin=DARK_LAUNCH.read_text(encoding="utf-8"))
    assert (code, err) == (0, "")
    assert out.startswith("# Rendered by meshgen from standard input;")


def test_errors_from_standard_input_name_it() -> None:
    code, out, err = run("render", "-", stdin=BROKEN)
    assert (code, out) == (1, "")
    assert err.startswith(
        "<stdin>:6:16: error: services.catalog.routes[0].route[0]: rule 1 sends to subset 'v3'"
    )


def test_output_file_is_written_whole(tmp_path: Path) -> None:
    target = tmp_path / "istio.yaml"
    code, out, err = run("render", str(DARK_LAUNCH), "-o", str(target))
    assert (code, out, err) == (0, "", "")
    relative = Path(os.path.relpath(DARK_LAUNCH, tmp_path)).as_posix()
    expected = run("render", str(DARK_LAUNCH))[1].split("\n", 1)[1]
    assert target.read_text(encoding="utf-8") == (
        f"# Rendered by meshgen from {relative}; edit the model, not this file.\n{expected}"
    )
    assert [p.name for p in tmp_path.iterdir()] == ["istio.yaml"]


def test_invalid_model_leaves_the_old_output_untouched(tmp_path: Path) -> None:
    target = tmp_path / "istio.yaml"
    target.write_text("old content\n", encoding="utf-8")
    os.chmod(target, 0o640)
    model = tmp_path / "model.yaml"
    model.write_text(BROKEN, encoding="utf-8")
    code, out, err = run("render", str(model), "-o", str(target))
    assert (code, out) == (1, "")
    assert err.endswith("meshgen: 1 error; nothing written\n")
    assert target.read_text(encoding="utf-8") == "old content\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["istio.yaml", "model.yaml"]
    # A successful render replaces it and keeps its permissions.
    assert run("render", str(DARK_LAUNCH), "-o", str(target))[0] == 0
    assert target.stat().st_mode & 0o777 == 0o640


def test_write_failure_is_an_error_not_a_traceback(tmp_path: Path) -> None:
    code, out, err = run("render", str(DARK_LAUNCH), "-o", str(tmp_path / "missing" / "x.yaml"))
    assert (code, out) == (1, "")
    assert err.startswith("meshgen: ") and "cannot write" in err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["render", "no-such-model.yaml"], "meshgen: no-such-model.yaml: no such file\n"),
        (["render", "."], "meshgen: .: is a directory, not a file\n"),
    ],
)
def test_unreadable_model(argv: list[str], message: str) -> None:
    assert run(*argv) == (1, "", message)


def test_usage_errors_exit_2() -> None:
    code, out, err = run("render")
    assert (code, out) == (2, "")
    assert "the following arguments are required: MODEL" in err
    assert run("frobnicate")[0] == 2
    assert run()[0] == 2


def test_help_and_version_exit_0() -> None:
    code, out, _ = run("--help")
    assert code == 0 and "exit codes:" in out
    code, out, _ = run("--version")
    assert code == 0 and out.startswith("meshgen ")


def _with_run(name: str, run: object) -> tuple[cli.Command, ...]:
    return tuple(
        dataclasses.replace(c, run=run) if c.name == name else c  # type: ignore[arg-type]
        for c in cli.COMMANDS
    )


def test_internal_errors_exit_3_with_a_hint(monkeypatch: pytest.MonkeyPatch) -> None:
    def explode(*args: object) -> int:
        raise RuntimeError("boom")

    monkeypatch.setattr(cli, "COMMANDS", _with_run("render", explode))
    code, out, err = run("render", str(DARK_LAUNCH))
    assert (code, out) == (3, "")
    assert err == (
        "meshgen: internal error: RuntimeError: boom "
        "(this is a bug; rerun with --traceback and report it)\n"
    )
    code, _, err = run("--traceback", "render", str(DARK_LAUNCH))
    assert code == 3 and err.startswith("Traceback (most recent call last):")


def test_interrupt_exits_130(monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupt(*args: object) -> int:
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "COMMANDS", _with_run("render", interrupt))
    assert run("render", str(DARK_LAUNCH)) == (130, "", "meshgen: interrupted\n")


def test_schema_command_prints_the_committed_schema() -> None:
    code, out, err = run("schema")
    assert (code, err) == (0, "")
    assert out == (ROOT / "schemas" / "meshgen-model.schema.json").read_text(encoding="utf-8")


def test_generated_files_have_not_drifted() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "regenerate.py"), "--check"],
        capture_output=True,
        text=True,
    )
    assert (result.returncode, result.stdout) == (0, "")


def test_python_dash_m_meshgen(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "meshgen", "render", str(DARK_LAUNCH)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert (result.returncode, result.stderr) == (0, "")
    assert "kind: VirtualService" in result.stdout


def test_output_does_not_depend_on_the_hash_seed() -> None:
    model = ROOT / "tests" / "cases" / "render" / "cross-namespace.yaml"
    outputs = {
        subprocess.run(
            [sys.executable, "-m", "meshgen", "render", str(model)],
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONHASHSEED": seed},
        ).stdout
        for seed in ("0", "1", "4242")
    }
    assert len(outputs) == 1 and "kind: VirtualService" in outputs.pop()


DB_TLS = (
    "apiVersion: networking.istio.io/v1\nkind: DestinationRule\n"
    "metadata: {name: db, namespace: data}\n"
    "spec: {host: db.example.com, trafficPolicy: {tls: {mode: SIMPLE}}}\n"
)


def test_meshgen_alone_prints_help_and_help_takes_a_command() -> None:
    code, out, _ = run()
    assert code == 2 and out.startswith("usage: meshgen")
    code, out, _ = run("help", "validate")
    assert code == 0 and out.startswith("usage: meshgen validate")


def test_a_misspelled_command_gets_did_you_mean() -> None:
    assert run("valdate", "x.yaml") == (
        2,
        "",
        "meshgen: unknown command 'valdate'; did you mean 'validate'?\n",
    )


def test_ignore_takes_meshgen_and_istio_codes_in_comma_lists(tmp_path: Path) -> None:
    path = tmp_path / "db.yaml"
    path.write_text(DB_TLS)
    assert "[MG2405/IST0128]" in run("validate", str(path))[1]
    for ignore in ("IST0128", "mg2405", "MG2402,MG2405"):
        code, out, _ = run("validate", "--ignore", ignore, str(path))
        assert (code, out.splitlines()[-1]) == (0, "no problems in 1 file (1 resource checked)")


def test_an_unknown_code_is_a_usage_error(tmp_path: Path) -> None:
    path = tmp_path / "db.yaml"
    path.write_text(DB_TLS)
    code, out, err = run("validate", "--ignore", "MG2103X", str(path))
    assert (code, out) == (2, "")
    assert err == "meshgen: --ignore: unknown code MG2103X; did you mean 'MG2103'?\n"


def test_suppress_takes_istioctl_resource_patterns(tmp_path: Path) -> None:
    path = tmp_path / "db.yaml"
    path.write_text(DB_TLS)
    for pattern in ("IST0128=DestinationRule db", "IST0128=DestinationRule *.data"):
        assert "MG2405" not in run("validate", "--suppress", pattern, str(path))[1]
    assert "MG2405" in run("validate", "--suppress", "IST0128=DestinationRule web", str(path))[1]
    assert run("validate", "--suppress", "IST0128", str(path))[0] == 2


def test_context_takes_one_path_and_exclude_skips(tmp_path: Path) -> None:
    (tmp_path / "context").mkdir()
    (tmp_path / "context" / "broken.yaml").write_text(DB_TLS.replace("host:", "hots:"))
    changed = tmp_path / "changed.yaml"
    changed.write_text(DB_TLS)
    code, out, _ = run(
        "validate", "--ignore", "MG2405", "--context", str(tmp_path / "context"), str(changed)
    )
    assert (code, out.splitlines()[-1]) == (0, "no problems in 1 file (1 resource checked)")
    code, out, _ = run("validate", "--exclude", "*/context/*", str(tmp_path))
    assert "broken.yaml" not in out and "changed.yaml" in out

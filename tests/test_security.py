"""What meshgen reads, writes and reaches: only its inputs and its output file, never the
network; nothing from input can forge output; user templates run in a sandbox."""

from __future__ import annotations

import json
import os
import socket
from pathlib import Path

import pytest
import yaml
from conftest import ROOT
from helpers import MODEL_HEADER, run

MODEL = MODEL_HEADER + "services:\n  reviews:\n    subsets: [v1]\n    routes: [{route: v1}]\n"


@pytest.fixture
def model(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "model.yaml"
    path.write_text(MODEL)
    return path


@pytest.mark.parametrize("output", ["model.yaml", "./sub/../model.yaml", "link.yaml"])
def test_render_never_writes_over_its_model(model: Path, output: str) -> None:
    (model.parent / "sub").mkdir()
    (model.parent / "link.yaml").symlink_to(model)
    code, out, err = run("render", "model.yaml", "-o", output)
    assert (code, out) == (2, "")
    assert "is also an input" in err
    assert model.read_text() == MODEL


def test_import_never_writes_over_its_input(tmp_path: Path) -> None:
    manifest = tmp_path / "istio.yaml"
    manifest.write_text((ROOT / "examples" / "catalog-retries" / "istio.yaml").read_text())
    before = manifest.read_text()
    assert run("import", str(manifest), "-o", str(manifest))[0] == 2
    assert manifest.read_text() == before


@pytest.mark.skipif(not Path("/dev/null").exists(), reason="no /dev/null here")
def test_output_must_be_a_regular_file(model: Path) -> None:
    code, _, err = run("render", "model.yaml", "-o", "/dev/null")
    assert code == 2 and "not a regular file" in err
    assert Path("/dev/null").is_char_device()
    os.mkfifo(model.parent / "fifo")
    assert run("render", "model.yaml", "-o", "fifo")[0] == 2
    assert run("render", "model.yaml", "-o", str(model.parent))[0] == 2


def test_render_check_reads_only_models_in_the_repository(model: Path) -> None:
    secret = model.parent.parent / "secret.yaml"
    secret.write_text("password: hunter2\n")
    for named in ("../secret.yaml", str(secret), "/etc/passwd"):
        rendered = model.parent / "istio.yaml"
        rendered.write_text(f"# Rendered by meshgen from {named}; edit the model, not this file.\n")
        code, out, _ = run("render-check", "istio.yaml")
        assert code == 1
        assert "istio.yaml:1:1: error: names model" in out and "hunter2" not in out


def test_render_check_explains_a_file_rendered_from_standard_input(model: Path) -> None:
    code, out, _ = run("render", "-", stdin=MODEL)
    (model.parent / "istio.yaml").write_text(out)
    code, out, _ = run("render-check", "istio.yaml")
    assert code == 1
    assert "istio.yaml:1:1: error: was rendered from standard input" in out


def test_banner_names_the_model_relative_to_the_rendered_file(model: Path) -> None:
    (model.parent / "out").mkdir()
    assert run("render", str(model), "-o", "out/istio.yaml")[0] == 0
    first = (model.parent / "out" / "istio.yaml").read_text().splitlines()[0]
    assert first == "# Rendered by meshgen from ../model.yaml; edit the model, not this file."
    assert run("render-check", ".")[0] == 0


def test_a_file_name_cannot_inject_documents_through_the_banner(model: Path) -> None:
    evil = model.parent / "x.yaml\n---\napiVersion: v1\nkind: Secret\nmetadata: {name: s}\n#.yaml"
    evil.write_text(MODEL)
    code, out, _ = run("render", str(evil))
    assert code == 0
    banner = out.splitlines()[0]
    assert banner.startswith('# Rendered by meshgen from "') and "\\n" in banner
    kinds = [d["kind"] for d in yaml.safe_load_all(out) if d]
    assert kinds == ["DestinationRule", "VirtualService"]


def test_external_refs_in_crds_are_refused_not_fetched(tmp_path: Path) -> None:
    path = _crd(tmp_path, {"$ref": "http://127.0.0.1:9/schema.json"})
    manifest = tmp_path / "w.yaml"
    manifest.write_text("apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n")
    code, _, err = run("validate", "--crds", str(path), str(manifest))
    assert code == 1
    assert "points outside the CRD; meshgen does not fetch references" in err


def test_no_command_opens_a_socket(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("meshgen opened a network connection")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.chdir(tmp_path)
    example = ROOT / "examples" / "gateway-tls"
    commands = [
        ("validate", str(example)),
        ("render", str(example / "model.yaml")),
        ("explain", str(example / "istio.yaml"), "--host", "shop.example.com"),
        ("import", str(example / "istio.yaml")),
        ("render-check", str(example)),
    ]
    for argv in commands:
        assert run(*argv)[0] in (0, 1), argv


def _templates(tmp_path: Path, body: str) -> Path:
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "destinationrule.yaml.j2").write_text(body)
    return folder


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("{{ cycler.__init__.__globals__.os.system('echo pwned') }}", "is unsafe"),
        ("{{ 'x' * 100000000000 }}", "would be too large"),
        ('{% include "destinationrule.yaml.j2" %}', "includes or calls itself without end"),
    ],
)
def test_user_templates_run_in_a_sandbox(
    model: Path, tmp_path: Path, body: str, message: str
) -> None:
    code, out, err = run("render", str(model), "--templates", str(_templates(tmp_path, body)))
    assert (code, out) == (1, "")
    assert message in err and "pwned" not in err


def test_user_templates_have_a_time_budget(
    model: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import meshgen.rendering

    monkeypatch.setattr(meshgen.rendering, "TEMPLATE_SECONDS", 0.2)
    body = "{% for a in range(100000) %}{% for b in range(100000) %}{% endfor %}{% endfor %}"
    code, _, err = run("render", str(model), "--templates", str(_templates(tmp_path, body)))
    assert code == 1 and "took over 0.2 s to render" in err


def test_values_from_input_cannot_forge_output_lines(tmp_path: Path) -> None:
    host = "reviews\\nREADME.md:1:1: error: forged [MG001]\\n::error::forged\\u001b[31m"
    path = tmp_path / "vs.yaml"
    path.write_text(
        "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: r}\n"
        f'spec: {{hosts: ["{host}"], http: [{{route: [{{destination: {{host: r}}}}]}}]}}\n'
    )
    for form in ("text", "github"):
        _, out, _ = run("validate", "--format", form, str(path))
        assert "\x1b" not in out
        assert not any(
            line.startswith(("README.md", "::error::forged")) for line in out.splitlines()
        )
    assert "\\x1b[31m" in run("validate", str(path))[1]


@pytest.mark.slow
@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full here")
def test_a_full_disk_or_closed_stdout_is_exit_1_never_0(tmp_path: Path) -> None:
    import subprocess
    import sys

    model = ROOT / "examples" / "catalog-retries" / "model.yaml"
    argv = [sys.executable, "-m", "meshgen", "render", str(model)]
    with open("/dev/full", "w") as full:
        result = subprocess.run(argv, stdout=full, stderr=subprocess.PIPE, text=True)
    assert result.returncode == 1 and "No space left on device" in result.stderr
    closed = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    assert closed.returncode == 0
    result = subprocess.run(
        [*argv],
        stderr=subprocess.PIPE,
        text=True,
        stdout=None,
        close_fds=True,
        preexec_fn=lambda: os.close(1),
    )
    assert result.returncode == 1 and "standard output is closed" in result.stderr


@pytest.mark.slow
def test_sigterm_exits_143_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    import signal
    import subprocess
    import sys
    import time

    model = tmp_path / "model.yaml"
    big = (
        MODEL_HEADER
        + "services:\n"
        + "".join(f"  s{i}:\n    subsets: [v1]\n    routes: [{{route: v1}}]\n" for i in range(8000))
    )
    model.write_text(big)
    process = subprocess.Popen(
        [sys.executable, "-m", "meshgen", "render", str(model), "-o", str(tmp_path / "out.yaml")],
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(1.0)
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=60)
    if process.returncode == 0 or (tmp_path / "out.yaml").exists():
        # Done: exiting, the interpreter gives SIGTERM its default meaning back.
        pytest.skip("the render finished before the signal")
    assert process.returncode == 143, err
    assert "Traceback" not in err
    assert not list(tmp_path.glob(".out.yaml.*"))


UNIQUE = "self.all(p, self.exists_one(q, q == p))"  # quadratic in the list's length


def _crd(tmp_path: Path, schema: dict[str, object]) -> Path:
    """A CRD for kind Widget of example.com/v1 with ``schema``."""
    version = {"name": "v1", "served": True, "schema": {"openAPIV3Schema": schema}}
    crd = {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "spec": {"group": "example.com", "names": {"kind": "Widget"}, "versions": [version]},
    }
    path = tmp_path / "crd.json"
    path.write_text(json.dumps(crd))
    return path


def _ports_schema(limits: dict[str, object]) -> dict[str, object]:
    ports = {
        "type": "array",
        "items": {"type": "integer"},
        **limits,
        "x-kubernetes-validations": [{"rule": UNIQUE, "message": "ports must be unique"}],
    }
    spec = {"type": "object", "properties": {"ports": ports}}
    return {"type": "object", "properties": {"spec": spec}}


@pytest.mark.parametrize(
    ("limits", "count", "expected"),
    [
        ({"maxItems": 3}, 5, "spec.ports: has 5 items; at most 3 allowed [MG102]"),
        ({}, 3000, "rule not checked: over meshgen's budget"),
        ({}, 3, "no problems"),
    ],
)
def test_cel_rules_are_bounded(
    tmp_path: Path, limits: dict[str, object], count: int, expected: str
) -> None:
    crd = _crd(tmp_path, _ports_schema(limits))
    widget = tmp_path / "w.yaml"
    ports = ", ".join(str(1000 + i) for i in range(count))
    widget.write_text(
        "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n"
        f"spec: {{ports: [{ports}]}}\n"
    )
    _, out, _ = run("validate", "--crds", str(crd), str(widget))
    assert expected in out, out
    assert "ports must be unique" not in out


def _cyclic_garbage(*argv: str) -> int:
    """Objects in reference cycles a command leaves behind (the command runs with the
    cyclic collector off, so only these outlive their use)."""
    import gc
    import io

    from meshgen.cli import main

    gc.collect()
    gc.disable()
    try:
        main(list(argv), stdout=io.StringIO(), stderr=io.StringIO())
        return gc.collect()
    finally:
        gc.enable()


def test_commands_leave_garbage_bounded_by_files_not_by_content(tmp_path: Path) -> None:
    # meshgen.cli.tune_gc turns the cyclic collector off; that is safe only while
    # reference cycles stay this rare: a few objects per file with errors, none per
    # valid document.
    for i in range(300):
        (tmp_path / f"vs{i}.yaml").write_text(
            "apiVersion: networking.istio.io/v1\nkind: VirtualService\n"
            f"metadata: {{name: r{i}, namespace: ns}}\n"
            f"spec: {{hosts: [r{i}], http: [{{route: [{{destination: {{host: r{i}}}}}]}}]}}\n"
        )
    one = tmp_path / "vs0.yaml"
    _cyclic_garbage("validate", str(one))  # imports and first-use caches
    baseline = _cyclic_garbage("validate", str(one))
    assert _cyclic_garbage("validate", str(tmp_path)) - baseline < 100
    for i in range(300):
        (tmp_path / f"broken{i}.yaml").write_text(f"a: &a [*a]\n---\nkind: [\nname: {i}\n")
    assert _cyclic_garbage("validate", str(tmp_path)) - baseline < 10 * 300
    for size in (1, 300):
        service = "  s{}:\n    subsets: [v1]\n    routes: [{{route: v1}}]\n"
        model = tmp_path / f"model{size}.yaml"
        model.write_text(MODEL_HEADER + "services:\n" + "".join(map(service.format, range(size))))
    render = ("render", "-o", str(tmp_path / "out.yaml"))
    _cyclic_garbage(*render, str(tmp_path / "model1.yaml"))
    baseline = _cyclic_garbage(*render, str(tmp_path / "model1.yaml"))
    assert _cyclic_garbage(*render, str(tmp_path / "model300.yaml")) - baseline < 100


def test_the_console_command_turns_the_cyclic_collector_off() -> None:
    import gc

    from meshgen.cli import tune_gc

    try:
        tune_gc()
        assert not gc.isenabled()
    finally:
        gc.enable()

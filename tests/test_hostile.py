"""No input makes meshgen crash, hang or lose a file.

Every case runs ``validate`` and ``render`` in-process and asserts an exit code of 0 or 1
(never 3, the internal-error code), no traceback, and the message a user needs.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import ROOT
from helpers import run

GATEWAY = (
    "apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {name: g}\nspec:\n"
    "  servers: [{port: {number: 80, name: http, protocol: HTTP}, hosts: ['*']}]\n"
)


def _bomb() -> bytes:
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 10):
        lines.append(f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 9) + "]")
    return ("\n".join(lines) + "\n").encode()


# A first document meant as a resource: the file is then checked in full, so the
# troubles after it are reported rather than skipped as a file that is not ours.
MEANT = b"kind: Gateway\n---\n"


def _meant(content: Callable[[], bytes]) -> Callable[[], bytes]:
    return lambda: MEANT + content()


CASES: dict[str, tuple[Callable[[], bytes], int, str]] = {
    # name: (content, validate's exit code, what validate must say)
    "empty": (lambda: b"", 0, "no problems"),
    "only comments": (lambda: b"# one\n# two\n", 0, "no problems"),
    "only separators": (lambda: b"---\n---\n...\n", 0, "no problems"),
    "scalar at top level": (_meant(lambda: b"42\n"), 1, "this document is the number 42"),
    "list at top level": (_meant(lambda: b"- a\n- b\n"), 1, "this document is a list"),
    "binary bytes": (lambda: bytes(range(256)) * 8, 1, "not valid UTF-8"),
    "invalid UTF-8": (
        lambda: b"a: 1\nb: \xc3\x28\n",
        1,
        ":2:4: error: the file is not valid UTF-8",
    ),
    "UTF-8 with BOM": (lambda: b"\xef\xbb\xbf" + GATEWAY.encode(), 0, "1 resource checked"),
    "UTF-16": (lambda: GATEWAY.encode("utf-16"), 0, "1 resource checked"),
    "tabs for indentation": (_meant(lambda: b"a:\n\tb: 1\n"), 1, "YAML syntax error"),
    "duplicate keys": (lambda: GATEWAY.encode() + b"kind: Gateway\n", 1, "duplicate key 'kind'"),
    "unclosed quote": (_meant(lambda: b'a: "open\n'), 1, "YAML syntax error"),
    "alias bomb": (_meant(_bomb), 1, "expands to more than 1,000,000 values"),
    "10,000 levels deep": (
        _meant(lambda: b"a: " + b"[" * 10_000 + b"]" * 10_000),
        1,
        "nests deeper than 100",
    ),
    "deep block nesting": (
        _meant(
            lambda: (
                "".join("  " * i + f"k{i}:\n" for i in range(500)).encode() + b"  " * 500 + b"v\n"
            )
        ),
        1,
        "nests deeper than 100",
    ),
    "1 MB single line": (
        lambda: GATEWAY.replace(
            "{name: g}", "{name: g, annotations: {a: '" + "x" * 1_000_000 + "'}}"
        ).encode(),
        1,
        "annotations total 1,000,001 bytes; the API server allows 262,144",
    ),
    "not YAML at all": (
        _meant(lambda: b"<html><body>[ x: y: z ]</body></html>\n:: - ]]\n"),
        1,
        "YAML syntax error",
    ),
    "kind of the wrong type": (
        lambda: b"apiVersion: [networking.istio.io/v1]\nkind: {a: 1}\n",
        1,
        "apiVersion and kind must be strings",
    ),
    "python object tag": (
        _meant(lambda: b"a: !!python/object/apply:os.system [echo pwned]\n"),
        1,
        "YAML tag !!python/object/apply:os.system is not allowed",
    ),
    "400 KB duration": (
        lambda: (
            "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: r}\n"
            "spec: {hosts: [r], http: [{route: [{destination: {host: r}}], timeout: '"
            + "1" * 400_000
            + "'}]}\n"
        ).encode(),
        1,
        "is not a duration",
    ),
    "unknown local tag": (_meant(lambda: b"a: !secret x\n"), 1, "YAML tag !secret is not allowed"),
}


def _check(code: int, out: str, err: str) -> None:
    assert code in (0, 1), (code, out, err)
    assert "Traceback" not in out + err
    assert "internal error" not in err


@pytest.mark.parametrize("name", list(CASES))
def test_validate_survives(name: str, tmp_path: Path) -> None:
    content, expected_code, message = CASES[name]
    path = tmp_path / "input.yaml"
    path.write_bytes(content())
    started = time.monotonic()
    code, out, err = run("validate", str(path))
    _check(code, out, err)
    assert code == expected_code, out
    assert message in out, out
    assert time.monotonic() - started < 20


@pytest.mark.parametrize("name", list(CASES))
def test_render_survives(name: str, tmp_path: Path) -> None:
    content, _, _ = CASES[name]
    path = tmp_path / "model.yaml"
    path.write_bytes(content())
    code, out, err = run("render", str(path))
    _check(code, out, err)
    assert code == 1 and out == ""  # none of these is a model
    assert err.strip()


@pytest.mark.parametrize("name", ["alias bomb", "binary bytes", "python object tag"])
def test_explain_survives(name: str, tmp_path: Path) -> None:
    path = tmp_path / "input.yaml"
    path.write_bytes(CASES[name][0]())
    code, out, err = run("explain", str(path), "--host", "x")
    _check(code, out, err)
    assert code == 1
    assert err.splitlines()[-1].startswith("meshgen: ")


def test_missing_file_directory_and_symlink_loop(tmp_path: Path) -> None:
    (tmp_path / "loop1.yaml").symlink_to(tmp_path / "loop2.yaml")
    (tmp_path / "loop2.yaml").symlink_to(tmp_path / "loop1.yaml")
    for argv, message in (
        (["render", str(tmp_path / "missing.yaml")], "no such file"),
        (["render", str(tmp_path)], "is a directory"),
        (["render", str(tmp_path / "loop1.yaml")], "cannot read"),
        (["validate", str(tmp_path / "loop1.yaml")], "cannot read"),
        (["validate", str(tmp_path / "missing.yaml")], "no such file"),
    ):
        code, out, err = run(*argv)
        _check(code, out, err)
        assert code == 1 and message in out + err


def test_a_folder_with_a_symlink_loop_is_walked_safely(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "back").symlink_to(tmp_path, target_is_directory=True)
    (tmp_path / "gw.yaml").write_text(GATEWAY)
    code, out, err = run("validate", str(tmp_path))
    _check(code, out, err)
    assert code == 0


def test_permission_denied(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "secret.yaml"
    path.write_text(GATEWAY)

    def denied(*args: object, **kwargs: object) -> object:
        raise PermissionError(13, "Permission denied")

    import meshgen.yamlio

    monkeypatch.setattr(meshgen.yamlio, "open", denied, raising=False)
    for command in ("validate", "render"):
        code, out, err = run(command, str(path))
        _check(code, out, err)
        assert code == 1 and "permission denied" in out + err


def test_a_50_mb_file_is_refused_without_being_read(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    with path.open("wb") as handle:
        handle.truncate(50 * 1024 * 1024)
    started = time.monotonic()
    code, out, err = run("validate", str(path))
    _check(code, out, err)
    assert code == 1 and "50.0 MiB, over the 32 MiB limit" in out
    assert time.monotonic() - started < 5


@pytest.mark.parametrize(
    ("flag", "setting", "content", "message"),
    [
        (
            "--max-file-size=1",
            "max-file-size: 1",
            "a: '" + "x" * (2 * 1024 * 1024) + "'\n",
            "over the 1 MiB limit",
        ),
        (
            "--max-documents=2",
            "max-documents: 2",
            GATEWAY + "---\n" + GATEWAY + "---\n" + GATEWAY,
            "more than 2 documents",
        ),
        (
            "--max-depth=5",
            "max-depth: 5",
            "kind: Gateway\na: [[[[[[1]]]]]]\n",
            "nests deeper than 5 levels",
        ),
    ],
)
def test_limits_are_configurable(
    flag: str,
    setting: str,
    content: str,
    message: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    path = tmp_path / "input.yaml"
    path.write_text(content)
    monkeypatch.chdir(tmp_path)
    assert message not in run("validate", str(path))[1]
    code, out, _ = run("validate", flag, str(path))
    assert code == 1 and message in out
    (tmp_path / ".meshgen.yaml").write_text(setting + "\n")
    code, out, _ = run("validate", str(path))
    assert code == 1 and message in out
    code, out, err = run("render", flag, str(path))
    assert code == 1 and message in out + err


def test_interrupted_write_keeps_the_old_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "istio.yaml"
    target.write_text("old\n")

    def interrupt(fd: int) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "fsync", interrupt)
    model = ROOT / "examples" / "catalog-dark-launch" / "model.yaml"
    assert run("render", str(model), "-o", str(target)) == (130, "", "meshgen: interrupted\n")
    assert target.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["istio.yaml"]


def test_killed_render_never_leaves_a_partial_file(tmp_path: Path) -> None:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from meshes import model_text

    model = tmp_path / "model.yaml"
    model.write_text(model_text(300))
    target = tmp_path / "istio.yaml"
    target.write_text("old\n")
    complete = None
    for delay in (0.2, 0.4, 0.6, 0.8, 1.0, 1.5):
        process = subprocess.Popen(
            [sys.executable, "-m", "meshgen", "render", str(model), "-o", str(target)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(delay)
        process.send_signal(signal.SIGKILL)
        process.wait()
        text = target.read_text()
        if text != "old\n":
            complete = (
                complete
                or subprocess.run(
                    [sys.executable, "-m", "meshgen", "render", str(model)],
                    capture_output=True,
                    text=True,
                    cwd=target.parent,  # the banner names the model from there
                ).stdout
            )
            assert text == complete  # replaced whole, never in part
        for stray in tmp_path.glob(".istio.yaml.*.tmp"):
            stray.unlink()  # SIGKILL gives no chance to clean up; the target is still whole


def test_output_through_a_symlink_replaces_the_link_not_its_target(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere.yaml"
    elsewhere.write_text("keep me\n")
    link = tmp_path / "istio.yaml"
    link.symlink_to(elsewhere)
    model = ROOT / "examples" / "catalog-retries" / "model.yaml"
    assert run("render", str(model), "-o", str(link))[0] == 0
    assert elsewhere.read_text() == "keep me\n"
    assert not link.is_symlink() and "kind: VirtualService" in link.read_text()


ILL_SHAPED = {
    "metadata is a string": "metadata: oops\nspec: {hosts: [a]}\n",
    "spec is a list": "metadata: {name: x}\nspec: [1]\n",
    "http is a string": "metadata: {name: x}\nspec: {hosts: [a], http: x}\n",
    "route entries are numbers": "metadata: {name: x}\nspec: {hosts: [a], http: [{route: [1]}]}\n",
    "a subset named {}": (
        "metadata: {name: x}\nspec: {hosts: [a], http: [{route: [{destination: "
        "{host: a, subset: {}}}]}]}\n---\napiVersion: networking.istio.io/v1\n"
        "kind: DestinationRule\nmetadata: {name: a}\nspec: {host: a, subsets: [{name: {}}]}\n"
    ),
    "a DestinationRule with subsets named {} and [1]": (
        "metadata: {name: x}\nspec: {hosts: [a], http: [{route: [{destination: "
        "{host: a, subset: v1}}]}]}\n---\napiVersion: networking.istio.io/v1\n"
        "kind: DestinationRule\nmetadata: {name: a}\n"
        "spec: {host: a, subsets: [{name: {}}, {name: [1]}]}\n"
    ),
    "a date and a set": (
        "metadata: {name: x, creationTimestamp: 2024-01-01}\nspec: {hosts: [a], "
        "http: [{route: [{destination: {host: a}}]}]}\n"
    ),
}


@pytest.mark.parametrize("name", list(ILL_SHAPED))
@pytest.mark.parametrize("command", [("validate",), ("explain", "--host", "a"), ("import",)])
def test_every_command_survives_ill_shaped_resources(
    name: str, command: tuple[str, ...], tmp_path: Path
) -> None:
    path = tmp_path / "vs.yaml"
    path.write_text("apiVersion: networking.istio.io/v1\nkind: VirtualService\n" + ILL_SHAPED[name])
    code, out, err = run(command[0], str(path), *command[1:])
    _check(code, out, err)

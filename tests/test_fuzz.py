"""Fuzzing the readers: hypothesis always, and atheris (coverage-guided) for a bounded time."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT
from helpers import run
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(ROOT / "tests" / "fuzz"))
from harness import one_input

SEEDS = [
    p.read_bytes()
    for p in sorted(ROOT.glob("examples/*/*.yaml"))
    + sorted(ROOT.glob("tests/cases/*/*.yaml"))
    + sorted(ROOT.glob("tests/fuzz/seeds/*.seed"))  # what audits and fuzzers have found
]
TOKENS = [
    "apiVersion: networking.istio.io/v1\n",
    "kind: VirtualService\n",
    "kind: Gateway\n",
    "kind: DestinationRule\n",
    "metadata: {name: x}\n",
    "spec:\n",
    "  hosts: [a]\n",
    "  http:\n",
    "  - route:\n",
    "    - destination: {host: a, subset: v1}\n",
    "      weight: 50\n",
    "services:\n",
    "  a:\n",
    "    subsets: [v1, v2]\n",
    "    routes:\n",
    "      - route: v1\n",
    "preset: msaez\n",
    "gateways: {g: {}}\n",
    "---\n",
    "&a ",
    "*a",
    "!!str ",
    "!!int ",
    "!!bool ",
    "!!float ",
    "[",
    "]",
    "{",
    "}",
    ": ",
    "- ",
    "#",
    "'",
    '"',
    "\t",
    "\n",
    "  ",
    "null",
    "~",
    "1e9",
    "-1",
    "\ufeff",
    "\x00",
]


def _mutated(seed: bytes, cuts: list[tuple[int, int, bytes]]) -> bytes:
    data = bytearray(seed)
    for position, length, insert in cuts:
        at = position % (len(data) + 1)
        data[at : at + length] = insert
    return bytes(data)


inputs = st.one_of(
    st.binary(max_size=400),
    st.lists(st.sampled_from(TOKENS), max_size=40).map(lambda t: "".join(t).encode()),
    st.builds(
        _mutated,
        st.sampled_from(SEEDS),
        st.lists(
            st.tuples(st.integers(0, 4000), st.integers(0, 8), st.binary(max_size=6)), max_size=4
        ),
    ),
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=inputs)
def test_readers_raise_only_meshgen_errors(data: bytes) -> None:
    one_input(data)


# Every command, and every channel input comes in by: files, standard input, --crds,
# settings, and the banner render-check follows.
CHANNELS = [
    ("validate", "{path}"),
    ("validate", "-"),
    ("render", "{path}"),
    ("render", "-"),
    ("explain", "{path}", "--host", "a"),
    ("explain", "{path}", "--host", "a", "--gateway", "g"),
    ("import", "{path}"),
    ("render-check", "{path}"),
    ("schemas", "import", "{path}", "-o", "{out}"),
    ("validate", "--crds", "{path}", "{path}"),
    ("validate", "--config", "{path}", "{path}"),
]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=inputs)
def test_commands_never_exit_3(data: bytes, tmp_path_factory: pytest.TempPathFactory) -> None:
    folder = tmp_path_factory.mktemp("fuzz")
    path = folder / "input.yaml"
    path.write_bytes(data)
    stdin = data.decode("utf-8", "replace")
    for channel in CHANNELS:
        argv = [a.format(path=path, out=folder / "out.json") for a in channel]
        code, out, err = run(*argv, stdin=stdin)
        assert code in (0, 1, 2), (argv, out, err)
        assert "Traceback" not in out + err and "internal error" not in err, (argv, err)


@pytest.mark.slow
@pytest.mark.skipif(importlib.util.find_spec("atheris") is None, reason="atheris is not installed")
def test_atheris_finds_nothing_in_bounded_time(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for i, seed in enumerate(SEEDS):
        (corpus / f"seed{i}").write_bytes(seed)
    result = subprocess.run(
        [
            sys.executable,
            str(ROOT / "tests" / "fuzz" / "harness.py"),
            "-max_total_time=20",
            f"-artifact_prefix={tmp_path}/",
            "-rss_limit_mb=2048",
            "-timeout=20",
            str(corpus),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Done" in result.stderr

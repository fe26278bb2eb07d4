"""What the vendoring scripts share: fetching a pinned wheel from PyPI, and writing (or
checking) the vendored files."""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def pip_wheel(
    package: str, version: str, wheel: str, sha256: str, into: Path, *extra: str
) -> zipfile.ZipFile:
    """`pip download` one pinned wheel into ``into`` and verify its hash before use."""
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--no-deps",
            "--only-binary",
            ":all:",
            *extra,
            "--dest",
            str(into),
            f"{package}=={version}",
        ],
        check=True,
        capture_output=True,
    )
    path = into / wheel
    actual = hashlib.sha256(path.read_bytes()).hexdigest()
    if actual != sha256:
        raise SystemExit(f"{wheel}: sha256 {actual} is not the pinned {sha256}")
    return zipfile.ZipFile(path)


def _text(path: Path) -> str | None:
    return path.read_text("utf-8") if path.exists() else None


def vendor(description: str, out: Path, build: Callable[[Path], dict[str, str]]) -> int:
    """The command line of a vendoring script: fetch into a temporary folder, build the
    files, and rewrite what changed (or, with --check, say what drifted and exit 1)."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--check", action="store_true", help="change nothing; fail on drift")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temp:
        files = build(Path(temp))
    stale = [
        p
        for p, text in files.items()
        if not (out / p).exists() or (out / p).read_text("utf-8") != text
    ]
    for path in stale:
        shown = (out / path).relative_to(ROOT).as_posix()
        print(f"{'out of date' if args.check else 'rewritten'}: {shown}")
        if not args.check:
            (out / path).parent.mkdir(parents=True, exist_ok=True)
            (out / path).write_text(files[path], encoding="utf-8")
    return 1 if args.check and stale else 0


def with_provenance(files: dict[str, str], provenance: dict[str, object]) -> dict[str, str]:
    """``files`` and their provenance.json, which records each one's sha256."""
    hashes = {
        path: hashlib.sha256(text.encode("utf-8")).hexdigest()
        for path, text in sorted(files.items())
    }
    record = {**provenance, "sha256": hashes}
    return {**files, "provenance.json": json.dumps(record, indent=2) + "\n"}

"""Small helpers shared by the tests."""

from __future__ import annotations

import io
from typing import Any

import yaml

from meshgen.cli import main
from meshgen.manifests.nulls import prune_nulls

MODEL_HEADER = "apiVersion: meshgen.io/v1alpha1\nkind: Mesh\n"  # marks a model file


def run(*argv: str, stdin: str = "") -> tuple[int, str, str]:
    """Run the CLI in-process; return (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    inp = io.TextIOWrapper(io.BytesIO(stdin.encode("utf-8")), encoding="utf-8")
    code = main(list(argv), stdin=inp, stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def by_identity(documents: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Documents ordered by kind, namespace and name: a manifest set compared as data."""
    return sorted(
        documents,
        key=lambda d: (d["kind"], d["metadata"].get("namespace", ""), d["metadata"]["name"]),
    )


def as_stored(text: str) -> list[dict[str, Any]]:
    """The documents of ``text`` as the API server stores them (no nulls in mappings):
    what a render's documents must equal."""
    return [prune_nulls(d) for d in yaml.safe_load_all(text) if d]

"""Where input comes from, and what each file is: resources, a meshgen model, or other.

This is the one place that reads input files and the one place that knows what a model
file looks like; validate, explain, import and render-check all start here.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Literal

from meshgen import yamlio
from meshgen.errors import InputError
from meshgen.findings import Finding, Resource, Severity, format_path

YAML_SUFFIXES = (".yaml", ".yml")
STDIN = "-"
STDIN_NAME = "<stdin>"
MODEL_KEYS = frozenset({"services", "gateways", "preset", "defaults"})

Kind = Literal["resources", "model", "other"]


@dataclass
class Source:
    """One input file's text, and the positions of what it holds (parsed on first use)."""

    name: str
    text: str
    _positions: yamlio.PositionIndex | None = field(default=None, repr=False)

    @property
    def positions(self) -> yamlio.PositionIndex:
        if self._positions is None:
            self._positions = yamlio.PositionIndex(self.text)
        return self._positions

    def finding(
        self,
        code: str,
        message: str,
        path: Sequence[Any] = (),
        *,
        document: int = 0,
        key: bool = False,
        severity: Severity = Severity.ERROR,
        resource: Resource | None = None,
        istio: str | None = None,
    ) -> Finding:
        """A finding placed at ``path`` in document ``document`` (at its key with ``key``)."""
        where = self.positions.locate(path, key=key, document=document)
        return Finding(
            code,
            message,
            self.name,
            where.line,
            where.column,
            format_path(tuple(path)),
            severity=severity,
            resource=resource,
            istio=istio,
        )


def expand_paths(paths: Iterable[str]) -> Iterator[str]:
    """Files as given, and the YAML files below folders (hidden ones left out), sorted."""
    for path in paths:
        if path == STDIN or not Path(path).is_dir():
            yield path
            continue
        for found in sorted(Path(path).rglob("*")):
            hidden = any(part.startswith(".") for part in found.relative_to(path).parts)
            if found.suffix in YAML_SUFFIXES and found.is_file() and not hidden:
                yield str(found)


def read(
    path: str, stdin: IO[Any] | None = None, limits: yamlio.Limits = yamlio.DEFAULT_LIMITS
) -> Source:
    """The text of ``path`` (``-``: standard input), within ``limits``."""
    if path != STDIN:
        return Source(path, yamlio.read_text(path, limits))
    if stdin is None:
        raise InputError("standard input was named (-) but none was given")
    raw = stdin.buffer.read() if hasattr(stdin, "buffer") else stdin.read()
    data = raw.encode("utf-8") if isinstance(raw, str) else raw
    yamlio.check_size(len(data), STDIN_NAME, limits)
    return Source(STDIN_NAME, yamlio.decode(data, STDIN_NAME))


def classify(documents: list[Any]) -> Kind:
    """What a file's documents are: Kubernetes resources, a meshgen model, or other YAML."""
    present = [d for d in documents if d is not None]
    if not present:
        return "other"
    first = present[0]
    if (
        len(present) == 1
        and isinstance(first, dict)
        and "apiVersion" not in first
        and "kind" not in first
        and bool(MODEL_KEYS & set(first))
    ):
        return "model"
    return "resources"


def is_model(documents: list[Any]) -> bool:
    return classify(documents) == "model"


def relative(path: str, start: str | os.PathLike[str]) -> str:
    """``path`` relative to ``start`` in POSIX form (how banners and settings name files)."""
    return Path(os.path.relpath(path, start)).as_posix()

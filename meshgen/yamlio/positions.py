"""Where a path into a YAML document is written: line and column from ruamel.yaml's
round-trip parse, run only for files that have findings."""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

_local = threading.local()


def _round_trip() -> Any:
    """ruamel.yaml's round-trip loader (one per thread, built on first use)."""
    loader = _local.__dict__.get("round_trip")
    if loader is None:
        from ruamel.yaml import YAML

        loader = _local.__dict__["round_trip"] = YAML(typ="rt")
    return loader


@dataclass(frozen=True)
class Position:
    line: int
    column: int


class PositionIndex:
    """Finds the line and column of a path into a document, parsing positions lazily.

    The round-trip parse runs once per file, on the first lookup, so files without
    findings never pay for it.
    """

    def __init__(self, text: str) -> None:
        self._text = text
        self._documents: list[Any] | None = None

    def _tree(self, document: int) -> Any:
        if self._documents is None:
            from ruamel.yaml.error import YAMLError

            self._documents = []
            try:
                for tree in _round_trip().load_all(self._text):
                    self._documents.append(tree)
            except (YAMLError, ValueError, TypeError, RecursionError):
                pass  # loading already reported why; what cannot be parsed has no positions
        return self._documents[document] if document < len(self._documents) else None

    def locate(
        self, path: Sequence[str | int], *, key: bool = False, document: int = 0
    ) -> Position:
        """Position of the value at ``path`` (or of its key with ``key=True``).

        Path elements that do not apply to the document (an index into what the file
        wrote as a mapping, say) are skipped; a path that leaves the document stops at the
        deepest node it reached.
        """
        node = self._tree(document)
        best = _position(getattr(node, "lc", None), "start") or Position(1, 1)
        for i, part in enumerate(path):
            last = i == len(path) - 1
            lc: Any = getattr(node, "lc", None)
            if lc is None:
                break
            if isinstance(node, dict) and not isinstance(part, int) and part in node:
                found = _position(lc, "key" if key and last else "value", part)
            elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
                found = _position(lc, "item", part)
            else:
                continue
            best = found or best
            node = node[part]
        return best


def _position(lc: Any, kind: str, part: Any = None) -> Position | None:
    """A ruamel line/column record as a 1-based Position, or None where it has none."""
    try:
        line, column = (lc.line, lc.col) if kind == "start" else getattr(lc, kind)(part)
    except (KeyError, IndexError, TypeError, AttributeError):  # nodes made from aliases
        return None
    if not isinstance(line, int) or not isinstance(column, int):
        return None
    return Position(line + 1, column + 1)


_TOKEN_END = re.compile(r"[,\]}#]|\s+#|\s*$")


def written_at(text: str, position: Position) -> str:
    """The scalar as written at ``position`` (what the user typed, before YAML read it:
    ``1.10`` that YAML reads as 1.1, ``on`` that it reads as true)."""
    lines = text.splitlines()
    if not 1 <= position.line <= len(lines):
        return ""
    line = lines[position.line - 1][position.column - 1 :]
    end = _TOKEN_END.search(line)
    return (line[: end.start()] if end else line).strip().strip("'\"")

"""Where a path into a YAML document is written: line and column from the nodes of
libyaml's composer (C), built only for files that have findings.

Composing builds the node graph without constructing values, so it is bounded as loading
is (aliases stay shared nodes, nothing expands) and costs a fraction of a round-trip
parse. Only the documents asked about are composed: a `---` line always starts a
document (inside a block scalar too; a quoted scalar cannot hold one), so a document's
text is cut out of the stream by its markers, and its lines counted from there.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Position:
    line: int
    column: int


class PositionIndex:
    """Finds the line and column of a path into a document, composing lazily: nothing
    before the first lookup, and then only as far as the document asked for."""

    def __init__(self, text: str) -> None:
        self._text = text
        self._documents: list[Any] = []
        self._pending: Iterator[Any] | None = None
        self._done = False
        self._pieces: list[tuple[int, int, int]] | None = None  # (first line, start, end)
        self._composed: dict[int, Any] = {}

    def _piece_of(self, document: int) -> tuple[Any, int] | None:
        """The node of one document composed from its own text, with the line it starts
        on (None: the stream has directives or end markers, so it is composed whole)."""
        if self._pieces is None:
            if _NOT_CUTTABLE.search(self._text):
                self._pieces = []
            else:
                text = self._text
                starts = [m.start() for m in _DOCUMENT_START.finditer(text)]
                bounds = sorted({0, *starts})
                pieces = list(zip(bounds, [*bounds[1:], len(text)], strict=True))
                # Text before the first marker is a document only if it holds content.
                if starts and starts[0] != 0 and not _CONTENT.search(text, 0, starts[0]):
                    pieces = pieces[1:]
                self._pieces, line, at = [], 0, 0
                for start, end in pieces:  # lines counted piece by piece: linear
                    line += text.count("\n", at, start)
                    self._pieces.append((line, start, end))
                    at = start
        if not self._pieces:
            return None
        if document >= len(self._pieces):
            return (None, 0)
        if document not in self._composed:
            import yaml

            _, start, end = self._pieces[document]
            loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
            try:
                self._composed[document] = yaml.compose(self._text[start:end], Loader=loader)
            except (yaml.YAMLError, RecursionError):
                return None
        return self._composed[document], self._pieces[document][0]

    def _tree(self, document: int) -> Any:
        import yaml

        if self._pending is None and not self._done:
            loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
            self._pending = yaml.compose_all(self._text, Loader=loader)
        while len(self._documents) <= document and not self._done:
            assert self._pending is not None
            try:
                self._documents.append(next(self._pending))
            except StopIteration:
                self._done = True
            except (yaml.YAMLError, RecursionError):
                self._done = True  # loading reported why; what follows has no positions
        return self._documents[document] if document < len(self._documents) else None

    def locate(
        self, path: Sequence[str | int], *, key: bool = False, document: int = 0
    ) -> Position:
        """Position of the value at ``path`` (or of its key with ``key=True``).

        Path elements that do not apply to the document (an index into what the file
        wrote as a mapping, say) are skipped; a path that leaves the document stops at the
        deepest node it reached.
        """
        from yaml.nodes import MappingNode, ScalarNode, SequenceNode

        piece = self._piece_of(document)
        node, offset = piece if piece is not None else (self._tree(document), 0)
        if node is None:
            return Position(1, 1)
        best = _start(node)
        for i, part in enumerate(path):
            last = i == len(path) - 1
            if isinstance(node, MappingNode) and not isinstance(part, bool):
                pair = next(
                    (
                        (k, v)
                        for k, v in reversed(node.value)  # the last of duplicates wins
                        if isinstance(k, ScalarNode) and k.value == str(part)
                    ),
                    None,
                )
                if pair is None:
                    continue
                best = _start(pair[0] if key and last else pair[1])
                node = pair[1]
            elif isinstance(node, SequenceNode) and isinstance(part, int):
                if not 0 <= part < len(node.value):
                    continue
                node = node.value[part]
                best = _start(node)
        return Position(best.line + offset, best.column)


_DOCUMENT_START = re.compile(r"^---(?=[ \t\r\n]|$)", re.M)
_NOT_CUTTABLE = re.compile(r"^(?:%|\.\.\.(?:[ \t\r\n]|$))", re.M)  # directives, end markers
_CONTENT = re.compile(r"^[ \t]*[^#\s]", re.M)


def _start(node: Any) -> Position:
    mark = node.start_mark
    return Position(mark.line + 1, mark.column + 1)


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

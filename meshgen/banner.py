"""The first line of a rendered file, which names the model it was rendered from.

The model is named by its path relative to the rendered file's folder, so the pair can
move together and the line never holds an absolute path. A path with characters that
could break the line (a newline, a control character, a quote) is written as a JSON
string, so no file name can inject text into the output.
"""

from __future__ import annotations

import json
import re

_PREFIX = "# Rendered by meshgen"
_SUFFIX = "; edit the model, not this file."
_STDIN = "standard input"
_PATTERN = re.compile(
    re.escape(_PREFIX)
    + r"(?: from (?P<source>.+?))?(?: \((?P<selection>[a-z ,]+)\))?"
    + re.escape(_SUFFIX)
)
_PLAIN_PATH = re.compile(r"[\w./@+-][\w ./@+-]*")


def banner(source: str | None, *, from_stdin: bool = False, selection: str | None = None) -> str:
    """``# Rendered by meshgen from SOURCE; edit the model, not this file.``, with the part
    of the output the file holds in parentheses when it is not all of it
    (``(only istio)``, ``(split by kind)``)."""
    if from_stdin:
        origin = f" from {_STDIN}"
    elif source:
        origin = f" from {source if _PLAIN_PATH.fullmatch(source) else json.dumps(source)}"
    else:
        origin = ""
    part = f" ({selection})" if selection else ""
    return f"{_PREFIX}{origin}{part}{_SUFFIX}\n"


class FromStdin(str):
    """The banner of a file rendered from standard input: no model to render again."""


def source_of(text: str) -> str | None:
    """The model a rendered text names in its first line (``FromStdin`` for standard
    input), or None when the first line is not a banner."""
    first = text.split("\n", 1)[0]
    match = _PATTERN.fullmatch(first)
    if match is None or match.group("source") is None:
        return None
    source = match.group("source")
    if source == _STDIN:
        return FromStdin(source)
    if source.startswith('"'):
        try:
            decoded = json.loads(source)
        except json.JSONDecodeError:
            return None
        return decoded if isinstance(decoded, str) else None
    return source


def selection_of(text: str) -> str | None:
    """The part of a model's output a rendered text holds, as its banner says (None: all)."""
    match = _PATTERN.fullmatch(text.split("\n", 1)[0])
    return match.group("selection") if match else None

"""The first line of a rendered file, which names the model it was rendered from."""

from __future__ import annotations

import re

_PREFIX = "# Rendered by meshgen"
_SUFFIX = "; edit the model, not this file."
_PATTERN = re.compile(re.escape(_PREFIX) + r"(?: from (?P<source>.+?))?" + re.escape(_SUFFIX))


def banner(source: str | None) -> str:
    """``# Rendered by meshgen from SOURCE; edit the model, not this file.``"""
    origin = f" from {source}" if source else ""
    return f"{_PREFIX}{origin}{_SUFFIX}\n"


def source_of(text: str) -> str | None:
    """The model a rendered text names in its first line, or None if it names none."""
    first = text.split("\n", 1)[0]
    match = _PATTERN.fullmatch(first)
    return match.group("source") if match else None

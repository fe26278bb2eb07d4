"""A problem the checks across the model find, before it is placed in the model file."""

from __future__ import annotations

from dataclasses import dataclass

Path = tuple[str | int, ...]


@dataclass(frozen=True)
class ModelIssue:
    """A problem at a path of the model; the loader turns it into a placed finding."""

    code: str
    path: Path
    message: str
    at_key: bool = False
    quote_hint: bool = False  # end the message with the value as written, quoted

"""The exceptions meshgen raises for expected failures.

Every expected failure derives from :class:`MeshgenError`; the command line maps it to
exit code 1. Anything else escaping the library is a bug (exit code 3).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from meshgen.findings import Finding


class MeshgenError(Exception):
    """Root of meshgen's expected failures: bad input, not a bug."""


class UsageError(MeshgenError):
    """What was asked cannot be done as asked (an output that is an input, say); the
    command line maps it to exit code 2."""


class InputError(MeshgenError):
    """A file could not be read or is not YAML meshgen can use."""

    def __init__(self, message: str, findings: Sequence[Finding] = ()) -> None:
        super().__init__(message)
        self.findings: list[Finding] = list(findings)


class ModelError(InputError):
    """A model is invalid; ``findings`` holds every problem found, with positions, and
    ``str()`` lists them, one per line."""

    def __str__(self) -> str:
        lines = [super().__str__(), *(str(finding) for finding in self.findings)]
        return "\n".join(lines)


class TemplateError(MeshgenError):
    """A template failed to render, or rendered text that is not valid YAML."""

    def __init__(self, template: str, message: str, line: int | None = None) -> None:
        where = f"{template}:{line}" if line else template
        super().__init__(f"template {where}: {message}")
        self.template = template
        self.line = line

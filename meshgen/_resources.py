"""Runtime data shipped with meshgen: the built-in templates and the bundled schemas."""

from __future__ import annotations

from importlib.resources import files
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # importlib.resources.abc from Python 3.11 on
    from importlib.abc import Traversable


def data_dir(name: str) -> Traversable:
    """The folder ``name`` (``templates`` or ``schemas``) as installed with meshgen.

    The wheel carries it inside the package. A source checkout, or an editable install,
    keeps it at the top of the repository, one level above the package.
    """
    package = files("meshgen")
    packaged = package / name
    if packaged.is_dir():
        return packaged
    return package / ".." / name

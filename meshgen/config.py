"""Settings for ``meshgen validate`` from the project, so hooks and CI need no arguments.

Looked up from the working directory upwards: the first ``.meshgen.yaml``, or
``pyproject.toml`` with a ``[tool.meshgen]`` table, wins. Paths in it are relative to the
file's folder. Command-line flags override it.
"""

from __future__ import annotations

import fnmatch
import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from meshgen import yamlio
from meshgen.errors import InputError
from meshgen.findings import Finding, did_you_mean

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

CONFIG_FILE = ".meshgen.yaml"
PYPROJECT = "pyproject.toml"

# setting -> (type, what it holds)
SETTINGS: dict[str, tuple[type, str]] = {
    "crds": (str, "a CRD file or schema bundle to validate against (like --crds)"),
    "gateway-api-channel": (
        str,
        "the Gateway API channel the bundled schemas serve: experimental or standard "
        "(like --gateway-api-channel)",
    ),
    "strict": (bool, "fail on warnings too (like --strict)"),
    "ignore": (list, "codes whose findings are not reported, like MG107"),
    "include": (list, "what to validate when no path is given (default: the config's folder)"),
    "exclude": (list, "glob patterns of files never validated; * also matches across folders"),
    "context": (list, "more of the mesh for checks across resources (like --context)"),
    "complete": (bool, "the input is the whole mesh (like --complete)"),
    "mesh-config": (str, "a file with the mesh settings (like --mesh-config)"),
    "max-file-size": (int, "the largest file read, in MiB (like --max-file-size)"),
    "max-documents": (int, "the most documents one file may hold (like --max-documents)"),
    "max-depth": (int, "the deepest nesting a document may have (like --max-depth)"),
}


@dataclass
class Settings:
    crds: str | None = None
    gateway_api_channel: str = "experimental"
    strict: bool = False
    ignore: list[str] = field(default_factory=list)
    include: list[str] = field(default_factory=list)
    exclude: list[str] = field(default_factory=list)
    context: list[str] = field(default_factory=list)
    complete: bool = False
    mesh_config: str | None = None
    max_file_size: int | None = None
    max_documents: int | None = None
    max_depth: int | None = None
    root: Path | None = None  # the folder of the file the settings came from
    source: str | None = None

    def path(self, path: str) -> str:
        """A path written in the settings file, as seen from the working directory."""
        if self.root is None or os.path.isabs(path) or path == "-":
            return path
        return os.path.relpath(self.root / path)

    def excludes(self, path: str) -> bool:
        """Whether an ``exclude`` pattern (relative to the settings' folder) names ``path``."""
        if not self.exclude:
            return False
        root = (self.root or Path.cwd()).resolve()
        relative = Path(os.path.relpath(Path(path).resolve(), root)).as_posix()
        return any(fnmatch.fnmatch(relative, pattern) for pattern in self.exclude)

    def limits(
        self,
        max_file_size: int | None = None,
        max_documents: int | None = None,
        max_depth: int | None = None,
    ) -> yamlio.Limits:
        """The reading limits: the values given (from flags), else the settings', else the
        defaults."""
        defaults = yamlio.DEFAULT_LIMITS
        size = max_file_size or self.max_file_size
        return yamlio.Limits(
            max_file_bytes=size * 1024 * 1024 if size else defaults.max_file_bytes,
            max_documents=max_documents or self.max_documents or defaults.max_documents,
            max_depth=max_depth or self.max_depth or defaults.max_depth,
            max_nodes=defaults.max_nodes,
        )


def _problem(message: str, file: Path, line: int = 1, column: int = 1) -> InputError:
    finding = Finding("MG004", message, os.path.relpath(file), line, column)
    return InputError(message, [finding])


def _toml_line(text: str, key: str) -> int:
    """The line of ``key`` inside [tool.meshgen] (TOML parsers do not keep positions)."""
    inside = False
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if stripped.startswith("["):
            inside = stripped == "[tool.meshgen]"
        elif inside and re.match(rf"{re.escape(key)}\s*=", stripped):
            return number
    return 1


def _read(path: Path) -> tuple[dict[str, Any], Any] | None:
    """The settings table of one file and a way to place a key, or None if it has none."""
    text = yamlio.read_text(path)
    if path.name == PYPROJECT:
        try:
            table = tomllib.loads(text).get("tool", {}).get("meshgen")
        except tomllib.TOMLDecodeError as e:
            raise _problem(f"invalid TOML: {e}", path) from e
        if table is None:
            return None
        return table, lambda key: (_toml_line(text, key), 1)
    data = yamlio.load_one(text, str(path))
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise _problem("the settings file must be a mapping of setting to value", path)
    positions = yamlio.PositionIndex(text)
    return data, lambda key: (lambda p: (p.line, p.column))(positions.locate([key], key=True))


def find(start: Path) -> Path | None:
    """The settings file that applies in ``start``: the nearest one up the tree."""
    for folder in (start, *start.parents):
        candidate = folder / CONFIG_FILE
        if candidate.is_file():
            return candidate
        pyproject = folder / PYPROJECT
        if pyproject.is_file() and "[tool.meshgen]" in pyproject.read_text(
            encoding="utf-8", errors="replace"
        ):
            return pyproject
    return None


def _fits(value: Any, kind: type) -> bool:
    if kind is list:
        return isinstance(value, list) and all(isinstance(v, str) for v in value)
    if kind is int:
        return isinstance(value, int) and not isinstance(value, bool) and value > 0
    return isinstance(value, kind)  # bool is not a str, and True is not taken for a string


def load(path: Path) -> Settings:
    """The settings in ``path``; unknown settings and wrong types are errors with positions."""
    found = _read(path)
    settings = Settings(root=path.parent, source=str(path))
    if found is None:
        return settings
    table, place = found
    for key, value in table.items():
        if key not in SETTINGS:
            hint = did_you_mean(str(key), SETTINGS) or f"; known: {', '.join(SETTINGS)}"
            raise _problem(f"unknown setting '{key}'{hint}", path, *place(key))
        kind, what = SETTINGS[key]
        ok = _fits(value, kind)
        if not ok:
            expected = {
                str: "a string",
                bool: "true or false",
                list: "a list of strings",
                int: "a whole number above 0",
            }[kind]
            raise _problem(f"setting '{key}' must be {expected} ({what})", path, *place(key))
        setattr(settings, key.replace("-", "_"), value)
    return settings


def discover(start: Path | None = None) -> Settings:
    """The settings that apply in ``start`` (the working directory by default)."""
    path = find((start or Path.cwd()).resolve())
    return load(path) if path else Settings()

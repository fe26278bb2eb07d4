"""Where input comes from, and what each file is: resources, a meshgen model, or other.

This is the one place that reads input files and the one place that knows what a model
file looks like; validate, explain, import and render-check all start here.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Literal

from meshgen import yamlio
from meshgen.errors import InputError
from meshgen.findings import Finding, Resource, Severity, format_path
from meshgen.manifests import MODEL_API_VERSION

YAML_SUFFIXES = (".yaml", ".yml")
STDIN = "-"
STDIN_NAME = "<stdin>"
# An unmarked (pre-apiVersion) model: its top-level keys are all of these.
LEGACY_MODEL_KEYS = frozenset({"services", "gateways", "preset", "defaults", "resources"})
# Keys a docker-compose service always has one of, and a meshgen service never has.
_COMPOSE_SERVICE_KEYS = frozenset({"image", "build"})

Kind = Literal["resources", "model", "legacy-model", "other"]


@dataclass
class Source:
    """One input file's text, and the positions of what it holds (parsed on first use)."""

    name: str
    text: str
    generated: bool = False  # rendered from a model in this run, not read from a file
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
        file, where, shown, message = self.place(message, tuple(path), document, key)
        return Finding(
            code,
            message,
            file,
            where.line,
            where.column,
            shown,
            severity=severity,
            resource=resource,
            istio=istio,
        )

    def place(
        self, message: str, path: tuple[Any, ...], document: int, key: bool
    ) -> tuple[str, yamlio.Position, str, str]:
        """Where a finding about ``path`` goes: (file, position, path shown, message)."""
        where = self.positions.locate(path, key=key, document=document)
        return self.name, where, format_path(path), message


def expand_paths(paths: Iterable[str]) -> Iterator[str]:
    """Files as given, and the YAML files below folders (hidden ones left out), sorted."""
    for path in paths:
        if path == STDIN or not os.path.isdir(path):
            yield path
        else:
            folder = str(Path(path))  # written as pathlib writes it: "." for "./"
            yield from _yaml_files(folder, "" if folder == "." else folder + os.sep)


def _yaml_files(folder: str, prefix: str) -> Iterator[str]:
    """The YAML files below ``folder`` (named from ``prefix``), depth first in name order
    (a folder's files and subfolders sorted together), one directory scan each; symlinked
    folders are not entered, so a link back up cannot loop."""
    try:
        with os.scandir(folder) as scan:
            entries = sorted(scan, key=lambda e: e.name)
    except OSError:
        return
    for entry in entries:
        if entry.name.startswith("."):
            continue
        if entry.is_dir(follow_symlinks=False):
            yield from _yaml_files(entry.path, prefix + entry.name + os.sep)
        elif os.path.splitext(entry.name)[1] in YAML_SUFFIXES and entry.is_file():
            yield prefix + entry.name


def read(
    path: str, stdin: IO[Any] | None = None, limits: yamlio.Limits = yamlio.DEFAULT_LIMITS
) -> Source:
    """The text of ``path`` (``-``: standard input), within ``limits``."""
    if path != STDIN:
        return Source(path, yamlio.read_text(path, limits))
    if stdin is None:
        raise InputError("standard input was named (-) but none was given")
    if hasattr(stdin, "buffer"):
        data = yamlio.read_bounded(stdin.buffer, STDIN_NAME, limits)
    else:
        text = stdin.read(limits.max_file_bytes + 1)
        data = text.encode("utf-8") if isinstance(text, str) else text
        yamlio.check_size(len(data), STDIN_NAME, limits)
    return Source(STDIN_NAME, yamlio.decode(data, STDIN_NAME))


def classify(documents: list[Any]) -> Kind:
    """What a file's documents are.

    ``model``: one document marked ``apiVersion: meshgen.io/v1alpha1``, ``kind: Mesh``.
    ``resources``: Kubernetes resources, or documents meant to be (a string ``kind``, or
    ``metadata``, or ``apiVersion`` with ``spec``): their mistakes are reported.
    ``legacy-model``: an unmarked model, read for one more release (only model keys at
    the top, and no service with a docker-compose ``image`` or ``build``).
    ``other``: anything else (CI workflows, compose files, Helm values, OpenAPI...),
    which meshgen leaves alone.
    """
    present = [d for d in documents if d is not None]
    if not present:
        return "other"
    first = present[0]
    if isinstance(first, dict) and first.get("apiVersion") == MODEL_API_VERSION:
        return "model"
    if any(_meant_as_resource(d) for d in present):
        return "resources"
    if len(present) == 1 and _legacy_model(first):
        return "legacy-model"
    return "other"


def _meant_as_resource(document: Any) -> bool:
    if not isinstance(document, dict):
        return False
    return (
        isinstance(document.get("kind"), str)
        or isinstance(document.get("metadata"), dict)
        or ("apiVersion" in document and ("kind" in document or "spec" in document))
    )


def _legacy_model(document: Any) -> bool:
    if not isinstance(document, dict) or not document or not set(document) <= LEGACY_MODEL_KEYS:
        return False
    services = document.get("services")
    if isinstance(services, dict):
        return not any(
            isinstance(body, dict) and _COMPOSE_SERVICE_KEYS & set(body)
            for body in services.values()
        )
    return services is None or isinstance(services, list)


_TEMPLATE_MARKS = ("{{", "{%")
_KIND_LINE = re.compile(r"^kind:[ \t]*\S", re.MULTILINE)


def template_reason(name: str, text: str, parses: bool) -> str | None:
    """Why a file is a template rather than YAML (so it is not checked), or None.

    A file under a chart's ``templates/`` folder is a Helm template; a file that does not
    parse and holds ``{{`` or ``{%`` is a Go, Helm or Jinja template.
    """
    for folder in Path(name).parents if "templates" in name else ():
        if folder.name == "templates" and (folder.parent / "Chart.yaml").is_file():
            return "a Helm chart template"
    if not parses and any(mark in text for mark in _TEMPLATE_MARKS):
        return "a template ({{ }} or {% %}), not YAML"
    return None


def may_hold_resources(text: str) -> bool:
    """Whether text that does not parse was meant to hold resources (a ``kind:`` line)."""
    return _KIND_LINE.search(text) is not None

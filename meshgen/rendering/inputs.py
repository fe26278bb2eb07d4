"""Input for the commands that read manifests (explain, import, render-check): the
documents of files and folders, with models rendered to the manifests they stand for."""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from meshgen import yamlio
from meshgen.banner import FromStdin, selection_of, source_of
from meshgen.manifests.sources import YAML_SUFFIXES, classify, expand_paths, read
from meshgen.rendering import TemplatesDir, render_loaded


def manifests_of(
    paths: Sequence[str],
    stdin: IO[Any] | None = None,
    limits: yamlio.Limits = yamlio.DEFAULT_LIMITS,
    render_models: bool = False,
) -> tuple[list[Any], int]:
    """Every document in the files and folders given, and how many files there were; a
    model becomes the manifests it renders when ``render_models``."""
    found: list[Any] = []
    files = 0
    for path in expand_paths(paths):
        source = read(path, stdin, limits)
        documents = [d for d in yamlio.load_all(source.text, source.name, limits) if d is not None]
        if render_models and classify(documents) in ("model", "legacy-model"):
            from meshgen.model.load import parse_model

            documents = render_loaded(parse_model(source.text, source.name, limits)).documents
        found += documents
        files += 1
    return found, files


@dataclass(frozen=True)
class RenderCheck:
    """A rendered file, the model its first line names, and what rendering it again gave:
    ``up_to_date``, or ``problem`` saying why it could not be checked."""

    path: str
    model: str
    up_to_date: bool = False
    problem: str | None = None
    model_file: Path | None = None  # where the model was found
    selection: str | None = None  # the part of the model's output the file holds

    @property
    def command(self) -> str:
        """The render command that writes the file again (the model's path as given)."""
        model = Path(os.path.relpath(self.model_file or self.model)).as_posix()
        options = []
        for item in (self.selection or "").split(", "):
            if item.startswith("only "):
                options.append(f"--only {item.removeprefix('only ')}")
            elif item.startswith("split by "):
                folder = Path(os.path.relpath(Path(self.path).parent)).as_posix()
                options.append(f"--output-dir {folder} --split {item.removeprefix('split by ')}")
        if not any(o.startswith("--output-dir") for o in options):
            options.append(f"-o {self.path}")
        return " ".join(["meshgen render", model, *options])


def model_path(rendered: str, named: str, root: Path) -> Path | str:
    """The model file a rendered file's banner names, or why it will not be read.

    The name is relative to the rendered file's folder (files rendered before that was
    so name it from the repository root, which is tried second). Only a regular YAML file
    inside ``root`` or the rendered file's folder is read: a committed banner must not
    make meshgen read, or print, anything else.
    """
    folder = Path(rendered).parent
    allowed = (root.resolve(), folder.resolve())
    for candidate in (folder / named, root / named):
        resolved = candidate.resolve()
        if not any(resolved.is_relative_to(a) for a in allowed):
            continue
        if resolved.suffix in YAML_SUFFIXES and resolved.is_file():
            return candidate
    return (
        f"names model {named!r}, which is not a YAML file inside this repository or "
        "beside the rendered file; meshgen reads only those"
    )


def check_rendered(
    paths: Sequence[str], templates: TemplatesDir = None, root: Path | None = None
) -> Iterator[RenderCheck]:
    """Each rendered file among ``paths`` (its banner names its model), rendered again."""
    from meshgen.model.load import parse_model

    root = root or Path.cwd()
    for path in expand_paths(paths):
        rendered = read(path)
        named = source_of(rendered.text)
        if named is None:
            continue
        if isinstance(named, FromStdin):
            problem = "was rendered from standard input; render it from its model with -o"
            yield RenderCheck(path, named, problem=problem)
            continue
        found = model_path(path, named, root)
        if isinstance(found, str):
            yield RenderCheck(path, named, problem=found)
            continue
        source = read(str(found))
        again = render_loaded(parse_model(source.text, source.name), templates, named)
        selection = selection_of(rendered.text)
        expected = again.part(selection, Path(path).name)
        yield RenderCheck(path, named, expected == rendered.text, None, found, selection)

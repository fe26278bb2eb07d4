"""Input for the commands that read manifests (explain, import, render-check): the
documents of files and folders, with models rendered to the manifests they stand for."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import IO, Any

from meshgen import yamlio
from meshgen.banner import source_of
from meshgen.manifests.sources import Source, classify, expand_paths, read
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
    """A rendered file, the model its first line names, and whether it is up to date."""

    path: str
    model: str
    up_to_date: bool


def check_rendered(paths: Sequence[str], templates: TemplatesDir = None) -> Iterator[RenderCheck]:
    """Each rendered file among ``paths`` (its banner names its model), rendered again."""
    from meshgen.model.load import parse_model

    for path in expand_paths(paths):
        rendered = read(path)
        model = source_of(rendered.text)
        if model is None:
            continue
        source: Source = read(model)
        again = render_loaded(parse_model(source.text, source.name), templates, model)
        yield RenderCheck(path, model, again.text == rendered.text)

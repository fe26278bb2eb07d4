"""Findings about rendered output, placed in the model that produced it.

The rendered text is not a file anyone edits: a finding at its line 118 helps nobody.
:class:`RenderedSource` stands in for the rendered output wherever findings are made and
puts each one at the model field (or the smallest model element) it came from, naming
the rendered resource and its path in the message.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from meshgen.findings import format_path
from meshgen.manifests.sources import Source
from meshgen.rendering import Rendered
from meshgen.rendering.build import model_path
from meshgen.yamlio import Position


@dataclass
class RenderedSource(Source):
    """The output of rendering ``model``, whose findings land in the model file."""

    model: Source = field(default_factory=lambda: Source("<model>", ""))
    rendered: Rendered | None = None

    @classmethod
    def of(cls, rendered: Rendered, model: Source) -> RenderedSource:
        return cls(f"{model.name} (rendered)", rendered.text, True, model=model, rendered=rendered)

    def place(
        self, message: str, path: tuple[Any, ...], document: int, key: bool
    ) -> tuple[str, Position, str, str]:
        """In the model: the field the rendered part came from, the rendered resource and
        path named in the message."""
        assert self.rendered is not None
        built = self.rendered.built[document] if document < len(self.rendered.built) else None
        target = model_path(built, path) if built is not None else ()
        where = self.model.positions.locate(target) if self.model.text else Position(0, 0)
        what = self.rendered.documents[document] if document < len(self.rendered.documents) else {}
        metadata = what.get("metadata") if isinstance(what, dict) else None
        name = metadata.get("name") if isinstance(metadata, dict) else None
        rendered_at = f"{what.get('kind', 'resource')} {name} {format_path(path)}".strip()
        return (
            self.model.name,
            where,
            format_path(target),
            f"{message} (in the rendered {rendered_at})",
        )

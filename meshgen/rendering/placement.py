"""Findings about rendered output, placed in the model that produced it.

The rendered text is not a file anyone edits: a finding at its line 118 helps nobody.
:class:`RenderedSource` stands in for the rendered output wherever findings are made and
puts each one at the model field (or the smallest model element) it came from, naming
the rendered resource and its path in the message.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from meshgen.findings import Finding, Resource, Severity, format_path
from meshgen.manifests.sources import Source
from meshgen.rendering import Rendered
from meshgen.rendering.build import model_path


@dataclass
class RenderedSource(Source):
    """The output of rendering ``model``, whose findings land in the model file."""

    model: Source = field(default_factory=lambda: Source("<model>", ""))
    rendered: Rendered | None = None

    @classmethod
    def of(cls, rendered: Rendered, model: Source) -> RenderedSource:
        return cls(f"{model.name} (rendered)", rendered.text, True, model=model, rendered=rendered)

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
        assert self.rendered is not None
        built = self.rendered.built[document] if document < len(self.rendered.built) else None
        target = model_path(built, tuple(path)) if built is not None else ()
        where = self.model.positions.locate(target) if self.model.text else None
        what = self.rendered.documents[document] if document < len(self.rendered.documents) else {}
        metadata = what.get("metadata") if isinstance(what, dict) else None
        name = metadata.get("name") if isinstance(metadata, dict) else None
        rendered_at = f"{what.get('kind', 'resource')} {name} {format_path(tuple(path))}".strip()
        return Finding(
            code,
            f"{message} (in the rendered {rendered_at})",
            self.model.name,
            where.line if where else 0,
            where.column if where else 0,
            format_path(target),
            severity=severity,
            resource=resource,
            istio=istio,
        )

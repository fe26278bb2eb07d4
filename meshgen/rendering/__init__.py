"""Models to Istio manifests: build each resource, lay it out with its template, read it back."""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from os import PathLike
from pathlib import Path
from typing import Any, Literal

import jinja2

from meshgen import yamlio
from meshgen.banner import banner
from meshgen.errors import InputError, MeshgenError, TemplateError
from meshgen.manifests.nulls import drop_nulls
from meshgen.model.load import LoadedModel, check_mesh
from meshgen.model.mesh import Mesh
from meshgen.rendering.budget import time_budget
from meshgen.rendering.build import Document, as_data, documents
from meshgen.rendering.environment import MAX_TEMPLATE_OUTPUT, environment

TEMPLATE_SECONDS = 10  # for one user template to render one resource


TemplatesDir = str | PathLike[str] | None


Only = Literal["istio", "workloads"]
Split = Literal["kind", "service"]

# File names when the output is split into a folder: ``kubectl apply -f DIR`` applies
# them in name order, so namespaces come before what lives in them.
_KIND_FILES = {
    "Namespace": "01-namespaces.yaml",
    "ServiceAccount": "02-serviceaccounts.yaml",
    "Service": "03-services.yaml",
    "Deployment": "04-deployments.yaml",
    "Gateway": "05-gateways.yaml",
    "DestinationRule": "06-destinationrules.yaml",
    "VirtualService": "07-virtualservices.yaml",
}
_OTHER_FILE = "08-resources.yaml"


@dataclass(frozen=True)
class Rendered:
    """The manifests of one model: their text and the same documents as data (without
    nulls in mappings, as the API server stores them)."""

    text: str
    documents: list[dict[str, Any]]
    model: LoadedModel
    built: list[Document] = dataclasses.field(default_factory=list)  # what each came from
    texts: list[str] = dataclasses.field(default_factory=list)  # each document's text

    source: str | None = None  # the model's path as the banner names it
    from_stdin: bool = False
    selection: str | None = None  # which part of the output this is, as the banner says

    def only(self, layer: Only | None) -> Rendered:
        """The Istio resources alone, or the Kubernetes workloads alone."""
        if layer is None:
            return self
        keep = [i for i, d in enumerate(self.built) if d.is_workload == (layer == "workloads")]
        texts = [self.texts[i] for i in keep]
        selection = f"only {layer}"
        head = banner(self.source, from_stdin=self.from_stdin, selection=selection)
        return dataclasses.replace(
            self,
            text=head + "---\n".join(texts),
            documents=[self.documents[i] for i in keep],
            built=[self.built[i] for i in keep],
            texts=texts,
            selection=selection,
        )

    def files(
        self, split: Split, source: str | None = None, *, from_stdin: bool = False
    ) -> dict[str, str]:
        """The manifests as files of a folder, by kind or by service, each with the
        banner naming ``source`` (the model's path from that folder)."""
        grouped: dict[str, list[str]] = {}
        for document, data, text in zip(self.built, self.documents, self.texts, strict=True):
            grouped.setdefault(_file_name(document, data, split), []).append(text)
        selection = ", ".join(filter(None, (self.selection, f"split by {split}")))
        head = banner(source, from_stdin=from_stdin, selection=selection)
        return {name: head + "---\n".join(texts) for name, texts in sorted(grouped.items())}

    def part(self, selection: str | None, file_name: str) -> str | None:
        """The text a rendered file whose banner says ``selection`` should hold (None: this
        output has no such file): how render-check renders a file again."""
        chosen: Rendered = self
        split: Split | None = None
        for item in (selection or "").split(", "):
            if item in ("only istio", "only workloads"):
                chosen = chosen.only("istio" if item == "only istio" else "workloads")
            elif item in ("split by kind", "split by service"):
                split = "kind" if item == "split by kind" else "service"
        if split is None:
            return chosen.text
        return chosen.files(split, self.source).get(file_name)


_FILE_STEM = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,200}")


def _file_name(document: Document, data: dict[str, Any], split: Split) -> str:
    kind = data.get("kind")
    if (
        split == "service"
        and kind not in ("Namespace", "Gateway")
        and document.origin[:1] == ("services",)
    ):
        key = str(document.origin[1])
        if not _FILE_STEM.fullmatch(key):
            raise MeshgenError(f"service '{key}' cannot name a file; use --split kind")
        return f"{key}.yaml"
    if split == "service" and kind not in ("Namespace", "Gateway"):
        return _OTHER_FILE
    if document.raw is not None:
        return _OTHER_FILE
    return _KIND_FILES.get(str(kind), _OTHER_FILE)


def _template_text(document: Document, templates: TemplatesDir) -> str:
    if document.raw is not None:  # passed through as written
        return yamlio.emit(document.raw) + "\n"
    env = environment(None if templates is None else str(Path(templates).resolve()))
    try:
        with time_budget(TEMPLATE_SECONDS if templates is not None else None):
            text = env.get_template(document.template).render(document.context)
    except jinja2.TemplateSyntaxError as e:
        raise TemplateError(e.filename or document.template, e.message or str(e), e.lineno) from e
    except jinja2.TemplateError as e:  # the sandbox's SecurityError among them
        raise TemplateError(document.template, str(e)) from e
    except (TypeError, ValueError, ArithmeticError) as e:
        raise TemplateError(document.template, str(e)) from e
    except RecursionError as e:
        raise TemplateError(document.template, "includes or calls itself without end") from e
    except TimeoutError as e:
        raise TemplateError(document.template, f"took over {TEMPLATE_SECONDS} s to render") from e
    if len(text) > MAX_TEMPLATE_OUTPUT:
        raise TemplateError(document.template, "rendered more than 16 MiB for one resource")
    text = text.replace(" \n", "\n")  # "key: " before a block: the common case
    if " \n" in text or "\t\n" in text or text.endswith((" ", "\t")):
        text = "\n".join(line.rstrip(" \t") for line in text.split("\n"))
    text = text.strip("\n")
    return text + "\n"


def _read_back(texts: list[str], docs: list[Document]) -> list[dict[str, Any]]:
    """Parse what the templates wrote; text that does not parse is a template's bug.

    The limits on input files do not apply here: the model was checked against them,
    and the output may hold more documents than one input file may.
    """
    limits = dataclasses.replace(yamlio.DEFAULT_LIMITS, max_documents=len(texts) + 1)
    joined_problem = "the documents do not parse as one stream"
    try:
        parsed = yamlio.load_all("---\n".join(texts), limits=limits)
        if len(parsed) == len(texts) and all(isinstance(d, dict) for d in parsed):
            return [drop_nulls(d) for d in parsed]
    except InputError as e:
        joined_problem = str(e)
    for text, document in zip(texts, docs, strict=True):  # find the template to blame
        try:
            data = yamlio.load_all(text, document.template, limits)
        except InputError as e:
            where = e.findings[0] if e.findings else None
            raise TemplateError(
                document.template,
                f"rendered text that is not valid YAML ({e.findings[0].message if where else e})",
                where.line if where else None,
            ) from None
        if len(data) != 1 or not isinstance(data[0], dict):
            raise TemplateError(document.template, "must render exactly one YAML mapping")
    raise TemplateError(docs[0].template if docs else "?", joined_problem)


def render_loaded(
    model: LoadedModel,
    templates: TemplatesDir = None,
    source: str | None = None,
    *,
    from_stdin: bool = False,
) -> Rendered:
    """Render a checked model; ``source`` is the model's path as the banner names it
    (relative to where the output goes)."""
    docs = documents(model.plan)
    texts = [_template_text(d, templates) for d in docs]
    # Built-in templates write exactly the data they are given; a user's templates may
    # write anything, so their text is read back.
    data = [as_data(d) for d in docs] if templates is None else _read_back(texts, docs)
    text = banner(source, from_stdin=from_stdin) + "---\n".join(texts)
    return Rendered(text, data, model, docs, texts, source, from_stdin)


def _loaded(model: Mesh | LoadedModel) -> LoadedModel:
    return model if isinstance(model, LoadedModel) else check_mesh(model)


def render(model: Mesh | LoadedModel, *, templates: TemplatesDir = None) -> list[dict[str, Any]]:
    """The Istio resources of ``model``, as data, in output order."""
    if templates is None:  # the data the built-in templates write, without the text
        return [as_data(d) for d in documents(_loaded(model).plan)]
    return render_loaded(_loaded(model), templates).documents


def render_yaml(
    model: Mesh | LoadedModel, *, templates: TemplatesDir = None, source: str | None = None
) -> str:
    """The Istio manifests of ``model`` as one multi-document YAML text."""
    return render_loaded(_loaded(model), templates, source).text

"""meshgen: typed service-mesh models rendered to Istio manifests, and Istio validated
offline.

    >>> import meshgen
    >>> mesh = meshgen.load_model("examples/catalog-v1-only/model.yaml")
    >>> [doc["kind"] for doc in meshgen.render(mesh)]
    ['DestinationRule', 'VirtualService']

The top level holds the verbs and what they return; the model's classes are in
:mod:`meshgen.model`. Names are imported on first use, so ``import meshgen`` stays cheap
for commands that need neither the model nor the templates.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# Where each public name lives; a test checks this against __all__.
_EXPORTS: dict[str, tuple[str, ...]] = {
    "meshgen.errors": ("InputError", "MeshgenError", "ModelError", "TemplateError"),
    "meshgen.findings": ("Finding", "Resource", "Severity"),
    "meshgen.model.load": ("load_model",),
    "meshgen.rendering": ("render", "render_yaml"),
    "meshgen.schema": ("model_schema",),
    "meshgen.validation.validate": ("Report", "validate"),
    "meshgen.explanation": ("Explanation", "Request", "explain"),
    "meshgen.importing": ("Imported", "import_manifests"),
}
_MODULE_OF = {name: module for module, names in _EXPORTS.items() for name in names}

__all__ = [
    "Explanation",
    "Finding",
    "Imported",
    "InputError",
    "MeshgenError",
    "ModelError",
    "Report",
    "Request",
    "Resource",
    "Severity",
    "TemplateError",
    "__version__",
    "explain",
    "import_manifests",
    "load_model",
    "model_schema",
    "render",
    "render_yaml",
    "validate",
]

if TYPE_CHECKING:
    from meshgen.errors import InputError, MeshgenError, ModelError, TemplateError
    from meshgen.explanation import Explanation, Request, explain
    from meshgen.findings import Finding, Resource, Severity
    from meshgen.importing import Imported, import_manifests
    from meshgen.model.load import load_model
    from meshgen.rendering import render, render_yaml
    from meshgen.schema import model_schema
    from meshgen.validation.validate import Report, validate


def __getattr__(name: str) -> Any:
    module = _MODULE_OF.get(name)
    if module is None:
        if name == "model":  # the subpackage, on first use
            return importlib.import_module("meshgen.model")
        raise AttributeError(f"module 'meshgen' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return list(__all__)

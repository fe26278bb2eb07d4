"""meshgen: typed service-mesh models rendered to Istio manifests.

    >>> import meshgen
    >>> mesh = meshgen.load_model("examples/catalog-v1-only/model.yaml")
    >>> [doc["kind"] for doc in meshgen.render(mesh)]
    ['DestinationRule', 'VirtualService']

Names are imported on first use, so ``import meshgen`` stays cheap for commands that do
not need the model or the templates.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

__all__ = [
    "Abort",
    "ClientTLS",
    "ConnectionPool",
    "CorsPolicy",
    "Defaults",
    "Delay",
    "Destination",
    "DirectResponse",
    "Explanation",
    "Fault",
    "Finding",
    "Gateway",
    "HeaderOperations",
    "Headers",
    "InputError",
    "LoadBalancer",
    "Match",
    "Mesh",
    "MeshgenError",
    "ModelError",
    "OutlierDetection",
    "Percentage",
    "PortSelector",
    "PortTrafficPolicy",
    "Redirect",
    "Request",
    "ResourceOverride",
    "Retries",
    "Rewrite",
    "RouteDestination",
    "RouteRule",
    "Server",
    "ServerPort",
    "ServerTLS",
    "Service",
    "ServicePort",
    "Severity",
    "StringMatch",
    "Subset",
    "TemplateError",
    "TrafficPolicy",
    "__version__",
    "check_model",
    "explain",
    "import_resources",
    "load_model",
    "model_schema",
    "render",
    "render_yaml",
]

# Where each public name lives; a test checks this against __all__.
_EXPORTS: dict[str, tuple[str, ...]] = {
    "meshgen.errors": (
        "InputError",
        "MeshgenError",
        "ModelError",
        "TemplateError",
    ),
    "meshgen.findings": (
        "Finding",
        "Severity",
    ),
    "meshgen.model": (
        "Abort",
        "ClientTLS",
        "ConnectionPool",
        "CorsPolicy",
        "Defaults",
        "Delay",
        "Destination",
        "DirectResponse",
        "Fault",
        "Gateway",
        "HeaderOperations",
        "Headers",
        "LoadBalancer",
        "Match",
        "Mesh",
        "OutlierDetection",
        "Percentage",
        "PortSelector",
        "PortTrafficPolicy",
        "Redirect",
        "ResourceOverride",
        "Retries",
        "Rewrite",
        "RouteDestination",
        "RouteRule",
        "Server",
        "ServerPort",
        "ServerTLS",
        "Service",
        "ServicePort",
        "StringMatch",
        "Subset",
        "TrafficPolicy",
    ),
    "meshgen.explanation": (
        "Explanation",
        "Request",
        "explain",
    ),
    "meshgen.importing": ("import_resources",),
    "meshgen.model.load": (
        "check_model",
        "load_model",
    ),
    "meshgen.rendering": (
        "render",
        "render_yaml",
    ),
    "meshgen.schema": ("model_schema",),
}
_MODULE_OF = {name: module for module, names in _EXPORTS.items() for name in names}

if TYPE_CHECKING:
    from meshgen.errors import (
        InputError,
        MeshgenError,
        ModelError,
        TemplateError,
    )
    from meshgen.explanation import (
        Explanation,
        Request,
        explain,
    )
    from meshgen.findings import (
        Finding,
        Severity,
    )
    from meshgen.importing import import_resources
    from meshgen.model import (
        Abort,
        ClientTLS,
        ConnectionPool,
        CorsPolicy,
        Defaults,
        Delay,
        Destination,
        DirectResponse,
        Fault,
        Gateway,
        HeaderOperations,
        Headers,
        LoadBalancer,
        Match,
        Mesh,
        OutlierDetection,
        Percentage,
        PortSelector,
        PortTrafficPolicy,
        Redirect,
        ResourceOverride,
        Retries,
        Rewrite,
        RouteDestination,
        RouteRule,
        Server,
        ServerPort,
        ServerTLS,
        Service,
        ServicePort,
        StringMatch,
        Subset,
        TrafficPolicy,
    )
    from meshgen.model.load import (
        check_model,
        load_model,
    )
    from meshgen.rendering import (
        render,
        render_yaml,
    )
    from meshgen.schema import (
        model_schema,
    )


def __getattr__(name: str) -> Any:
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module 'meshgen' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return list(__all__)

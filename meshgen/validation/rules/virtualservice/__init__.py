"""VirtualService rules (Istio's ValidateVirtualService and validateHTTPRoute), by concern."""

from meshgen.validation.rules.virtualservice import (  # noqa: F401  (each registers its rules)
    destinations,
    hosts,
    reachability,
    responses,
    route,
)

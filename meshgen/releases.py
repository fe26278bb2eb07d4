"""The releases whose schemas meshgen bundles (schemas/*/provenance.json; a test keeps
these in step with it)."""

ISTIO_RELEASE = "1.31"
KUBERNETES_RELEASE = "1.37.0"
GATEWAY_API_RELEASE = "v1.6.0"

# Fields Istio serves after the bundled release, as (parent field, field): validate cannot
# check them without --crds, but can say why it does not know them.
NEWER_ISTIO_FIELDS = frozenset(
    {
        ("loadBalancer", "backendUtilization"),  # DestinationRule traffic policies
        ("tls", "ecdhCurves"),  # Gateway servers, Sidecar ingress
        ("jwtRules", "presence"),  # RequestAuthentication
        ("filterChain", "transportSocket"),  # EnvoyFilter listener match
    }
)

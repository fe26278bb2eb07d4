"""The Gateway API's cross-field rules: what its CRDs state as CEL rules, which the API
server enforces on apply, checked on what the schema accepts (defaults applied)."""

from meshgen.validation.rules.gatewayapi import (  # noqa: F401  (each registers its rules)
    listeners,
    policies,
    routes,
)

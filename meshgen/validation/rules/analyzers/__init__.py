"""Checks across resources: `istioctl analyze`'s offline analyzers, and meshgen's mesh lint.

Every resource given in one run forms one mesh (plus context files, whose own problems
are not reported). Input is often partial (a pre-commit hook sees only changed files),
so a reference to something absent from the input altogether is a warning, unless the
run says the input is the whole mesh (``--complete``).

One module per part of the mesh a check starts from; importing this package registers
them all.
"""

from meshgen.validation.rules.analyzers import (  # noqa: F401  (each module registers its rules)
    annotations,
    controlplane,
    deprecations,
    destinations,
    envoyfilters,
    gateways,
    lint,
    multicluster,
    pods,
    routestatus,
    routing,
    selectors,
    serviceentries,
    services,
    status,
)

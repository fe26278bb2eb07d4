"""Where meshgen's cross-resource checks deliberately differ from `istioctl analyze`.

Each entry says what Istio does and why meshgen does otherwise; docs/rules.md lists them,
and the analyzer-suite test names the cases they change.
"""

from __future__ import annotations

from typing import NamedTuple


class Deviation(NamedTuple):
    istio: str  # the Istio code concerned
    istio_does: str
    meshgen_does: str
    why: str


DEVIATIONS = (
    Deviation(
        "IST0101",
        "A route entry without a destination gets the webhook's error and also IST0101 "
        'for the host "" not being found.',
        "Reports the missing destination once, as the webhook's error.",
        "A host nobody wrote cannot be looked up; the second finding repeats the first.",
    ),
    Deviation(
        "IST0132",
        "A VirtualService bound to a Gateway that does not exist gets IST0101 (not found) "
        "and also IST0132 (its hosts are not on that gateway).",
        "Reports the missing gateway once (MG2403, IST0101).",
        "The second finding says nothing the first does not; fixing the reference clears both.",
    ),
    Deviation(
        "IST0136",
        "Istio has an analyzer for annotations of alpha-phase features "
        "(`annotations.AlphaAnalyzer`), but does not register it: `istioctl analyze` never "
        "runs it.",
        "Does not report alpha-phase annotations either.",
        "Istio left it out as too noisy; meshgen follows what `istioctl analyze` reports.",
    ),
    Deviation(
        "IST0107 IST0108 IST0125 IST0135",
        "Reads the annotations of Namespaces, Services, Pods and a Deployment's own "
        "metadata; never a pod template.",
        "Also reads the pod template of every workload kind (Deployment, StatefulSet, "
        "DaemonSet, ReplicaSet, Job, CronJob) as the Pod it becomes.",
        "A repository holds workloads, not Pods; Istio reports the same annotation on every "
        "Pod once it runs.",
    ),
)

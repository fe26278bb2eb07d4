"""meshgen over Istio's own analyzer test suite (../shared/istio/analyzer-tests).

For each case: validate its input files together (with the resources Istio's harness
adds, its mesh settings, and --complete: a case is the whole mesh), keep the findings
whose Istio code is in the case's scope, and compare the multiset of (code, kind,
namespace, name) with what Istio expects. Prints matched / expected / extra per
analyzer, and the total.

python scripts/analyzer_suite.py [--cases DIR] [--failing]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SUITE = ROOT.parent / "shared" / "istio" / "analyzer-tests"
CLUSTER_SCOPED = {
    "Namespace",
    "MutatingWebhookConfiguration",
    "ValidatingWebhookConfiguration",
    "CustomResourceDefinition",
}

Entry = tuple[str, str, str | None, str]  # (IST code, kind, namespace, name)

# The meshgen checks that implement each Istio analyzer. Several analyzers share an IST
# code (IST0101 comes from nine), so a case keeps only its analyzer's checks; a case
# whose analyzer meshgen has no check for keeps every finding with a code in its scope.
CHECKS = {
    "virtualservice.ConflictingMeshGatewayHostsAnalyzer": {"MG2401"},
    "virtualservice.DestinationRuleAnalyzer": {"MG2402"},
    "virtualservice.GatewayAnalyzer": {"MG2403", "MG2404", "MG2408"},
    "virtualservice.JWTClaimRouteAnalyzer": {"MG2458"},
    "virtualservice.DestinationHostAnalyzer": {"MG2409", "MG2410", "MG2457"},
    "destinationrule.SubsetSelectPodAnalyzer": {"MG2411", "MG2412"},
    "gateway.IngressGatewayPortAnalyzer": {"MG2413", "MG2414"},
    "service.PortNameAnalyzer": {"MG2415", "MG2416"},
    "sidecar.SelectorAnalyzer": {"MG2418", "MG2419", "MG2420", "MG2421"},
    "gateway.SecretAnalyzer": {"MG2413", "MG2422", "MG2423"},
    "injection.Analyzer": {"MG2424", "MG2425", "MG2426"},
    "auth.AuthorizationPoliciesAnalyzer": {"MG2427", "MG2428"},
    "deployment.MultiServiceAnalyzer": {"MG2429", "MG2430"},
    "telemetry.SelectorAnalyzer": {"MG2431", "MG2432"},
    "telemetry.DefaultSelectorAnalyzer": {"MG2433"},
    "telemetry.ProviderAnalyzer": {"MG2434"},
    "serviceentry.ConflictingServiceEntryProtocolAnalyzer": {"MG2435"},
    "serviceentry.Analyzer": {"MG2436"},
    "gateway.ConflictingGatewayAnalyzer": {"MG2437"},
    "destinationrule.CaCertificateAnalyzer": {"MG2405"},
    "gateway.CertificateAnalyzer": {"MG2406"},
    "annotations.K8sAnalyzer": {"MG2438", "MG2439", "MG2440", "MG2441"},
    "envoyfilter.EnvoyPatchAnalyzer": {"MG2442", "MG2443", "MG2444", "MG2445", "MG2446"},
    "conditions.ConditionAnalyzer": {"MG2447"},
    "webhook.Analyzer": {"MG2448"},
    "externalcontrolplane.ExternalControlPlaneAnalyzer": {"MG2449", "MG2450"},
    "authn.BlockedCIDRsAnalyzer": {"MG2451"},
    "k8sgateway.CRDVersionAnalyzer": {"MG2452"},
    "deprecation.DeprecationAnalyzer": {"MG2407"},
    "k8sgateway.SelectorAnalyzer": {"MG2453"},
    "injection.ImageAutoAnalyzer": {"MG2454"},
    "telemetry.LightstepAnalyzer": {"MG2455"},
    "injection.ImageAnalyzer": {"MG2456"},
    "meshnetworks.MeshNetworksAnalyzer": {"MG2459"},
    "services.MultiClusterServiceAnalyzer": {"MG2460"},
}


@dataclass
class Outcome:
    slug: str
    analyzer: str
    expected: Counter[Entry]
    found: Counter[Entry]

    @property
    def matched(self) -> int:
        return sum((self.expected & self.found).values())

    @property
    def extra(self) -> int:
        return sum((self.found - self.expected).values())

    @property
    def passes(self) -> bool:
        return self.expected == self.found


def _entry(code: str, kind: str, namespace: str | None, name: str) -> Entry:
    if namespace is None and kind not in CLUSTER_SCOPED:
        namespace = "default"
    return (code, kind, namespace, name)


def run_case(folder: Path) -> Outcome:
    import meshgen

    case = json.loads((folder / "expected.json").read_text(encoding="utf-8"))
    inputs = [str(folder / p) for p in case["inputs"]]
    inputs += [str(folder.parent.parent / p) for p in case.get("implicitInputs") or []]
    settings = case.get("meshConfig") or case.get("meshNetworks")
    clusters = {
        name: [str(folder / p) for p in files]
        for name, files in (case.get("clusters") or {}).items()
    }
    report = meshgen.validate(
        [] if clusters else inputs,
        complete=True,
        mesh_config=str(folder / settings) if settings else None,
        clusters=clusters or None,
    )
    scope = set(case["codesInScope"])
    checks = CHECKS.get(case["analyzer"])
    found = Counter(
        _entry(f.istio, f.resource.kind, f.resource.namespace, f.resource.name or "")
        for f in report.findings
        if f.istio in scope and f.resource is not None and (checks is None or f.code in checks)
    )
    expected = Counter(
        _entry(e["code"], e["kind"], e["namespace"], e["name"]) for e in case["expected"]
    )
    return Outcome(folder.name, case["analyzer"], expected, found)


def run_suite(suite: Path = SUITE) -> list[Outcome]:
    return [run_case(folder) for folder in sorted((suite / "cases").iterdir())]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=Path, default=SUITE, help="the analyzer-tests folder")
    parser.add_argument("--failing", action="store_true", help="list the cases that differ")
    args = parser.parse_args(argv)
    if not (args.cases / "cases").is_dir():
        print(f"no analyzer suite at {args.cases}", file=sys.stderr)
        return 2
    outcomes = run_suite(args.cases)
    by_analyzer: dict[str, list[Outcome]] = {}
    for outcome in outcomes:
        by_analyzer.setdefault(outcome.analyzer, []).append(outcome)
    print(f"{'analyzer':<58} {'cases':>5} {'passing':>7} {'matched':>9} {'extra':>5}")
    for analyzer, group in sorted(by_analyzer.items()):
        expected = sum(sum(o.expected.values()) for o in group)
        matched = sum(o.matched for o in group)
        print(
            f"{analyzer:<58} {len(group):>5} {sum(o.passes for o in group):>7} "
            f"{matched:>4}/{expected:<4} {sum(o.extra for o in group):>5}"
        )
    expected = sum(sum(o.expected.values()) for o in outcomes)
    matched = sum(o.matched for o in outcomes)
    print(
        f"\n{sum(o.passes for o in outcomes)} of {len(outcomes)} cases pass; "
        f"{matched} of {expected} expected findings matched; "
        f"{sum(o.extra for o in outcomes)} extra in-scope findings"
    )
    if args.failing:
        for o in outcomes:
            if not o.passes:
                missing = dict(o.expected - o.found)
                extra = dict(o.found - o.expected)
                print(f"{o.slug}: missing {missing or '-'}; extra {extra or '-'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

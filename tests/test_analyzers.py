"""Checks across resources: partial input, --complete, --context, and suppression."""

from __future__ import annotations

from pathlib import Path

from helpers import MODEL_HEADER, run

VS = (
    "apiVersion: networking.istio.io/v1\nkind: VirtualService\n"
    "metadata: {name: reviews, namespace: shop}\n"
    "spec:\n  hosts: [reviews]\n  gateways: [edge, mesh]\n"
    "  http: [{route: [{destination: {host: reviews, subset: v2}}]}]\n"
)
DR = (
    "apiVersion: networking.istio.io/v1\nkind: DestinationRule\n"
    "metadata: {name: reviews, namespace: shop}\n"
    "spec:\n  host: reviews\n  subsets: [{name: SUBSET, labels: {version: SUBSET}}]\n"
)
GATEWAY = (
    "apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {name: edge, namespace: shop}\n"
    "spec:\n  servers: [{port: {number: 80, name: http, protocol: HTTP}, hosts: ['*'], extra: 1}]\n"
)


def _files(tmp_path: Path, **texts: str) -> dict[str, str]:
    paths = {}
    for name, text in texts.items():
        path = tmp_path / f"{name}.yaml"
        path.write_text(text)
        paths[name] = str(path)
    return paths


def _lines(out: str, code: str) -> list[str]:
    return [line for line in out.splitlines() if f"[{code}" in line]


def test_missing_references_in_partial_input_are_warnings(tmp_path: Path) -> None:
    files = _files(tmp_path, vs=VS)
    code, out, _ = run("validate", files["vs"])
    assert code == 0
    (subset,) = _lines(out, "MG2402")
    assert ": warning: " in subset and "no DestinationRule for reviews is in the input" in subset
    (gateway,) = _lines(out, "MG2403")
    assert ": warning: gateway edge is not in the input" in gateway.replace(
        "spec.gateways[0]: ", ""
    )


def test_complete_input_makes_them_errors(tmp_path: Path) -> None:
    files = _files(tmp_path, vs=VS)
    code, out, _ = run("validate", "--complete", files["vs"])
    assert code == 1
    assert all(": error: " in line for line in _lines(out, "MG2402") + _lines(out, "MG2403"))


def test_a_rule_present_but_without_the_subset_is_an_error(tmp_path: Path) -> None:
    files = _files(tmp_path, vs=VS, dr=DR.replace("SUBSET", "v1"))
    code, out, _ = run("validate", files["vs"], files["dr"])
    assert code == 1
    (line,) = _lines(out, "MG2402")
    assert ": error: " in line and "which DestinationRule shop/reviews does not define" in line


def test_context_completes_the_mesh_without_reporting_its_own_problems(tmp_path: Path) -> None:
    files = _files(tmp_path, vs=VS, dr=DR.replace("SUBSET", "v2"), gw=GATEWAY)
    code, out, _ = run("validate", "--context", files["dr"], "--context", files["gw"], files["vs"])
    assert code == 0, out
    assert not _lines(out, "MG2402") and not _lines(out, "MG2403")
    assert "extra" not in out  # the gateway's own schema error is not reported
    assert out.splitlines()[-1] == "no problems in 1 file (1 resource checked)"


def test_findings_can_be_suppressed_per_resource(tmp_path: Path) -> None:
    annotated = VS.replace(
        "namespace: shop}", "namespace: shop, annotations: {meshgen.io/ignore: 'MG2402, MG2403'}}"
    )
    files = _files(tmp_path, vs=annotated)
    code, out, _ = run("validate", "--complete", files["vs"])
    assert (code, _lines(out, "MG2402"), _lines(out, "MG2403")) == (0, [], [])
    assert (
        run(
            "validate",
            "--complete",
            "--ignore",
            "MG2402",
            "--ignore",
            "MG2403",
            str(_files(tmp_path, other=VS)["other"]),
        )[0]
        == 0
    )


def test_a_model_and_its_rendered_file_do_not_conflict(tmp_path: Path) -> None:
    model = tmp_path / "model.yaml"
    model.write_text(
        MODEL_HEADER + "services:\n  reviews:\n    subsets: [v1]\n    routes: [{route: v1}]\n"
    )
    rendered = tmp_path / "istio.yaml"
    assert run("render", str(model), "-o", str(rendered))[0] == 0
    code, out, _ = run("validate", str(model), str(rendered))
    assert (code, out.splitlines()[-1]) == (0, "no problems in 2 files (4 resources checked)")


def _entry(name: str, namespace: str, export_to: str, protocol: str) -> str:
    return (
        "apiVersion: networking.istio.io/v1\nkind: ServiceEntry\n"
        f"metadata: {{name: {name}, namespace: {namespace}}}\n"
        f"spec:\n  hosts: [api.example.com]\n  exportTo: {export_to}\n  resolution: DNS\n"
        f"  addresses: [203.0.113.8]\n  ports: [{{number: 8443, name: p, protocol: {protocol}}}]\n"
    )


def test_protocol_conflicts_are_compared_per_export_scope_as_istio_compares_them(
    tmp_path: Path,
) -> None:
    cases = {
        "own namespaces": ('["."]', '["."]', 0),  # each seen only at home
        "one everywhere": ('["*"]', '["."]', 2),
        "star among others": ('["*", "x"]', '["."]', 2),  # `*` alone counts
        "both hidden": ('["~"]', '["~"]', 2),  # Istio compares `~` as a scope of its own
    }
    for name, (first, second, reported) in cases.items():
        text = _entry("a", "one", first, "HTTP") + "---\n" + _entry("b", "two", second, "HTTPS")
        files = _files(tmp_path, se=text)
        _, out, _ = run("validate", files["se"])
        assert len(_lines(out, "MG2435")) == reported, name

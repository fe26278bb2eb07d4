"""meshgen validate: Istio's own samples pass, and every output format holds its shape."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import EXAMPLES, ROOT, SHARED
from helpers import MODEL_HEADER, run

SAMPLES = sorted((SHARED / "istio" / "samples").rglob("*.yaml")) if SHARED.is_dir() else []
BROKEN = ROOT / "tests" / "cases" / "validate" / "err-unknown-fields.yaml"


@pytest.fixture
def samples(shared: Path) -> list[Path]:
    return SAMPLES


def test_every_istio_sample_validates_on_its_own(samples: list[Path]) -> None:
    assert len(samples) >= 50
    for sample in samples:
        code, out, _ = run("validate", str(sample))
        # Free of errors; warnings are fine (one sample really has an unreachable rule).
        assert code == 0 and ": error: " not in out, out


def test_samples_hold_many_checked_resources(samples: list[Path]) -> None:
    # Each file on its own: the samples are alternatives to each other.
    checked = 0
    for sample in samples:
        _, out, _ = run("validate", str(sample))
        checked += int(out.rsplit("(", 1)[1].split()[0])
    assert checked >= 53


@pytest.mark.parametrize("name", EXAMPLES)
def test_every_example_validates(name: str) -> None:
    for file in ("model.yaml", "istio.yaml"):
        code, out, _ = run("validate", str(ROOT / "examples" / name / file))
        assert code == 0, out


def test_directories_are_searched_recursively(tmp_path: Path) -> None:
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "a" / "b" / "bad.yml").write_text(BROKEN.read_text())
    (tmp_path / "a" / "note.txt").write_text("not yaml: [")
    (tmp_path / ".hidden").mkdir()
    (tmp_path / ".hidden" / "bad.yaml").write_text(BROKEN.read_text())
    code, out, _ = run("validate", str(tmp_path))
    assert code == 1
    assert out.splitlines()[-1] == "4 errors in 1 file (1 resource checked)"
    assert all(
        line.startswith(str(tmp_path / "a" / "b" / "bad.yml")) for line in out.splitlines()[:-1]
    )


def test_standard_input() -> None:
    code, out, _ = run("validate", "-", stdin=BROKEN.read_text())
    assert code == 1
    assert out.startswith("<stdin>:5:3: error: metadata.namspace: unknown field")


def test_missing_file_is_a_finding() -> None:
    code, out, _ = run("validate", "nope.yaml", str(BROKEN))
    assert code == 1
    assert "\nnope.yaml: error: no such file [MG003]\n" in out


def test_skipped_kinds_are_listed_with_verbose() -> None:
    case = ROOT / "tests" / "cases" / "validate" / "ok-mixed-kinds.yaml"
    assert run("validate", str(case))[2] == ""
    code, _, err = run("validate", "-v", str(case))
    assert code == 0
    assert err == (
        "checked against bundled schemas (Istio 1.31, Gateway API v1.6.0, Kubernetes 1.37.0)\n"
        f"{case}: skipped v1 ConfigMap: no schema\n"
    )


def test_warnings_fail_only_with_strict(tmp_path: Path) -> None:
    model = tmp_path / "model.yaml"
    model.write_text(
        MODEL_HEADER
        + "services:\n  a:\n    subsets: [v1, v2]\n    routes: [{route: {v1: 1, v2: 1}}]\n"
    )
    code, out, _ = run("validate", str(model))
    assert code == 0 and ": warning: " in out
    assert run("validate", "--strict", str(model))[0] == 1


def test_json_format_shape() -> None:
    code, out, err = run("validate", "--format", "json", str(BROKEN))
    assert (code, err) == (1, "")
    findings = json.loads(out)
    assert [f["code"] for f in findings] == ["MG100"] * 4
    first = findings[0]
    assert first == {
        "file": str(BROKEN),
        "line": 5,
        "column": 3,
        "severity": "error",
        "code": "MG100",
        "istioCode": None,
        "message": "unknown field; did you mean 'namespace'?",
        "path": "$.metadata.namspace",
        "resource": {"kind": "VirtualService", "namespace": None, "name": "reviews"},
    }


def test_json_format_with_no_findings_is_an_empty_list() -> None:
    code, out, _ = run("validate", "--format", "json", str(ROOT / "examples" / "catalog-retries"))
    assert (code, json.loads(out)) == (0, [])


def test_github_format_annotates_file_and_line() -> None:
    code, out, _ = run("validate", "--format", "github", str(BROKEN))
    assert code == 1
    assert out.splitlines()[0] == (
        f"::error file={BROKEN},line=5,col=3,title=meshgen MG100::"
        "metadata.namspace: unknown field; did you mean 'namespace'?"
    )


def test_github_format_escapes_what_would_break_a_command() -> None:
    from meshgen.findings import Finding
    from meshgen.report import to_github

    text = to_github([Finding("MG100", "50% done\nnext\x1b", "a,b:c\n.yaml", 1, 2)])
    assert text == (
        "::error file=a%2Cb%3Ac\\n.yaml,line=1,col=2,title=meshgen MG100::50%25 done\\nnext\\x1b\n"
    )


def test_sarif_format_has_the_required_structure() -> None:
    code, out, _ = run("validate", "--format", "sarif", str(BROKEN))
    assert code == 1
    log = json.loads(out)
    assert log["version"] == "2.1.0"
    assert log["$schema"].endswith("sarif-2.1.0.json")
    (run_,) = log["runs"]
    driver = run_["tool"]["driver"]
    assert driver["name"] == "meshgen" and driver["version"]
    rule_ids = [rule["id"] for rule in driver["rules"]]
    assert rule_ids == ["MG100"]
    for rule in driver["rules"]:
        assert rule["shortDescription"]["text"]
        assert rule["defaultConfiguration"]["level"] in ("error", "warning", "note")
    assert len(run_["results"]) == 4
    for result in run_["results"]:
        assert rule_ids[result["ruleIndex"]] == result["ruleId"]
        assert result["level"] in ("error", "warning", "note")
        assert result["message"]["text"]
        (location,) = result["locations"]
        physical = location["physicalLocation"]
        assert physical["artifactLocation"]["uri"] == BROKEN.as_uri()
        assert physical["region"]["startLine"] >= 1 and physical["region"]["startColumn"] >= 1


def test_render_refuses_to_write_invalid_output(tmp_path: Path) -> None:
    # A user template that writes a field Istio does not have.
    template = (
        (ROOT / "templates" / "gateway.yaml.j2")
        .read_text()
        .replace("spec:\n", "spec:\n  bogus: 1\n")
    )
    (tmp_path / "gateway.yaml.j2").write_text(template)
    target = tmp_path / "out.yaml"
    model = ROOT / "examples" / "gateway-tls" / "model.yaml"
    code, out, err = run("render", str(model), "--templates", str(tmp_path), "-o", str(target))
    assert (code, out) == (1, "")
    model_file = str(ROOT / "examples" / "gateway-tls" / "model.yaml")
    assert f"{model_file}:" in err and "unknown field (in the rendered Gateway" in err
    assert err.endswith("nothing written\n")
    assert not target.exists()


def test_validating_a_manifest_imports_neither_pydantic_nor_jinja() -> None:
    import subprocess
    import sys

    manifest = ROOT / "examples" / "catalog-v1-only" / "istio.yaml"
    code = (
        "import sys, io; from meshgen.cli import main; "
        f"rc = main(['validate', {str(manifest)!r}], stdout=io.StringIO()); "
        "print(rc, sorted(m for m in ('pydantic', 'jinja2') if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "0 []", result.stderr


@pytest.mark.parametrize(
    "value",
    [
        {"a": None, "b": {"c": None, "d": [None, {"e": None, "f": 1}]}, "g": [[{"h": None}]]},
        {"spec": {"hosts": ["x"], "http": [{"route": [{"destination": {"host": "x"}}]}]}},
        [None, {"a": None}],
        None,
        "text",
    ],
)
def test_nulls_are_dropped_in_place_as_a_pruned_copy_drops_them(value: object) -> None:
    import copy

    from meshgen.manifests.nulls import drop_nulls, prune_nulls

    owned = copy.deepcopy(value)
    assert drop_nulls(owned) is owned
    assert owned == prune_nulls(value)

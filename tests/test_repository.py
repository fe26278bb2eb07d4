"""meshgen on a repository that is not only Istio: a scratch service repository (CI
workflow, compose file, Helm chart, kustomization, plain Deployments, Ansible, OpenAPI, a
Jinja template, Istio manifests, a model and its rendered file) under tests/repository.

Only Istio resources and meshgen models are checked; everything else is skipped without
a finding. The hooks run under the real pre-commit."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import ROOT, SHARED
from helpers import run

SCRATCH = ROOT / "tests" / "repository"
NOT_OURS = [
    ".github/workflows/ci.yml",
    "docker-compose.yml",
    "charts/web/Chart.yaml",
    "charts/web/values.yaml",
    "charts/web/templates/deployment.yaml",
    "charts/web/templates/virtualservice.yaml",
    "api/openapi.yaml",
    "ansible/playbook.yml",
    "ops/alerts.yaml",
]


@pytest.fixture
def repository(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The scratch repository copied to a folder of its own, with the model rendered."""
    repo = tmp_path / "repo"
    shutil.copytree(SCRATCH, repo)
    monkeypatch.chdir(repo)
    assert run("render", "mesh/model.yaml", "-o", "mesh/istio.yaml")[0] == 0
    return repo


def test_the_repository_validates_clean_and_skips_what_is_not_ours(repository: Path) -> None:
    code, out, err = run("validate", "-v", ".", *NOT_OURS)
    assert code == 0, out
    assert "error" not in out and "warning" not in out, out
    for name in NOT_OURS:
        assert f"{name}: skipped the file:" in err, err
    assert "deploy/web.yaml: skipped v1 ConfigMap: no schema" in err
    assert "Deployment" not in err  # checked against Kubernetes' schema
    assert "deploy/kustomization.yaml: skipped kustomize.config.k8s.io/v1beta1" in err


def test_a_mistake_in_an_istio_file_is_found_with_its_position(repository: Path) -> None:
    routing = repository / "istio" / "routing.yaml"
    routing.write_text(routing.read_text().replace("subset: v1", "subset: v9"))
    code, out, _ = run("validate", "--complete", ".")
    assert code == 1
    assert "istio/routing.yaml:19:48: error: spec.http[0].route[0].destination.subset:" in out


def test_a_mistake_in_a_deployment_is_found_with_its_position(repository: Path) -> None:
    web = repository / "deploy" / "web.yaml"
    web.write_text(web.read_text().replace("containers:", "contianers:", 1))
    code, out, _ = run("validate", str(web))
    assert code == 1
    assert "deploy/web.yaml:16:7: error: spec.template.spec.contianers: unknown field" in out
    assert "missing required field 'containers'" in out


def test_list_items_are_checked_where_they_are(repository: Path) -> None:
    exported = repository / "istio" / "exported.yaml"
    exported.write_text(exported.read_text().replace("host: reviews", "hots: reviews"))
    code, out, _ = run("validate", str(exported))
    assert code == 1
    assert "istio/exported.yaml:9:7: error: items[0].spec.hots: unknown field" in out


def test_the_same_resource_twice_is_a_warning_naming_the_first(repository: Path) -> None:
    copy = repository / "istio" / "copy.yaml"
    copy.write_text((repository / "istio" / "routing.yaml").read_text().replace("/reviews", "/r"))
    code, out, _ = run("validate", "istio")
    assert code == 0
    for line, kind, name in ((3, "Gateway", "edge"), (12, "VirtualService", "storefront")):
        assert (
            f"istio/routing.yaml:{line}:18: warning: metadata.name: {kind} shop/{name} "
            f"is already defined at istio/copy.yaml:{line}"
        ) in out, out


def _hook_config(python: Path) -> str:
    """Our hooks as local hooks: pre-commit runs them as it runs any repository's."""
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    for hook in hooks:
        hook["language"] = "system"
        hook["entry"] = f"{python} -m meshgen {hook['entry'].removeprefix('meshgen ')}"
    return yaml.safe_dump({"repos": [{"repo": "local", "hooks": hooks}]}, sort_keys=False)


def _pre_commit(repo: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PRE_COMMIT_HOME": str(repo.parent / "pre-commit-home")}
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", "run", "--all-files", "--color", "never"],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.slow
def test_the_hooks_under_pre_commit(repository: Path) -> None:
    pytest.importorskip("pre_commit")
    git = shutil.which("git")
    if git is None:
        pytest.skip("git is not installed")
    (repository / ".pre-commit-config.yaml").write_text(_hook_config(Path(sys.executable)))
    subprocess.run([git, "init", "-q", "."], cwd=repository, check=True)
    subprocess.run([git, "add", "-A"], cwd=repository, check=True)

    clean = _pre_commit(repository)
    assert clean.returncode == 0, clean.stdout + clean.stderr

    routing = repository / "istio" / "routing.yaml"
    routing.write_text(routing.read_text().replace("protocol: HTTP", "protocol: HTTPX"))
    broken = _pre_commit(repository)
    assert broken.returncode == 1
    assert "istio/routing.yaml:7:48: error:" in broken.stdout, broken.stdout
    routing.write_text(routing.read_text().replace("protocol: HTTPX", "protocol: HTTP"))

    model = repository / "mesh" / "model.yaml"
    model.write_text(model.read_text().replace("route: v1", "route: v2"))
    stale = _pre_commit(repository)
    assert stale.returncode == 1
    assert (
        "mesh/istio.yaml: differs from rendering mesh/model.yaml; "
        "run: meshgen render mesh/model.yaml -o mesh/istio.yaml" in stale.stdout
    ), stale.stdout


def test_istio_samples_have_no_error_about_what_is_not_istio() -> None:
    samples = SHARED / "istio" / "samples"
    if not samples.is_dir():
        pytest.skip("../shared/istio/samples is not beside the checkout")
    _, out, _ = run("validate", "--format", "json", str(samples))

    errors = [f for f in json.loads(out) if f["severity"] == "error"]
    # Only Istio's own verdicts across files, about unrelated samples applied together:
    # VirtualServices that claim one host for every namespace (IST0109), and Gateways
    # that all serve `*` on port 80 of the same ingress pods (IST0145); istioctl analyze
    # says both as well.
    allowed = {("MG2401", "IST0109"), ("MG2437", "IST0145")}
    assert {(f["code"], f["istioCode"]) for f in errors} <= allowed, errors

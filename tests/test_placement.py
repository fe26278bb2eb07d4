"""Findings about rendered output land in the model: its file, the line of the field
that produced them, and the rendered resource named in the message, so editors and CI
annotations point at something that exists."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import MODEL_HEADER, run

MODEL = (
    MODEL_HEADER
    + """gateways:
  public:
    servers:
      - port: 443
        hosts: [shop.example.com]
        tls: {mode: SIMPLE}
services:
  reviews:
    hosts: [other.example.org]
    gateways: [public]
    subsets: [v1]
    routes:
      - route: v1
        retries: {attempts: 3, retryOn: "5xx,bogus"}
"""
)

# code: (line, column, model path, rendered resource and path)
EXPECTED = {
    "MG2113": (8, 14, "gateways.public.servers[0].tls", "Gateway public spec.servers[0].tls"),
    "MG2404": (12, 16, "services.reviews.gateways[0]", "VirtualService reviews spec.gateways[0]"),
    "MG2224": (
        16,
        41,
        "services.reviews.routes[0].retries.retryOn",
        "VirtualService reviews spec.http[0].retries.retryOn",
    ),
}


@pytest.fixture
def model(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "model.yaml").write_text(MODEL)
    return tmp_path / "model.yaml"


def test_each_output_finding_is_on_its_model_line(model: Path) -> None:
    code, out, _ = run("validate", "--format", "json", "model.yaml")
    assert code == 1
    findings = {f["code"]: f for f in json.loads(out)}
    for code_, (line, column, path, rendered) in EXPECTED.items():
        finding = findings[code_]
        assert finding["file"] == "model.yaml", finding
        assert (finding["line"], finding["column"]) == (line, column), finding
        assert finding["path"] == "$." + path
        assert finding["message"].endswith(f"(in the rendered {rendered})")
        assert MODEL.splitlines()[line - 1].strip(), "the line exists in the model"


def test_render_reports_in_the_model_and_ci_formats_carry_the_real_file(model: Path) -> None:
    code, _, err = run("render", "model.yaml")
    assert code == 1
    assert "model.yaml:16:41: error: services.reviews.routes[0].retries.retryOn:" in err
    _, out, _ = run("validate", "--format", "github", "model.yaml")
    assert "::error file=model.yaml,line=16,col=41," in out
    _, out, _ = run("validate", "--format", "sarif", "model.yaml")
    uris = {
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        for r in json.loads(out)["runs"][0]["results"]
    }
    assert uris == {"model.yaml"}

"""Validation against imported CRDs: every served version, strict fields, and CEL rules."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import SHARED
from helpers import MODEL_HEADER, run

from meshgen.findings import format_path
from meshgen.validation.crds import load_schema_file
from meshgen.validation.schemaset import bundled
from meshgen.validation.validate import validate_text

CRDS = SHARED / "istio" / "crd-all.gen.yaml"
KINDS = ("Gateway", "VirtualService", "DestinationRule")


@pytest.fixture(scope="module")
def crds() -> Path:
    if not CRDS.is_file():
        pytest.skip("../shared is not beside this checkout")
    return CRDS


@pytest.fixture(scope="module")
def schemas(crds: Path) -> Any:
    return bundled().overlaid(load_schema_file(str(crds)))


def _rules(crds: Path) -> list[tuple[str, str, str, str, str]]:
    """(kind, version, path pattern, rule, message) for every CEL rule of the three kinds."""
    found = []

    def walk(node: Any, path: str, kind: str, version: str) -> None:
        if not isinstance(node, dict):
            return
        for validation in node.get("x-kubernetes-validations") or []:
            found.append((kind, version, path, validation["rule"], validation["message"]))
        for name, child in (node.get("properties") or {}).items():
            walk(child, f"{path}.{name}", kind, version)
        walk(node.get("items"), f"{path}[]", kind, version)
        walk(node.get("additionalProperties"), f"{path}{{}}", kind, version)

    for crd in yaml.safe_load_all(crds.read_text()):
        if crd and crd["spec"]["names"]["kind"] in KINDS:
            for version in crd["spec"]["versions"]:
                walk(
                    version["schema"]["openAPIV3Schema"],
                    "",
                    crd["spec"]["names"]["kind"],
                    version["name"],
                )
    return found


def _values(rule: str) -> tuple[Any, Any]:
    """A value that breaks the rule and one that keeps it, by the rule's shape."""
    if rule == "duration(self) >= duration('1ms')":
        return "0.5ms", "1s"
    both = re.fullmatch(
        r"\(has\(self\.(\w+)\) \? 1 : 0\) \+ \(has\(self\.(\w+)\) \? 1 : 0\) <= 1", rule
    )
    if both:
        return {both[1]: ["x"], both[2]: ["y"]}, {both[1]: ["x"]}
    if rule == 'self.all(key, !key.contains("*"))':
        return {"app*": "x"}, {"app": "x"}
    if rule == "self.all(key, key.size() != 0)":
        return {"": "x"}, {"app": "x"}
    if rule == '!self.contains("*")':
        return "v*", "v1"
    raise AssertionError(f"no test values for a new kind of rule: {rule}")


def _document(kind: str, version: str, pattern: str, value: Any) -> tuple[dict[str, Any], tuple]:
    """A minimal manifest with ``value`` at ``pattern``, and the concrete path to it."""
    tokens = re.findall(r"\.(\w+)|(\[\])|(\{\})", pattern)
    path: list[str | int] = []
    for name, item, _entry in tokens:
        path.append(name or (0 if item else "k"))
    root: Any = value
    for part in reversed(path):
        root = [root] if part == 0 else {part: root}
    root.update(
        {"apiVersion": f"networking.istio.io/{version}", "kind": kind, "metadata": {"name": "x"}}
    )
    return root, tuple(path)


def test_imports_every_served_version_of_every_kind(crds: Path) -> None:
    imported = load_schema_file(str(crds))
    for kind in KINDS:
        assert sorted(imported.served_versions("networking.istio.io", kind)) == [
            "v1",
            "v1alpha3",
            "v1beta1",
        ]
    assert imported.knows_kind("networking.istio.io", "ServiceEntry")


def test_every_sample_validates_on_its_own(crds: Path) -> None:
    for sample in sorted((SHARED / "istio" / "samples").rglob("*.yaml")):
        code, out, _ = run("validate", "--crds", str(crds), str(sample))
        assert code == 0, out
        assert ": error: " not in out


def test_every_istio_kind_is_checked_with_or_without_the_crds(crds: Path) -> None:
    sample = SHARED / "istio" / "samples" / "testdata-config" / "se-example.yaml"
    _, plain, _ = run("validate", str(sample))
    _, with_crds, _ = run("validate", "--crds", str(crds), str(sample))
    checked = lambda out: int(out.rsplit("(", 1)[1].split()[0])  # noqa: E731
    assert checked(plain) == checked(with_crds) > 0


def test_current_fields_are_known_with_or_without_the_crds(crds: Path) -> None:
    manifest = (
        "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: r}\n"
        "spec:\n  hosts: [r]\n  http:\n  - route: [{destination: {host: r}}]\n"
        "    retries: {attempts: 2, backoff: 25ms}\n"
    )
    assert run("validate", "-", stdin=manifest)[0] == 0
    assert run("validate", "--crds", str(crds), "-", stdin=manifest)[0] == 0
    misspelled = manifest.replace("backoff", "bakoff")
    assert "retries.bakoff: unknown field" in run("validate", "-", stdin=misspelled)[1]


def test_every_cel_rule_of_the_three_kinds_both_ways(crds: Path, schemas: Any) -> None:
    rules = _rules(crds)
    assert len(rules) >= 100
    for kind, version, pattern, rule, message in rules:
        bad, good = _values(rule)
        for value, should_fail in ((bad, True), (good, False)):
            document, path = _document(kind, version, pattern, value)
            report = validate_text(json.dumps(document), "case.json", schemas)
            hits = [
                f
                for f in report.findings
                if f.code == "MG106" and f.path == format_path(path) and f.message.endswith(message)
            ]
            assert bool(hits) == should_fail, (kind, version, pattern, rule, value, report.findings)


def test_kubernetes_string_extensions_evaluate(crds: Path) -> None:
    entry = (
        "apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata: {name: uds}\n"
        "spec:\n  hosts: [uds.example.com]\n  ports: [{number: 80, name: http, protocol: HTTP}]\n"
        "  resolution: STATIC\n  endpoints:\n  - address: ADDRESS\n"
    )
    ok = run(
        "validate", "--crds", str(crds), "-", stdin=entry.replace("ADDRESS", "unix:///var/run/s")
    )
    bad = run(
        "validate", "--crds", str(crds), "-", stdin=entry.replace("ADDRESS", "unix://relative")
    )
    assert ok[0] == 0, ok[1]
    assert bad[0] == 1
    assert "UDS must be an absolute path or abstract socket [MG106]" in bad[1]


def test_imported_bundle_gives_the_same_verdicts(crds: Path, tmp_path: Path) -> None:
    bundle = tmp_path / "schemas.json"
    code, _, err = run("schemas", "import", str(crds), "-o", str(bundle))
    assert code == 0 and err.startswith("stored ")
    stored = json.loads(bundle.read_text())
    assert stored["format"] == "meshgen-schemas/1" and stored["source"] == "crd-all.gen.yaml"
    target = SHARED / "istio" / "samples"
    assert run("validate", "--crds", str(bundle), str(target)) == run(
        "validate", "--crds", str(crds), str(target)
    )


def test_kubectl_list_output_is_read(crds: Path, tmp_path: Path) -> None:
    items = [d for d in yaml.safe_load_all(crds.read_text()) if d]
    listed = tmp_path / "crds.yaml"
    listed.write_text(yaml.safe_dump({"apiVersion": "v1", "kind": "List", "items": items}))
    assert (
        load_schema_file(str(listed)).schemas.keys() == load_schema_file(str(crds)).schemas.keys()
    )


def test_a_file_without_crds_is_an_input_error(tmp_path: Path) -> None:
    empty = tmp_path / "none.yaml"
    empty.write_text("apiVersion: v1\nkind: ConfigMap\n")
    code, out, err = run("validate", "--crds", str(empty), str(empty))
    assert (code, out) == (1, "")
    assert err == f"meshgen: {empty}: holds no CustomResourceDefinition with a schema\n"


def test_render_checks_newer_fields_against_the_given_crds(crds: Path, tmp_path: Path) -> None:
    model = tmp_path / "model.yaml"
    model.write_text(
        MODEL_HEADER
        + "services:\n  reviews:\n    routes:\n      - retries: {attempts: 3, backoff: 25ms}\n"
    )
    code, out, err = run("render", str(model))
    assert (code, err) == (0, "")
    code, out, err = run("render", str(model), "--crds", str(crds))
    assert (code, err) == (0, "")
    assert "backoff: 25ms" in out


SMALL_CRD = """\
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.com}
spec:
  group: example.com
  names: {kind: Widget, plural: widgets}
  scope: Namespaced
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec: {type: object, properties: {size: {type: integer}}}
"""


def _refuse_to_parse(*_: Any) -> Any:
    raise AssertionError("the CRD YAML was parsed again")


def test_a_crd_file_is_read_from_its_cached_bundle_next_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from meshgen.validation import crds

    monkeypatch.setenv("MESHGEN_CACHE_DIR", str(tmp_path / "cache"))
    first = crds._cached_schemas_from_crds(SMALL_CRD, "widgets.yaml")
    (stored,) = (tmp_path / "cache" / "crds").iterdir()
    assert stored.stem == hashlib.sha256(SMALL_CRD.encode()).hexdigest()
    monkeypatch.setattr(crds, "schemas_from_crds", _refuse_to_parse)
    assert crds._cached_schemas_from_crds(SMALL_CRD, "widgets.yaml") == first
    with pytest.raises(AssertionError, match="parsed again"):  # other text, other key
        crds._cached_schemas_from_crds(SMALL_CRD.replace("integer", "string"), "widgets.yaml")


@pytest.mark.parametrize("damage", ["not json", '{"format":"meshgen-schemas/1"}', ""])
def test_a_damaged_cache_entry_is_read_again_from_the_yaml(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, damage: str
) -> None:
    from meshgen.validation import crds

    monkeypatch.setenv("MESHGEN_CACHE_DIR", str(tmp_path))
    expected = crds.schemas_from_crds(SMALL_CRD)
    stored = tmp_path / "crds" / f"{hashlib.sha256(SMALL_CRD.encode()).hexdigest()}.json"
    stored.parent.mkdir()
    stored.write_text(damage)
    assert crds._cached_schemas_from_crds(SMALL_CRD, "widgets.yaml") == expected
    assert json.loads(stored.read_text())["schemas"]  # and stored again, whole


def test_the_cache_can_be_turned_off_or_be_unwritable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from meshgen.validation import crds

    expected = crds.schemas_from_crds(SMALL_CRD)
    monkeypatch.setenv("MESHGEN_CACHE_DIR", "")
    assert crds.cache_folder() is None
    assert crds._cached_schemas_from_crds(SMALL_CRD, "widgets.yaml") == expected
    blocked = tmp_path / "a-file"
    blocked.write_text("")
    monkeypatch.setenv("MESHGEN_CACHE_DIR", str(blocked))
    assert crds._cached_schemas_from_crds(SMALL_CRD, "widgets.yaml") == expected
    assert list(tmp_path.iterdir()) == [blocked]


def test_the_cache_lives_in_the_users_cache_folder(monkeypatch: pytest.MonkeyPatch) -> None:
    from meshgen.validation import crds

    monkeypatch.delenv("MESHGEN_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", "/somewhere/cache")
    assert crds.cache_folder() == Path("/somewhere/cache/meshgen")
    monkeypatch.setenv("XDG_CACHE_HOME", "relative")  # not absolute: ignored, as XDG says
    monkeypatch.setenv("HOME", "/home/user")
    assert crds.cache_folder() == Path("/home/user/.cache/meshgen")

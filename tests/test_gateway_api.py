"""--crds as a general CRD importer: the Kubernetes Gateway API v1.6.0 CRDs (../shared)
accept each of the project's valid examples and reject each invalid one, which takes what
the API server does before CEL: schema defaults, list-type uniqueness, and property names
escaped as CEL spells them (`namespace` is `self.__namespace__`)."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import SHARED

from meshgen import InputError, validate
from meshgen.errors import UsageError
from meshgen.validation.cel import escaped
from meshgen.validation.cel_library import URL

GATEWAY_API = SHARED / "gateway-api"


def _examples(outcome: str) -> list[Path]:
    folder = GATEWAY_API / "examples" / outcome
    return sorted(folder.glob("*.yaml")) if folder.is_dir() else []


def _errors(example: Path, schemas: str) -> list[str]:
    """Errors on an example, checked with the upstream CRDs of its channel (``crds``) or
    with the bundled schemas of its channel (``bundled``)."""
    channel = example.name.split("__", 1)[0]
    if schemas == "crds":
        report = validate(str(example), crds=str(GATEWAY_API / f"crds-{channel}-v1.6.0.yaml"))
    else:
        channel = "standard" if schemas == "bundled-standard" else channel
        report = validate(str(example), gateway_api_channel=channel)
    return [f"{f.line}: {f.message} [{f.code}]" for f in report.findings if f.is_error]


@pytest.mark.skipif(not _examples("valid"), reason="../shared/gateway-api is not here")
@pytest.mark.parametrize("schemas", ["bundled", "crds"])
@pytest.mark.parametrize("example", _examples("valid") or [None], ids=lambda p: p and p.name)
def test_a_valid_example_is_accepted(example: Path, schemas: str) -> None:
    assert _errors(example, schemas) == []


@pytest.mark.skipif(not _examples("invalid"), reason="../shared/gateway-api is not here")
@pytest.mark.parametrize("schemas", ["bundled", "crds"])
@pytest.mark.parametrize("example", _examples("invalid") or [None], ids=lambda p: p and p.name)
def test_an_invalid_example_is_rejected(example: Path, schemas: str) -> None:
    assert _errors(example, schemas) != []


_RETRY = """\
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: web, namespace: shop}
spec:
  rules:
  - retry: {attempts: 2}
    backendRefs: [{name: web, port: 8080}]
---
apiVersion: gateway.networking.k8s.io/v1alpha2
kind: TCPRoute
metadata: {name: db, namespace: shop}
spec:
  rules:
  - backendRefs: [{name: db, port: 5432}]
"""


def test_the_standard_channel_refuses_what_only_the_experimental_channel_serves() -> None:
    assert validate(_RETRY).findings == []
    found = validate(_RETRY, gateway_api_channel="standard").findings
    assert [(f.line, f.code) for f in found] == [(6, "MG100"), (9, "MG104")]


def test_a_channel_that_does_not_exist_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="experimental or standard"):
        validate(_RETRY, gateway_api_channel="beta")


_CRD = """\
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {{name: {plural}.example.com}}
spec:
  group: example.com
  names: {{kind: {kind}, plural: {plural}}}
  scope: Namespaced
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema: {{type: object}}
"""


def test_a_crd_file_with_a_missing_separator_is_refused_with_a_hint(tmp_path: Path) -> None:
    # Two CRDs run together without `---`: kubectl refuses the duplicate keys, and so
    # does meshgen, saying where and why.
    crds = tmp_path / "crds.yaml"
    first = _CRD.format(kind="Widget", plural="widgets")
    crds.write_text(first + _CRD.format(kind="Gadget", plural="gadgets"))
    example = tmp_path / "widget.yaml"
    example.write_text("apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n")
    with pytest.raises(InputError) as error:
        validate(str(example), crds=str(crds))
    (finding,) = error.value.findings
    line = first.count("\n") + 1
    assert (finding.code, finding.line) == ("MG002", line)
    assert finding.message.endswith(f"is a '---' line missing before line {line}?")


@pytest.mark.parametrize(
    ("name", "cel"),
    [
        ("namespace", "__namespace__"),
        ("if", "__if__"),
        ("x-y", "x__dash__y"),
        ("a.b/c", "a__dot__b__slash__c"),
        ("a__b", "a__underscores__b"),
        ("name", "name"),
    ],
)
def test_property_names_are_escaped_as_kubernetes_does(name: str, cel: str) -> None:
    assert escaped(name) == cel


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        (
            "https://auth.example.com:8443/keys?x=1",
            ("https", "auth.example.com:8443", "auth.example.com", "8443"),
        ),
        ("file:///opt/filters/openid.wasm", ("file", "", "", "")),
        ("oci://ghcr.io/example/filter:1.0", ("oci", "ghcr.io", "ghcr.io", "")),
        ("http://[2001:db8::1]:80/", ("http", "[2001:db8::1]:80", "2001:db8::1", "80")),
        ("/only/a/path", ("", "", "", "")),
    ],
)
def test_url_parts(text: str, parts: tuple[str, str, str, str]) -> None:
    url = URL.parse(text)
    assert url is not None
    assert (url.scheme, url.host, url.hostname, url.port) == parts


@pytest.mark.parametrize("text", ["test", "relative/path", "http://a b", "https://host:port/"])
def test_what_is_not_a_url(text: str) -> None:
    assert URL.parse(text) is None

"""--crds as a general CRD importer: the Kubernetes Gateway API v1.6.0 CRDs (../shared)
accept each of the project's valid examples and reject each invalid one, which takes what
the API server does before CEL: schema defaults, list-type uniqueness, and property names
escaped as CEL spells them (`namespace` is `self.__namespace__`)."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import SHARED

from meshgen import InputError, validate
from meshgen.validation.cel import escaped
from meshgen.validation.cel_library import URL

GATEWAY_API = SHARED / "gateway-api"


def _examples(outcome: str) -> list[Path]:
    folder = GATEWAY_API / "examples" / outcome
    return sorted(folder.glob("standard__*.yaml")) if folder.is_dir() else []


def _errors(example: Path) -> list[str]:
    report = validate(str(example), crds=str(GATEWAY_API / "crds-standard-v1.6.0.yaml"))
    return [f"{f.line}: {f.message} [{f.code}]" for f in report.findings if f.is_error]


@pytest.mark.skipif(not _examples("valid"), reason="../shared/gateway-api is not here")
@pytest.mark.parametrize("example", _examples("valid") or [None], ids=lambda p: p and p.name)
def test_a_valid_example_is_accepted(example: Path) -> None:
    assert _errors(example) == []


@pytest.mark.skipif(not _examples("invalid"), reason="../shared/gateway-api is not here")
@pytest.mark.parametrize("example", _examples("invalid") or [None], ids=lambda p: p and p.name)
def test_an_invalid_example_is_rejected(example: Path) -> None:
    assert _errors(example) != []


@pytest.mark.skipif(not GATEWAY_API.is_dir(), reason="../shared/gateway-api is not here")
def test_a_crd_file_with_a_missing_separator_is_refused_with_a_hint() -> None:
    # The experimental channel's file runs two CRDs together at line 1413 (no `---`):
    # kubectl refuses the duplicate keys, and so does meshgen, saying where and why.
    crds = GATEWAY_API / "crds-experimental-v1.6.0.yaml"
    example = GATEWAY_API / "examples" / "valid" / "experimental__basic-tcp.yaml"
    with pytest.raises(InputError) as error:
        validate(str(example), crds=str(crds))
    (finding,) = error.value.findings
    assert (finding.code, finding.line) == ("MG002", 1413)
    assert finding.message.endswith("is a '---' line missing before line 1413?")


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

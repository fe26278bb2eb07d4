"""Mesh settings (--mesh-config, or the istio ConfigMap in the input) change what the
checks across resources conclude, as istioctl analyze's --meshConfigFile does."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import run

SERVICE_ENTRY = """\
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: db, namespace: default}
spec:
  hosts: [db.example.com]
  location: MESH_EXTERNAL
  resolution: DNS
  ports: [{number: 5432, name: tcp-postgres, protocol: TCP}]
"""
ALLOCATING = """\
defaultConfig:
  proxyMetadata: {ISTIO_META_DNS_CAPTURE: "true", ISTIO_META_DNS_AUTO_ALLOCATE: "true"}
"""


NETWORKS = """\
networks:
  east:
    endpoints: [{fromRegistry: cluster-east}]
    gateways: [{address: 203.0.113.10, port: 15443}]
"""


def _indented(text: str, by: int) -> str:
    return "".join(" " * by + line for line in text.splitlines(keepends=True))


FORMS = {
    "MeshConfig": ALLOCATING,
    "istio ConfigMap": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: istio, namespace: "
    "istio-system}\ndata:\n  mesh: |\n" + _indented(ALLOCATING, 4),
    "IstioOperator": "apiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\nspec:\n"
    "  meshConfig:\n" + _indented(ALLOCATING, 4),
    "Helm values": "meshConfig:\n" + _indented(ALLOCATING, 2),
}


def test_default_mesh_settings_need_service_entry_addresses(tmp_path: Path) -> None:
    (tmp_path / "se.yaml").write_text(SERVICE_ENTRY)
    code, out, _ = run("validate", "--strict", str(tmp_path / "se.yaml"))
    assert code == 1 and "[MG2436/IST0134]" in out


@pytest.mark.parametrize("form", FORMS)
def test_mesh_config_is_read_in_every_form_it_is_kept_in(tmp_path: Path, form: str) -> None:
    (tmp_path / "se.yaml").write_text(SERVICE_ENTRY)
    (tmp_path / "mesh.yaml").write_text(FORMS[form])
    code, out, _ = run(
        "validate",
        "--strict",
        "--mesh-config",
        str(tmp_path / "mesh.yaml"),
        str(tmp_path / "se.yaml"),
    )
    assert code == 0 and "MG2436" not in out, out


def test_the_istio_config_map_in_the_input_is_the_mesh_settings(tmp_path: Path) -> None:
    (tmp_path / "se.yaml").write_text(SERVICE_ENTRY + "---\n" + FORMS["istio ConfigMap"])
    code, out, _ = run("validate", "--strict", str(tmp_path / "se.yaml"))
    assert code == 0 and "MG2436" not in out, out


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (
            "kind: Deployment\nmetadata: {name: web}\n",
            "mesh.yaml:1:1: error: holds no mesh settings",
        ),
        ("defaultConfig: [\n", "mesh.yaml:2:1: error: YAML syntax error"),
        (ALLOCATING + "---\n" + ALLOCATING, "holds 2 sets of mesh settings; give one"),
        (NETWORKS + "---\n" + NETWORKS, "holds 2 sets of mesh networks; give one"),
    ],
)
def test_unusable_mesh_config_is_an_error_naming_the_file(
    tmp_path: Path, content: str, expected: str
) -> None:
    (tmp_path / "se.yaml").write_text(SERVICE_ENTRY)
    (tmp_path / "mesh.yaml").write_text(content)
    code, out, err = run(
        "validate", "--mesh-config", str(tmp_path / "mesh.yaml"), str(tmp_path / "se.yaml")
    )
    assert code == 1 and expected in out, out + err
    assert "Traceback" not in err


def test_mesh_networks_from_the_mesh_config_file_are_checked_where_written(
    tmp_path: Path,
) -> None:
    (tmp_path / "se.yaml").write_text(SERVICE_ENTRY)
    (tmp_path / "mesh.yaml").write_text(ALLOCATING + "---\n" + NETWORKS)
    code, out, _ = run(
        "validate", "--mesh-config", str(tmp_path / "mesh.yaml"), str(tmp_path / "se.yaml")
    )
    assert code == 1, out
    assert "mesh.yaml:6:32: error: networks.east.endpoints[0].fromRegistry" in out
    assert "[MG2459/IST0126]" in out and "MG2436" not in out

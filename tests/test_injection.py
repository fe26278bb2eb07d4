"""No value in a model can change the structure of the rendered YAML.

Hostile strings go through every kind of place a user's text reaches the output (names,
namespaces, hosts, subset names, label keys and values, header names and values, rule
names, gateway names) and must read back exactly, with both a YAML 1.2 reader (ruamel)
and a YAML 1.1 reader (PyYAML, which reads like kubectl's).
"""

from __future__ import annotations

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import meshgen
from meshgen import model as models
from meshgen import yamlio

HOSTILE_PIECES = [
    "\n",
    "\r\n",
    ": ",
    ":",
    "#",
    " #",
    "'",
    '"',
    "\\",
    "{{ x }}",
    "{% if %}",
    "*alias",
    "&anchor",
    "!!python/object:os.system",
    "!tag",
    "- ",
    "? ",
    "|",
    ">",
    "%",
    "@",
    "`",
    " ",
    "  leading",
    "trailing  ",
    "\t",
    "\u2028",
    "\u2029",
    "\x85",
    "\ufeff",
    "\x00",
    "\x1b[31m",
    "null",
    "~",
    "true",
    "no",
    "on",
    "1e3",
    "0x1F",
    "0o17",
    "1_000",
    "12:30",
    "2001-12-14",
    ".inf",
    "---",
    "...",
    "<<",
    "=",
    "[",
    "]",
    "{",
    "}",
    ",",
    "é",
    "日本",
    "😀",
    "\U0001f600x",
]

hostile = st.one_of(
    st.text(min_size=1, max_size=40),
    st.lists(
        st.one_of(st.sampled_from(HOSTILE_PIECES), st.text(max_size=5)), min_size=1, max_size=6
    ).map("".join),
).filter(lambda s: s != "")


def _readers(text: str) -> list[list[dict]]:
    return [
        [d for d in yamlio.load_all(text) if d is not None],
        [d for d in yaml.safe_load_all(text) if d is not None],
    ]


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    service=hostile,
    namespace=hostile,
    host=hostile,
    public_host=hostile,
    subset=hostile,
    label_key=hostile,
    label_value=hostile,
    header=hostile,
    header_value=hostile,
    rule_name=hostile,
    gateway=hostile.filter(lambda s: "/" not in s and s != "mesh"),
    gateway_host=hostile,
)
def test_hostile_strings_round_trip(
    service: str,
    namespace: str,
    host: str,
    public_host: str,
    subset: str,
    label_key: str,
    label_value: str,
    header: str,
    header_value: str,
    rule_name: str,
    gateway: str,
    gateway_host: str,
) -> None:
    mesh = models.Mesh(
        defaults=models.Defaults(namespace=namespace),
        gateways={gateway: models.Gateway(servers=[models.Server(port=80, hosts=[gateway_host])])},
        services={
            service: models.Service(
                host=host,
                hosts=[public_host],
                gateways=[gateway],
                subsets={subset: models.Subset(labels={label_key: label_value})},
                routes=[
                    models.RouteRule(
                        name=rule_name,
                        match=[models.Match(headers={header: header_value})],
                        route=subset,
                        headers=models.Headers(
                            request=models.HeaderOperations(set={header: header_value})
                        ),
                    )
                ],
            )
        },
    )
    text = meshgen.render_yaml(mesh)
    built = meshgen.render(mesh)  # the data, built without reading the text back
    for documents in _readers(text):
        assert documents == built
        gw, dr, vs = documents
        assert gw["metadata"] == {"name": gateway, "namespace": namespace}
        assert gw["spec"]["servers"][0]["hosts"] == [gateway_host]
        assert dr["metadata"] == {"name": service, "namespace": namespace}
        assert dr["spec"] == {
            "host": host,
            "subsets": [{"name": subset, "labels": {label_key: label_value}}],
        }
        assert vs["metadata"] == {"name": service, "namespace": namespace}
        assert vs["spec"]["hosts"] == [public_host]
        assert vs["spec"]["gateways"] == [gateway]
        assert vs["spec"]["http"] == [
            {
                "name": rule_name,
                "match": [{"headers": {header: {"exact": header_value}}}],
                "route": [{"destination": {"host": host, "subset": subset}}],
                "headers": {"request": {"set": {header: header_value}}},
            }
        ]
    assert len(text.splitlines()) == len(meshgen.render_yaml(_plain_twin(mesh)).splitlines())


def _plain_twin(mesh: meshgen.Mesh) -> meshgen.Mesh:
    """The same mesh with every string replaced by a harmless one: same line count."""
    return models.Mesh(
        gateways={"gw": models.Gateway(servers=[models.Server(port=80, hosts=["h"])])},
        services={
            "svc": models.Service(
                host="h",
                hosts=["p"],
                gateways=["gw"],
                subsets={"s": models.Subset(labels={"k": "v"})},
                routes=[
                    models.RouteRule(
                        name="r",
                        match=[models.Match(headers={"x": "y"})],
                        route="s",
                        headers=models.Headers(request=models.HeaderOperations(set={"x": "y"})),
                    )
                ],
            )
        },
    )

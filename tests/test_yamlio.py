"""The emitter writes scalars that read back as themselves, in the kubectl style."""

from __future__ import annotations

import pytest
import yaml

from meshgen import yamlio


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("catalog", "catalog"),
        ("/orders", "/orders"),
        ("version-v1", "version-v1"),
        ("2s", "2s"),
        ("3m", "3m"),
        ("helloworld-v1.default.svc.cluster.local", "helloworld-v1.default.svc.cluster.local"),
        ("*", '"*"'),
        ("v2", "v2"),
        ("yes", '"yes"'),
        ("No", '"No"'),
        ("on", '"on"'),
        ("null", '"null"'),
        ("~", '"~"'),
        ("1", '"1"'),
        ("1.5", '"1.5"'),
        ("1e3", '"1e3"'),
        ("0x1F", '"0x1F"'),
        ("2001-12-14", '"2001-12-14"'),
        ("", '""'),
        ("a b", '"a b"'),
        ("a\nb", '"a\\nb"'),
        ('say "hi"', '"say \\"hi\\""'),
        ("\u2028", '"\\u2028"'),
        ("\x85", '"\\x85"'),
        ("é", '"é"'),
        (True, "true"),
        (None, "null"),
        (50, "50"),
        (50.0, "50.0"),
        (1e-05, "1.0e-05"),
        (float("inf"), ".inf"),
    ],
)
def test_scalar(value: object, text: str) -> None:
    assert yamlio.scalar(value) == text
    assert yaml.safe_load(f"k: {text}")["k"] == value
    assert yamlio.load_one(f"k: {text}")["k"] == value


def test_block_layout_is_the_kubectl_style() -> None:
    value = {"spec": {"hosts": ["a"], "http": [{"route": [{"destination": {"host": "a"}}]}]}}
    assert yamlio.emit(value) == (
        "spec:\n  hosts:\n  - a\n  http:\n  - route:\n    - destination:\n        host: a"
    )


def test_empty_collections_and_nested_lists() -> None:
    value = {"a": {}, "b": [], "c": [[1, 2], []]}
    assert yamlio.load_one(yamlio.emit(value)) == value


def test_keys_longer_than_yaml_allows_implicitly_use_explicit_keys() -> None:
    long_key = "k" * 2000
    value = {"labels": {long_key: "v", "short": {long_key: [1]}}, "list": [{long_key: 1}]}
    text = yamlio.emit(value)
    assert "? " in text
    assert yamlio.load_one(text) == value
    assert yaml.safe_load(text) == value


def test_positions_point_at_keys_and_values() -> None:
    index = yamlio.PositionIndex("a:\n  b: [1, 2]\n  c:\n  - x: 1\n")
    assert index.locate(["a", "b", 1]) == yamlio.Position(2, 10)
    assert index.locate(["a", "c"], key=True) == yamlio.Position(3, 3)
    assert index.locate(["a", "c", 0, "x"]) == yamlio.Position(4, 8)
    # Elements that do not apply are skipped; a path leaving the file stops where it was.
    assert index.locate(["a", 0, "b", "missing"]) == yamlio.Position(2, 6)


@pytest.mark.parametrize(
    ("data", "text"),
    [
        (b"\xef\xbb\xbfa: 1\n", "a: 1\n"),
        ("a: é\n".encode("utf-16"), "a: é\n"),
        ("a: é\n".encode("utf-32"), "a: é\n"),
    ],
)
def test_decode_follows_the_byte_order_mark(data: bytes, text: str) -> None:
    assert yamlio.decode(data, "f.yaml") == text


def test_invalid_utf8_is_placed() -> None:
    with pytest.raises(yamlio.InputError) as raised:
        yamlio.decode(b"a: 1\nb: \xff\n", "f.yaml")
    finding = raised.value.findings[0]
    assert (finding.file, finding.line, finding.column) == ("f.yaml", 2, 4)


STREAMS = [
    "a: 1\n---\nb: 2\n---\nc: {d: 3}\n",
    "# leading comment\n---\na: 1\n---\n# only a comment\n---\nb: [1, 2]\n",
    "--- {a: 1}\n--- {b: 2}\n---\nc: 3\n",
    "a: |\n  text\n  more\n---\nb: 2\n",
    "---\n---\na: 1\n",
    "%YAML 1.1\n---\na: 1\n...\n---\nb: 2\n",
    "a: 1\n---   \nb:\n  c: 2\n",
]


@pytest.mark.parametrize("text", STREAMS)
def test_each_document_is_placed_where_the_whole_stream_places_it(text: str) -> None:
    import yaml
    from yaml.nodes import MappingNode

    index = yamlio.PositionIndex(text)
    for number, node in enumerate(yaml.compose_all(text, Loader=yaml.CSafeLoader)):
        if not isinstance(node, MappingNode):
            continue
        for key, value in node.value:
            where = index.locate([key.value], document=number)
            assert (where.line, where.column) == (
                value.start_mark.line + 1,
                value.start_mark.column + 1,
            ), (number, key.value)

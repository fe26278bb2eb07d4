"""The emitter writes scalars that read back as themselves, in the kubectl style."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

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


def _stock_loader() -> type:
    """PyYAML's own safe loader, reading dates as text as meshgen does."""

    class Stock(yaml.SafeLoader):
        pass

    Stock.add_constructor("tag:yaml.org,2002:timestamp", Stock.construct_yaml_str)
    return Stock


BUILT_AS_PYYAML_BUILDS = [
    "a: 1\nb: [x, 'y', \"z\", 1.5, .inf, ~, null, true, on, 0x1f, 0o17, 1_000]\n",
    "when: 2001-12-14\nat: 2001-12-14t21:59:43.10-05:00\n",
    "80: http\n1.5: x\nnull: y\ntrue: z\n",
    "base: &base {a: 1, b: 2}\nchild:\n  <<: *base\n  b: 3\n",
    "one: &one {a: 1}\ntwo: &two {b: 2}\nboth:\n  <<: [*one, *two]\n  c: 3\n",
    "s: !!str 123\ni: !!int '7'\nf: !!float '1'\nb: !!bool 'yes'\nn: !!null ''\n",
    "pairs: !!omap [{a: 1}, {b: 2}]\n",
    "list: &l [1, 2]\nsame: *l\n",
    "deep: [[[[{a: [{b: {c: [1]}}]}]]]]\n",
    "'': empty key\n? |\n  block key\n: value\n",
]


@pytest.mark.parametrize("text", BUILT_AS_PYYAML_BUILDS)
def test_the_loader_builds_what_pyyaml_builds(text: str) -> None:
    ours, stock = yamlio.load_all(text), list(yaml.load_all(text, Loader=_stock_loader()))
    assert repr(ours) == repr(stock)  # repr: a list that holds itself compares by shape


def test_the_loader_builds_each_alias_once() -> None:
    data = yamlio.load_one("a: &x {k: [1]}\nb: *x\nc: [*x, *x]\n")
    assert data["a"] is data["b"] is data["c"][0] is data["c"][1]


@pytest.mark.parametrize(
    ("text", "message", "line"),
    [
        ("a: 1\nb: 2\na: 3\n", "duplicate key 'a'", 3),
        ("base: &b {a: 1}\nc:\n  <<: *b\n  d: 1\n  d: 2\n", "duplicate key 'd'", 5),
        ("? [a]\n: 1\n", "YAML syntax error", 1),
        ("a: !!binary aGk=\n", "YAML tag !!binary is not allowed", 1),
        ("a: !custom x\n", "YAML tag !custom is not allowed", 1),
        ("a: !!set {x}\n", "YAML tag !!set is not allowed", 1),
        ("a:\n  <<: 1\n", "YAML syntax error", 2),
        ("a: !!int\n", "'' cannot be read as !!int", 1),
        ("a: [1, !!bool x]\n", "'x' cannot be read as !!bool", 1),
    ],
)
def test_the_loader_refuses_what_a_manifest_cannot_hold(text: str, message: str, line: int) -> None:
    _, problem = yamlio.load_all_partial(text, "f.yaml")
    assert problem is not None and message in problem.message, problem
    assert problem.line == line


YAML_PIECES = [
    "a", "b", "1", "0x1f", "1.5", "true", "null", "~", "'q'", '"d\\n"', ": ", "- ", "\n",
    "  ", "---\n", "...\n", "[", "]", "{", "}", ", ", "!!str ", "!!int ", "!!map ", "!x ",
    "? ", " #c", "|\n  t\n", "2001-12-14", "&a ", "*a", "<<: ", "\t", "%YAML 1.1\n",
]  # fmt: skip


@settings(max_examples=1000, deadline=None)
@given(st.lists(st.sampled_from(YAML_PIECES), max_size=40).map("".join))
def test_reading_events_gives_what_reading_nodes_gives(text: str) -> None:
    """Documents, the first problem and its place: the same from libyaml's events as
    from its node tree, or the events leave the text to the nodes."""
    limits = yamlio.DEFAULT_LIMITS
    try:
        from_events = yamlio._read(text, "f.yaml", limits, from_events=True, check_shape=False)
    except yamlio.NeedsNodes:
        return
    from_nodes = yamlio._read(text, "f.yaml", limits, from_events=False, check_shape=False)
    assert repr(from_events) == repr(from_nodes)


def test_reading_a_large_document_never_holds_its_node_tree() -> None:
    import tracemalloc

    text = "services:\n" + "".join(
        f"  s{i}:\n    subsets: [v1, v2]\n    routes: [{{route: v1, timeout: 1s}}]\n"
        for i in range(2000)
    )

    def peak(read: Callable[[], object]) -> int:
        tracemalloc.start()
        try:
            read()
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    limits = yamlio.DEFAULT_LIMITS
    nodes = peak(lambda: yamlio._read(text, "f", limits, from_events=False, check_shape=False))
    assert peak(lambda: yamlio.load_all(text)) < nodes / 2


def test_a_collection_that_holds_itself_is_refused() -> None:
    _, problem = yamlio.load_all_partial("- &a [*a]\n", "f.yaml")
    assert problem is not None and "nests deeper than" in problem.message


def test_merged_keys_may_be_overridden() -> None:
    data = yamlio.load_one("base: &b {a: 1, d: 0}\nc:\n  <<: *b\n  d: 1\n")
    assert data["c"] == {"a": 1, "d": 1}


ROOT = Path(__file__).resolve().parent.parent
OUR_YAML = sorted(
    path
    for folder in ("examples", "tests/cases", "tests/repository")
    for path in (ROOT / folder).rglob("*.y*ml")
)


@pytest.mark.parametrize("path", OUR_YAML, ids=lambda p: str(p.relative_to(ROOT)))
def test_the_loader_builds_our_yaml_as_pyyaml_builds(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    try:
        stock = list(yaml.load_all(text, Loader=_stock_loader()))
    except yaml.YAMLError:
        assert yamlio.load_all_partial(text)[1] is not None
        return
    ours, problem = yamlio.load_all_partial(text)
    assert problem is None or problem.code == "MG002"  # PyYAML keeps the last of duplicates
    if problem is None:
        assert ours == stock


def test_loading_leaves_no_garbage_for_the_collector() -> None:
    # Reference cycles would keep every parsed node alive until a full collection, which
    # on many files costs more than the parse.
    import gc

    text = "a: &x {k: [1, 2]}\nb: *x\nc: {d: [e, {f: g}]}\n---\nh: i\n"
    yamlio.load_all(text)
    gc.collect()
    gc.disable()
    try:
        yamlio.load_all(text)
        assert gc.collect() == 0
    finally:
        gc.enable()


@pytest.mark.parametrize(
    "text",
    [
        "a: " + "[" * 150 + "]" * 150 + "\n",
        "".join("  " * i + f"k{i}:\n" for i in range(150)) + "  " * 150 + "v\n",
        "- " * 150 + "x\n",
        "? " * 150 + "x\n",
        "q: '[[[[ ]]]]'\nb:\n" + "-   " * 150 + "x\n",
        "a: 日本\nb:\n" + "- " * 60 + "[" * 60 + "x" + "]" * 60 + "\n",
    ],
    ids=["flow", "indented", "compact", "compact keys", "quoted brackets", "mixed"],
)
def test_every_way_of_nesting_deep_is_refused(text: str) -> None:
    _, problem = yamlio.load_all_partial(text, "f.yaml")
    assert problem is not None and "nests deeper than 100 levels" in problem.message


NESTING_PIECES = ["[", "]", "{", "}", "- ", "? ", ": ", "-\t", "  ", "\n", "a", "'", ",", "日"]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(NESTING_PIECES), max_size=60).map("".join))
def test_the_quick_depth_test_misses_no_text_that_nests_too_deep(text: str) -> None:
    limits = yamlio.Limits(max_depth=4)
    if yamlio._depth_finding(text, "f.yaml", limits) is not None:
        assert yamlio._may_nest_too_deep(text, limits)


@given(st.lists(st.sampled_from(NESTING_PIECES), max_size=60).map("".join))
def test_bracket_depth_is_the_deepest_running_count(text: str) -> None:
    depth = deepest = 0
    for char in text:
        if char in "[]{}":
            depth += 1 if char in "[{" else -1
            deepest = max(deepest, depth)
    assert yamlio._bracket_depth(text.encode()) == deepest

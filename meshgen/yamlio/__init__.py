"""The one place that reads and writes YAML: reading and loading here, positions in
:mod:`.positions`, writing in :mod:`.emit`.

Data is loaded with PyYAML's C-backed safe loader, which reads scalars the way kubectl
does (YAML 1.1: ``on`` and ``yes`` are booleans) and is several times faster than a
pure-Python constructor; duplicate keys, which it would silently accept, are refused
here. Positions come from the same C parser's composer, only for files that have
findings.
"""

from __future__ import annotations

import codecs
import itertools
import operator
import os
import re
import stat
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from meshgen.errors import InputError
from meshgen.findings import Finding
from meshgen.yamlio.emit import double_quoted, emit, emit_after_key, scalar
from meshgen.yamlio.positions import Position, PositionIndex, written_at

_local = threading.local()


@dataclass(frozen=True)
class Limits:
    """Bounds on what meshgen reads, so no input can exhaust time or memory.

    ``max_nodes`` counts values as if every alias were copied out, which is what a
    "billion laughs" file relies on.
    """

    max_file_bytes: int = 32 * 1024 * 1024
    max_documents: int = 10_000
    max_depth: int = 100
    max_nodes: int = 1_000_000


DEFAULT_LIMITS = Limits()


class NeedsNodes(Exception):
    """Raised by the event builder for text only the node builder reads as PyYAML does."""


_UNSET = object()


def _fast_loader() -> Any:
    """PyYAML's C safe loader, refusing duplicate keys (built once, on first use).

    PyYAML's pure-Python constructor, whose general machinery (a generator per
    collection, a memo per node, a regex match per plain scalar to find its type) costs
    as much as libyaml's parse, is kept for what needs it. Most text is built straight
    from libyaml's parse events (:meth:`documents_from_events`), without the node tree
    that would hold a document three times over; text with anchors, merge keys or odd
    keys is built from the nodes by one tight walk. Either way a plain scalar's type is
    remembered by its text and a number's value likewise; every other tag, and every
    error, goes through PyYAML's own constructors.
    """
    cached = _local.__dict__.get("fast_loader")
    if cached is not None:
        return cached
    import yaml
    from yaml.constructor import ConstructorError
    from yaml.events import (
        AliasEvent,
        DocumentEndEvent,
        MappingEndEvent,
        MappingStartEvent,
        ScalarEvent,
        SequenceEndEvent,
        SequenceStartEvent,
        StreamEndEvent,
    )
    from yaml.nodes import MappingNode, ScalarNode, SequenceNode

    base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    str_tag, map_tag, seq_tag = (f"tag:yaml.org,2002:{t}" for t in ("str", "map", "seq"))
    merge_tag = "tag:yaml.org,2002:merge"
    plain_tags: dict[str, str] = {}  # a plain scalar's text -> its resolved tag
    scalars: dict[tuple[str, str], Any] = {}  # (tag, text) -> the value, for other tags

    def refuse_duplicate(node: Any, own: list[tuple[Any, Any]]) -> None:
        # Counted, not compared: a mapping with as many keys as it was written with has
        # none twice; only then are its keys compared, to name the one written twice.
        seen = set()
        for key_node, _ in own:
            key = (key_node.tag, key_node.value)
            if isinstance(key_node, ScalarNode) and key in seen:
                raise ConstructorError(
                    "while constructing a mapping",
                    node.start_mark,
                    f'found duplicate key "{key_node.value}" with value',
                    key_node.start_mark,
                )
            seen.add(key)

    class Loader(base):  # type: ignore[misc, valid-type]
        merges = True  # whether the text may hold merge keys (`<<`)

        def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
            if kind is ScalarNode and implicit[0]:
                tag = plain_tags.get(value)
                if tag is None:
                    tag = super().resolve(kind, value, implicit)
                    if len(plain_tags) < 100_000:
                        plain_tags[value] = tag
                return tag
            return super().resolve(kind, value, implicit)

        def construct_mapping(self, node: Any, deep: bool = False) -> Any:
            own = node.value  # merge keys (`<<`) are taken out of it in place
            built = super().construct_mapping(node, deep=deep)
            if node.value is not own or len(built) < len(own):
                refuse_duplicate(node, own)
            return built

        def scalar(self, node: Any) -> Any:
            """A scalar that is not a string: a number, boolean, null or date (immutable,
            so remembered by its tag and text), or an error for any other tag."""
            scalar = (node.tag, node.value)
            if scalar in scalars:
                return scalars[scalar]
            constructor = self.yaml_constructors.get(node.tag)
            if constructor is None:
                return self.construct_object(node, deep=True)
            try:
                data = constructor(self, node)
            except (ValueError, TypeError, OverflowError, LookupError):  # `!!int x`, `!!bool`
                raise ConstructorError(
                    None,
                    None,
                    f"{node.value!r} cannot be read as {_as_written(node.tag)}; fix the value "
                    "or remove the tag",
                    node.start_mark,
                ) from None
            if len(scalars) < 100_000:
                scalars[scalar] = data
            return data

        def documents_from_events(self) -> Iterator[Any]:
            """Each document built straight from libyaml's parse events, its node tree
            never held (a quarter of the memory, and faster to build).

            What this builder leaves to the node builder it raises NeedsNodes for:
            anchors, aliases and merge keys, tagged collections, keys it cannot place (a
            key written twice, a collection as a key), and scalars their tag refuses
            (the node builder reports them after any syntax error, where it finds them).
            """
            get_event, resolve = self.get_event, self.resolve
            enclosing: list[tuple[Any, Any]] = []  # each open collection and its key
            collection: Any = None  # the innermost open one; None between documents
            key: Any = _UNSET  # a mapping's key read, its value not yet
            root: Any = None
            while True:
                event = get_event()
                kind = type(event)
                if kind is ScalarEvent:
                    if event.anchor is not None:
                        raise NeedsNodes
                    tag, value = event.tag, event.value
                    if tag is None or tag == "!":
                        tag = resolve(ScalarNode, value, event.implicit)
                    if tag != str_tag:
                        if tag == merge_tag:
                            raise NeedsNodes
                        value = scalars.get((tag, value), _UNSET)
                        if value is _UNSET:
                            node = ScalarNode(
                                tag, event.value, event.start_mark, event.end_mark, event.style
                            )
                            try:
                                value = self.scalar(node)
                            except ConstructorError:  # said after any syntax error, as
                                raise NeedsNodes from None  # the node builder says it
                elif kind is MappingStartEvent or kind is SequenceStartEvent:
                    if event.anchor is not None or event.tag not in (None, "!"):
                        raise NeedsNodes
                    enclosing.append((collection, key))
                    collection = {} if kind is MappingStartEvent else []
                    key = _UNSET
                    continue
                elif kind is MappingEndEvent or kind is SequenceEndEvent:
                    value = collection
                    collection, key = enclosing.pop()
                elif kind is DocumentEndEvent:
                    yield root
                    continue
                elif kind is StreamEndEvent:
                    return
                elif kind is AliasEvent:
                    raise NeedsNodes
                else:  # the start of the stream or of a document
                    continue
                if collection is None:
                    root = value
                elif type(collection) is list:
                    collection.append(value)
                elif key is _UNSET:
                    if type(value) is dict or type(value) is list:
                        raise NeedsNodes
                    key = value
                elif key in collection:
                    raise NeedsNodes
                else:
                    collection[key] = value
                    key = _UNSET

        def construct_document(self, node: Any) -> Any:
            # A collection is built once however many aliases point to it (an alias
            # bomb stays as small as its text), and before its items, so a collection
            # that holds itself is the same object inside, as PyYAML builds it.
            built: dict[Any, Any] = {}

            def build(node: Any) -> Any:
                kind, tag = type(node), node.tag
                if kind is ScalarNode:
                    return node.value if tag == str_tag else self.scalar(node)
                if node in built:
                    return built[node]
                if kind is MappingNode and tag == map_tag:
                    mapping: dict[Any, Any] = {}
                    built[node] = mapping
                    own = node.value
                    if self.merges and any(key.tag == merge_tag for key, _ in own):
                        self.flatten_mapping(node)
                    for key_node, value_node in node.value:
                        if type(key_node) is not ScalarNode:  # PyYAML says why not
                            del built[node]
                            return self.construct_object(node, deep=True)
                        mapping[build(key_node)] = build(value_node)
                    if node.value is not own or len(mapping) < len(own):
                        refuse_duplicate(node, own)
                    return mapping
                if kind is SequenceNode and tag == seq_tag:
                    sequence: list[Any] = []
                    built[node] = sequence
                    sequence.extend([build(item) for item in node.value])
                    return sequence
                data = self.construct_object(node, deep=True)
                built[node] = data
                return data

            try:
                return build(node)
            finally:
                # ``build`` refers to itself: the cycle would keep every node alive
                # until a collection, and the command runs without the collector.
                build = None  # type: ignore[assignment]
                self.constructed_objects.clear()
                self.recursive_objects.clear()

    def refuse(loader: Any, node: Any) -> Any:
        raise ConstructorError(
            None,
            None,
            f"could not determine a constructor for the tag '{node.tag}'",
            node.start_mark,
        )

    # As Kubernetes reads YAML: a date is the text written, not a date; binary data and
    # sets have no JSON form, so a manifest cannot hold them.
    Loader.add_constructor("tag:yaml.org,2002:timestamp", Loader.construct_yaml_str)
    Loader.add_constructor("tag:yaml.org,2002:binary", refuse)
    Loader.add_constructor("tag:yaml.org,2002:set", refuse)
    _local.__dict__["fast_loader"] = Loader
    return Loader


# -- reading ---------------------------------------------------------------------------

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def decode(data: bytes, filename: str) -> str:
    """Bytes to text as YAML allows: UTF-8, or UTF-16/32 announced by a byte order mark."""
    encoding = "utf-8"
    for bom, name in _BOMS:
        if data.startswith(bom):
            data, encoding = data[len(bom) :], name
            break
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        column = e.start - (data.rfind(b"\n", 0, e.start) + 1) + 1
        finding = Finding(
            "MG003",
            f"the file is not valid {encoding.upper()} (byte 0x{data[e.start]:02x}); "
            "save it as UTF-8",
            filename,
            line,
            column,
        )
        raise InputError(finding.message, [finding]) from e


def check_size(size: int, name: str, limits: Limits = DEFAULT_LIMITS) -> None:
    if size > limits.max_file_bytes:
        mib = limits.max_file_bytes / (1024 * 1024)
        finding = Finding(
            "MG003",
            f"the file is {size / (1024 * 1024):.1f} MiB, over the {mib:g} MiB limit; "
            "raise it with --max-file-size if the file is meant to be this large",
            name,
        )
        raise InputError(finding.message, [finding])


def read_bounded(handle: Any, name: str, limits: Limits = DEFAULT_LIMITS) -> bytes:
    """At most the size limit from a binary stream; more is an :class:`InputError`."""
    data: bytes = handle.read(limits.max_file_bytes + 1)
    check_size(len(data), name, limits)
    return data


def read_text(path: str | Path, limits: Limits = DEFAULT_LIMITS) -> str:
    """Read a YAML file as text; every way this can fail becomes an :class:`InputError`."""
    name = str(path)
    try:
        with open(path, "rb") as handle:
            info = os.fstat(handle.fileno())
            if stat.S_ISREG(info.st_mode):  # refused before reading, and read in one go
                check_size(info.st_size, name, limits)
                data = handle.read(info.st_size + 1)
                if len(data) > info.st_size:  # it grew meanwhile: the rest, bounded
                    data += read_bounded(handle, name, limits)
                check_size(len(data), name, limits)
            else:  # a device or FIFO has no size: read no more than the limit
                data = read_bounded(handle, name, limits)
    except FileNotFoundError as e:
        raise InputError(f"{name}: no such file") from e
    except IsADirectoryError as e:
        raise InputError(f"{name}: is a directory, not a file") from e
    except PermissionError as e:
        raise InputError(f"{name}: permission denied") from e
    except OSError as e:
        raise InputError(f"{name}: cannot read: {e.strerror or e}") from e
    return decode(data, name)


# -- loading ---------------------------------------------------------------------------


_TOKEN_END = re.compile(r"[,\]}\s#]")


def _char_at(text: str, mark: Any) -> str:
    index = getattr(mark, "index", None)
    return text[index] if isinstance(index, int) and 0 <= index < len(text) else ""


def _token_at(text: str, mark: Any) -> str:
    """The plain scalar written at ``mark`` (up to a comma, bracket, space or comment)."""
    start = mark.index
    end = _TOKEN_END.search(text, start + 1)
    return text[start : end.start() if end else len(text)]


def _plain_problem(error: Exception, text: str) -> tuple[str, Any] | None:
    """What a person needs to hear about the commonest YAML slips, from the characters
    the parser stopped at (not from its wording, which changes between releases)."""
    problem_mark = getattr(error, "problem_mark", None)
    context_mark = getattr(error, "context_mark", None)
    if _char_at(text, problem_mark) == "\t":
        return "tabs are not allowed for indentation; use spaces", problem_mark
    for mark in (context_mark, problem_mark):
        first = _char_at(text, mark)
        if first in ("*", "@", "`", "%"):
            token = _token_at(text, mark)
            return f"a value starting with {first} must be quoted: '{token}'", mark
    return None


def _as_written(tag: str) -> str:
    """A tag as YAML text writes it: ``!!int`` for ``tag:yaml.org,2002:int``."""
    return tag.replace("tag:yaml.org,2002:", "!!")


def _syntax_finding(error: Exception, filename: str, text: str = "") -> Finding:
    mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
    line, column = (mark.line + 1, mark.column + 1) if mark is not None else (0, 0)
    problem = getattr(error, "problem", None) or str(error)
    plain = _plain_problem(error, text)
    if plain is not None:
        message, at = plain
        return Finding(
            "MG001", f"YAML syntax error: {message}", filename, at.line + 1, at.column + 1
        )
    if "found duplicate key" in problem:
        key = re.search(r'duplicate key "(.*?)" with value', problem or "")
        context = getattr(error, "context_mark", None)
        where = f" (the mapping starts at line {context.line + 1})" if context else ""
        shown = key.group(1) if key else "?"
        return Finding(
            "MG002",
            f"duplicate key '{shown}'{where}; each key may appear once"
            + (
                f"; is a '---' line missing before line {line}?"
                if column == 1 and shown in ("apiVersion", "kind")
                else ""
            ),
            filename,
            line,
            column,
        )
    if problem == "found unexpected ':'":
        return Finding(
            "MG001",
            "YAML syntax error: found unexpected ':'; inside [ ] or { }, quote a value that "
            'holds a colon, like an IPv6 address ("2001:db8::1")',
            filename,
            line,
            column,
        )
    if "could not determine a constructor" in problem:
        tag = re.search(r"tag (\S+)", problem)
        shown = _as_written(tag.group(1).strip("'")) if tag else "this tag"
        return Finding(
            "MG001",
            f"YAML tag {shown} is not allowed; remove the tag",
            filename,
            line,
            column,
        )
    context, start = getattr(error, "context", None), getattr(error, "context_mark", None)
    if context and start is not None and start.line + 1 != line:
        problem = f"{problem} ({context} that starts at line {start.line + 1})"
    return Finding("MG001", f"YAML syntax error: {problem}", filename, line, column)


def _shape_problem(document: Any, limits: Limits) -> str | None:
    """Why a loaded document is too deep or expands too far, or None.

    Aliases load as shared objects; counting each shared object once per reference
    (memoised by identity) measures the expanded size without expanding anything.
    """
    sizes: dict[int, int] = {}
    stack: list[tuple[Any, int, bool]] = [(document, 1, False)]
    while stack:
        node, depth, done = stack.pop()
        if not isinstance(node, (dict, list)):
            continue
        if depth > limits.max_depth:
            return f"it nests deeper than {limits.max_depth} levels"
        children = list(node.values()) if isinstance(node, dict) else node
        if done:
            sizes[id(node)] = 1 + sum(
                sizes.get(id(c), 1) if isinstance(c, (dict, list)) else 1 for c in children
            )
            if sizes[id(node)] > limits.max_nodes:
                return (
                    f"it expands to more than {limits.max_nodes:,} values "
                    "(YAML aliases repeat what they point to)"
                )
        elif id(node) not in sizes:
            stack.append((node, depth, True))
            stack.extend((c, depth + 1, False) for c in children if id(c) not in sizes)
    return None


# Each bracket as a byte one above its step in depth: an opening one 2, a closing one 0;
# every other byte is deleted (no byte of a multi-byte UTF-8 character is a bracket).
_BRACKET_STEPS = bytes(2 if b in b"[{" else 0 for b in range(256))
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
# Every indicator that can open a collection in place as "-", every blank as " ".
_INDICATORS_AND_BLANKS = bytes(
    ord("-") if b in b"-?:" else ord(" ") if b in b" \t" else ord("x") for b in range(256)
)
_TWO_INDICATORS = re.compile(rb"- +- ")


def _bracket_depth(data: bytes) -> int:
    """The deepest bracket nesting of UTF-8 text, counting every bracket (quoted too)."""
    steps = data.translate(_BRACKET_STEPS, _NOT_BRACKETS)
    # The running sum of the bytes, less one per bracket so far, is the depth.
    return max(
        0, max(map(operator.sub, itertools.accumulate(steps), itertools.count(1)), default=0)
    )


def _may_nest_too_deep(text: str, limits: Limits) -> bool:
    """A cheap, conservative test: only text whose brackets, indentation or compact
    nesting could go past the limit needs the full depth check.

    A document's depth is at most its bracket nesting plus twice its deepest
    indentation plus one (indentless sequences hang off a key without indenting).
    """
    data = text.encode("utf-8", "surrogatepass")
    deepest = _bracket_depth(data)
    indent = max(0, (limits.max_depth - deepest) // 2 - 1)
    spaces = " " * indent  # a line indented this far (or further), found as plain text
    if deepest > limits.max_depth or text.startswith(spaces) or f"\n{spaces}" in text:
        return True
    # Compact nesting ("- - - x", "? ? x") nests without brackets or indentation; text
    # without two indicators in a row has none (a quick scan first, the costly one then).
    marks = data.translate(_INDICATORS_AND_BLANKS)
    if _TWO_INDICATORS.search(marks) is None:
        return False
    return re.search(rb"(?:- +){%d,}" % indent, marks) is not None


def _depth_finding(text: str, filename: str, limits: Limits) -> Finding | None:
    """A finding at the first collection nested deeper than the limit, or None.

    Counted on the parser's events, before anything is built. libyaml's are fast; it
    may refuse deep flow nesting (`[[[...`) with a limit of its own before the count
    gets there, and then PyYAML's pure-Python parser, which has none, counts instead, so
    the limit and its message are meshgen's. Only suspicious text gets here.
    """
    import yaml

    fast = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        return _deeper_than(yaml.parse(text, Loader=fast), filename, limits)
    except yaml.YAMLError as e:
        if "nesting depth" not in str(getattr(e, "problem", "")):
            return None  # loading reports the syntax error with its position
    try:
        return _deeper_than(yaml.parse(text, Loader=yaml.SafeLoader), filename, limits)
    except yaml.YAMLError:
        return None


def _deeper_than(events: Iterator[Any], filename: str, limits: Limits) -> Finding | None:
    from yaml.events import CollectionEndEvent, CollectionStartEvent

    depth = 0
    for event in events:
        if isinstance(event, CollectionStartEvent):
            depth += 1
            if depth > limits.max_depth:
                mark = event.start_mark
                line, column = (mark.line + 1, mark.column + 1) if mark else (0, 0)
                return Finding.of(
                    "MG003",
                    f"refused: it nests deeper than {limits.max_depth} levels",
                    filename,
                    line=line,
                    column=column,
                )
        elif isinstance(event, CollectionEndEvent):
            depth -= 1
    return None


def _documents(loader: Any, from_events: bool) -> Iterator[Any]:
    try:
        if from_events:
            yield from loader.documents_from_events()
        else:
            while loader.check_data():
                yield loader.get_data()
    finally:
        loader.dispose()


def load_all(text: str, filename: str = "<input>", limits: Limits = DEFAULT_LIMITS) -> list[Any]:
    """Every document of a YAML stream, as plain Python data, via the fast safe loader."""
    documents, problem = load_all_partial(text, filename, limits)
    if problem is not None:
        raise InputError(problem.message, [problem])
    return documents


def load_all_partial(
    text: str, filename: str = "<input>", limits: Limits = DEFAULT_LIMITS
) -> tuple[list[Any], Finding | None]:
    """The documents of a stream up to the first problem, and that problem if any: a
    YAML error, or a document over the limits (which is not returned)."""
    may_nest_too_deep = _may_nest_too_deep(text, limits)
    too_deep = _depth_finding(text, filename, limits) if may_nest_too_deep else None
    if too_deep is not None:
        return [], too_deep
    # Anchors, aliases and merge keys are read from the node tree, whose shape is
    # checked (aliases can repeat a collection past the limits); all else from events.
    check_shape = may_nest_too_deep or "&" in text
    if not check_shape and "<<" not in text:
        try:
            return _read(text, filename, limits, from_events=True, check_shape=False)
        except NeedsNodes:
            pass
    return _read(text, filename, limits, from_events=False, check_shape=check_shape)


def _read(
    text: str, filename: str, limits: Limits, *, from_events: bool, check_shape: bool
) -> tuple[list[Any], Finding | None]:
    from yaml import YAMLError

    documents: list[Any] = []
    try:
        loader = _fast_loader()(text)  # a safe loader
        loader.merges = "<<" in text
        for document in _documents(loader, from_events):
            if len(documents) == limits.max_documents:
                return documents, Finding(
                    "MG003",
                    f"more than {limits.max_documents:,} documents; raise the limit with "
                    "--max-documents if the file is meant to hold this many",
                    filename,
                )
            problem = _shape_problem(document, limits) if check_shape else None
            if problem is not None:
                return documents, Finding(
                    "MG003",
                    f"document {len(documents) + 1} is refused: {problem}",
                    filename,
                )
            documents.append(document)
    except YAMLError as e:
        return documents, _syntax_finding(e, filename, text)
    except RecursionError:
        return documents, Finding(
            "MG003", "refused: it nests deeper than the YAML reader can follow", filename
        )
    except (ValueError, TypeError, OverflowError) as e:  # constructors on odd scalars
        return documents, Finding(
            "MG001", f"YAML syntax error: the YAML reader could not read this ({e})", filename
        )
    return documents, None


def load_one(text: str, filename: str = "<input>", limits: Limits = DEFAULT_LIMITS) -> Any:
    """The single document of a YAML stream (None when the stream is empty)."""
    documents = load_all(text, filename, limits)
    if len(documents) > 1:
        finding = Finding(
            "MG003",
            f"expected one YAML document, found {len(documents)}",
            filename,
            1,
            1,
        )
        raise InputError(finding.message, [finding])
    return documents[0] if documents else None


__all__ = [
    "DEFAULT_LIMITS",
    "Limits",
    "Position",
    "PositionIndex",
    "check_size",
    "decode",
    "double_quoted",
    "emit",
    "emit_after_key",
    "load_all",
    "load_all_partial",
    "load_one",
    "read_text",
    "scalar",
    "written_at",
]

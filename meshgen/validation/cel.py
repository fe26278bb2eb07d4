"""The CEL rules of a structural schema (``x-kubernetes-validations``), evaluated on a value.

CEL itself comes from cel-python; the extension functions Kubernetes adds to it (string
and list helpers) are supplied here. Rules are compiled once per process. Transition
rules (those using ``oldSelf``) need the object as it was before an update, which an
offline check does not have: they are skipped.
"""

from __future__ import annotations

import ipaddress
import itertools
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

from meshgen.manifests.hosts import compile_regex

Path = tuple[str | int, ...]


@dataclass(frozen=True)
class Violation:
    path: Path
    rule: str
    message: str
    evaluated: bool  # False: the rule could not be evaluated offline (see message)
    code: str = "MG106"  # MG110 for items of a map- or set-type list that share their key


# CEL names a property by an escaped form when its name is a CEL keyword or holds
# characters CEL identifiers cannot: `namespace` is `self.__namespace__`.
_RESERVED = frozenset(
    {
        "true", "false", "null", "in", "as", "break", "const", "continue", "else", "for",
        "function", "if", "import", "let", "loop", "package", "namespace", "return", "var",
        "void", "while",
    }
)  # fmt: skip


def escaped(name: str) -> str:
    """A property name as Kubernetes' CEL spells it."""
    if name in _RESERVED:
        return f"__{name}__"
    return (
        name.replace("__", "__underscores__")
        .replace(".", "__dot__")
        .replace("-", "__dash__")
        .replace("/", "__slash__")
    )


def with_defaults(schema: Any, value: Any) -> Any:
    """``value`` with the schema's ``default``s filled in where a property is absent, as
    the API server applies them before validating."""
    if not isinstance(schema, dict):
        return value
    if isinstance(value, dict):
        properties = schema.get("properties") or {}
        out = {
            k: with_defaults(properties.get(k, schema.get("additionalProperties")), v)
            for k, v in value.items()
        }
        for name, sub in properties.items():
            if name not in out and isinstance(sub, dict) and "default" in sub:
                out[name] = with_defaults(sub, json.loads(json.dumps(sub["default"])))
        return out
    if isinstance(value, list):
        return [with_defaults(schema.get("items"), item) for item in value]
    return value


def _cel_view(schema: Any, value: Any) -> Any:
    """``value`` with its declared property names escaped as CEL sees them."""
    if not isinstance(schema, dict):
        return value
    if isinstance(value, dict):
        properties = schema.get("properties")
        if properties is None:
            extra = schema.get("additionalProperties")
            return {k: _cel_view(extra, v) for k, v in value.items()}
        return {escaped(k): _cel_view(properties.get(k), v) for k, v in value.items()}
    if isinstance(value, list):
        return [_cel_view(schema.get("items"), item) for item in value]
    return value


_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*")


@dataclass(frozen=True)
class URL:
    """A URL as Kubernetes' CEL `url()` parses it (Go's url.ParseRequestURI): an absolute
    URI, or an absolute path."""

    scheme: str
    host: str
    path: str

    @property
    def hostname(self) -> str:
        if self.host.startswith("["):
            return self.host[1 : self.host.find("]")]
        return self.host.rsplit(":", 1)[0] if ":" in self.host else self.host

    @property
    def port(self) -> str:
        after = self.host[self.host.find("]") + 1 :] if self.host.startswith("[") else self.host
        return after.rsplit(":", 1)[1] if ":" in after else ""

    @classmethod
    def parse(cls, text: str) -> URL | None:
        if any(c.isspace() or ord(c) < 0x20 for c in text):
            return None
        if text.startswith("/"):
            return cls("", "", text.split("?", 1)[0])
        scheme, colon, rest = text.partition(":")
        if not colon or not _SCHEME.fullmatch(scheme):
            return None
        rest = rest.split("#", 1)[0].split("?", 1)[0]
        if not rest.startswith("//"):
            return cls(scheme.lower(), "", rest)
        host, slash, path = rest[2:].partition("/")
        host = host.rsplit("@", 1)[-1]
        port = host[host.find("]") + 1 :] if host.startswith("[") else host
        if ":" in port and not port.rsplit(":", 1)[1].isdigit() and port.rsplit(":", 1)[1]:
            return None
        return cls(scheme.lower(), host, slash + path)


def _strings() -> dict[str, Callable[..., Any]]:
    from celpy import celtypes

    def text(value: Any) -> str:
        return str(value)

    def substring(value: Any, start: Any, end: Any = None) -> Any:
        s = text(value)
        stop = len(s) if end is None else int(end)
        if not 0 <= int(start) <= stop <= len(s):
            raise ValueError(f"substring({start}, {end}) out of range for {len(s)} characters")
        return celtypes.StringType(s[int(start) : stop])

    def char_at(value: Any, index: Any) -> Any:
        s = text(value)
        return celtypes.StringType(s[int(index)] if int(index) < len(s) else "")

    def index_of(value: Any, needle: Any, start: Any = 0) -> Any:
        if isinstance(value, list):
            return celtypes.IntType(value.index(needle) if needle in value else -1)
        return celtypes.IntType(text(value).find(text(needle), int(start)))

    def last_index_of(value: Any, needle: Any) -> Any:
        if isinstance(value, list):
            return celtypes.IntType(
                len(value) - 1 - value[::-1].index(needle) if needle in value else -1
            )
        return celtypes.IntType(text(value).rfind(text(needle)))

    def split(value: Any, separator: Any, limit: Any = -1) -> Any:
        parts = text(value).split(text(separator), int(limit) - 1 if int(limit) > 0 else -1)
        return celtypes.ListType([celtypes.StringType(p) for p in parts])

    def join(value: Any, separator: Any = "") -> Any:
        return celtypes.StringType(text(separator).join(text(v) for v in value))

    def is_sorted(value: Any) -> Any:
        return celtypes.BoolType(all(a <= b for a, b in itertools.pairwise(value)))

    def find(value: Any, pattern: Any) -> Any:
        match = compile_regex(text(pattern)).search(text(value))  # RE2, as Kubernetes
        return celtypes.StringType(match.group(0) if match else "")

    def find_all(value: Any, pattern: Any, limit: Any = -1) -> Any:
        compiled = compile_regex(text(pattern))
        found = [celtypes.StringType(m.group(0)) for m in compiled.finditer(text(value))]
        return celtypes.ListType(found if int(limit) < 0 else found[: int(limit)])

    def parse_url(value: Any) -> URL:
        parsed = URL.parse(text(value))
        if parsed is None:
            raise ValueError(f"URL parse error during conversion from string: {text(value)}")
        return parsed

    def is_ip(value: Any) -> Any:
        candidate = text(value)
        try:
            ipaddress.ip_address(candidate)
        except ValueError:
            return celtypes.BoolType(False)
        return celtypes.BoolType("%" not in candidate)

    return {
        "url": parse_url,
        "isURL": lambda v: celtypes.BoolType(URL.parse(text(v)) is not None),
        "getScheme": lambda u: celtypes.StringType(u.scheme),
        "getHost": lambda u: celtypes.StringType(u.host),
        "getHostname": lambda u: celtypes.StringType(u.hostname),
        "getPort": lambda u: celtypes.StringType(u.port),
        "getEscapedPath": lambda u: celtypes.StringType(u.path),
        "isIP": is_ip,
        "substring": substring,
        "charAt": char_at,
        "indexOf": index_of,
        "lastIndexOf": last_index_of,
        "lowerAscii": lambda v: celtypes.StringType(text(v).lower()),
        "upperAscii": lambda v: celtypes.StringType(text(v).upper()),
        "replace": lambda v, a, b, n=-1: celtypes.StringType(
            text(v).replace(text(a), text(b), int(n))
        ),
        "split": split,
        "join": join,
        "trim": lambda v: celtypes.StringType(text(v).strip()),
        "isSorted": is_sorted,
        "sum": lambda v: sum(v[1:], v[0]) if len(v) else celtypes.IntType(0),
        "min": lambda v: min(v),
        "max": lambda v: max(v),
        "find": find,
        "findAll": find_all,
    }


@cache
def _program(rule: str) -> Any:
    import celpy

    environment = celpy.Environment()
    return environment.program(environment.compile(rule), functions=_strings())


def _outcome(rule: str, value: Any, schema: Any = None) -> bool | str:
    """True when the rule holds, False when it does not, or why it could not be evaluated."""
    from celpy.adapter import json_to_cel
    from celpy.celparser import CELParseError
    from celpy.evaluation import CELEvalError, CELSyntaxError, CELUnsupportedError

    try:
        program = _program(rule)
    except (CELParseError, CELSyntaxError, CELUnsupportedError):
        return "is not CEL meshgen can compile"
    try:
        result = program.evaluate({"self": json_to_cel(_cel_view(schema, value))})
    except (CELEvalError, CELUnsupportedError, TypeError, ValueError, ArithmeticError) as e:
        result = e
    if isinstance(result, Exception):
        if "undeclared reference" in repr(result.args):
            return "uses a CEL function meshgen cannot evaluate offline"
        return False  # an error caused by the value, like duration('soon'), fails the rule
    return bool(result)


# Most rules see small values that repeat across a mesh (`duration(self) >= duration('1ms')`
# on every "2s"): their outcome is kept, by rule and value, for values this small.
_MEMO_SIZE = 32
_MEMO_ENTRIES = 50_000
_memo: dict[tuple[str, int, str], bool | str] = {}


def _memoised_outcome(rule: str, value: Any, schema: Any) -> bool | str:
    if _size(value, _MEMO_SIZE) > _MEMO_SIZE:
        return _outcome(rule, value, schema)
    key = (rule, id(schema), json.dumps(value, sort_keys=True, default=str))
    found = _memo.get(key)
    if found is None:
        found = _outcome(rule, value, schema)
        if len(_memo) < _MEMO_ENTRIES:
            _memo[key] = found
    return found


# Kubernetes bounds what one rule may cost; meshgen bounds it by the size of what the rule
# sees: a rule over a value larger than this (counting every item of every list and map
# below it) is not evaluated, and says so, rather than run for minutes (a rule comparing
# every pair of 2,000 ports is four million steps).
MAX_RULE_INPUT = 2_000


def _size(value: Any, limit: int) -> int:
    """How many values ``value`` holds, counting stopped past ``limit``."""
    count, stack = 0, [value]
    while stack and count <= limit:
        item = stack.pop()
        count += 1
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return count


def _within_schema_limits(schema: dict[str, Any], value: Any) -> bool:
    """Whether ``value`` keeps the schema's own size limits; past them the API server
    reports those and does not evaluate the rules, and neither does meshgen."""
    limits = (
        (list, "maxItems"),
        (str, "maxLength"),
        (dict, "maxProperties"),
    )
    for kind, keyword in limits:
        bound = schema.get(keyword)
        if isinstance(value, kind) and isinstance(bound, int) and len(value) > bound:
            return False
    return True


def violations(schema: Any, value: Any, path: Path = ()) -> Iterator[Violation]:
    """Every CEL rule ``value`` breaks (or that cannot be evaluated), depth first."""
    if not isinstance(schema, dict) or value is None or not _within_schema_limits(schema, value):
        return
    rules = schema.get("x-kubernetes-validations") or []
    too_big = bool(rules) and _size(value, MAX_RULE_INPUT) > MAX_RULE_INPUT
    for validation in rules:
        rule = validation.get("rule", "")
        if "oldSelf" in rule:
            continue
        if too_big:
            note = f"over meshgen's budget (more than {MAX_RULE_INPUT:,} values)"
            yield Violation(path, rule, f"rule not checked: {note}: {rule}", False)
            continue
        outcome = _memoised_outcome(rule, value, schema)
        if outcome is False:
            yield Violation(path, rule, validation.get("message") or f"failed rule: {rule}", True)
        elif isinstance(outcome, str):
            yield Violation(path, rule, f"rule not checked: {outcome}: {rule}", False)
    if isinstance(value, dict):
        properties = schema.get("properties") or {}
        extra = schema.get("additionalProperties")
        for key, item in value.items():
            child = properties.get(key, extra if isinstance(extra, dict) else None)
            yield from violations(child, item, (*path, key))
    elif isinstance(value, list):
        yield from _list_duplicates(schema, value, path)
        for index, item in enumerate(value):
            yield from violations(schema.get("items"), item, (*path, index))


def _list_duplicates(schema: dict[str, Any], value: list[Any], path: Path) -> Iterator[Violation]:
    """Items of a map-type list with the same keys, or equal items of a set-type list."""
    kind = schema.get("x-kubernetes-list-type")
    if kind not in ("map", "set"):
        return
    keys = schema.get("x-kubernetes-list-map-keys") or []
    seen: set[str] = set()
    for index, item in enumerate(value):
        if kind == "map":
            if not isinstance(item, dict):
                continue
            identity = {k: item.get(k) for k in keys}
        else:
            identity = item
        text = json.dumps(identity, sort_keys=True)
        if text in seen:
            yield Violation((*path, index), "", f"Duplicate value: {text}", True, "MG110")
        seen.add(text)

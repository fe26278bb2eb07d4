"""The CEL rules of a structural schema (``x-kubernetes-validations``), evaluated on a value.

CEL itself comes from cel-python; the extension functions Kubernetes adds to it come from
:mod:`meshgen.validation.cel_library`. Rules are compiled once per process. Transition
rules (those using ``oldSelf``) need the object as it was before an update, which an
offline check does not have: they are skipped.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

from meshgen.manifests import canonical
from meshgen.validation.cel_library import library

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


@cache
def syntax_problem(expression: str) -> str | None:
    """Why ``expression`` does not parse as CEL (None when it does); types are not checked."""
    import celpy
    from celpy.celparser import CELParseError

    try:
        celpy.Environment().compile(expression)
    except CELParseError as e:
        if not expression.strip():
            return "it is empty"
        return f"it does not parse at line {e.line}, column {e.column}"
    return None


@cache
def _program(rule: str) -> Any:
    import celpy

    environment = celpy.Environment()
    return environment.program(environment.compile(rule), functions=library())


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


# The shapes most of Istio's CEL rules take, evaluated in Python: each returns the outcome,
# or None to leave a value of another type to cel-python. The tests check every one
# against cel-python over generated values. (Rules that only test which fields are present,
# like "at most one of", are remembered by that instead: see presence_only.)


def _keys(test: Callable[[str], bool]) -> Callable[[Any], bool | None]:
    def check(value: Any) -> bool | None:
        if isinstance(value, dict) and all(isinstance(k, str) for k in value):
            return all(test(k) for k in value)
        return None

    return check


def _text(test: Callable[[str], bool]) -> Callable[[Any], bool | None]:
    return lambda value: test(value) if isinstance(value, str) else None


NATIVE: dict[str, Callable[[Any], bool | None]] = {
    'self.all(key, !key.contains("*"))': _keys(lambda k: "*" not in k),
    "self.all(key, key.size() != 0)": _keys(lambda k: len(k) != 0),
    '!self.contains("*")': _text(lambda v: "*" not in v),
    'self != "*"': _text(lambda v: v != "*"),
}


_HAS = re.compile(r"has\(self\.([A-Za-z][A-Za-z0-9]*)\)")
_FIELD = re.compile(r"\bself\.([A-Za-z][A-Za-z0-9]*)\b(?!\s*\()")  # not self.all(...)


def _only_these_of_self(rule: str, use: re.Pattern[str]) -> tuple[str, ...] | None:
    """The fields named by every use of ``self`` in a rule, when each use matches
    ``use`` (and CEL names the fields as written), or None."""
    names = tuple(sorted(set(use.findall(rule))))
    if not names or "self" in use.sub("", rule):
        return None
    plain = not any(n in _RESERVED or "__" in n for n in names)  # CEL names them as written
    return names if plain else None


@cache
def presence_only(rule: str) -> tuple[str, ...] | None:
    """The fields a rule that reads nothing of ``self`` but which fields it has tests
    (its outcome then depends on that alone), or None."""
    return _only_these_of_self(rule, _HAS)


@cache
def fields_read(rule: str) -> tuple[str, ...] | None:
    """The fields of ``self`` a rule reads, when it reads nothing else of ``self`` (its
    outcome then depends on those fields alone, not on the rest of the object), or None.
    """
    return _only_these_of_self(rule, _FIELD)


# Most rules see small values that repeat across a mesh (`duration(self) >= duration('1ms')`
# on every "2s"): their outcome is kept, by rule and value, for values this small.
_MEMO_SIZE = 32
_MEMO_ENTRIES = 50_000
_memo: dict[tuple[str, int, str], bool | str] = {}


def _memoised_outcome(rule: str, value: Any, schema: Any) -> bool | str:
    evaluate = NATIVE.get(rule)
    if evaluate is not None and (outcome := evaluate(value)) is not None:
        return outcome
    present = presence_only(rule)
    read = fields_read(rule)
    if present is not None and isinstance(value, dict):
        key = (rule, id(schema), "".join("1" if n in value else "0" for n in present))
    elif read is not None and isinstance(value, dict):
        # A ServiceEntry's rules read its resolution, addresses and endpoints: the
        # outcome is the same for every entry that has the same of those.
        part = {n: value[n] for n in read if n in value}
        if _size(part, _MEMO_SIZE) > _MEMO_SIZE:
            return _outcome(rule, value, schema)
        key = (rule, id(schema), canonical(part))
    elif _size(value, _MEMO_SIZE) > _MEMO_SIZE:
        return _outcome(rule, value, schema)
    else:
        key = (rule, id(schema), canonical(value))
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

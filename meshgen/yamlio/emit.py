"""Writing YAML: scalars that read back as exactly the value written, and block style
with fixed indentation (the kubectl style)."""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Iterable
from typing import Any

_PLAIN = re.compile(r"[A-Za-z0-9_/][A-Za-z0-9_./-]*")
# Scalars YAML 1.1 or 1.2 would read as something other than a string.
_RESERVED = frozenset(
    [
        "y",
        "yes",
        "n",
        "no",
        "true",
        "false",
        "on",
        "off",
        "null",
        "~",
        "nan",
        "inf",
    ]  # compared lower-cased
)
_NUMBERISH = re.compile(r"[-+.]?[0-9][-+0-9a-fA-FxXoObB._:]*")
_TIMESTAMP = re.compile(r"[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}")
_MAX_SIMPLE_KEY = 1000  # YAML limits implicit keys to 1024 characters


_NAMED_ESCAPES = {"\n": "\\n", "\t": "\\t", "\r": "\\r"}


def _is_printable(code: int) -> bool:
    if 0x20 <= code <= 0x7E:
        return True
    if code < 0xA0:
        return False
    return not (0xD800 <= code <= 0xDFFF or code in (0x2028, 0x2029, 0xFEFF, 0xFFFE, 0xFFFF))


def double_quoted(text: str) -> str:
    """``text`` as a YAML double-quoted scalar that always reads back as exactly ``text``.

    Everything YAML could fold, strip or reject (line breaks, tabs, control characters,
    line and paragraph separators, byte order marks, surrogates) is written as an escape.
    """
    out = ['"']
    for char in text:
        code = ord(char)
        if char == '"' or char == "\\":
            out.append("\\" + char)
        elif char in _NAMED_ESCAPES:
            out.append(_NAMED_ESCAPES[char])
        elif _is_printable(code):
            out.append(char)
        elif code <= 0xFF:
            out.append(f"\\x{code:02x}")
        elif code <= 0xFFFF:
            out.append(f"\\u{code:04x}")
        else:
            out.append(f"\\U{code:08x}")
    out.append('"')
    return "".join(out)


@functools.lru_cache(maxsize=8192)
def _string(value: str) -> str:
    """A string as YAML text: plain where that reads back as the same string, else quoted.

    Cached: manifests repeat the same keys and values over and over.
    """
    if (
        _PLAIN.fullmatch(value)
        and value.lower() not in _RESERVED
        and not _NUMBERISH.fullmatch(value)
        and not _TIMESTAMP.match(value)
    ):
        return value
    return double_quoted(value)


def scalar(value: Any) -> str:
    """One scalar value as YAML text that reads back as the same value and type."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return str(int(value))
    if isinstance(value, float):
        if math.isnan(value):
            return ".nan"
        if math.isinf(value):
            return ".inf" if value > 0 else "-.inf"
        text = repr(float(value))
        if "e" in text and "." not in text:  # YAML 1.1 reads 1e-05 as a string
            mantissa, exponent = text.split("e")
            text = f"{mantissa}.0e{exponent}"
        return text
    if isinstance(value, str):
        return _string(value)
    raise TypeError(f"cannot write {type(value).__name__} as a YAML scalar")


def _is_block(value: Any) -> bool:
    return isinstance(value, (dict, list, tuple)) and len(value) > 0


def _inline(value: Any) -> str:
    if isinstance(value, dict):
        return "{}"
    if isinstance(value, (list, tuple)):
        return "[]"
    return scalar(value)


def _emit_mapping(mapping: dict[Any, Any], indent: int, out: list[str]) -> None:
    pad = " " * indent
    for key, value in mapping.items():
        text = _string(key) if type(key) is str else scalar(key)
        if type(value) is str and len(text) <= _MAX_SIMPLE_KEY:  # the commonest line
            out.append(f"{pad}{text}: {_string(value)}")
        elif len(text) > _MAX_SIMPLE_KEY:
            out.append(f"{pad}? {text}")
            if _is_block(value):
                out.append(f"{pad}:")
                _emit_block(value, indent + 2, out)
            else:
                out.append(f"{pad}: {_inline(value)}")
        elif isinstance(value, (list, tuple)) and value:
            out.append(f"{pad}{text}:")
            _emit_block(value, indent, out)  # sequences sit at their key's column
        elif isinstance(value, dict) and value:
            out.append(f"{pad}{text}:")
            _emit_block(value, indent + 2, out)
        else:
            out.append(f"{pad}{text}: {_inline(value)}")


def _emit_sequence(items: Iterable[Any], indent: int, out: list[str]) -> None:
    pad = " " * indent
    for item in items:
        if _is_block(item):
            nested: list[str] = []
            _emit_block(item, indent + 2, nested)
            nested[0] = f"{pad}- {nested[0][indent + 2 :]}"
            out.extend(nested)
        else:
            out.append(f"{pad}- {_inline(item)}")


def _emit_block(value: Any, indent: int, out: list[str]) -> None:
    if isinstance(value, dict):
        _emit_mapping(value, indent, out)
    else:
        _emit_sequence(value, indent, out)


def emit(value: Any, indent: int = 0) -> str:
    """Block-style YAML for ``value``, every line starting at column ``indent``.

    Mappings indent their children by two; sequences under a key are not indented
    (the kubectl style). Scalars and empty collections come back inline.
    """
    if not _is_block(value):
        return _inline(value)
    out: list[str] = []
    _emit_block(value, indent, out)
    return "\n".join(out)


def emit_after_key(value: Any, key_column: int) -> str:
    """Text to place right after ``key:`` (plus one space) for a key at ``key_column``.

    A scalar stays on the key's line; a collection starts on the next line.
    """
    if not _is_block(value):
        return _inline(value)
    indent = key_column if isinstance(value, (list, tuple)) else key_column + 2
    return "\n" + emit(value, indent)

"""The Jinja2 environment: built-in templates, user overrides, and YAML-safe output."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import jinja2
from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from meshgen import yamlio
from meshgen._resources import data_dir
from meshgen.errors import MeshgenError
from meshgen.findings import did_you_mean
from meshgen.rendering.build import TEMPLATES


class YamlText(str):
    """Text already written as YAML by a filter; printed as it is."""


def yaml_filter(value: Any, key_column: int = 0) -> YamlText:
    """``key: {{ value | yaml(COLUMN) }}``, where COLUMN is the column of ``key``."""
    return YamlText(yamlio.emit_after_key(value, key_column))


def _finalize(value: Any) -> YamlText:
    """Every ``{{ }}`` goes through here: a bare value is printed as a safe YAML scalar."""
    if isinstance(value, YamlText):
        return value
    if isinstance(value, jinja2.Undefined):
        str(value)  # StrictUndefined raises here, naming the missing variable
    if isinstance(value, (dict, list, tuple)):
        raise TypeError("print a mapping or list with the yaml filter: {{ value | yaml(COLUMN) }}")
    return YamlText(yamlio.scalar(value))


def _builtin_source(name: str) -> tuple[str, str, Any] | None:
    if name not in TEMPLATES:
        return None
    template = data_dir("templates") / name
    return template.read_text(encoding="utf-8"), f"<meshgen>/templates/{name}", lambda: True


def _check_override_folder(folder: Path) -> None:
    if not folder.is_dir():
        raise MeshgenError(f"{folder}: no such templates folder")
    for path in sorted(folder.glob("*.j2")):
        if path.name not in TEMPLATES:
            hint = did_you_mean(path.name, TEMPLATES)
            raise MeshgenError(
                f"{path}: overrides no built-in template (they are {', '.join(TEMPLATES)}){hint}"
            )


MAX_TEMPLATE_OUTPUT = 16 * 1024 * 1024  # characters one user template may build at most


class Sandbox(ImmutableSandboxedEnvironment):
    """Jinja's sandbox (no attribute escapes, no mutation, bounded ``range``), with
    repetition bounded too: ``"x" * 10**10`` is refused, not built."""

    intercepted_binops = frozenset({"*", "**"})

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "**" and isinstance(right, int) and abs(right) > 1000:
            raise SecurityError("an exponent over 1000 is not allowed in a template")
        if operator == "*":
            for sized, times in ((left, right), (right, left)):
                repeats = isinstance(sized, (str, list, tuple)) and isinstance(times, int)
                if repeats and len(sized) * times > MAX_TEMPLATE_OUTPUT:
                    raise SecurityError("the repeated value would be too large")
        return super().call_binop(context, operator, left, right)


@functools.lru_cache(maxsize=8)
def environment(templates: str | None = None) -> jinja2.Environment:
    """The shared environment; with ``templates``, that folder's files win by name, and
    everything renders in the sandbox (a template folder is code from a repository)."""
    loader: jinja2.BaseLoader = jinja2.FunctionLoader(_builtin_source)
    kind: type[jinja2.Environment] = jinja2.Environment
    if templates is not None:
        _check_override_folder(Path(templates))
        loader = jinja2.ChoiceLoader([jinja2.FileSystemLoader(templates), loader])
        kind = Sandbox
    env = kind(
        loader=loader,
        undefined=jinja2.StrictUndefined,
        finalize=_finalize,
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["yaml"] = yaml_filter
    return env

"""Model files in, validated models out; every problem placed at its line and column."""

from __future__ import annotations

import types
import typing
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path as FsPath
from typing import Any

from pydantic import BaseModel, ValidationError

from meshgen import yamlio
from meshgen.errors import InputError, ModelError
from meshgen.findings import Finding, describe, did_you_mean, format_path
from meshgen.manifests import MODEL_API_VERSION, MODEL_KIND
from meshgen.model.checks import check
from meshgen.model.issues import ModelIssue
from meshgen.model.mesh import Mesh
from meshgen.model.plan import MeshPlan, resolve


@dataclass(frozen=True)
class LoadedModel:
    """A model that passed validation, its resolved plan, and the warnings it raised."""

    mesh: Mesh
    plan: MeshPlan
    source: str
    warnings: list[Finding]


def _field_alias(cls: type[BaseModel], name: str) -> str:
    info = cls.model_fields[name]
    return info.alias or name


def _unwrap(annotation: Any) -> list[Any]:
    """The concrete types inside Annotated/Optional/Union."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        return [t for arg in typing.get_args(annotation) for t in _unwrap(arg)]
    return [annotation]


def _step(annotation: Any, part: str | int) -> Any:
    """The annotation one path element below ``annotation``, or None."""
    for candidate in _unwrap(annotation):
        origin = typing.get_origin(candidate)
        if isinstance(candidate, type) and issubclass(candidate, BaseModel):
            for name, info in candidate.model_fields.items():
                if part in (name, info.alias):
                    return info.annotation
        elif origin is list and isinstance(part, int):
            return typing.get_args(candidate)[0]
        elif origin is dict and isinstance(part, str):
            return typing.get_args(candidate)[1]
    return None


def _fields_at(loc: Sequence[str | int]) -> list[str]:
    """The field names a model object at ``loc`` accepts, for "did you mean"."""
    annotation: Any = Mesh
    for part in loc:
        annotation = _step(annotation, part)
        if annotation is None:
            return []
    for candidate in _unwrap(annotation):
        if isinstance(candidate, type) and issubclass(candidate, BaseModel):
            return [_field_alias(candidate, name) for name in candidate.model_fields]
    return []


_BOUNDS = {
    "less_than_equal": "at most",
    "greater_than_equal": "at least",
    "less_than": "less than",
    "greater_than": "greater than",
}


def _issue(error: Any) -> ModelIssue:
    loc = tuple(error["loc"])
    kind = error["type"]
    value = error.get("input")
    if kind == "extra_forbidden":
        field = str(loc[-1])
        hint = did_you_mean(field, _fields_at(loc[:-1]))
        return ModelIssue("MG010", loc, f"unknown field{hint}", at_key=True)
    if kind == "missing":
        return ModelIssue("MG012", loc, "this field is required")
    if kind == "duplicate_name":
        return ModelIssue("MG023", loc, f"{error['msg']}")
    if kind == "string_type" and isinstance(value, (int, float, bool)):
        return ModelIssue(
            "MG011", loc, f"expected a string, got {describe(value)}", quote_hint=True
        )
    if kind == "literal_error":
        expected = error.get("ctx", {}).get("expected", "")
        choices = [c.strip(" '") for c in expected.replace(" or ", ",").split(",")]
        hint = did_you_mean(str(value), choices) if isinstance(value, str) else ""
        return ModelIssue("MG011", loc, f"{describe(value)} is not one of {expected}{hint}")
    if kind in ("model_type", "dict_type", "model_attributes_type"):
        return ModelIssue("MG011", loc, f"expected a mapping, got {describe(value)}")
    if kind == "list_type":
        return ModelIssue("MG011", loc, f"expected a list, got {describe(value)}")
    bound = _BOUNDS.get(kind)
    if bound is not None:
        limit = next(iter(error.get("ctx", {}).values()), "?")
        return ModelIssue("MG011", loc, f"must be {bound} {limit}, got {value}")
    expected = _EXPECTED.get(kind.removesuffix("_parsing").removesuffix("_type"))
    if expected is not None:
        hint = ""
        if isinstance(value, str) and expected in ("an integer", "a number"):
            hint = f"; write the number without quotes: {value.strip()}"
        return ModelIssue("MG011", loc, f"expected {expected}, got {describe(value)}{hint}")
    message = error["msg"].removeprefix("Value error, ")
    return ModelIssue("MG011", loc, message)


# What a value of each kind pydantic checks is, in meshgen's words.
_EXPECTED = {
    "int": "an integer",
    "float": "a number",
    "bool": "true or false",
    "string": "a string",
    "dict": "a mapping",
    "list": "a list",
}


def _place(issues: Iterable[ModelIssue], text: str, filename: str) -> list[Finding]:
    index = yamlio.PositionIndex(text) if text else None
    findings = []
    for issue in issues:
        position = index.locate(issue.path, key=issue.at_key) if index else yamlio.Position(0, 0)
        message = issue.message
        if issue.quote_hint and (written := yamlio.written_at(text, position)):
            message += f'; quote it: "{written}"'
        findings.append(
            Finding.of(
                issue.code,
                message,
                filename,
                line=position.line,
                column=position.column,
                path=format_path(issue.path),
            )
        )
    return sorted(findings, key=lambda f: (f.line, f.column))


def model_error(error: ValidationError, what: str = "model") -> ModelError:
    """Pydantic's error for a model built in Python, as meshgen's: findings with paths."""
    findings = _place((_issue(err) for err in error.errors()), "", f"<{what}>")
    return ModelError(f"invalid {what}", findings)


def _document(text: str, filename: str, limits: yamlio.Limits) -> dict[str, Any]:
    data = yamlio.load_one(text, filename, limits)
    if isinstance(data, dict):
        return data
    what = "empty" if data is None else f"{describe(data)}, not a mapping"
    finding = Finding(
        "MG003",
        f"a model file is a mapping with services (and optionally gateways, defaults, "
        f"preset); this one is {what}",
        filename,
        1,
        1,
    )
    raise ModelError(finding.message, [finding])


def parse_model(
    text: str, filename: str = "<model>", limits: yamlio.Limits = yamlio.DEFAULT_LIMITS
) -> LoadedModel:
    """Validate model text; raise :class:`ModelError` holding every error found."""
    try:
        data = _document(text, filename, limits)
    except ModelError:
        raise
    except InputError as e:
        raise ModelError(str(e), e.findings) from e
    odd = [key for key in data if not isinstance(key, str)]
    if odd:  # a model's fields are names; a null or number key is no field
        issues = [ModelIssue("MG010", (key,), "unknown field", at_key=True) for key in odd]
        raise ModelError(f"{filename}: invalid model", _place(issues, text, filename))
    try:
        mesh = Mesh.model_validate(data)
    except ModelError as e:
        cause = e.__cause__  # pydantic's error: placed again, in the file's text
        if not isinstance(cause, ValidationError):
            raise
        findings = _place((_issue(err) for err in cause.errors()), text, filename)
        raise ModelError(f"{filename}: invalid model", findings) from None
    loaded = check_mesh(mesh, text, filename)
    if "apiVersion" not in data and "kind" not in data:
        loaded.warnings.insert(0, _unmarked(filename))
    return loaded


def _unmarked(filename: str) -> Finding:
    return Finding.of(
        "MG028",
        f"start the model with 'apiVersion: {MODEL_API_VERSION}' and 'kind: {MODEL_KIND}'; "
        "model files without them are read for one more release",
        filename,
        line=1,
        column=1,
    )


def check_mesh(mesh: Mesh, text: str = "", filename: str = "<model>") -> LoadedModel:
    """Resolve a validated mesh and check its cross-references.

    ``text`` is the model file the mesh came from, to place findings; without it they
    carry only their path.
    """
    plan = resolve(mesh)
    findings = _place(check(plan), text, filename)
    if any(f.is_error for f in findings):
        raise ModelError(f"{filename}: invalid model", findings)
    return LoadedModel(mesh, plan, filename, findings)


def read_model(source: str | FsPath) -> LoadedModel:
    """Load a model from a path (a ``str`` that holds no newline is taken as a path) or text."""
    if isinstance(source, str) and ("\n" in source or source.lstrip().startswith("{")):
        return parse_model(source)
    text = yamlio.read_text(source)
    return parse_model(text, str(source))


def load_model(source: str | FsPath) -> Mesh:
    """The validated model in a file (or in YAML text). Raises :class:`ModelError`."""
    return read_model(source).mesh

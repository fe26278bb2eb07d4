"""Structural schemas from cloudcoil-models-istio's generated Pydantic source, read with
`ast` (never imported): every field of every kind, with its type, enum and bounds, as a
newer Istio release serves it. Used by vendor_istio_schemas.py to add what Istio 1.18's
schemas lack."""

from __future__ import annotations

import ast
from typing import Any

_SCALARS = {
    "str": {"type": "string"},
    "int": {"type": "integer"},
    "float": {"type": "number"},
    "bool": {"type": "boolean"},
    "AwareDatetime": {"type": "string"},
    "Base64Str": {"type": "string"},
    "Any": {"x-kubernetes-preserve-unknown-fields": True},
}
_BOUNDS = {"ge": "minimum", "le": "maximum", "max_length": None, "min_length": None}


class Module:
    """One generated module: its classes and type aliases by name."""

    def __init__(self, source: str) -> None:
        tree = ast.parse(source)
        self.classes: dict[str, ast.ClassDef] = {}
        self.aliases: dict[str, ast.expr] = {}
        for node in tree.body:
            if isinstance(node, ast.ClassDef):
                self.classes[node.name] = node
            elif (
                isinstance(node, ast.Assign)
                and isinstance(node.value, ast.Call)
                and getattr(node.value.func, "id", "") == "TypeAliasType"
            ):
                self.aliases[node.targets[0].id] = node.value.args[1]  # type: ignore[attr-defined]

    def resources(self) -> dict[str, str]:
        """Kind -> the class of its spec."""
        out = {}
        for name, node in self.classes.items():
            if any(getattr(b, "id", "") == "Resource" for b in node.bases):
                for field, annotation, _ in _fields(node):
                    if field == "spec":
                        out[name] = annotation
        return {kind: _class_name(annotation) for kind, annotation in out.items()}

    def schema(self, annotation: ast.expr | str, depth: int = 0) -> dict[str, Any]:
        if depth > 40:
            raise ValueError("schema nests too deep")
        if isinstance(annotation, str):
            annotation = ast.parse(annotation, mode="eval").body
        node = annotation
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return self.schema(node.value, depth + 1)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
            return self._union(_union_members(node), depth)
        if isinstance(node, ast.Name):
            return self._named(node.id, depth)
        if isinstance(node, ast.Subscript):
            head = getattr(node.value, "id", "")
            args = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
            if head == "Annotated":
                out = dict(self.schema(args[0], depth + 1))
                for call in args[1:]:
                    if isinstance(call, ast.Call):
                        for keyword in call.keywords:
                            _constrain(out, keyword)
                return out
            if head == "Literal":
                return {"type": "string", "enum": [a.value for a in args]}  # type: ignore[attr-defined]
            if head == "list":
                return {"type": "array", "items": self.schema(args[0], depth + 1)}
            if head == "dict":
                return {"type": "object", "additionalProperties": self.schema(args[1], depth + 1)}
        raise ValueError(f"no schema for {ast.unparse(node)}")

    def _named(self, name: str, depth: int) -> dict[str, Any]:
        if name in _SCALARS:
            return dict(_SCALARS[name])
        if name in self.aliases:
            return self.schema(self.aliases[name], depth + 1)
        node = self.classes[name]
        for field, annotation, _ in _fields(node):
            if field == "root":  # RootModel[...]: the value itself
                return self.schema(annotation, depth + 1)
        properties = {
            alias: self.schema(annotation, depth + 1) for alias, annotation, _ in _fields(node)
        }
        return {"type": "object", "properties": properties}

    def _union(self, members: list[ast.expr], depth: int) -> dict[str, Any]:
        members = [m for m in members if not (isinstance(m, ast.Constant) and m.value is None)]
        schemas = [self.schema(m, depth + 1) for m in members]
        if len(schemas) == 1:
            return schemas[0]
        types = {s.get("type") for s in schemas}
        if types == {"integer", "string"}:
            return {"x-kubernetes-int-or-string": True}
        if types == {"object"}:  # one of several shapes: every field any of them has
            properties: dict[str, Any] = {}
            for s in schemas:
                properties.update(s.get("properties", {}))
            return {"type": "object", "properties": properties}
        return schemas[0]


def _union_members(node: ast.expr) -> list[ast.expr]:
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        return [*_union_members(node.left), *_union_members(node.right)]
    return [node]


def _constrain(schema: dict[str, Any], keyword: ast.keyword) -> None:
    if not isinstance(keyword.value, ast.Constant):
        return
    value = keyword.value.value
    if keyword.arg in ("ge", "le"):
        schema["minimum" if keyword.arg == "ge" else "maximum"] = value
    elif keyword.arg in ("max_length", "min_length"):
        array = schema.get("type") == "array"
        prefix = "Items" if array else "Length"
        schema[("max" if keyword.arg == "max_length" else "min") + prefix] = value
    elif keyword.arg == "pattern":
        schema["pattern"] = value


def _fields(node: ast.ClassDef) -> list[tuple[str, ast.expr, bool]]:
    """(name as written in YAML, annotation, required) of a model class's fields."""
    out = []
    for item in node.body:
        if not (isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name)):
            continue
        name = item.target.id
        if name.startswith("_") or (
            getattr(item.annotation, "value", None) is not None
            and getattr(
                item.annotation.value,
                "id",
                "",  # type: ignore[attr-defined]
            )
            == "ClassVar"
        ):
            continue
        alias = _alias(item.annotation) or name
        out.append((alias, item.annotation, item.value is None))
    return out


def _alias(annotation: ast.expr) -> str | None:
    for node in ast.walk(annotation):
        if (
            isinstance(node, ast.keyword)
            and node.arg == "alias"
            and isinstance(node.value, ast.Constant)
        ):
            return str(node.value.value)
    return None


def _class_name(annotation: ast.expr) -> str:
    for node in ast.walk(annotation):
        if isinstance(node, ast.Name) and node.id not in ("None", "Annotated"):
            return node.id
    raise ValueError(ast.unparse(annotation))


def merge(base: dict[str, Any], newer: dict[str, Any]) -> dict[str, Any]:
    """``base`` (with its constraints) plus every field, enum value and nested field of
    ``newer`` that it lacks."""
    out = dict(base)
    if base.get("properties") == {} and "additionalProperties" not in base:
        # A free-form object (protobuf Struct) whose marker the 1.18 package lost: any keys.
        del out["properties"]
        out["x-kubernetes-preserve-unknown-fields"] = True
        return out
    if "properties" in newer and "properties" in base:
        properties = dict(base["properties"])
        for name, schema in newer["properties"].items():
            properties[name] = merge(properties[name], schema) if name in properties else schema
        out["properties"] = properties
    elif (
        "properties" in newer
        and not base.get("x-kubernetes-preserve-unknown-fields")
        and base.get("type") == "object"
        and "additionalProperties" not in base
    ):
        out["properties"] = newer["properties"]
    if isinstance(base.get("items"), dict) and isinstance(newer.get("items"), dict):
        out["items"] = merge(base["items"], newer["items"])
    if isinstance(base.get("additionalProperties"), dict) and isinstance(
        newer.get("additionalProperties"), dict
    ):
        out["additionalProperties"] = merge(
            base["additionalProperties"], newer["additionalProperties"]
        )
    if "enum" in base and "enum" in newer:
        out["enum"] = [*base["enum"], *(v for v in newer["enum"] if v not in base["enum"])]
    return out

"""The package reads left to right: yamlio and findings, then manifests, model, rendering,
validation (with explanation and importing beside it), report, cli. No module imports
from a layer to its right, lazily or not."""

from __future__ import annotations

import ast
from pathlib import Path

from conftest import ROOT

PACKAGE = ROOT / "meshgen"

# The foundation: yamlio makes findings of what it cannot read, so the two share a layer.
LAYERS = [
    (
        "meshgen.errors",
        "meshgen.findings",
        "meshgen.yamlio",
        "meshgen._resources",
        "meshgen._output",
        "meshgen.banner",
        "meshgen.releases",
    ),
    ("meshgen.manifests",),
    ("meshgen.model", "meshgen.schema"),
    ("meshgen.rendering",),
    ("meshgen.validation", "meshgen.explanation", "meshgen.importing", "meshgen.config"),
    ("meshgen.report",),
    ("meshgen.cli", "meshgen.__main__"),
]


def _layer(module: str) -> int:
    for rank, prefixes in enumerate(LAYERS):
        if any(module == p or module.startswith(p + ".") for p in prefixes):
            return rank
    raise AssertionError(f"{module} belongs to no layer: add it to LAYERS")


def _modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(ROOT).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        if name != "meshgen":  # the package's lazy public names reach every layer
            found[name] = path
    return found


def _imports(path: Path, module: str, known: set[str]) -> set[str]:
    names = set()
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{anchor}.{base}" if base else anchor
            names.add(base)
            names.update(f"{base}.{a.name}" for a in node.names if f"{base}.{a.name}" in known)
    return {n for n in names if n == "meshgen" or n.startswith("meshgen.")}


def test_no_module_imports_from_its_right() -> None:
    wrong = []
    modules = _modules()
    for module, path in sorted(modules.items()):
        for imported in _imports(path, module, set(modules)):
            if imported != "meshgen" and _layer(imported) > _layer(module):
                wrong.append(f"{module} imports {imported}")
    assert not wrong, "\n".join(wrong)


def test_every_module_has_a_layer() -> None:
    for module in _modules():
        _layer(module)

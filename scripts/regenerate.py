"""Regenerate every generated file that is committed, or check that none has drifted.

    python scripts/regenerate.py           # rewrite what changed
    python scripts/regenerate.py --check   # exit 1 and name what would change

Generated: each example's goldens ``examples/<name>/istio.yaml`` (and ``workloads.yaml``),
each test case's golden ``tests/cases/<command>/<name>.golden`` (what ``meshgen <command>``
prints for it), the model's JSON Schema ``schemas/meshgen-model.schema.json``,
``docs/model.md`` from that schema, and ``docs/cli.md`` from the command's help.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import re
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # generate from this checkout, not from an installed meshgen


def example_goldens() -> Iterator[tuple[Path, Callable[[], str]]]:
    """``istio.yaml`` for each example; one with workloads has them in ``workloads.yaml``
    and its Istio resources alone in ``istio.yaml``, as the labs apply two files."""
    from meshgen.model.load import parse_model
    from meshgen.rendering import Only, render_loaded

    source = "model.yaml"  # the banner names the model from the rendered file's folder
    for model in sorted(ROOT.glob("examples/*/model.yaml")):
        loaded = parse_model(model.read_text(encoding="utf-8"), source)
        layers: tuple[Only | None, ...] = (
            ("istio", "workloads") if loaded.plan.has_workloads else (None,)
        )
        for layer in layers:

            def render(model: Path = model, layer: Only | None = layer) -> str:
                loaded = parse_model(model.read_text(encoding="utf-8"), source)
                return render_loaded(loaded, source=source).only(layer).text

            yield model.parent / f"{layer or 'istio'}.yaml", render


def case_report(command: str, case: str) -> str:
    """Exit code, stdout and stderr of ``meshgen COMMAND CASE``, run from the root."""
    from meshgen.cli import main

    out, err = io.StringIO(), io.StringIO()
    code = main([command, case], stdout=out, stderr=err)
    return f"exit: {code}\n--- stdout\n{out.getvalue()}--- stderr\n{err.getvalue()}"


def case_goldens() -> Iterator[tuple[Path, Callable[[], str]]]:
    for command in ("render", "validate"):
        for case in sorted(ROOT.glob(f"tests/cases/{command}/*.yaml")):
            name = case.relative_to(ROOT).as_posix()

            def report(command: str = command, name: str = name) -> str:
                return case_report(command, name)

            yield case.with_suffix(".golden"), report


def model_schema() -> str:
    from meshgen.schema import model_schema

    return json.dumps(model_schema(), indent=2, ensure_ascii=False) + "\n"


def _help(*argv: str) -> str:
    from meshgen.cli import main

    out = io.StringIO()
    main([*argv, "--help"], stdout=out, stderr=out)
    return out.getvalue()


def cli_page() -> str:
    from meshgen.cli import COMMAND_NAMES as COMMANDS

    parts = [
        "# Command line reference\n",
        "Generated from `meshgen --help` by `python scripts/regenerate.py`; do not edit.\n",
        "```text\n" + _help() + "```\n",
    ]
    for command in COMMANDS:
        parts.append(f"## meshgen {command}\n")
        parts.append("```text\n" + _help(command) + "```\n")
    return "\n".join(parts)


def _type_of(prop: Any) -> str:
    if not isinstance(prop, dict):
        return "any"
    if "$ref" in prop:
        name = prop["$ref"].rsplit("/", 1)[-1]
        return f"[{name}](#{name.lower()})"
    if "anyOf" in prop:
        return " or ".join(_type_of(p) for p in prop["anyOf"])
    if "enum" in prop:
        return " \\| ".join(f"`{v}`" for v in prop["enum"])
    if "const" in prop:
        return f"`{prop['const']}`"
    kind = prop.get("type", "any")
    if kind == "array":
        return f"list of {_type_of(prop.get('items'))}"
    if kind == "object" and "additionalProperties" in prop:
        return f"map of {_type_of(prop['additionalProperties'])}"
    return str(kind)


def _section(name: str, schema: dict[str, Any]) -> str:
    lines = [f"## {name}\n"]
    if schema.get("description"):
        lines.append(" ".join(schema["description"].split()) + "\n")
    properties: dict[str, Any] = schema.get("properties", {})
    if properties:
        required = set(schema.get("required", []))
        lines.append("| field | type | notes |")
        lines.append("|---|---|---|")
        for field, prop in properties.items():
            notes = " ".join(str(prop.get("description", "")).split())
            if field in required:
                notes = ("required. " + notes).strip()
            if "default" in prop:
                notes = (notes + f" Default: `{json.dumps(prop['default'])}`.").strip()
            lines.append(f"| `{field}` | {_type_of(prop)} | {notes} |")
        lines.append("")
    return "\n".join(lines)


def model_page() -> str:
    from meshgen.schema import model_schema

    schema = model_schema()
    definitions: dict[str, Any] = schema.pop("$defs")
    parts = [
        "# Model reference\n",
        "Generated from the model's JSON Schema by `python scripts/regenerate.py`; do not "
        "edit. Field names are Istio's (Kubernetes' for workloads); see the README for the "
        "short forms.\n",
        "## A complete application\n",
        "Lab 000 in one model (`examples/catalog-dark-launch/model.yaml`): the workloads "
        "(a Namespace with sidecar injection, catalog v1 and v2, webapp, their Services and "
        "ServiceAccounts) and the routing that sends `x-dark-launch: v2` to v2. "
        "`meshgen render --only workloads` and `--only istio` write the two files the lab "
        "applies.\n",
        "```yaml\n"
        + (ROOT / "examples/catalog-dark-launch/model.yaml").read_text(encoding="utf-8")
        + "```\n",
        _section("Mesh", schema),
    ]
    parts.extend(_section(name, definitions[name]) for name in sorted(definitions))
    return "\n".join(parts)


def _output(argv: str) -> str:
    from meshgen.cli import main

    out, err = io.StringIO(), io.StringIO()
    main(argv.split(), stdout=out, stderr=err)
    return (out.getvalue() + err.getvalue()).rstrip("\n")


def filled(source: Path) -> Callable[[], str]:
    """A page whose ``{{command: ARGS}}`` markers become ``meshgen ARGS`` and its output."""

    def produce() -> str:
        text = source.read_text(encoding="utf-8")
        header = f"<!-- Generated from docs/src/{source.name} by scripts/regenerate.py -->\n"

        text = re.sub(
            r"(?<=\$ )\{\{command: (.+?)\}\}",
            lambda m: f"meshgen {m.group(1)}\n" + _output(m.group(1)),
            text,
        )
        text = re.sub(r"\{\{command: (.+?)\}\}", lambda m: _output(m.group(1)), text)
        return header + text

    return produce


def rules_page() -> str:
    from meshgen.findings import BASE_CODES
    from meshgen.validation.rules import RULES
    from meshgen.validation.rules.deviations import DEVIATIONS

    groups = [
        ("Every kind", lambda r: r.scope == "resource" and r.kinds == ("*",)),
        ("Gateway", lambda r: r.scope == "resource" and r.kinds == ("Gateway",)),
        ("VirtualService", lambda r: r.scope == "resource" and r.kinds == ("VirtualService",)),
        ("DestinationRule", lambda r: r.scope == "resource" and r.kinds == ("DestinationRule",)),
        ("ServiceEntry", lambda r: r.scope == "resource" and r.kinds == ("ServiceEntry",)),
        ("Sidecar", lambda r: r.scope == "resource" and r.kinds == ("Sidecar",)),
        ("EnvoyFilter", lambda r: r.scope == "resource" and r.kinds == ("EnvoyFilter",)),
        (
            "Security policies and WorkloadEntry",
            lambda r: (
                r.scope == "resource"
                and set(r.kinds)
                & {
                    "AuthorizationPolicy",
                    "PeerAuthentication",
                    "RequestAuthentication",
                    "WorkloadEntry",
                }
            ),
        ),
        (
            "WorkloadGroup, ProxyConfig, Telemetry, WasmPlugin and TrafficExtension",
            lambda r: (
                r.scope == "resource"
                and set(r.kinds)
                & {"WorkloadGroup", "ProxyConfig", "Telemetry", "WasmPlugin", "TrafficExtension"}
            ),
        ),
        (
            "Gateway API kinds (the rules their CRDs state in CEL)",
            lambda r: r.scope == "gateway-api",
        ),
        ("Across resources", lambda r: r.scope == "mesh" and "lint" not in r.refs),
        ("meshgen's mesh lint", lambda r: r.scope == "mesh" and "lint" in r.refs),
    ]
    parts = [
        "# Rules\n",
        "Generated from the rule registry (`meshgen/validation/rules/`) by "
        "`python scripts/regenerate.py`; do not edit.\n",
        "What `meshgen validate` checks beyond the schema: Istio's validating webhook and "
        "`istioctl validate` rules (their ids, like `G4` or `V19`, come from Istio's validation "
        "code), the offline `istioctl analyze` analyzers, and meshgen's own mesh lint. Each "
        "rule shows the Istio code it mirrors beside meshgen's (`[MG2104/IST0106]`); silence one "
        "with `--ignore CODE`, the `ignore` setting, or on a resource with the annotation "
        '`meshgen.io/ignore: "MG2104,MG2402"`. The failing and passing examples below are the '
        "ones the tests run.\n",
        "| code | Istio | severity | rule |",
        "|---|---|---|---|",
    ]
    for code in sorted(RULES):
        rule = RULES[code]
        istio, level = rule.istio or "", rule.severity.value
        parts.append(f"| [{code}](#{code.lower()}) | {istio} | {level} | {rule.title} |")
    parts.append("")
    for title, belongs in groups:
        parts.append(f"## {title}\n")
        for code in sorted(RULES):
            rule = RULES[code]
            if not belongs(rule):
                continue
            covers = " ".join(f"`{r}`" for r in rule.refs if r != "lint")
            parts.append(f"### {code}\n")
            parts.append(
                f"**{rule.title}** · {rule.severity.value}"
                + (f" · mirrors {rule.istio}" if rule.istio else "")
                + (f" · Istio rules {covers}" if covers else "")
                + "\n"
            )
            parts.append(rule.description + "\n")
            for label, outcome in (("Fails", "fail"), ("Passes", "pass")):
                manifest = rule.example(outcome)
                if len(manifest) > 2000:  # a huge value shown in part
                    manifest = manifest[:300] + f"… ({len(manifest):,} characters in all)"
                parts.append(f"{label}:\n\n```yaml\n{manifest.rstrip()}\n```\n")
    parts.append("## Where meshgen differs from istioctl analyze\n")
    parts.append(
        "Deliberate differences, each measured by the analyzer-suite test "
        "(`tests/test_analyzer_suite.py`, which names the cases they change).\n"
    )
    parts.append("| Istio code | Istio | meshgen | why |")
    parts.append("|---|---|---|---|")
    for deviation in DEVIATIONS:
        parts.append(
            f"| {deviation.istio} | {deviation.istio_does} | {deviation.meshgen_does} "
            f"| {deviation.why} |"
        )
    parts.append("")
    parts.append("## Model and input codes\n")
    parts.append("| code | severity | meaning |")
    parts.append("|---|---|---|")
    for code in sorted(BASE_CODES):
        parts.append(f"| {code} | {BASE_CODES[code].severity.value} | {BASE_CODES[code].title} |")
    return "\n".join(parts) + "\n"


def targets() -> Iterator[tuple[Path, Callable[[], str]]]:
    yield from example_goldens()
    yield from case_goldens()
    yield ROOT / "schemas" / "meshgen-model.schema.json", model_schema
    yield ROOT / "docs" / "cli.md", cli_page
    yield ROOT / "docs" / "model.md", model_page
    yield ROOT / "docs" / "rules.md", rules_page
    for source in sorted((ROOT / "docs" / "src").glob("*.md")):
        yield ROOT / "docs" / source.name, filled(source)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="change nothing; fail on drift")
    args = parser.parse_args(argv)
    os.chdir(ROOT)  # paths in the goldens are relative to the repository root
    stale = []
    for path, produce in targets():
        text = produce()
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if current == text:
            continue
        stale.append(path.relative_to(ROOT).as_posix())
        if not args.check:
            path.write_text(text, encoding="utf-8")
    verb = "out of date" if args.check else "rewritten"
    for name in stale:
        print(f"{verb}: {name}")
    return 1 if args.check and stale else 0


if __name__ == "__main__":
    sys.exit(main())

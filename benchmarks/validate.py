"""How long `meshgen validate` takes, next to the parse floor and to check-jsonschema.

    pip install '.[bench]' && python benchmarks/validate.py [--services 1000] [--repeat 5]

Generates a mesh of Gateways, DestinationRules and VirtualServices, one resource per
file (check-jsonschema reads one document per file), and prints, from one run, the
median wall time of:

- meshgen validate over all files (the command, in a fresh process);
- the floor: reading and parsing the same files with PyYAML's C loader, in-process;
- check-jsonschema over the same files against the same schemas (one run per kind);
- cold start on one file: meshgen, check-jsonschema, and `python -c pass`;

and the ratios. Absolute times on a shared 2-core machine are noisy; compare ratios.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import yaml
from meshes import model_text
from timing import median_seconds

from meshgen.model.load import parse_model
from meshgen.rendering import render_loaded
from meshgen.validation.schemaset import bundled
from meshgen.validation.structural import to_json_schema
from meshgen.yamlio import emit


def corpus(folder: Path, services: int) -> dict[str, list[str]]:
    """One resource per file; returns the files by kind."""
    documents = render_loaded(parse_model(model_text(services), "bench.yaml")).documents
    by_kind: dict[str, list[str]] = {}
    for index, document in enumerate(documents):
        path = folder / f"{index:05d}-{document['kind'].lower()}.yaml"
        path.write_text(emit(document) + "\n", encoding="utf-8")
        by_kind.setdefault(document["kind"], []).append(str(path))
    return by_kind


def schema_files(folder: Path) -> dict[str, str]:
    files = {}
    for kind in ("Gateway", "VirtualService", "DestinationRule"):
        structural = bundled().schema("networking.istio.io/v1", kind)
        path = folder / f"{kind}.json"
        path.write_text(json.dumps(to_json_schema(structural)), encoding="utf-8")
        files[kind] = str(path)
    return files


def run(*argv: str) -> None:
    result = subprocess.run(argv, capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(argv[:3])}… failed:\n{result.stdout}{result.stderr}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--services", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    meshgen = [sys.executable, "-m", "meshgen"]
    checker = shutil.which("check-jsonschema", path=str(Path(sys.executable).parent))
    checker = checker or shutil.which("check-jsonschema")
    if checker is None:
        raise SystemExit("check-jsonschema is not installed: pip install '.[bench]'")

    with tempfile.TemporaryDirectory() as temp:
        folder = Path(temp) / "corpus"
        folder.mkdir()
        by_kind = corpus(folder, args.services)
        schemas = schema_files(Path(temp))
        files = [f for paths in by_kind.values() for f in paths]

        def floor() -> None:
            for file in files:
                yaml.load(Path(file).read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)

        def ours() -> None:
            run(*meshgen, "validate", str(folder))

        def peer() -> None:
            for kind, paths in by_kind.items():
                run(checker, "--schemafile", schemas[kind], *paths)

        one = by_kind["VirtualService"][0]
        results = {
            "floor (PyYAML C loader, parse only)": median_seconds(floor, args.repeat),
            "meshgen validate": median_seconds(ours, args.repeat),
            "check-jsonschema": median_seconds(peer, args.repeat),
            "cold: python -c pass": median_seconds(
                lambda: run(sys.executable, "-c", "pass"), args.repeat
            ),
            "cold: meshgen validate one file": median_seconds(
                lambda: run(*meshgen, "validate", one), args.repeat
            ),
            "cold: check-jsonschema one file": median_seconds(
                lambda: run(checker, "--schemafile", schemas["VirtualService"], one), args.repeat
            ),
        }

    print(f"{len(files)} resources in {len(files)} files, median of {args.repeat} runs\n")
    for name, seconds in results.items():
        print(f"{name:<40} {seconds:>8.3f}s")
    validate, floor_s = results["meshgen validate"], results["floor (PyYAML C loader, parse only)"]
    print()
    print(f"meshgen / floor:                          {validate / floor_s:>6.1f}x")
    print(
        f"check-jsonschema / meshgen:               {results['check-jsonschema'] / validate:>6.1f}x"
    )
    cold, python = results["cold: meshgen validate one file"], results["cold: python -c pass"]
    print(f"cold start, meshgen / python -c pass:     {cold / python:>6.1f}x")
    peer_cold = results["cold: check-jsonschema one file"]
    print(f"cold start, check-jsonschema / meshgen:   {peer_cold / cold:>6.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())

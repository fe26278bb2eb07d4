"""How long `meshgen validate` takes, next to the parse floor and to check-jsonschema.

    pip install '.[bench]' && python benchmarks/validate.py [--sizes 10 100 1000 5000]

For each mesh size, generates its Gateways, DestinationRules and VirtualServices, one
resource per file (check-jsonschema reads one document per file), and prints, from one
run, the median wall time of:

- meshgen validate over all files (the command, in a fresh process);
- the floor: a fresh Python process, with the command's garbage-collector settings,
  reading and parsing the same files with PyYAML's C loader;
- check-jsonschema over the same files against the same schemas (one run per kind),
  named with the YAML parser it uses (ruamel.yaml's C extension, or pure Python);

each ratio from interleaved pairs (median, with its range), and how time grows with the
mesh; then cold start on one file: meshgen, check-jsonschema, and `python -c pass`.
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

from meshes import model_text
from timing import Paired, median_seconds, paired

from meshgen.cli import GC_THRESHOLDS
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


FLOOR = """
import gc, os, sys, yaml
gc.set_threshold(*{thresholds})
folder = sys.argv[1]
for name in sorted(os.listdir(folder)):
    with open(os.path.join(folder, name), encoding="utf-8") as handle:
        yaml.load(handle.read(), Loader=yaml.CSafeLoader)
"""


def measure(size: int, repeat: int, checker: str) -> dict[str, object]:
    """Paired timings for one mesh size: meshgen against the floor, and against the peer."""
    meshgen = [sys.executable, "-m", "meshgen"]
    floor_script = FLOOR.format(thresholds=GC_THRESHOLDS)
    with tempfile.TemporaryDirectory() as temp:
        folder = Path(temp) / "corpus"
        folder.mkdir()
        by_kind = corpus(folder, size)
        schemas = schema_files(Path(temp))
        files = [f for paths in by_kind.values() for f in paths]

        def ours() -> None:
            run(*meshgen, "validate", str(folder))

        def floor() -> None:
            run(sys.executable, "-c", floor_script, str(folder))

        def peer() -> None:
            for kind, paths in by_kind.items():
                run(checker, "--schemafile", schemas[kind], *paths)

        return {
            "resources": len(files),
            "floor": paired(ours, floor, repeat),
            "peer": paired(peer, ours, repeat),
        }


def cold_start(repeat: int, checker: str) -> dict[str, float]:
    meshgen = [sys.executable, "-m", "meshgen"]
    with tempfile.TemporaryDirectory() as temp:
        by_kind = corpus(Path(temp), 1)
        one = by_kind["VirtualService"][0]
        schema = schema_files(Path(temp))["VirtualService"]
        return {
            "python -c pass": median_seconds(lambda: run(sys.executable, "-c", "pass"), repeat),
            "meshgen validate one file": median_seconds(
                lambda: run(*meshgen, "validate", one), repeat
            ),
            "check-jsonschema one file": median_seconds(
                lambda: run(checker, "--schemafile", schema, one), repeat
            ),
        }


def _peer_build() -> str:
    """Which YAML parser check-jsonschema runs with here: it decides its speed."""
    try:
        import ruamel.yaml.clib  # noqa: F401
    except ImportError:
        return "with pure-Python ruamel.yaml (pip install check-jsonschema, no ruamel.yaml.clib)"
    return "with ruamel.yaml's C parser (ruamel.yaml.clib installed)"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 100, 1000, 5000])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    checker = shutil.which("check-jsonschema", path=str(Path(sys.executable).parent))
    checker = checker or shutil.which("check-jsonschema")
    if checker is None:
        raise SystemExit("check-jsonschema is not installed: pip install '.[bench]'")

    print(f"validate, one resource per file, {args.repeat} interleaved pairs per ratio")
    print(f"check-jsonschema: {_peer_build()}")
    print(
        f"{'services':>8} {'resources':>9} {'meshgen':>9} {'floor':>8} {'/floor':>7} "
        f"{'range':>10} {'check-js':>9} {'peer/us':>8} {'range':>10}"
    )
    for size in args.sizes:
        r = measure(size, args.repeat, checker)
        floor, peer = r["floor"], r["peer"]
        assert isinstance(floor, Paired) and isinstance(peer, Paired)
        print(
            f"{size:>8} {r['resources']:>9} {floor.median_a:>8.3f}s {floor.median_b:>7.3f}s "
            f"{floor.ratio:>6.2f}x {floor.span():>10} {peer.median_a:>8.3f}s "
            f"{peer.ratio:>7.2f}x {peer.span():>10}"
        )
    cold = cold_start(args.repeat, checker)
    print()
    for name, seconds in cold.items():
        print(f"cold start, {name:<28} {seconds:>7.3f}s")
    ours = cold["meshgen validate one file"]
    print(
        f"cold start, check-jsonschema / meshgen: {cold['check-jsonschema one file'] / ours:.1f}x"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""How long `meshgen validate` takes, next to the parse floor and to check-jsonschema.

    pip install '.[bench]' && python benchmarks/validate.py [--sizes 10 100 1000 5000]

For each mesh size, generates its Gateways, DestinationRules and VirtualServices, their
Namespace, Services, ServiceAccounts and Deployments, and AuthorizationPolicies,
ServiceEntries, a Sidecar, a PeerAuthentication and a Telemetry, one resource per file
(check-jsonschema reads one document per file), one file in fifty broken, and prints,
from one run, the median wall time of:

- meshgen validate over all files (the command, in a fresh process);
- the floor: a fresh Python process, with the command's garbage-collector settings,
  reading and parsing the same files with PyYAML's C loader;
- check-jsonschema over the same files against the same schemas (one run per kind),
  named with the YAML parser it uses (ruamel.yaml's C extension, or pure Python);

each ratio from interleaved pairs (median, with its range), and how time grows with the
mesh; "loading" is meshgen's YAML loading alone against the floor's, in this process
(below 1: meshgen builds data faster than PyYAML's own constructor); then cold start on
one file: meshgen, check-jsonschema, and `python -c pass`.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import yaml
from meshes import broken, model_text, other_documents
from timing import Paired, median_seconds, paired, peak_rss_mib

from meshgen.cli import tune_gc
from meshgen.model.load import parse_model
from meshgen.rendering import render_loaded
from meshgen.validation.schemaset import bundled
from meshgen.validation.structural import to_json_schema
from meshgen.yamlio import emit, load_all_partial


def corpus(folder: Path, services: int) -> dict[tuple[str, str], list[str]]:
    """One resource per file: the rendered mesh with its workloads, the other kinds
    beside it, and one file in fifty made wrong; returns the files by (apiVersion, kind)."""
    model = parse_model(model_text(services, workloads=True), "bench.yaml")
    documents = [*render_loaded(model).documents, *other_documents(services)]
    documents = [broken(d, i) if i % 50 == 49 else d for i, d in enumerate(documents)]
    by_kind: dict[tuple[str, str], list[str]] = {}
    for index, document in enumerate(documents):
        kind = (str(document["apiVersion"]), str(document["kind"]))
        path = folder / f"{index:05d}-{kind[1].lower()}.yaml"
        path.write_text(emit(document) + "\n", encoding="utf-8")
        by_kind.setdefault(kind, []).append(str(path))
    return by_kind


def schema_files(folder: Path, kinds: Iterable[tuple[str, str]]) -> dict[tuple[str, str], str]:
    """The JSON Schema check-jsonschema gets for each kind: meshgen's bundled one."""
    files = {}
    for api_version, kind in kinds:
        structural = bundled().schema(api_version, kind)
        path = folder / f"{kind}.json"
        path.write_text(json.dumps(to_json_schema(structural)), encoding="utf-8")
        files[(api_version, kind)] = str(path)
    return files


def run(*argv: str) -> None:
    """Run a checker; exit code 1 (problems found: the corpus has broken files) is its
    normal answer."""
    result = subprocess.run(argv, capture_output=True, text=True)
    if result.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(argv[:3])}… failed:\n{result.stdout}{result.stderr}")


FLOOR = """
import gc, os, sys, yaml
gc.disable()  # as the meshgen command does (meshgen.cli.tune_gc)
folder = sys.argv[1]
for name in sorted(os.listdir(folder)):
    with open(os.path.join(folder, name), encoding="utf-8") as handle:
        yaml.load(handle.read(), Loader=yaml.CSafeLoader)
"""


# check-jsonschema parses with ruamel.yaml, which uses its C parser when ruamel.yaml.clib
# is installed (not a dependency of check-jsonschema) and pure Python otherwise; both
# builds are measured, the second by hiding the C module from the same installation.
PEER_BUILDS = {
    "C parser": [sys.executable, "-m", "check_jsonschema"],
    "pure Python": [
        sys.executable,
        "-c",
        "import sys; sys.modules['_ruamel_yaml'] = None; sys.argv[0] = 'check-jsonschema'; "
        "from check_jsonschema import main; main()",
    ],
}


def peer_builds() -> dict[str, list[str]]:
    """The check-jsonschema builds this installation can run."""
    try:
        import _ruamel_yaml  # noqa: F401
    except ImportError:
        return {"pure Python": PEER_BUILDS["pure Python"]}
    return PEER_BUILDS


def measure(size: int, repeat: int, builds: dict[str, list[str]]) -> dict[str, object]:
    """Paired timings for one mesh size: meshgen against the floor, and against each
    build of the peer; peak memory of meshgen."""
    meshgen = [sys.executable, "-m", "meshgen"]
    floor_script = FLOOR
    with tempfile.TemporaryDirectory() as temp:
        folder = Path(temp) / "corpus"
        folder.mkdir()
        by_kind = corpus(folder, size)
        schemas = schema_files(Path(temp), by_kind)
        files = [f for paths in by_kind.values() for f in paths]

        def ours() -> None:
            run(*meshgen, "validate", str(folder))

        def floor() -> None:
            run(sys.executable, "-c", floor_script, str(folder))

        def peer(command: list[str]) -> Callable[[], None]:
            def check() -> None:
                for kind, paths in by_kind.items():
                    run(*command, "--schemafile", schemas[kind], *paths)

            return check

        texts = [Path(f).read_text(encoding="utf-8") for f in files]

        def our_loading() -> None:
            for text in texts:
                load_all_partial(text)

        def floor_loading() -> None:
            for text in texts:
                list(yaml.load_all(text, Loader=yaml.CSafeLoader))

        return {
            "resources": len(files),
            "floor": paired(ours, floor, repeat),
            "loading": paired(our_loading, floor_loading, repeat),
            "peers": {name: paired(peer(cmd), ours, repeat) for name, cmd in builds.items()},
            "peak": peak_rss_mib(*meshgen, "validate", str(folder)),
        }


def cold_start(repeat: int, checker: list[str]) -> dict[str, float]:
    meshgen = [sys.executable, "-m", "meshgen"]
    with tempfile.TemporaryDirectory() as temp:
        by_kind = corpus(Path(temp), 1)
        kind = ("networking.istio.io/v1", "VirtualService")
        one = by_kind[kind][0]
        schema = schema_files(Path(temp), [kind])[kind]
        return {
            "python -c pass": median_seconds(lambda: run(sys.executable, "-c", "pass"), repeat),
            "meshgen validate one file": median_seconds(
                lambda: run(*meshgen, "validate", one), repeat
            ),
            "check-jsonschema one file": median_seconds(
                lambda: run(*checker, "--schemafile", schema, one), repeat
            ),
        }


ONE_FILE_FLOOR = """
import gc, sys, yaml
gc.disable()  # as the meshgen command does (meshgen.cli.tune_gc)
with open(sys.argv[1], encoding="utf-8") as handle:
    list(yaml.load_all(handle.read(), Loader=yaml.CSafeLoader))
"""


def measure_one_file(size: int, repeat: int) -> tuple[int, Paired, float]:
    """The other layout: every resource in one multi-document file (no peer: it reads one
    document per file)."""
    meshgen = [sys.executable, "-m", "meshgen"]
    with tempfile.TemporaryDirectory() as temp:
        folder = Path(temp) / "corpus"
        folder.mkdir()
        by_kind = corpus(folder, size)
        files = sorted(f for paths in by_kind.values() for f in paths)
        one = Path(temp) / "mesh.yaml"
        one.write_text(
            "---\n".join(Path(f).read_text(encoding="utf-8") for f in files), encoding="utf-8"
        )
        floor_script = ONE_FILE_FLOOR
        limits = ["--max-documents", str(len(files) + 1), "--max-file-size", "1024"]
        result = paired(
            lambda: run(*meshgen, "validate", *limits, str(one)),
            lambda: run(sys.executable, "-c", floor_script, str(one)),
            repeat,
        )
        return len(files), result, peak_rss_mib(*meshgen, "validate", *limits, str(one))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 100, 1000, 5000])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument(
        "--one-file-sizes",
        type=int,
        nargs="*",
        default=[],
        help="also these sizes with every resource in one file (meshgen against the floor)",
    )
    args = parser.parse_args(argv)
    try:
        import check_jsonschema  # noqa: F401
    except ImportError:
        raise SystemExit("check-jsonschema is not installed: pip install '.[bench]'") from None
    builds = peer_builds()
    tune_gc()  # as the command runs, for the loading compared in this process

    print(f"validate, one resource per file, {args.repeat} interleaved pairs per ratio")
    print(f"check-jsonschema builds: {', '.join(builds)} (its YAML parser: ruamel.yaml's)")
    names = list(builds)
    print(
        f"{'services':>8} {'resources':>9} {'meshgen':>9} {'peak MiB':>8} {'floor':>8} "
        f"{'/floor':>7} {'range':>10} {'loading':>8}"
        + "".join(f" {'peer ' + n:>18} {'/us':>6} {'range':>10}" for n in names)
    )
    for size in args.sizes:
        r = measure(size, args.repeat, builds)
        floor, loading, peers = r["floor"], r["loading"], r["peers"]
        assert isinstance(floor, Paired) and isinstance(loading, Paired)
        assert isinstance(peers, dict)
        print(
            f"{size:>8} {r['resources']:>9} {floor.median_a:>8.3f}s {r['peak']:>8.0f} "
            f"{floor.median_b:>7.3f}s {floor.ratio:>6.2f}x {floor.span():>10} "
            f"{loading.ratio:>7.2f}x"
            + "".join(
                f" {peers[n].median_a:>17.3f}s {peers[n].ratio:>5.2f}x {peers[n].span():>10}"
                for n in names
            )
        )
    if args.one_file_sizes:
        print(f"\nvalidate, every resource in one file, {args.repeat} interleaved pairs")
        print(
            f"{'services':>8} {'resources':>9} {'meshgen':>9} {'peak MiB':>8} {'floor':>8} "
            f"{'/floor':>7} {'range':>10}"
        )
    for size in args.one_file_sizes:
        count, result, peak = measure_one_file(size, args.repeat)
        print(
            f"{size:>8} {count:>9} {result.median_a:>8.3f}s {peak:>8.0f} "
            f"{result.median_b:>7.3f}s {result.ratio:>6.2f}x {result.span():>10}"
        )
    fastest = builds.get("C parser") or builds["pure Python"]
    cold = cold_start(args.repeat, fastest)
    print()
    for name, seconds in cold.items():
        print(f"cold start, {name:<28} {seconds:>7.3f}s")
    ours = cold["meshgen validate one file"]
    print(
        f"cold start, check-jsonschema ({'C parser' if 'C parser' in builds else 'pure Python'}) "
        f"/ meshgen: {cold['check-jsonschema one file'] / ours:.1f}x"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

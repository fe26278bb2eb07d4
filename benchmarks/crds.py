"""How much `meshgen validate --crds` costs over plain validate, and what import costs.

    python benchmarks/crds.py [--sizes 1000] [--repeat 5]

--crds with Istio's own CRD file (../shared/istio/crd-all.gen.yaml, when it is beside the
checkout), read as YAML and as the bundle `meshgen schemas import` stores, against plain
validate of the same files (one resource per file); and `meshgen import` of the same
resources against the parse floor (a fresh Python process reading them with PyYAML's C
loader). Every ratio from interleaved pairs, with peak memory beside it.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from timing import paired, peak_rss_mib
from validate import FLOOR, corpus, run

from meshgen.cli import GC_THRESHOLDS

CRDS = Path(__file__).resolve().parent.parent.parent / "shared" / "istio" / "crd-all.gen.yaml"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    meshgen = [sys.executable, "-m", "meshgen"]
    with tempfile.TemporaryDirectory() as temp:
        bundle = str(Path(temp) / "schemas.json")
        if CRDS.is_file():
            run(*meshgen, "schemas", "import", str(CRDS), "-o", bundle)
        print(f"--crds and import, {args.repeat} interleaved pairs per ratio")
        print(
            f"{'services':>8} {'what':<34} {'time':>8} {'against':>8} {'ratio':>6} "
            f"{'range':>10} {'peak MiB':>9}"
        )
        for size in args.sizes:
            folder = Path(temp) / f"corpus-{size}"
            folder.mkdir()
            corpus(folder, size)
            plain = [*meshgen, "validate", str(folder)]
            rows = []
            if CRDS.is_file():
                for name, crds in (
                    ("validate --crds crd-all.gen.yaml", str(CRDS)),
                    ("validate --crds <stored bundle>", bundle),
                ):
                    command = [*meshgen, "validate", "--crds", crds, str(folder)]
                    rows.append((name, command, plain))
            floor = [sys.executable, "-c", FLOOR.format(thresholds=GC_THRESHOLDS), str(folder)]
            rows.append(
                (
                    "import (against the parse floor)",
                    [*meshgen, "import", str(folder), "-o", str(Path(temp) / "model.yaml")],
                    floor,
                )
            )
            for name, command, baseline in rows:
                result = paired(lambda c=command: run(*c), lambda b=baseline: run(*b), args.repeat)
                print(
                    f"{size:>8} {name:<34} {result.median_a:>7.3f}s {result.median_b:>7.3f}s "
                    f"{result.ratio:>5.2f}x {result.span():>10} {peak_rss_mib(*command):>9.0f}"
                )
        if not CRDS.is_file():
            print("(--crds rows need ../shared/istio/crd-all.gen.yaml beside the checkout)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

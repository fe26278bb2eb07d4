"""How much `meshgen validate --crds` costs over plain validate, and what import costs.

    python benchmarks/crds.py [--sizes 1000] [--repeat 5]

--crds with Istio's own CRD file (../shared/istio/crd-all.gen.yaml, when it is beside the
checkout), read from the cache (the bundle the first run stores), read as YAML with no
cache, and as the bundle `meshgen schemas import` stores, against plain validate of the
same files (one resource per file); the same on one file, where start-up is all; and
`meshgen import` of the same resources against the parse floor (a fresh Python process
reading them with PyYAML's C loader). Every ratio from interleaved pairs, with peak memory
beside it.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from timing import paired, peak_rss_mib
from validate import FLOOR, corpus, run

SAMPLE = """\
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: reviews, namespace: bookinfo}
spec:
  hosts: [reviews]
  http:
    - route:
        - destination: {host: reviews, subset: v1}
"""

Row = tuple[str, str, list[str], list[str]]  # size, what, command, baseline

CRDS = Path(__file__).resolve().parent.parent.parent / "shared" / "istio" / "crd-all.gen.yaml"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    meshgen = [sys.executable, "-m", "meshgen"]
    uncached = ["env", "MESHGEN_CACHE_DIR=", *meshgen]
    with tempfile.TemporaryDirectory() as temp:
        os.environ["MESHGEN_CACHE_DIR"] = str(Path(temp) / "cache")
        bundle = str(Path(temp) / "schemas.json")
        one_file = Path(temp) / "one" / "routing.yaml"
        one_file.parent.mkdir()
        one_file.write_text(SAMPLE, encoding="utf-8")
        if CRDS.is_file():
            run(*meshgen, "schemas", "import", str(CRDS), "-o", bundle)
            run(*meshgen, "validate", "--crds", str(CRDS), str(one_file))  # fills the cache
        print(f"--crds and import, {args.repeat} interleaved pairs per ratio")
        print(
            f"{'services':>8} {'what':<36} {'time':>8} {'against':>8} {'ratio':>6} "
            f"{'range':>10} {'peak MiB':>9}"
        )

        def crds_rows(label: str, target: Path) -> list[Row]:
            """Each way of giving the CRDs, against plain validate of ``target``."""
            if not CRDS.is_file():
                return []
            plain = [*meshgen, "validate", str(target)]
            return [
                (label, name, [*command, "validate", "--crds", crds, str(target)], plain)
                for name, command, crds in (
                    ("--crds crd-all.gen.yaml (cached)", meshgen, str(CRDS)),
                    ("--crds crd-all.gen.yaml (no cache)", uncached, str(CRDS)),
                    ("--crds <stored bundle>", meshgen, bundle),
                )
            ]

        rows = crds_rows("one file", one_file)
        for size in args.sizes:
            folder = Path(temp) / f"corpus-{size}"
            folder.mkdir()
            corpus(folder, size)
            floor = [sys.executable, "-c", FLOOR, str(folder)]
            imported = [*meshgen, "import", str(folder), "-o", str(Path(temp) / "model.yaml")]
            rows += [
                *crds_rows(str(size), folder),
                (str(size), "import (against the parse floor)", imported, floor),
            ]
        for label, name, command, baseline in rows:
            result = paired(partial(run, *command), partial(run, *baseline), args.repeat)
            print(
                f"{label:>8} {name:<36} {result.median_a:>7.3f}s {result.median_b:>7.3f}s "
                f"{result.ratio:>5.2f}x {result.span():>10} {peak_rss_mib(*command):>9.0f}"
            )
        if not CRDS.is_file():
            print("(--crds rows need ../shared/istio/crd-all.gen.yaml beside the checkout)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

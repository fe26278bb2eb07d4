"""How long `meshgen render` takes, next to the floor of just dumping the same YAML.

    python benchmarks/render.py [--sizes 10 100 1000] [--repeat 5]

For each mesh size it prints the median wall time of meshgen (read the model, validate,
render every template, parse the output back) and of PyYAML's C dumper writing the same
documents, measured in the same run, and their ratio. Absolute times on a shared 2-core
machine are noisy; the ratios are what to compare across changes.
"""

from __future__ import annotations

import argparse
import gc
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import yaml
from meshes import model_text
from timing import median_seconds

from meshgen.cli import GC_THRESHOLDS
from meshgen.model.load import parse_model
from meshgen.rendering import render_loaded


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 100, 1000])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    gc.set_threshold(*GC_THRESHOLDS)  # as the meshgen command runs

    print(f"{'services':>8} {'resources':>9} {'meshgen':>10} {'dump floor':>10} {'ratio':>6}")
    previous: tuple[int, float] | None = None
    for size in args.sizes:
        text = model_text(size)
        documents = render_loaded(parse_model(text, "bench.yaml")).documents

        def meshgen_render(text: str = text) -> str:
            return render_loaded(parse_model(text, "bench.yaml")).text

        def floor(documents: list[dict[str, object]] = documents) -> str:
            return yaml.dump_all(documents, Dumper=yaml.CSafeDumper, sort_keys=False)

        ours = median_seconds(meshgen_render, args.repeat)
        base = median_seconds(floor, args.repeat)
        print(f"{size:>8} {len(documents):>9} {ours:>9.3f}s {base:>9.3f}s {ours / base:>5.1f}x")
        if previous is not None:
            growth = (ours / previous[1]) / (size / previous[0])
            print(f"{'':>8} time grew {growth:.2f}x as fast as the mesh ({previous[0]} -> {size})")
        previous = (size, ours)
    return 0


if __name__ == "__main__":
    sys.exit(main())

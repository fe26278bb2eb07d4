"""How long `meshgen render` takes, next to the floor of just dumping the same YAML.

    python benchmarks/render.py [--sizes 10 100 1000] [--repeat 7]

The command is timed as users run it (`meshgen render MODEL -o FILE`: read the model,
check it, render every template, validate the output, write the file), in-process, with
the garbage-collector settings the command uses; the floor is PyYAML's C dumper writing
the same documents to a file, in the same process and settings. Each size is measured in
interleaved pairs; the ratio is the median of the pairs', with its range.
"""

from __future__ import annotations

import argparse
import io
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import yaml
from meshes import model_text
from timing import paired, peak_rss_mib

from meshgen.cli import main as meshgen_main
from meshgen.cli import tune_gc
from meshgen.model.load import parse_model
from meshgen.rendering import render_loaded


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 100, 1000])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument(
        "--workloads",
        action="store_true",
        help="each service with a workload: its Service, ServiceAccount and two Deployments",
    )
    args = parser.parse_args(argv)
    tune_gc()  # as the meshgen command runs; the floor too

    what = " (services with workloads)" if args.workloads else ""
    print(f"render{what} as the command runs it, {args.repeat} interleaved pairs")
    print(
        f"{'services':>8} {'resources':>9} {'meshgen':>9} {'dump floor':>10} "
        f"{'ratio':>6} {'range':>10} {'peak MiB':>9}"
    )
    with tempfile.TemporaryDirectory() as temp:
        for size in args.sizes:
            model = Path(temp) / f"model-{size}.yaml"
            model.write_text(model_text(size, args.workloads), encoding="utf-8")
            out, floor_out = Path(temp) / "istio.yaml", Path(temp) / "floor.yaml"
            documents = render_loaded(parse_model(model.read_text(), str(model))).documents

            def command(model: Path = model, out: Path = out) -> None:
                code = meshgen_main(
                    ["render", str(model), "-o", str(out)],
                    stdout=io.StringIO(),
                    stderr=io.StringIO(),
                )
                assert code == 0

            def floor(documents: list[dict[str, object]] = documents, to: Path = floor_out) -> None:
                text = yaml.dump_all(documents, Dumper=yaml.CSafeDumper, sort_keys=False)
                to.write_text(text, encoding="utf-8")

            result = paired(command, floor, args.repeat)
            peak = peak_rss_mib(
                sys.executable, "-m", "meshgen", "render", str(model), "-o", str(out)
            )
            print(
                f"{size:>8} {len(documents):>9} {result.median_a:>8.3f}s "
                f"{result.median_b:>9.3f}s {result.ratio:>5.2f}x {result.span():>10} {peak:>9.0f}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())

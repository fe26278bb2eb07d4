"""Every benchmark, one table each, with the machine they ran on.

pip install '.[bench]' && python benchmarks/run.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import crds
import hook
import render
import validate


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, {platform.system()}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--render-sizes", nargs="+", default=["1000", "10000"])
    parser.add_argument("--validate-sizes", nargs="+", default=["1000", "5000"])
    parser.add_argument("--one-file-sizes", nargs="*", default=["5000", "20000"])
    args = parser.parse_args()
    print(f"machine: {machine()}\n")
    # A render pair takes seconds where a validate pair with its peers takes minutes:
    # more pairs steady the ratio on a noisy machine.
    render_repeat = str(max(args.repeat, 7))
    render.main(["--sizes", *args.render_sizes, "--repeat", render_repeat])
    print()
    render.main(["--sizes", "1000", "--repeat", render_repeat, "--workloads"])
    print()
    validate.main(
        [
            "--sizes",
            *args.validate_sizes,
            "--repeat",
            str(args.repeat),
            "--one-file-sizes",
            *args.one_file_sizes,
        ]
    )
    print()
    hook.main(["--repeat", str(max(args.repeat, 11))])
    print()
    crds.main(["--sizes", "1000", "--repeat", str(args.repeat)])
    return 0


if __name__ == "__main__":
    sys.exit(main())

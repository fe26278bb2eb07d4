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
    args = parser.parse_args()
    print(f"machine: {machine()}\n")
    print("render (read the model, check it, render, read the output back)")
    render.main(["--sizes", "10", "100", "1000", "5000", "--repeat", str(args.repeat)])
    print()
    validate.main(["--sizes", "10", "100", "1000", "5000", "--repeat", str(args.repeat)])
    return 0


if __name__ == "__main__":
    sys.exit(main())

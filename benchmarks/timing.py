"""Timing helpers shared by the benchmarks: paired, interleaved runs.

A ratio between two measurements taken minutes apart on a shared 2-core machine says as
much about the machine as about the code. So each pair (A, B) is timed back to back, the
order alternating between pairs, and the ratio is taken per pair; the median of those
ratios is reported with their range.
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

# Commands are timed as installed: with bytecode, which pip writes when it installs a
# package (a shell that sets PYTHONDONTWRITEBYTECODE would make every run recompile
# meshgen's modules, and not check-jsonschema's, which were compiled at install).
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)


def seconds(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def median_seconds(action: Callable[[], object], repeat: int) -> float:
    """The median wall time of ``repeat`` runs of ``action``."""
    return statistics.median(seconds(action) for _ in range(repeat))


@dataclass(frozen=True)
class Paired:
    """``repeat`` interleaved pairs of runs of A and B."""

    a: list[float]
    b: list[float]

    @property
    def ratios(self) -> list[float]:
        return [x / y for x, y in zip(self.a, self.b, strict=True)]

    @property
    def ratio(self) -> float:
        return statistics.median(self.ratios)

    def span(self) -> str:
        return f"{min(self.ratios):.2f}-{max(self.ratios):.2f}"

    @property
    def median_a(self) -> float:
        return statistics.median(self.a)

    @property
    def median_b(self) -> float:
        return statistics.median(self.b)


def paired(a: Callable[[], object], b: Callable[[], object], repeat: int) -> Paired:
    """Time A and B back to back ``repeat`` times, alternating which goes first."""
    times_a, times_b = [], []
    for i in range(repeat):
        if i % 2:
            times_b.append(seconds(b))
            times_a.append(seconds(a))
        else:
            times_a.append(seconds(a))
            times_b.append(seconds(b))
    return Paired(times_a, times_b)


_PEAK = """
import resource, subprocess, sys
if subprocess.run(sys.argv[1:], capture_output=True).returncode not in (0, 1):
    sys.exit("the command failed")
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""


def peak_rss_mib(*argv: str) -> float:
    """The peak resident memory of one run of a command, in MiB (Linux reports KiB); exit
    code 1 (problems found) counts as a normal run."""
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-c", _PEAK, *argv], capture_output=True, text=True, check=True
    )
    return int(result.stdout.split()[-1]) / 1024

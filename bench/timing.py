"""What the bench scripts share: the median wall time of some work, or of a command in a fresh process."""

from __future__ import annotations

import statistics
import subprocess
import time
from collections.abc import Callable
from pathlib import Path


def median_seconds(work: Callable[[], object], runs: int) -> float:
    """Median wall time of ``work()`` over ``runs`` calls."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def median_command_seconds(command: list[str], runs: int, cwd: Path | None = None) -> float:
    """Median wall time of running ``command`` to completion (output captured), interpreter start included."""
    return median_seconds(lambda: subprocess.run(command, cwd=cwd, check=True, capture_output=True), runs)

"""Cold start of `energybill bill examples/noor.toml` beside `python -c pass`.

    python bench/cli_startup.py [--runs 10]

Each run is a fresh interpreter (as a user's shell would start it); the table gives the median
wall time of each command and the ratio to the bare interpreter. Target: the Noor bill under
0.5 s on a 2-core machine.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COMMANDS = {
    "python -c pass": [sys.executable, "-c", "pass"],
    "python -c 'import energybill'": [sys.executable, "-c", "import energybill"],
    "energybill bill examples/noor.toml": [sys.executable, "-m", "energybill", "bill", "examples/noor.toml"],
    "energybill bill examples/noor.toml --format json": [
        sys.executable,
        "-m",
        "energybill",
        "bill",
        "examples/noor.toml",
        "--format",
        "json",
    ],
    # The same project by region, device and airport: loads only the catalog tables it uses.
    "energybill bill examples/noor-catalog.toml": [
        sys.executable,
        "-m",
        "energybill",
        "bill",
        "examples/noor-catalog.toml",
    ],
    "energybill bill examples/bloom.toml": [
        sys.executable,
        "-m",
        "energybill",
        "bill",
        "examples/bloom.toml",
    ],
}


def median_seconds(command: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, cwd=ROOT, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    results = {name: median_seconds(command, args.runs) for name, command in COMMANDS.items()}
    base = results["python -c pass"]
    print(f"{'command':<52} {'median (s)':>10} {'× python':>9}")
    for name, seconds in results.items():
        print(f"{name:<52} {seconds:>10.3f} {seconds / base:>9.1f}")
    bill = results["energybill bill examples/noor.toml"]
    print(f"\ntarget < 0.5 s: {'met' if bill < 0.5 else 'MISSED'} ({bill:.3f} s, median of {args.runs})")


if __name__ == "__main__":
    main()

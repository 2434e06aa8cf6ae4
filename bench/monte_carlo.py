"""Monte Carlo speed: 100,000 samples of the whole Noor project beside one deterministic bill.

    python bench/monte_carlo.py [--samples 100000] [--runs 5]

Prints a table: median wall time over the runs of (a) one deterministic bill (load + estimate),
(b) the Monte Carlo bill (load + draw every range + the same estimate functions on arrays +
percentiles), their ratio, and (c) the whole command `energybill bill --samples N` in a fresh
process, interpreter start and imports included. Target: (b) under 1 s on a 2-core machine.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from timing import median_command_seconds, median_seconds  # bench/timing.py

ROOT = Path(__file__).resolve().parents[1]
NOOR = ROOT / "examples" / "noor.toml"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    import numpy

    from energybill.estimate.engine import estimate
    from energybill.project.load import load_raw, parse_project
    from energybill.whatif.uncertainty import sample

    def deterministic() -> object:
        return estimate(parse_project(load_raw(NOOR), str(NOOR)))

    def monte_carlo() -> object:
        return sample(load_raw(NOOR), str(NOOR), args.samples, seed=0)

    monte_carlo()  # warm the caches once, as a second command would find them
    one = median_seconds(deterministic, args.runs)
    many = median_seconds(monte_carlo, args.runs)
    command = [
        sys.executable,
        "-c",
        "from energybill.cli.main import main; main()",
        "bill",
        str(NOOR),
        "--samples",
        str(args.samples),
        "--seed",
        "0",
        "--format",
        "json",
    ]
    cli = median_command_seconds(command, args.runs)
    print(
        f"Noor, {args.samples:,} samples, median of {args.runs} runs; {os.cpu_count()} CPUs, "
        f"Python {sys.version.split()[0]}, numpy {numpy.__version__}"
    )
    print(f"{'what':<44} {'seconds':>10} {'× one bill':>12}")
    print(f"{'one deterministic bill (load + estimate)':<44} {one:>10.4f} {1.0:>12.1f}")
    print(f"{'Monte Carlo bill (load + sample + p5/50/95)':<44} {many:>10.4f} {many / one:>12.1f}")
    print(f"{'energybill bill --samples (fresh process)':<44} {cli:>10.4f} {cli / one:>12.1f}")
    print(f"target < 1 s for the Monte Carlo bill: {'met' if many < 1.0 else 'MISSED'}")


if __name__ == "__main__":
    main()

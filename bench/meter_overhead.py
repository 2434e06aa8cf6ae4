"""Overhead of measuring: one CPU-bound workload alone, under energybill's meter, under CodeCarbon.

    pip install -e '.[bench]'
    python bench/meter_overhead.py [--rounds 15] [--seconds 2]

Each round runs the same pure-Python workload (a fixed number of iterations, about --seconds
long) three times, in a rotating order: alone, inside ``energybill.track()`` at its default
interval, and inside CodeCarbon's ``OfflineEmissionsTracker`` (country FRA, no file written, its
default 15 s interval; offline so that no network is needed). The table gives the median wall
time of the workload, its slowdown against running alone (ratio of medians; "paired", the median
of each round's ratio to that round's run alone; "best", the ratio of the fastest runs, the
least disturbed on a shared machine), the tracker's start+stop cost and
the extra process CPU seconds against running alone (every tracker, its threads included), and
the meter's own CPU seconds as it counts them (sampler thread and window edges, ``Meter.cpu_s``).
Target: energybill's slowdown ≤ 1 % and below CodeCarbon's.
"""

from __future__ import annotations

import argparse
import logging
import os
import resource
import statistics
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from typing import Any


def workload(iterations: int) -> int:
    total = 0
    for i in range(iterations):
        total += i * i % 7
    return total


def calibrate(seconds: float) -> int:
    iterations = 200_000
    while True:
        start = time.perf_counter()
        workload(iterations)
        elapsed = time.perf_counter() - start
        if elapsed > 0.2:
            return int(iterations * seconds / elapsed)
        iterations *= 2


class Energybill:
    name = "energybill track()"

    def __init__(self) -> None:
        self.cpu_s: list[float] = []

    def __call__(self) -> AbstractContextManager[Any]:
        import energybill

        return energybill.track("bench")

    def after(self, run: Any) -> None:
        self.cpu_s.append(run.meter.cpu_s)


class CodeCarbon:
    name = "CodeCarbon OfflineEmissionsTracker"

    def __init__(self) -> None:
        from codecarbon import OfflineEmissionsTracker

        logging.getLogger("codecarbon").setLevel(logging.ERROR)
        self.make = lambda: OfflineEmissionsTracker(
            country_iso_code="FRA", save_to_file=False, log_level="error"
        )
        self.cpu_s: list[float] = []

    def __call__(self) -> AbstractContextManager[Any]:
        return self.make()

    def after(self, run: Any) -> None:
        pass


class Alone:
    name = "alone"
    cpu_s: list[float] = []  # noqa: RUF012  (never filled: nothing runs beside the workload)

    def __call__(self) -> AbstractContextManager[Any]:
        return nullcontext()

    def after(self, run: Any) -> None:
        pass


def process_cpu_s() -> float:
    """CPU seconds of the whole process, every thread included, ended ones too (user + system)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def one_run(
    tracker: Callable[[], AbstractContextManager[Any]], iterations: int
) -> tuple[float, float, float, float]:
    """(workload wall s, tracker start + stop s, process CPU s in all, CPU s of every thread but the
    workload's while the workload ran: the whole process's CPU less the main thread's, so that a
    tracker's threads count even when they have ended before they could be read one by one)."""
    cpu0 = time.process_time()
    t0 = time.perf_counter()
    with tracker() as run:
        process0, main0 = process_cpu_s(), time.thread_time()
        t1 = time.perf_counter()
        workload(iterations)
        t2 = time.perf_counter()
        process1, main1 = process_cpu_s(), time.thread_time()
    t3 = time.perf_counter()
    cpu_s = time.process_time() - cpu0
    getattr(tracker, "after", lambda _run: None)(run)
    others_s = max(0.0, (process1 - process0) - (main1 - main0))
    return t2 - t1, (t1 - t0) + (t3 - t2), cpu_s, others_s


def main() -> None:
    raw = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=raw)
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--seconds", type=float, default=2.0)
    args = parser.parse_args()
    iterations = calibrate(args.seconds)
    contenders: list[Any] = [Alone(), Energybill()]
    try:
        contenders.append(CodeCarbon())
    except ImportError:
        print("CodeCarbon is not installed (pip install -e '.[bench]'): compared with nothing")
    times: dict[str, list[float]] = {c.name: [] for c in contenders}
    edges: dict[str, list[float]] = {c.name: [] for c in contenders}
    cpus: dict[str, list[float]] = {c.name: [] for c in contenders}
    threads: dict[str, list[float]] = {c.name: [] for c in contenders}
    for round_ in range(args.rounds):
        order = contenders[round_ % len(contenders):] + contenders[: round_ % len(contenders)]
        for contender in order:
            wall, edge, cpu_s, threads_s = one_run(contender, iterations)
            threads[contender.name].append(threads_s)
            times[contender.name].append(wall)
            edges[contender.name].append(edge)
            cpus[contender.name].append(cpu_s)
    report(contenders, times, edges, cpus, args)
    print("\nCPU of the process beside the workload's thread while it ran (process CPU less the main "
          "thread's), summed over all rounds:")
    for contender in contenders[1:]:
        busy_s, total_s = sum(threads[contender.name]), sum(times[contender.name])
        print(f"  {contender.name:36} {busy_s:.3f} s in {total_s:.1f} s = {busy_s / total_s * 100:.3f} %")


def report(contenders: list[Any], times: dict[str, list[float]], edges: dict[str, list[float]],
           cpus: dict[str, list[float]], args: argparse.Namespace) -> None:
    alone = statistics.median(times["alone"])
    alone_best = min(times["alone"])
    alone_cpu = statistics.median(cpus["alone"])
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"workload: {args.seconds:g} s of pure Python, {args.rounds} interleaved rounds, "
          f"{os.cpu_count()} CPUs, load average {load}; medians")
    print(f"{'':36} {'workload s':>10} {'slowdown':>9} {'paired':>7} {'best':>7} {'start+stop s':>12} "
          f"{'extra CPU s':>11} {'meter CPU s':>11}")
    for contender in contenders:
        wall = statistics.median(times[contender.name])
        ratio = wall / alone
        own = f"{statistics.median(contender.cpu_s):.4f}" if contender.cpu_s else "—"
        edge = statistics.median(edges[contender.name])
        extra = statistics.median(cpus[contender.name]) - alone_cpu
        # paired: the median of each round's ratio to that round's run alone (same load nearby);
        # best: fastest run / fastest run alone (the runs least disturbed by other processes)
        paired = statistics.median(t / a for t, a in zip(times[contender.name], times["alone"], strict=True))
        best = min(times[contender.name]) / alone_best
        print(f"{contender.name:36} {wall:10.3f} {ratio:9.4f} {paired:7.4f} {best:7.4f} {edge:12.3f} "
              f"{extra:11.3f} {own:>11}")


if __name__ == "__main__":
    main()

"""Ledger throughput: SQLite file beside PostgreSQL server, with 1, 4 and 16 concurrent processes.

    python bench/ledger_scale.py [--runs 480] [--writers 1,4,16] [--no-postgres]

Insert: WRITERS processes share ``--runs`` runs between them; each run is recorded as the meter
records it (``RunRecorder``: begin with its device and two tags, 3 checkpoints, a finish: five
transactions). The processes start together (after their imports, on a shared start time) and
the figure is runs / (last end − first start). List: the same number of processes each read the
whole ledger as ``energybill runs list --all`` does (runs, their methods and tags: three queries)
three times; the figure is runs listed per second, all processes together.

SQLite: a fresh file in a temporary folder (WAL). PostgreSQL: a server started for the run
(Debian's ``postgresql``: ``initdb`` in a temporary folder, loopback, ``fsync = off`` as in the
tests — so both sides skip the disk flush SQLite's ``synchronous = NORMAL`` also skips in WAL),
one database per configuration; psycopg 3 over TCP on 127.0.0.1. Prints one table, both
backends side by side.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

WRITER = """
import sys, time
from energybill.core.records import COUNTER, Device, DeviceEnergy, Measurement
from energybill.ledger.sink import LedgerSink
from energybill.ledger.store import Ledger
from energybill.measure.sink import RunRecorder
location, worker, runs, start_at = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
cpu = Device("rapl:package-0", "cpu", COUNTER, "package-0", "bench")
sink = LedgerSink(Ledger(location))
def at(k):
    return Measurement("r", 1.7e9, float(k), (DeviceEnergy(cpu, 10.0 * k),), 10.0)
time.sleep(max(0.0, start_at - time.time()))
began = time.time()
for i in range(runs):
    run = RunRecorder.begin(sink, f"w{worker}-{i}", 1.0, [cpu], experiment="bench", worker=str(worker))
    for k in (1, 2, 3):
        run.checkpoint(at(k))
    run.finish(at(4), "completed", 0)
print(began, time.time())
"""

READER = """
import sys, time
from energybill.ledger.store import Ledger
location, rounds, start_at = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
ledger = Ledger(location, create=False)
time.sleep(max(0.0, start_at - time.time()))
began, listed = time.time(), 0
for _ in range(rounds):
    rows = ledger.runs()
    ledger.methods_by_run([r.id for r in rows])
    ledger.tags_for([r.id for r in rows])
    listed += len(rows)
print(began, time.time(), listed)
"""


def _together(script: str, args_of: list[list[str]]) -> list[list[float]]:
    """Run the processes, which start work at a shared time; their printed figures."""
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src") + os.pathsep + os.environ.get("PYTHONPATH", "")}
    procs = [subprocess.Popen([sys.executable, "-c", script, *args], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, env=env) for args in args_of]
    out = []
    for proc in procs:
        stdout, stderr = proc.communicate(timeout=1800)
        if proc.returncode != 0:
            raise SystemExit(f"a bench process failed:\n{stderr}")
        out.append([float(x) for x in stdout.split()])
    return out


def measure(location: str, writers: int, total_runs: int) -> tuple[float, float]:
    """(insert runs/s, list runs/s) for this ledger with ``writers`` processes."""
    per = max(1, total_runs // writers)
    start_at = time.time() + 2.0 + 0.15 * writers  # after every interpreter has imported energybill
    figures = _together(WRITER, [[location, str(w), str(per), str(start_at)] for w in range(writers)])
    insert = per * writers / (max(f[1] for f in figures) - min(f[0] for f in figures))
    start_at = time.time() + 2.0 + 0.15 * writers
    figures = _together(READER, [[location, "3", str(start_at)] for _ in range(writers)])
    listed = sum(f[2] for f in figures) / (max(f[1] for f in figures) - min(f[0] for f in figures))
    return insert, listed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=480, help="runs inserted per configuration [480]")
    parser.add_argument("--writers", default="1,4,16", help="process counts [1,4,16]")
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    args = parser.parse_args()
    counts = [int(x) for x in args.writers.split(",")]
    sys.path.insert(0, str(ROOT))
    results: dict[tuple[str, int], tuple[float, float]] = {}
    with tempfile.TemporaryDirectory(prefix="ledger-bench-") as tmp:
        for n in counts:
            results[("sqlite", n)] = measure(str(Path(tmp) / f"w{n}.ledger.db"), n, args.runs)
            print(f"sqlite, {n} writers: done", file=sys.stderr)
        if not args.no_postgres:
            from tests.pg_server import server

            with server() as pg:
                for n in counts:
                    results[("postgresql", n)] = measure(pg.new_database(), n, args.runs)
                    print(f"postgresql, {n} writers: done", file=sys.stderr)
    print(f"\nledger_scale: {args.runs} runs per configuration (5 transactions each), "
          f"{os.cpu_count()} CPUs, {platform.python_implementation()} {platform.python_version()}\n")
    print("| processes | insert SQLite (runs/s) | insert PostgreSQL (runs/s) "
          "| runs list SQLite (runs/s) | runs list PostgreSQL (runs/s) |")
    print("|---:|---:|---:|---:|---:|")
    for n in counts:
        lite = results[("sqlite", n)]
        pg_figures = results.get(("postgresql", n))
        pg_insert = f"{pg_figures[0]:,.0f}" if pg_figures else "—"
        pg_list = f"{pg_figures[1]:,.0f}" if pg_figures else "—"
        print(f"| {n} | {lite[0]:,.0f} | {pg_insert} | {lite[1]:,.0f} | {pg_list} |")


if __name__ == "__main__":
    main()

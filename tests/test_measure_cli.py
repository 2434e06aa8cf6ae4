"""``energybill measure -- CMD`` and ``energybill runs``, end to end: real processes, real SQLite."""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from tests.conftest import MINI_PROJECT, run_cli

from energybill.ledger.store import Ledger

BURN = """
import json, os, sys, time
start = time.time()
while time.time() - start < float(sys.argv[1]):
    pass
# How long this process has lived, interpreter start-up included: the kernel's start time (clock
# ticks since boot, field 22 of /proc/self/stat) against the boot-time clock.
ticks = int(open("/proc/self/stat").read().rsplit(")", 1)[1].split()[19])
lived = time.clock_gettime(time.CLOCK_BOOTTIME) - ticks / os.sysconf("SC_CLK_TCK")
json.dump({"lived": lived, "start": start, "end": time.time()}, open(sys.argv[2], "w"))
"""


def energybill(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return run_cli(*args, cwd=cwd)


def test_duration_matches_the_wall_clock_within_2_percent(tmp_path: Path) -> None:
    burn, stamps, ledger = tmp_path / "burn.py", tmp_path / "stamps.json", tmp_path / "runs.db"
    burn.write_text(BURN)
    before = time.time()
    done = energybill("measure", "--ledger", str(ledger), "--", sys.executable, str(burn), "3", str(stamps))
    after = time.time()
    assert done.returncode == 0, done.stderr
    (run,) = Ledger(ledger).runs()
    own = json.loads(stamps.read_text())
    lived_s = own["lived"]  # the command's wall clock: from its process start to its end
    # The window opens before the fork and closes after the reap, so it holds the command's life
    # (its start time is in 10 ms clock ticks); what it adds (the command's exit, the meter's wake-up)
    # is a few ms on a quiet machine but unbounded on a loaded one: bracketed, not a 2 % tolerance.
    assert lived_s - 0.011 <= run.duration_s <= after - before
    assert before <= run.started_unix <= own["start"] and own["end"] <= run.ended_unix <= after
    assert run.status == "completed" and run.exit_code == 0
    assert run.energy_j is not None and run.energy_j > 0
    assert "recorded in" in done.stderr and run.id in done.stderr


def test_exit_code_is_passed_through_and_the_run_marked_failed(tmp_path: Path) -> None:
    ledger = tmp_path / "runs.db"
    done = energybill("measure", "--ledger", str(ledger), "--", sys.executable, "-c", "raise SystemExit(3)")
    assert done.returncode == 3
    (run,) = Ledger(ledger).runs()
    assert (run.status, run.exit_code) == ("failed", 3)


def test_a_missing_command_is_one_line_exit_127_as_recorded(tmp_path: Path) -> None:
    # a shell's code for "command not found"; the ledger records the code the meter exits with
    done = energybill("measure", "--ledger", str(tmp_path / "r.db"), "--", "no-such-command-xyz")
    assert done.returncode == 127
    assert done.stderr.strip() == "cannot run 'no-such-command-xyz': No such file or directory"
    (run,) = Ledger(tmp_path / "r.db").runs()
    assert (run.status, run.exit_code) == ("failed", 127)


TRAP = """
import signal, sys, time
signal.signal(signal.SIGTERM, lambda *_: sys.exit(7))
print("ready", flush=True)
time.sleep(30)
"""


def test_signals_are_forwarded_to_the_command(tmp_path: Path) -> None:
    ledger = tmp_path / "runs.db"
    command = [sys.executable, "-m", "energybill", "measure", "--ledger", str(ledger), "--",
               sys.executable, "-c", TRAP]
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=20) == 7  # the command's own answer to SIGTERM
    (run,) = Ledger(ledger).runs()
    assert (run.status, run.exit_code) == ("failed", 7)


def test_kill_9_leaves_the_run_interrupted_with_its_checkpointed_energy(tmp_path: Path) -> None:
    burn, ledger = tmp_path / "burn.py", tmp_path / "runs.db"
    burn.write_text(BURN)
    command = [sys.executable, "-m", "energybill", "measure", "--interval", "0.2", "--ledger", str(ledger),
               "--", sys.executable, str(burn), "30", str(tmp_path / "s")]
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        samples = _wait_for_samples(ledger, 5)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        _kill_children_of(proc.pid)
    (run,) = Ledger(ledger).runs()  # reading the ledger notices the dead process
    assert run.status == "interrupted"
    kept = Ledger(ledger).samples(run.id)
    assert len(kept) >= samples  # every checkpoint written before the kill is there
    assert run.energy_j == pytest.approx(kept[-1]["energy_j"]) and run.energy_j > 0
    assert run.duration_s == pytest.approx(kept[-1]["t_s"])
    # one checkpoint per 0.2 s grid point at most (a late sampler skips points on a loaded machine,
    # so fewer is fine; the count against 0.2 × n held only on a quiet one)
    assert len(kept) <= run.duration_s / 0.2 + 1
    listed = energybill("runs", "list", "--ledger", str(ledger))
    assert "interrupted" in listed.stdout


def _wait_for_samples(ledger: Path, count: int) -> int:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with sqlite3.connect(ledger) as conn:
                found = conn.execute("SELECT COUNT(*) FROM samples").fetchone()[0]
            if found >= count:
                return int(found)
        except sqlite3.OperationalError:
            pass  # not created yet
        time.sleep(0.05)
    raise AssertionError("no checkpoints appeared")


def _kill_children_of(pid: int) -> None:
    import psutil

    for child in psutil.Process().children(recursive=True):
        if child.pid != pid:
            child.kill()


def test_measured_runs_on_the_bill_beside_the_estimate(tmp_path: Path) -> None:
    project = tmp_path / "mini.toml"
    project.write_text(MINI_PROJECT)
    quick = [sys.executable, "-c", "sum(range(10**6))"]
    done = energybill("measure", "--project", str(project), "--item", "finetune", "--", *quick)
    assert done.returncode == 0, done.stderr
    assert energybill("measure", "--project", str(project), "--item", "tokenize", "--site", "lab",
                      "--", *quick).returncode == 0
    ledger = tmp_path / "mini.ledger.db"  # beside the project file, by default
    runs = {r.item: r for r in Ledger(ledger).runs()}
    done = energybill("bill", str(project), "--format", "json")
    assert done.returncode == 0, done.stderr
    bill = json.loads(done.stdout)
    items = {i["name"]: i for i in bill["items"]}
    estimated = 1 * 100 * 0.001 / 1000 * 1.5  # devices × W × h / 1000 × PUE
    measured = runs["finetune"].energy_j / 3.6e6 * 1.5  # J → kWh × PUE
    finetune = items["finetune"]
    assert finetune["energy_kwh"] == pytest.approx(estimated)
    assert finetune["details"]["measured_energy_kwh"] == pytest.approx(measured)
    assert finetune["details"]["measured_minus_estimated_kwh"] == pytest.approx(measured - estimated)
    assert finetune["details"]["measured_co2e_kg"] == pytest.approx(measured * 600 / 1000)
    assert finetune["details"]["measured_runs"] == runs["finetune"].id
    assert finetune["details"]["measured_methods"] == "modelled"  # this machine has no RAPL
    record = next(p for p in finetune["provenance"] if p["quantity"] == "details.measured_energy_kwh")
    assert runs["finetune"].id in record["source"] and record["inputs"]["pue"] == 1.5
    only = items["tokenize"]  # exists only as a measurement: billed as such
    assert only["kind"] == "measured" and only["site"] == "lab"
    assert only["energy_kwh"] == pytest.approx(runs["tokenize"].energy_j / 3.6e6 * 1.5)
    assert bill["totals"]["energy_kwh"] == pytest.approx(estimated + only["energy_kwh"])
    table = energybill("bill", str(project))
    assert "Estimated and measured" in table.stdout and "only measured" in table.stdout
    report = json.loads(energybill("report", str(project), "--format", "json").stdout)
    rows = {row["name"]: row for row in report["report"]["measured"]}
    assert rows["finetune"]["measured_energy_kwh"] == pytest.approx(measured)
    assert rows["finetune"]["estimated_energy_kwh"] == pytest.approx(estimated)
    assert (rows["tokenize"]["runs"], rows["tokenize"]["method"]) == (1, "modelled")


def test_runs_listed_by_id_in_the_project_file(tmp_path: Path) -> None:
    project = tmp_path / "mini.toml"
    project.write_text(MINI_PROJECT)
    ledger = tmp_path / "mini.ledger.db"
    energybill("measure", "--ledger", str(ledger), "--", sys.executable, "-c", "pass")
    (run,) = Ledger(ledger).runs()
    project.write_text(MINI_PROJECT + f'runs = ["{run.id}"]\n')
    bill = json.loads(energybill("bill", str(project), "--format", "json").stdout)
    assert bill["items"][0]["details"]["measured_runs"] == run.id
    project.write_text(MINI_PROJECT + 'runs = ["nope"]\n')
    done = energybill("bill", str(project))
    assert done.returncode == 2
    assert done.stderr.strip() == (f"{project}: compute[0].runs[0]: no run 'nope' in {ledger}; "
                                   "see `energybill runs list`")


def test_bill_without_a_ledger_creates_none(tmp_path: Path) -> None:
    project = tmp_path / "mini.toml"
    project.write_text(MINI_PROJECT)
    assert energybill("bill", str(project)).returncode == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mini.toml"]
    code = ("import sys, energybill.cli.main as m; sys.argv = ['energybill', 'bill', sys.argv[1]]\n"
            "try:\n    m.main()\nexcept SystemExit:\n    pass\nprint('sqlite3' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code, str(project)], capture_output=True, text=True)
    assert out.stdout.strip().splitlines()[-1] == "False"  # the plain bill does not even import sqlite


def test_runs_show_and_export_csv(tmp_path: Path) -> None:
    ledger = tmp_path / "runs.db"
    energybill("measure", "--ledger", str(ledger), "--name", "quick", "--cpu-tdp-w", "120",
               "--", sys.executable, "-c", "sum(range(10**6))")
    (run,) = Ledger(ledger).runs()
    shown = energybill("runs", "show", run.id[:5], "--ledger", str(ledger))
    assert shown.returncode == 0 and "quick" in shown.stdout and "TDP 120 W" in shown.stdout
    as_json = json.loads(energybill("runs", "show", run.id, "--ledger", str(ledger), "--json").stdout)
    assert as_json["run"]["energy_j"] == pytest.approx(run.energy_j)
    exported = energybill("runs", "export", "--csv", "--ledger", str(ledger))
    (row,) = list(csv.DictReader(io.StringIO(exported.stdout)))
    assert row["id"] == run.id and row["status"] == "completed"
    assert float(row["energy_kwh"]) == pytest.approx(run.energy_j / 3.6e6)
    assert float(row["cpu_j"]) + float(row["ram_j"]) == pytest.approx(run.energy_j)
    assert row["gpu_j"] == "" and row["dram_j"] == ""  # not read: empty, not zero
    assert row["methods"] == "model:cpu=modelled;model:ram=modelled"
    missing = energybill("runs", "list", "--ledger", str(tmp_path / "none.db"))
    assert missing.returncode == 2 and "no such ledger" in missing.stderr

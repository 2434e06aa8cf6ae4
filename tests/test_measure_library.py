"""Peak power never below the average, the child counted from its first sample (issue 14 item 7),
and ``energybill.track()`` recording into the CLI's default ledger (issue 14 item 11).

Energies worked out by hand from the fake hardware in ``tests/fakehw.py``; real processes and
real SQLite where the behaviour is about them.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from tests.conftest import run_cli
from tests.fakehw import PowerProfile, StepClock

import energybill
from energybill.ledger.store import Ledger
from energybill.measure.backends.model import ModelBackend, ProcessTree
from energybill.measure.meter import Meter


def test_a_short_last_interval_counts_towards_the_peak() -> None:
    # 10 W for 3 s, then 40 W. Ticks at 1, 2, 3 s; the run ends at 3.3 s (interval 1 s).
    # Energy 3 × 10 + 0.3 × 40 = 42 J over 3.3 s: average 12.73 W. The last 0.3 s is shorter
    # than half an interval, so it is merged into the one before it: (10 + 12) J / 1.3 s = 16.92 W.
    # Before: that interval was dropped and the peak was 10 W, below the average.
    clock = StepClock()
    meter = Meter(backends=[PowerProfile([10.0, 10.0, 10.0, 40.0, 40.0])], clock=clock, thread=False)
    meter.begin("w")
    for t in (1.0, 2.0, 3.0):
        clock.t = t
        meter.tick()
    clock.t = 3.3
    result = meter.end("w")
    assert result.energy_j == pytest.approx(42.0)
    assert result.average_power_w == pytest.approx(42.0 / 3.3)
    assert result.peak_power_w == pytest.approx(22.0 / 1.3)
    assert result.peak_power_w >= result.average_power_w


def test_a_window_begun_just_before_a_tick_has_no_interval_of_its_own() -> None:
    # begun at 0.9 s, ticks at 1, 2, 3, end at 3.9; 100 W in second 0, 20 W after.
    # The 0.1 s before the first tick is merged into the next interval: (0.1 × 100 + 20) J / 1.1 s
    # = 27.27 W, not 100 W from a tenth of a second. Total 10 + 2.9 × 20 = 68 J over 3 s.
    clock = StepClock()
    meter = Meter(backends=[PowerProfile([100.0, 20.0, 20.0, 20.0, 20.0])], clock=clock, thread=False)
    clock.t = 0.9
    meter.begin("w")
    for t in (1.0, 2.0, 3.0):
        clock.t = t
        meter.tick()
    clock.t = 3.9
    result = meter.end("w")
    assert result.energy_j == pytest.approx(68.0)
    assert result.peak_power_w == pytest.approx(30.0 / 1.1)
    assert result.peak_power_w >= result.average_power_w == pytest.approx(68.0 / 3.0)


def test_with_no_tick_the_peak_is_the_average() -> None:
    clock = StepClock()
    meter = Meter(backends=[PowerProfile([7.0] * 10)], clock=clock, thread=False)
    meter.begin("w")
    clock.t = 0.4
    result = meter.end("w")
    assert result.peak_power_w == pytest.approx(7.0) == pytest.approx(result.average_power_w)


BUSY = "import time\nend = time.time() + 1.5\nwhile time.time() < end: pass\n"


def test_a_child_is_seen_from_its_first_sample() -> None:
    # The process tree rescans /proc only every few samples while it has no descendants: a child
    # started just after the meter was invisible for seconds. child_started() looks at once.
    tree = ProcessTree(rescan_every=1000)
    meter = Meter(backends=[ModelBackend(cpu_tdp_w=100.0, components=("cpu",), tree=tree)], thread=False)
    meter.begin("w")
    meter.tick()  # the first snapshot: no child yet
    childless = not tree._children  # (a test before may have left this process a child)
    child = subprocess.Popen([sys.executable, "-c", BUSY])
    try:
        meter.tick()
        if childless:
            assert child.pid not in tree._children  # the old behaviour: not seen by a plain tick
        meter.child_started()
        assert child.pid in tree._children
    finally:
        child.wait()
    meter.end("w")
    meter.stop()


def test_measure_prints_a_peak_no_lower_than_the_average(tmp_path: Path) -> None:
    burn = tmp_path / "burn.py"
    burn.write_text(BUSY)
    ledger = tmp_path / "r.db"
    done = run_cli("measure", "--ledger", str(ledger), "--", sys.executable, str(burn))
    assert done.returncode == 0, done.stderr
    found = re.search(r"average ([\d,.]+) W, peak ([\d,.]+) W", done.stderr)
    assert found is not None, done.stderr
    average_w, peak_w = (float(x.replace(",", "")) for x in found.groups())
    assert peak_w >= average_w
    (run,) = Ledger(ledger).runs()
    assert run.energy_j is not None and run.peak_power_w is not None
    assert run.peak_power_w >= run.energy_j / run.duration_s - 1e-9


def test_track_records_into_the_default_ledger_and_says_where(tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    default = Path(os.environ["ENERGYBILL_LEDGER"])  # conftest: a temporary default ledger
    clock = StepClock()
    for name in ("first", "second"):
        with energybill.track(name, backends=[PowerProfile([5.0] * 10)], clock=clock, thread=False) as run:
            clock.advance(2.0)
        assert run.ledger == default and run.run_id is not None
    said = capsys.readouterr().err
    assert said.count("recording runs in") <= 1  # said once per process, not per run
    rows = Ledger(default).runs()
    assert [(r.name, r.energy_j) for r in rows] == [("first", 10.0), ("second", 10.0)]


def test_the_default_ledger_is_the_one_the_cli_reads(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "ENERGYBILL_LEDGER"}
    script = ("import energybill\n"
              "with energybill.track('from-python', cpu_tdp_w=50.0):\n"
              "    sum(range(10**5))\n")
    done = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "recording runs in energybill.ledger.db" in done.stderr
    assert (tmp_path / "energybill.ledger.db").exists()
    listed = subprocess.run([sys.executable, "-m", "energybill", "runs", "list"], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=60)
    assert listed.returncode == 0, listed.stderr
    assert "from-python" in listed.stdout  # the CLI found the run without being told where

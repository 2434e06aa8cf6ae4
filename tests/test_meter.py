"""The meter, the sampler, measure() and the labelled CPU/RAM model, with values worked out by hand."""

from __future__ import annotations

import subprocess
import sys
import threading
import time

import pytest
from tests.conftest import wait_until
from tests.fakehw import PowerProfile, StepClock

import energybill
from energybill.core.records import COUNTER, MODELLED
from energybill.measure.backends.model import ModelBackend, ProcessTree, load_fraction
from energybill.measure.meter import Meter, MeterError
from energybill.measure.sampler import Sampler


def test_nested_and_overlapping_windows_share_the_counters() -> None:
    clock = StepClock()
    meter = Meter(backends=[PowerProfile([50.0] * 20)], clock=clock, thread=False)
    meter.begin("outer")
    clock.t = 2.0
    meter.begin("inner")
    clock.t = 5.0
    inner = meter.end("inner")
    clock.t = 10.0
    outer = meter.end("outer")
    assert (inner.energy_j, inner.duration_s) == (150.0, 3.0)
    assert (outer.energy_j, outer.duration_s, outer.average_power_w) == (500.0, 10.0, 50.0)


def test_peak_power_is_the_highest_sampled_interval() -> None:
    clock = StepClock()
    watts = [50.0, 50.0, 50.0, 200.0, 200.0, 80.0]
    meter = Meter(backends=[PowerProfile(watts)], clock=clock, thread=False)
    meter.begin("w")
    for t in range(1, 7):
        clock.t = float(t)
        meter.tick()
    result = meter.end("w")
    assert result.peak_power_w == 200.0
    assert result.energy_j == 630.0  # 3 × 50 + 2 × 200 + 80


def test_window_misuse_is_a_clear_error() -> None:
    clock = StepClock()
    meter = Meter(backends=[PowerProfile([1.0])], clock=clock, thread=False)
    meter.begin("a")
    with pytest.raises(MeterError, match="already open"):
        meter.begin("a")
    with pytest.raises(MeterError, match=r"'b' is not open \(open windows: a\)"):
        meter.end("b")


def test_co2e_at_a_site() -> None:
    clock = StepClock()
    meter = Meter(backends=[PowerProfile([360.0] * 20)], clock=clock, thread=False)
    meter.begin("w")
    clock.t = 10.0
    result = meter.end("w")
    # 3,600 J = 0.001 kWh; × PUE 1.5 × 600 g/kWh = 0.9 g
    assert result.energy_kwh == pytest.approx(0.001)
    assert result.co2e_kg(600, pue=1.5) == pytest.approx(0.0009)


def test_measure_as_context_manager_and_decorator() -> None:
    clock = StepClock()
    with energybill.track("block", backends=[PowerProfile([10.0] * 100)], clock=clock,
                            thread=False) as run:
        clock.t = 4.0
    assert run.energy_j == 40.0 and run.result.methods() == {"fake:0": COUNTER}

    deco = energybill.track("fn", backends=[PowerProfile([10.0] * 100)], clock=clock, thread=False)

    @deco
    def work(seconds: float) -> str:
        clock.t += seconds
        return "done"

    assert work(1.0) == "done" and work(2.0) == "done"
    assert [r.energy_j for r in deco.history] == [10.0, 20.0]


def test_no_backend_means_no_reading_never_zero() -> None:
    meter = Meter(backends=[], thread=False)
    meter.begin("w")
    result = meter.end("w")
    assert result.energy_j is None and result.average_power_w is None and result.peak_power_w is None


def test_sampler_ticks_on_a_grid_and_stop_is_idempotent() -> None:
    calls: list[float] = []
    never = Sampler(lambda: calls.append(-1.0), 0.01)
    never.stop()  # before start: harmless, and a stopped sampler stays stopped
    never.start()
    sampler = Sampler(lambda: calls.append(time.monotonic()), 0.05)
    started = time.monotonic()
    sampler.start()
    assert wait_until(lambda: len(calls) >= 6)
    sampler.stop()
    sampler.stop()
    # On the grid: tick k never comes before start + k × interval, however late the thread runs (a
    # late tick skips grid points rather than bunching up). A loaded machine only makes ticks later.
    assert all(t - started >= k * 0.05 - 1e-3 for k, t in enumerate(calls, 1))
    assert not sampler.running and sampler.cpu_s >= 0.0
    stopped_at = len(calls)
    time.sleep(0.1)
    assert len(calls) == stopped_at


def test_sampler_survives_a_failing_tick() -> None:
    def boom() -> None:
        raise OSError("sysfs went away")

    sampler = Sampler(boom, 0.02)
    sampler.start()
    survived = wait_until(lambda: len(sampler.errors) >= 2)  # it ticked again after a failure
    sampler.stop()
    assert survived and isinstance(sampler.errors[0], OSError)


def test_sampler_schedules_on_the_injected_clock() -> None:
    # A clock that jumps one interval (60 s) ahead at every reading: the sampler waits by it, not
    # by the real clock, so every grid point is already due and it ticks at once.
    fake = [0.0]
    ticks = threading.Event()
    count = [0]

    def clock() -> float:
        fake[0] += 60.0
        return fake[0]

    def tick() -> None:
        count[0] += 1
        if count[0] == 3:
            ticks.set()

    sampler = Sampler(tick, 60.0, clock=clock)
    sampler.start()
    assert ticks.wait(30.0)  # on the real clock three 60 s ticks take 3 minutes
    sampler.stop()


# -- the labelled model --------------------------------------------------------------------------


def test_load_curve_anchors_and_interpolation() -> None:
    assert load_fraction(0.0) == pytest.approx(0.12)
    assert load_fraction(0.5) == pytest.approx(0.75)
    assert load_fraction(1.0) == pytest.approx(1.02)
    assert load_fraction(0.3) == pytest.approx(0.32 + (0.75 - 0.32) * 0.2 / 0.4)
    assert load_fraction(1.7) == pytest.approx(1.02) and load_fraction(-1) == pytest.approx(0.12)


class FakeTree:
    def __init__(self, clock: StepClock, cpus_busy: float, rss_gb: float) -> None:
        self.clock, self.cpus_busy, self.rss_gb = clock, cpus_busy, rss_gb

    def snapshot(self) -> tuple[float, float]:
        return self.clock.t * self.cpus_busy, self.rss_gb * 1e9


def test_model_energy_worked_by_hand() -> None:
    clock = StepClock()
    model = ModelBackend(cpu_tdp_w=100.0, tree=FakeTree(clock, cpus_busy=2.0, rss_gb=2.0), logical_cpus=4)
    devices = model.start(0.0)
    assert {d.method for d in devices} == {MODELLED}
    assert "TDP 100 W" in devices[0].source
    clock.t = 10.0
    energy = model.read(10.0)
    # 2 of 4 CPUs busy → u = 0.5 → 0.75 × 100 W × 10 s = 750 J; RAM 2 GB × 0.3725 W/GB × 10 s = 7.45 J
    assert energy == {"model:cpu": pytest.approx(750.0), "model:ram": pytest.approx(7.45)}


def test_model_default_tdp_is_printed_in_the_source() -> None:
    clock = StepClock()
    devices = ModelBackend(tree=FakeTree(clock, 0, 0), components=("cpu",)).start(0.0)
    assert "TDP 85 W (default; set --cpu-tdp-w)" in devices[0].source


# The child burns 0.3 CPU-seconds, says "half", waits for a line, burns 0.3 more: the test reads the
# tree at known CPU times rather than after sleeps, so a loaded machine does not change the figures.
PARENT = """
import subprocess, sys
burn = (
    "import sys, time\\n"
    "def spin(s):\\n t = time.process_time()\\n while time.process_time() - t < s: pass\\n"
    "spin(0.3)\\nprint('half', flush=True)\\nsys.stdin.readline()\\nspin(0.3)"
)
print("ready", flush=True)
sys.stdin.readline()
child = subprocess.Popen([sys.executable, "-c", burn])
print("started", flush=True)
child.wait()
print("reaped", flush=True)
sys.stdin.read()
"""


def test_process_tree_counts_a_grandchild_cpu_time_alive_and_reaped() -> None:
    parent = subprocess.Popen([sys.executable, "-c", PARENT], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              text=True)
    assert parent.stdin is not None and parent.stdout is not None
    try:
        # its start-up done (its CPU time must not grow after ``before``), it waits for "go"
        assert parent.stdout.readline().strip() == "ready"
        lazy, eager = ProcessTree(parent.pid), ProcessTree(parent.pid, rescan_every=1)
        before = lazy.snapshot()[0], eager.snapshot()[0]
        parent.stdin.write("go\n")
        parent.stdin.flush()
        assert parent.stdout.readline().strip() == "started"
        assert parent.stdout.readline().strip() == "half"
        during = eager.snapshot()[0] - before[1]  # the child is alive: found by a scan, read by psutil
        parent.stdin.write("more\n")
        parent.stdin.flush()
        assert parent.stdout.readline().strip() == "reaped"
        after = lazy.snapshot()[0] - before[0]  # never seen alive; reaped: its parent's children_* hold it
        assert 0.25 < during < 0.6  # 0.3 s burnt, plus the child's interpreter start-up
        assert after == pytest.approx(0.6, abs=0.2)
        assert eager.snapshot()[0] - before[1] == pytest.approx(0.6, abs=0.2)
        assert lazy.snapshot()[1] > 0
    finally:
        parent.stdin.close()
        parent.wait(timeout=10)


class JumpTree:
    """A child found late: 3 CPU seconds appear at once after the first second."""

    def __init__(self, clock: StepClock) -> None:
        self.clock = clock

    def snapshot(self) -> tuple[float, float]:
        return (3.0 if self.clock.t >= 1.0 else 0.0), 0.0


def test_cpu_time_found_late_is_billed_to_later_intervals_not_lost() -> None:
    clock = StepClock()
    model = ModelBackend(cpu_tdp_w=100.0, components=("cpu",), tree=JumpTree(clock), logical_cpus=1)
    model.start(0.0)
    for t in (1.0, 2.0, 3.0, 4.0):
        clock.t = t
        model.sample(t)
    # 3 CPU-seconds on 1 CPU: three intervals at full load (1.02 × 100 W), then one idle (0.12 × 100 W)
    assert model.read(4.0) == {"model:cpu": pytest.approx(3 * 102.0 + 12.0)}


class Flaky(PowerProfile):
    """Reads fine, then the hardware goes away (a driver reload, a sysfs permission change)."""

    def read(self, now_s: float) -> dict[str, float]:
        if now_s > 2.0:
            raise OSError("No such device")
        return super().read(now_s)


def test_a_read_error_mid_run_keeps_the_last_good_values_and_says_so() -> None:
    clock = StepClock()
    meter = Meter(backends=[Flaky([10.0] * 10)], clock=clock, thread=False)
    meter.begin("w")
    clock.t = 2.0
    meter.tick()
    clock.t = 5.0
    result = meter.end("w")
    assert result.energy_j == 20.0  # what was read up to 2 s; not extrapolated, not zeroed
    assert any("read failed at 5.0 s (No such device)" in note for note in result.notes)

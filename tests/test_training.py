"""The plain-loop helper: epochs and phases as windows of one run, recorded in a real ledger."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.fakehw import StepClock, gpu_meter_options

from energybill.ledger import record
from energybill.ledger.store import Ledger
from energybill.tracking import TrainingMeter

WATTS = {"GPU-a": 100.0, "GPU-b": 50.0}  # 150 W in all


def test_epochs_and_phases_are_windows_of_one_run(tmp_path: Path) -> None:
    clock = StepClock()
    logged: list[dict[str, object]] = []
    ledger_path = tmp_path / "runs.db"
    with TrainingMeter("loop", ledger=ledger_path, item="tiny", on_epoch=logged.append,
                       **gpu_meter_options(clock, WATTS)) as tm:
        for epoch in range(2):
            with tm.epoch(epoch):
                for _ in range(2):  # evaluate twice per epoch: eval segments are summed
                    with tm.phase("train"):
                        clock.advance(3)
                    with tm.phase("eval"):
                        clock.advance(1)
                clock.advance(2)  # checkpoint saving: in the epoch, in no phase
        with tm.phase("test"):
            clock.advance(5)
    ledger = Ledger(ledger_path)
    [run] = ledger.runs()
    assert run.status == "completed"
    assert run.energy_j == pytest.approx(150 * (2 * 10 + 5))  # 3750 J: 25 s at 150 W
    windows = {w.name: w for w in record.windows(ledger, run.id)}
    assert list(windows) == ["epoch 0", "epoch 0/train", "epoch 0/eval",
                             "epoch 1", "epoch 1/train", "epoch 1/eval", "test"]
    assert windows["epoch 1"].energy_j == pytest.approx(150 * 10)
    assert windows["epoch 1/train"].energy_j == pytest.approx(150 * 6)
    assert windows["epoch 1/eval"].energy_j == pytest.approx(150 * 2)
    assert windows["epoch 1/eval"].segments == 2
    assert windows["epoch 1"].started_s == pytest.approx(10.0)
    assert windows["test"].epoch is None and windows["test"].energy_j == pytest.approx(750)
    assert [e["epoch"] for e in logged] == [0, 1]
    assert logged[0]["energy_j"] == pytest.approx(1500) and logged[0]["eval_energy_j"] == pytest.approx(300)


def test_a_loop_that_raises_is_recorded_as_failed(tmp_path: Path) -> None:
    clock = StepClock()
    with pytest.raises(RuntimeError), TrainingMeter("boom", ledger=tmp_path / "r.db", on_epoch=lambda e: None,
                                                    **gpu_meter_options(clock, WATTS)) as tm:
        with tm.epoch(0):
            clock.advance(2)
        with tm.epoch(1):
            clock.advance(1)
            raise RuntimeError("loss is nan")
    [run] = Ledger(tmp_path / "r.db").runs()
    assert run.status == "failed"
    assert run.energy_j == pytest.approx(450)
    names = [w.name for w in record.windows(Ledger(tmp_path / "r.db"), run.id)]
    assert names == ["epoch 0", "epoch 1"]  # the open epoch is closed and kept

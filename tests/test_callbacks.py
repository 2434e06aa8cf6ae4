"""A tiny Hugging Face Trainer run and a tiny Lightning run on the CPU: windows match the epochs.

The models are a few parameters built locally (no hub, no network). The GPU is a recorded NVML
trace at constant power and time is a step clock that another callback advances by one second
per training or evaluation batch, so every window's energy is worked out by hand below.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.fakehw import StepClock, gpu_meter_options

from energybill.ledger import record
from energybill.ledger.store import Ledger

torch = pytest.importorskip(
    "torch", reason="PyTorch is not in the test extra (CUDA wheels): pip install torch==2.13.0 (.ci/run does)"
)

WATTS = {"GPU-tiny": 200.0}
TRAIN_N, EVAL_N, BATCH, EPOCHS = 12, 8, 4, 2  # 3 train and 2 eval batches per epoch


def _data(n: int) -> list[dict[str, object]]:
    g = torch.Generator().manual_seed(n)
    xs = torch.randn(n, 4, generator=g)
    return [{"x": x, "labels": x.sum().reshape(1)} for x in xs]


def _the_run(path: Path) -> tuple[object, dict[str, record.WindowRecord]]:
    ledger = Ledger(path)
    [run] = ledger.runs()
    return run, {w.name: w for w in record.windows(ledger, run.id)}


def _check_windows(run: object, windows: dict[str, record.WindowRecord]) -> None:
    train_j, eval_j = 200.0 * 3, 200.0 * 2  # batches × 1 s × 200 W
    assert run.status == "completed"  # type: ignore[attr-defined]
    assert [w.epoch for w in windows.values() if w.phase is None] == list(range(EPOCHS))
    for epoch in range(EPOCHS):
        assert windows[f"epoch {epoch}/train"].energy_j == pytest.approx(train_j)
        assert windows[f"epoch {epoch}/eval"].energy_j == pytest.approx(eval_j)
        assert windows[f"epoch {epoch}"].energy_j == pytest.approx(train_j + eval_j)
    assert run.energy_j == pytest.approx(EPOCHS * (train_j + eval_j))  # type: ignore[attr-defined]


def test_hugging_face_trainer_run_records_epoch_windows(tmp_path: Path) -> None:
    transformers = pytest.importorskip(
        "transformers", reason="no hf extra: pip install '.[hf]' after PyTorch (.ci/run does)"
    )
    from energybill.integrations.huggingface import EnergybillCallback

    class TinyConfig(transformers.PretrainedConfig):
        model_type = "energybill-tiny"

    class TinyModel(transformers.PreTrainedModel):
        config_class = TinyConfig

        def __init__(self, config: TinyConfig) -> None:
            super().__init__(config)
            self.linear = torch.nn.Linear(4, 1)

        def forward(self, x: object = None, labels: object = None) -> dict[str, object]:
            out = self.linear(x)
            return {"loss": torch.nn.functional.mse_loss(out, labels), "logits": out}

    clock = StepClock()

    class Tick(transformers.TrainerCallback):
        def on_step_end(self, args: object, state: object, control: object, **kw: object) -> None:
            clock.advance(1)

        def on_prediction_step(self, args: object, state: object, control: object, **kw: object) -> None:
            clock.advance(1)

    energy = EnergybillCallback("hf-tiny", ledger=tmp_path / "runs.db", **gpu_meter_options(clock, WATTS))
    args = transformers.TrainingArguments(
        output_dir=str(tmp_path / "out"), num_train_epochs=EPOCHS, per_device_train_batch_size=BATCH,
        per_device_eval_batch_size=BATCH, eval_strategy="epoch", save_strategy="no", report_to=[],
        use_cpu=True, disable_tqdm=True, logging_strategy="epoch", dataloader_num_workers=0,
    )
    trainer = transformers.Trainer(model=TinyModel(TinyConfig()), args=args, train_dataset=_data(TRAIN_N),
                                   eval_dataset=_data(EVAL_N), callbacks=[Tick(), energy])
    trainer.train()
    _check_windows(*_the_run(tmp_path / "runs.db"))
    logged = [e for e in trainer.state.log_history if "energy/energy_j" in e]
    assert [e["energy/energy_j"] for e in logged] == pytest.approx([1000.0, 1000.0])


def test_lightning_run_records_epoch_windows_and_logs_them(tmp_path: Path) -> None:
    pl = pytest.importorskip(
        "lightning.pytorch",
        reason="no lightning extra: pip install '.[lightning]' after PyTorch (.ci/run does)",
    )
    from lightning.pytorch.loggers import CSVLogger

    from energybill.integrations.lightning import EnergybillCallback

    class Tiny(pl.LightningModule):
        def __init__(self) -> None:
            super().__init__()
            self.linear = torch.nn.Linear(4, 1)

        def _loss(self, batch: dict[str, object]) -> object:
            return torch.nn.functional.mse_loss(self.linear(batch["x"]), batch["labels"])

        def training_step(self, batch: dict[str, object], index: int) -> object:
            return self._loss(batch)

        def validation_step(self, batch: dict[str, object], index: int) -> None:
            self.log("val_loss", self._loss(batch))

        def configure_optimizers(self) -> object:
            return torch.optim.SGD(self.parameters(), lr=0.01)

    clock = StepClock()

    class Tick(pl.Callback):
        def on_train_batch_end(self, *args: object) -> None:
            clock.advance(1)

        def on_validation_batch_end(self, *args: object) -> None:
            clock.advance(1)

    loader = torch.utils.data.DataLoader
    energy = EnergybillCallback("pl-tiny", ledger=tmp_path / "runs.db", **gpu_meter_options(clock, WATTS))
    trainer = pl.Trainer(max_epochs=EPOCHS, accelerator="cpu", devices=1, logger=CSVLogger(tmp_path / "logs"),
                         callbacks=[Tick(), energy], enable_checkpointing=False, enable_progress_bar=False,
                         enable_model_summary=False, num_sanity_val_steps=0)
    trainer.fit(Tiny(), loader(_data(TRAIN_N), batch_size=BATCH), loader(_data(EVAL_N), batch_size=BATCH))
    run, windows = _the_run(tmp_path / "runs.db")
    _check_windows(run, windows)
    metrics = (Path(trainer.logger.log_dir) / "metrics.csv").read_text().splitlines()
    header = metrics[0].split(",")
    column = header.index("energy/energy_j")
    logged = [float(row.split(",")[column]) for row in metrics[1:] if row.split(",")[column]]
    assert logged == pytest.approx([1000.0, 1000.0])

"""A PyTorch Lightning ``Callback``: energy per epoch, train and validation, in the Trainer's logger.

    trainer = L.Trainer(callbacks=[EnergybillCallback("finetune", ledger="noor.ledger.db")])

Validation runs inside the training epoch (at its end, or every ``val_check_interval``): the
``train`` phase is paused around it, so ``train`` + ``eval`` = the epoch. Each epoch's joules are
logged with ``pl_module.log`` (the Trainer's logger: CSV, TensorBoard, W&B, …) and the run goes to
the ledger as one run with its windows.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import lightning.pytorch as pl

from energybill.tracking import TrainingMeter


class EnergybillCallback(pl.Callback):
    """Measures ``trainer.fit``; ``meter_options`` go to the meter (interval, backends, …)."""

    def __init__(self, name: str = "training", *, ledger: str | Path | None = None,
                 project: str | None = None, item: str | None = None, site: str | None = None,
                 tags: Mapping[str, str] | None = None, **meter_options: Any) -> None:
        # tags: the run's lineage (experiment, sweep, parent, model, any key=value)
        self.options = {"ledger": ledger, "project": project, "item": item, "site": site, "tags": tags,
                        **meter_options}
        self.name = name
        self.meter: TrainingMeter | None = None
        self._module: pl.LightningModule | None = None

    def on_train_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        self._module = pl_module
        self.meter = TrainingMeter(self.name, on_epoch=self._log_epoch, **self.options).start()

    def on_train_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        if self.meter is not None:
            self.meter.finish()
            self.meter = None

    def on_exception(self, trainer: pl.Trainer, pl_module: pl.LightningModule,
                     exception: BaseException) -> None:
        if self.meter is not None:
            self.meter.finish("failed")
            self.meter = None

    def on_train_epoch_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        assert self.meter is not None
        self.meter.begin_epoch(trainer.current_epoch)
        self.meter.begin_phase("train")

    def on_train_epoch_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        assert self.meter is not None
        self.meter.end_epoch()

    def on_validation_epoch_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        meter = self.meter
        if meter is None or trainer.sanity_checking:
            return  # the sanity check runs before training starts: not part of an epoch
        if meter.in_phase == "train":
            meter.end_phase("train")
        meter.begin_phase("eval")

    def on_validation_epoch_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        meter = self.meter
        if meter is None or meter.in_phase != "eval":
            return
        meter.end_phase("eval")
        if meter.current_epoch is not None:  # validation inside an epoch: training goes on
            meter.begin_phase("train")

    def _log_epoch(self, entry: dict[str, Any]) -> None:
        module = self._module
        if module is None:
            return
        from energybill.measure.distributed import world_size

        many = world_size() > 1  # each rank holds its own devices' joules: sum them (durations: max)
        for key, value in entry.items():
            if key != "epoch" and value is not None:
                reduce = "max" if key == "duration_s" else "sum"
                module.log(f"energy/{key}", float(value), on_step=False, on_epoch=True, sync_dist=many,
                           reduce_fx=reduce)

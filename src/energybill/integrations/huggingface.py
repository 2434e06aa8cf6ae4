"""A Hugging Face ``TrainerCallback``: energy per epoch, train and eval, in the Trainer's own log.

    trainer = Trainer(..., callbacks=[EnergybillCallback("finetune", ledger="noor.ledger.db")])

Phases follow the Trainer's control flow: ``DefaultFlowCallback`` (always first in the list) sets
``control.should_evaluate`` at the step or epoch end after which it evaluates; we then close the
``train`` segment and open ``eval``, which ``on_evaluate`` closes. Each epoch's figures are appended
to ``state.log_history`` (saved in ``trainer_state.json``) and to the ``logs`` of later log calls,
and the run goes to the ledger as one run with its windows. Under torchrun each rank reads only its
own devices (its log keys say ``energy/rankN/…``) and rank 0 records the job in the ledger.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from transformers import TrainerCallback, TrainerControl, TrainerState, TrainingArguments
from transformers.utils import logging

from energybill.tracking import TrainingMeter

log = logging.get_logger("energybill")


class EnergybillCallback(TrainerCallback):
    """Measures a ``Trainer`` run; ``meter_options`` go to the meter (interval, backends, …)."""

    def __init__(self, name: str = "training", *, ledger: str | Path | None = None,
                 project: str | None = None, item: str | None = None, site: str | None = None,
                 tags: Mapping[str, str] | None = None, **meter_options: Any) -> None:
        # tags: the run's lineage (experiment, sweep, parent, model, any key=value)
        self.options = {"ledger": ledger, "project": project, "item": item, "site": site, "tags": tags,
                        **meter_options}
        self.name = name
        self.meter: TrainingMeter | None = None
        self._state: TrainerState | None = None
        self._epoch = 0
        self._pending: dict[str, Any] = {}

    # -- life cycle -----------------------------------------------------------------------------
    def on_train_begin(self, args: TrainingArguments, state: TrainerState, control: TrainerControl,
                       **kwargs: Any) -> None:
        self._state = state
        self.meter = TrainingMeter(self.name, on_epoch=self._log_epoch, **self.options).start()

    def on_train_end(self, args: TrainingArguments, state: TrainerState, control: TrainerControl,
                     **kwargs: Any) -> None:
        if self.meter is not None:
            self.meter.finish()

    # -- epochs and phases ----------------------------------------------------------------------
    def on_epoch_begin(self, args: TrainingArguments, state: TrainerState, control: TrainerControl,
                       **kwargs: Any) -> None:
        assert self.meter is not None
        if self.meter.current_epoch is not None:  # the previous epoch ended with an evaluation
            self.meter.end_epoch()
        self.meter.begin_epoch(self._epoch)
        self._epoch += 1
        self.meter.begin_phase("train")

    def on_step_end(self, args: TrainingArguments, state: TrainerState, control: TrainerControl,
                    **kwargs: Any) -> None:
        if control.should_evaluate:
            self._to_eval()

    def on_epoch_end(self, args: TrainingArguments, state: TrainerState, control: TrainerControl,
                     **kwargs: Any) -> None:
        assert self.meter is not None
        if control.should_evaluate:
            self._to_eval(epoch_over=True)
        else:
            self.meter.end_epoch()

    def on_evaluate(self, args: TrainingArguments, state: TrainerState, control: TrainerControl,
                    **kwargs: Any) -> None:
        meter = self.meter
        if meter is None or meter.in_phase != "eval":
            return  # an evaluation outside training (trainer.evaluate()) is not this run's
        meter.end_phase("eval")
        if self._epoch_over:
            meter.end_epoch()
        else:
            meter.begin_phase("train")

    def _to_eval(self, epoch_over: bool = False) -> None:
        assert self.meter is not None
        if self.meter.in_phase == "train":
            self.meter.end_phase("train")
        self._epoch_over = epoch_over
        self.meter.begin_phase("eval")

    # -- logging --------------------------------------------------------------------------------
    def _log_epoch(self, entry: dict[str, Any]) -> None:
        """Into the Trainer's log history (trainer_state.json) and the next ``logs`` dict."""
        from energybill.measure.distributed import active_dist

        state = self._state
        dist = active_dist()  # under torchrun each rank holds its own devices' joules: say whose
        prefix = "energy/" if dist is None or dist.get_world_size() == 1 else f"energy/rank{dist.get_rank()}/"
        figures = {prefix + k: v for k, v in entry.items() if k != "epoch" and v is not None}
        if state is not None:
            state.log_history.append({"epoch": entry["epoch"], "step": state.global_step, **figures})
        self._pending.update(figures)
        log.info("energybill: epoch %s: %s", entry["epoch"], figures)

    def on_log(self, args: TrainingArguments, state: TrainerState, control: TrainerControl,
               logs: dict[str, Any] | None = None, **kwargs: Any) -> None:
        if logs is not None and self._pending:
            logs.update(self._pending)
            self._pending = {}

    _epoch_over = False

"""Measure into a ledger file: the meter (``energybill.measure``) wired to the SQLite ledger.

``energybill.measure`` writes runs to any ``RunSink`` and never imports the ledger; this module
sits above both and turns a ledger path into a sink (``ledger=None``: nothing is recorded)::

    with energybill.track("finetune", ledger="noor.ledger.db", item="Noor 13B") as run:
        train()
    print(run.result.energy_kwh, run.result.methods())

    @energybill.track("eval")
    def evaluate(): ...

    with TrainingMeter("finetune", ledger="noor.ledger.db") as tm:   # epochs and phases
        ...

The CLI (``energybill measure``) and the framework callbacks (``energybill.integrations``) build
their runs here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from energybill.ledger.sink import LedgerSink
from energybill.ledger.store import Ledger
from energybill.measure import distributed, training
from energybill.measure.api import Run
from energybill.measure.meter import DEFAULT_INTERVAL_S, Meter

__all__ = ["DistributedRun", "TrainingMeter", "ledger_sink", "track"]


def ledger_sink(ledger: str | Path | None) -> LedgerSink | None:
    """The sink that records runs in this ledger file (created on first write), or None."""
    return None if ledger is None else LedgerSink(Ledger(ledger))


def track(
    name: str = "run",
    *,
    interval_s: float = DEFAULT_INTERVAL_S,
    ledger: str | Path | None = None,
    project: str | None = None,
    item: str | None = None,
    site: str | None = None,
    command: str | None = None,
    meter: Meter | None = None,
    **meter_options: Any,
) -> Run:
    """Measure a block (``with``) or every call of a function (decorator), recorded in ``ledger``.

    With a ledger the run is written there with a checkpoint every interval, so that a killed
    process leaves it behind marked interrupted. See ``energybill.measure.api.Run``.
    """
    return Run(name, interval_s=interval_s, sink=ledger_sink(ledger), project=project, item=item, site=site,
               command=command, meter=meter, **meter_options)


class TrainingMeter(training.TrainingMeter):
    """``energybill.measure.training.TrainingMeter`` recording into the ledger file ``ledger``."""

    def __init__(self, name: str = "training", *, ledger: str | Path | None = None, **options: Any) -> None:
        super().__init__(name, sink=ledger_sink(ledger), **options)


class DistributedRun(distributed.DistributedRun):
    """``energybill.measure.distributed.DistributedRun`` whose coordinator records into ``ledger``."""

    def __init__(self, name: str = "run", *, ledger: str | Path | None = None, **options: Any) -> None:
        super().__init__(name, sink=ledger_sink(ledger), **options)

"""Measure into a ledger file: the meter (``energybill.measure``) wired to the SQLite ledger.

``energybill.measure`` writes runs to any ``RunSink`` and never imports the ledger; this module
sits above both and turns a ledger path into a sink. Without ``ledger=`` a run goes where the CLI
puts it (``$ENERGYBILL_LEDGER``, else ``./energybill.ledger.db``) and the first run recorded there
says so on stderr; ``ledger=False`` records nothing::

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

import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from energybill.ledger.paths import default_ledger, display
from energybill.ledger.sink import LedgerSink
from energybill.ledger.store import Ledger
from energybill.measure import distributed, training
from energybill.measure.api import Run
from energybill.measure.meter import DEFAULT_INTERVAL_S, Meter

__all__ = ["DistributedRun", "TrainingMeter", "ledger_sink", "track"]


LedgerArg = str | Path | Literal[False] | None
_ANNOUNCED: set[str] = set()  # default ledgers already named on stderr by this process


def ledger_sink(ledger: LedgerArg) -> LedgerSink | None:
    """The sink that records runs in this ledger file (created on first write); ``None``: the
    default ledger, the one ``energybill measure`` and ``energybill runs`` use, named once on
    stderr; ``False``: no sink, nothing recorded."""
    if ledger is False:
        return None
    if ledger is None:
        path = default_ledger()
        key = str(path.resolve()) if isinstance(path, Path) else path
        if key not in _ANNOUNCED:
            _ANNOUNCED.add(key)
            print(f"energybill: recording runs in {display(path)} (the default ledger: set ledger= or "
                  f"$ENERGYBILL_LEDGER to choose, ledger=False for none)", file=sys.stderr)
        return LedgerSink(Ledger(path))
    return LedgerSink(Ledger(ledger))


def track(
    name: str = "run",
    *,
    interval_s: float = DEFAULT_INTERVAL_S,
    ledger: LedgerArg = None,
    project: str | None = None,
    item: str | None = None,
    site: str | None = None,
    command: str | None = None,
    meter: Meter | None = None,
    tags: Mapping[str, str] | None = None,
    **meter_options: Any,
) -> Run:
    """Measure a block (``with``) or every call of a function (decorator), recorded in ``ledger``.

    The run is written to the ledger with a checkpoint every interval, so that a killed process
    leaves it behind marked interrupted. ``ledger`` left out: the default ledger
    (``$ENERGYBILL_LEDGER``, else ``./energybill.ledger.db``, as ``energybill measure``), named on
    stderr; ``ledger=False``: measured, not recorded. ``run.ledger`` says where it went. See
    ``energybill.measure.api.Run``. ``tags``: the run's lineage (``experiment``, ``sweep``,
    ``parent``, ``model``, any key), which project items select runs by (``run_tags``) and the
    bill's development share reads.
    """
    sink = ledger_sink(ledger)
    run = Run(name, interval_s=interval_s, sink=sink, project=project, item=item, site=site, command=command,
              meter=meter, tags=tags, **meter_options)
    run.ledger = sink.ledger.path if sink is not None else None
    return run


class TrainingMeter(training.TrainingMeter):
    """``energybill.measure.training.TrainingMeter`` recording into the ledger file ``ledger``."""

    def __init__(self, name: str = "training", *, ledger: LedgerArg = None, **options: Any) -> None:
        super().__init__(name, sink=ledger_sink(ledger), **options)


class DistributedRun(distributed.DistributedRun):
    """``energybill.measure.distributed.DistributedRun`` whose coordinator records into ``ledger``."""

    def __init__(self, name: str = "run", *, ledger: LedgerArg = None, **options: Any) -> None:
        super().__init__(name, sink=ledger_sink(ledger), **options)

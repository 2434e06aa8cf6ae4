"""``Run``: a context manager and a decorator over one meter window, recorded to a sink if given.

    with Run("finetune", sink=sink, item="Noor 13B") as run:
        train()
    print(run.result.energy_kwh, run.result.methods())

    @Run("eval")
    def evaluate(): ...

``energybill.track`` (``energybill.tracking``) is the same with a ledger path instead of a sink.
"""

from __future__ import annotations

import contextlib
import copy
import warnings
from collections.abc import Mapping
from contextlib import ContextDecorator
from pathlib import Path
from typing import Any

from energybill.core.records import Measurement
from energybill.measure.meter import DEFAULT_INTERVAL_S, Meter
from energybill.measure.sink import RunRecorder, RunSink, lineage_tags


class Run(ContextDecorator):
    """One measured window; ``result`` holds its Measurement once the block has ended.

    With ``sink`` the run is recorded there, with a checkpoint every interval, so that a killed
    process leaves it behind (the ledger marks it interrupted).
    """

    def __init__(
        self,
        name: str = "run",
        *,
        interval_s: float = DEFAULT_INTERVAL_S,
        sink: RunSink | None = None,
        project: str | None = None,
        item: str | None = None,
        site: str | None = None,
        command: str | None = None,
        meter: Meter | None = None,
        tags: Mapping[str, str] | None = None,
        **meter_options: Any,
    ) -> None:
        self.name = name
        self.interval_s = interval_s
        self.sink = sink
        # the run's fields and its lineage tags (experiment, sweep, parent, model, any key), one mapping
        columns = {"project": project, "item": item, "site": site, "command": command}
        self.tags: dict[str, str | None] = {**columns, **lineage_tags(tags)}
        self._meter = meter
        self._own_meter = meter is None
        self.meter_options = meter_options
        self.result: Measurement | None = None
        self.history: list[Measurement] = []  # every call's result when used as a decorator (shared)
        self.run_id: str | None = None
        # where the run is recorded (set by ``energybill.track``): a file, or a server's URL without
        # its password
        self.ledger: Path | str | None = None
        self._recorder: RunRecorder | None = None
        self._failures: list[str] = []

    def _recreate_cm(self) -> Run:  # a fresh window for each call of a decorated function
        clone = copy.copy(self)
        clone._meter = None if self._own_meter else self._meter
        clone.result = None
        clone._failures = []
        return clone

    @property
    def meter(self) -> Meter:
        if self._meter is None:
            self._meter = Meter(interval_s=self.interval_s, on_sample=self._checkpoint, **self.meter_options)
        return self._meter

    def __enter__(self) -> Run:
        meter = self.meter
        meter.start()
        try:
            if self.sink is not None:  # before the window: the ledger's write is not measured
                self._recorder = RunRecorder.begin(self.sink, self.name, meter.interval_s,
                                                   devices=meter.devices, **self.tags)
                self.run_id = self._recorder.run_id
            meter.begin(self.name)
        except BaseException:
            # a ledger that cannot be opened or written: no sampler thread is left behind
            self._release(meter)
            raise
        return self

    def _release(self, meter: Meter) -> None:
        with contextlib.suppress(Exception):
            if self.name in meter._windows:
                meter.end(self.name)
        if self._own_meter:
            meter.stop()

    def _checkpoint(self, meter: Meter) -> None:
        recorder = self._recorder
        if recorder is not None and self.name in meter._windows:
            recorder.checkpoint(meter.peek(self.name))

    @property
    def checkpoint_errors(self) -> list[str]:
        """Checkpoints the sink refused (full disk, a lost server): the final write may still succeed."""
        return self._failures

    def finish(self, status: str | None = None, exit_code: int | None = None) -> Measurement:
        """End the window, stop an own meter, record the result; returns the Measurement.

        The meter is stopped (its thread joined) before the sink is written, so a sink that
        raises leaves nothing running; ``result`` is set either way.
        """
        try:
            self.result = self.meter.end(self.name)
        finally:
            if self._own_meter:
                self.meter.stop()
        self.history.append(self.result)
        recorder, self._recorder = self._recorder, None
        if recorder is not None:
            self._failures = recorder.errors
            recorder.finish(self.result, status or "completed", exit_code)
        return self.result

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        try:
            self.finish("failed" if exc_type is not None else "completed")
        except Exception as err:
            if exc_type is None:
                raise
            # the block's own exception matters more than the record: say it, do not replace it
            warnings.warn(f"energybill: run {self.name!r} could not be recorded: {err}", RuntimeWarning,
                          stacklevel=2)

    def __getattr__(self, name: str) -> Any:
        # run.energy_kwh, run.duration_s, ... once the block has ended
        result = self.__dict__.get("result")
        if result is not None and not name.startswith("_"):
            return getattr(result, name)
        raise AttributeError(name)


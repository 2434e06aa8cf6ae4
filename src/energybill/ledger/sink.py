"""The ledger as the meter's sink: ``energybill.measure.sink.RunSink`` over one ledger.

The meter hands records down (``energybill.core.records``); this adapter writes them with the
ledger's own functions, so that ``energybill.measure`` never imports ``energybill.ledger``.

``begin_run``'s ``tags`` mapping carries both the run's own columns (``COLUMNS``: project, item,
site, command) and its lineage tags (every other key: ``experiment``, ``sweep``, ``parent``,
``model``, any ``key=value``), which go to the ``run_tags`` table; None values are left out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from energybill.core.records import Device, Measurement, RunExtras, WindowRecord
from energybill.ledger import record
from energybill.ledger.store import Ledger

COLUMNS = ("project", "item", "site", "command")


class LedgerSink:
    """Writes measured runs to a ``Ledger`` (implements ``RunSink``)."""

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger
        self._windows: dict[str, list[WindowRecord]] = {}  # run id → the windows written last

    def _changed(self, run_id: str, windows: Sequence[WindowRecord]) -> list[int] | None:
        """Positions of the windows that differ from the last write (None: write them all). A
        meter hands over every window at each edge; a late rank may still change an early one."""
        before = self._windows.get(run_id)
        if before is None or len(windows) < len(before):
            return None
        return [i for i, w in enumerate(windows) if i >= len(before) or before[i] != w]

    def begin_run(self, name: str, *, devices: Sequence[Device], started_unix: float, interval_s: float,
                  tags: Mapping[str, str | None]) -> str:
        columns = {k: v for k, v in tags.items() if k in COLUMNS}
        lineage = {k: v for k, v in tags.items() if k not in COLUMNS}
        return record.new_run(self.ledger, name, devices, started_unix=started_unix, interval_s=interval_s,
                              tags=lineage, **columns)

    def checkpoint(self, run_id: str, seq: int, result: Measurement, power_w: float | None) -> None:
        self.ledger.checkpoint(run_id, seq, result, power_w)

    def finish(self, run_id: str, seq: int, result: Measurement, power_w: float | None, status: str,
               exit_code: int | None = None) -> None:
        self.ledger.checkpoint(run_id, seq, result, power_w, status=status, exit_code=exit_code, ended=True)

    def write_extras(self, run_id: str, extras: RunExtras) -> None:
        record.write_extras(self.ledger, run_id, extras, self._changed(run_id, extras.windows))
        self._windows[run_id] = list(extras.windows)

    def drop_devices(self, run_id: str, device_ids: Sequence[str]) -> None:
        record.drop_devices(self.ledger, run_id, device_ids)

    def __repr__(self) -> str:
        return f"LedgerSink({str(self.ledger.path)!r})"

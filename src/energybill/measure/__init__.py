"""Measure the real energy of real runs: GPUs (NVML), CPUs and DRAM (RAPL), a labelled model.

``Meter`` (explicit nested windows), ``Run`` (one window as a context manager and decorator) and
``Measurement`` (the result, from ``energybill.core.records``). A run is recorded through a
``RunSink`` (``measure.sink``); this package never imports the ledger: ``energybill.track``
(``energybill.tracking``) wires the SQLite ledger in. Backends live in ``energybill.measure.backends``.
"""

from energybill.core.records import DeviceEnergy, Measurement
from energybill.measure.api import Run
from energybill.measure.meter import DEFAULT_INTERVAL_S, Meter, MeterError
from energybill.measure.sink import RunRecorder, RunSink

__all__ = ["DEFAULT_INTERVAL_S", "DeviceEnergy", "Measurement", "Meter", "MeterError", "Run", "RunRecorder",
           "RunSink"]

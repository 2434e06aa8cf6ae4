"""Measure the real energy of real runs: GPUs (NVML), CPUs and DRAM (RAPL), a labelled model.

``measure`` (context manager and decorator), ``Meter`` (explicit nested windows) and
``Measurement`` (the result). Backends live in ``energybill.measure.backends``.

``energybill.measure`` is both this package and the function: once the package is imported,
Python binds the package to ``energybill.measure``, so the package itself is made callable and
``energybill.measure("finetune")`` works whichever was imported first.
"""

import sys
import types
from typing import Any

from energybill.measure.api import Run, measure
from energybill.measure.meter import DEFAULT_INTERVAL_S, Meter, MeterError
from energybill.measure.result import DeviceEnergy, Measurement

__all__ = ["DEFAULT_INTERVAL_S", "DeviceEnergy", "Measurement", "Meter", "MeterError", "Run", "measure"]


class _CallablePackage(types.ModuleType):
    def __call__(self, name: str = "run", **options: Any) -> Run:
        return measure(name, **options)


sys.modules[__name__].__class__ = _CallablePackage

"""Every computed number finite: ``parameters = tokens = 1e200`` billed ``inf`` kWh and ``nan %``
shares. Inputs are finite (the model refuses NaN and infinity) but their products can overflow a
float; the bill then names the item whose numbers did, in one line, instead of printing them."""

from __future__ import annotations

import math

from energybill.core.bill import Bill
from energybill.core.errors import Problem
from energybill.project.model import Project


def overflow_problems(bill: Bill, project: Project) -> list[Problem]:
    """One problem per item with a non-finite number, then the totals if they overflow."""
    problems: list[Problem] = []
    for (path, _), item in zip(project.items(), bill.items, strict=False):
        values: dict[str, object] = {"energy_kwh": item.energy_kwh, "co2e_kg": item.co2e_kg, **item.details}
        bad = [
            key for key, value in values.items()
            if isinstance(value, float) and not math.isfinite(value)
            and not _unbounded(key, value, item.co2e_kg)
        ]
        if bad:
            problems.append(Problem(path, _message(bad)))
    if not problems:
        totals = bill.totals
        bad = [k for k in ("energy_kwh", "co2e_kg") if not math.isfinite(getattr(totals, k))]
        if bad:
            problems.append(Problem("", f"overflow: the project's total {' and '.join(bad)} is not a finite "
                                        "number; check the magnitudes of the largest items"))
    return problems


def _unbounded(key: str, value: float, co2e_kg: float | None) -> bool:
    """Tokens per kg CO2e of a zero-carbon item is +inf by definition, not an overflow (JSON: null)."""
    return key == "tokens_per_kg_co2e" and value == math.inf and (co2e_kg == 0 or co2e_kg is None)


def _message(keys: list[str]) -> str:
    verb = "is not a finite number" if len(keys) == 1 else "are not finite numbers"
    return (f"overflow: {', '.join(keys)} computed from this item's values {verb}; "
            "check their magnitudes (e.g. parameters and tokens)")

"""Inference economics over a grid of batch size, latency and power: J/token, J per request,
carbon, and the days of serving at a volume until serving has used as much energy as training.

Each grid point is the project's inference item with three values replaced (``model_copy``), billed
by the same ``estimate_inference`` as the bill. As in the talk, the time per generated token does
not depend on the batch size, so tokens/s = batch / (s per token): an upper bound that holds while
decoding stays memory-bound (small batches on an A100 for a 13B model). The power does depend on
it: without ``watts``, each batch size draws the load-dependent power of ``estimate.power`` (the
item's device, or its given power scaled along the same curve); ``power_model="constant"`` keeps
the item's power at every batch size, as the talk does.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

from energybill.core.bill import Bill, ItemBill
from energybill.estimate.inference import estimate_inference
from energybill.estimate.site import SiteContext
from energybill.project.model import Inference, Project

# The talk's prospective estimate (Inference slide) and the Noor 13B training it is compared with
# (Training slide, Table 1): 50 ms/token at batch 1, 400 W + 70 W, PUE 1.1, 475 g/kWh world
# average, 4.5 billion words a day at 2 tokens per word.
TALK_SERVING: dict[str, Any] = {
    "project": {"name": "Noor 13B serving (the talk's prospective estimate)"},
    "sites": {
        "noor-hpc": {"pue": 1.5, "carbon_intensity_g_per_kwh": 600},
        "serving": {"pue": 1.1, "carbon_intensity_g_per_kwh": 475},
    },
    "training": [
        {
            "name": "Noor 13B",
            "site": "noor-hpc",
            "parameters": 13e9,
            "tokens": 150e9,
            "tflops_per_device": 100,
            "watts_per_device": 400,
            "host_watts_per_device": 70,
        },
    ],
    "inference": [
        {
            "name": "Noor 13B serving",
            "site": "serving",
            "seconds_per_token": 0.05,
            "batch_size": 1,
            "watts_per_device": 400,
            "host_watts_per_device": 70,
            "words_per_day": 4.5e9,
            "tokens_per_word": 2.0,
            "compare_with": "Noor 13B",
        },
    ],
}


@dataclass(frozen=True)
class Point:
    """One grid point and its economics."""

    batch_size: int
    seconds_per_token: float
    watts_per_device: float
    details: dict[str, float | str]

    def to_dict(self) -> dict[str, Any]:
        return {
            "batch_size": self.batch_size,
            "seconds_per_token": self.seconds_per_token,
            "watts_per_device": self.watts_per_device,
            **self.details,
        }


def sweep(
    project: Project,
    item_name: str | None,
    batches: list[int],
    latencies: list[float] | None,
    watts: list[float] | None,
    tokens_per_day: float | None = None,
    requests_per_day: float | None = None,
    output_tokens_per_request: float | None = None,
    power_model: str = "load",
) -> tuple[Inference, list[Point]]:
    """Every combination of batch size, latency and power for one inference item of ``project``."""
    from energybill.estimate.engine import estimate, resolved, serving_of

    named = _item(project, item_name)
    item = resolved(named)
    bill = estimate(project)
    reference = _reference(bill, named)
    serving = serving_of(named)  # the catalog model and device: prefill's FLOP and peak
    site = SiteContext.from_site(str(item.site), project.sites[str(item.site)])
    if item.seconds_per_token is not None:
        base_latency = item.seconds_per_token
    else:
        assert item.tokens_per_second is not None  # Inference._rates: exactly one of the two rates
        base_latency = 1.0 / item.tokens_per_second
    assert item.watts_per_device is not None  # resolved(): a catalog device became its TDP
    volume: dict[str, Any] = {}
    if tokens_per_day is not None:
        volume = {"tokens_per_day": tokens_per_day, "words_per_day": None}
    if requests_per_day is not None:
        out = output_tokens_per_request or named.output_tokens_per_request
        if out is None:
            from energybill.core.errors import EnergybillError

            raise EnergybillError("--requests-per-day needs --output-tokens (tokens generated per request)")
        volume = {"requests_per_day": requests_per_day, "output_tokens_per_request": out,
                  "tokens_per_day": None, "words_per_day": None}
    points = []
    powers: list[float | None] = list(watts) if watts else [None]  # None: the load-dependent curve
    grid = itertools.product(batches, latencies or [base_latency], powers)
    for batch, latency, given in grid:
        power = given if given is not None else _curve_power(named, item.watts_per_device, batch, power_model)
        update = {
            "batch_size": batch,
            "seconds_per_token": latency,
            "tokens_per_second": None,
            "watts_per_device": power,
            "tokens": None,
            "words": None,
            "requests": None,
            "days": None,
            "hours": None,
            "replicas": None,
            **volume,
        }
        billed = estimate_inference(item.model_copy(update=update), site, reference, serving)
        points.append(Point(batch, latency, power, billed.details))
    return item, points


def _curve_power(named: Inference, watts: float, batch: int, power_model: str) -> float:
    """W per device at ``batch``: the load-dependent model (estimate.power), or constant."""
    from energybill.estimate import power

    if power_model == "constant":
        return watts
    if named.device is not None and named.watts_per_device is None:  # ``watts`` is the device's TDP
        idle = named.idle_watts_per_device
        idle_w = power.DEFAULT_IDLE_FRACTION * watts if idle is None else idle
        return float(power.power_w(watts, idle_w, batch))
    return watts * power.power_ratio(named.batch_size, batch)


def _reference(bill: Bill, named: Inference) -> tuple[ItemBill, ...]:
    """What the bill compared the item with: the items it names (one or several), else the training
    item the bill chose."""
    names = named.compared or [str(bill.item(named.name).details.get("compare_with") or "")]
    return tuple(bill.item(name) for name in names if name)


def _item(project: Project, name: str | None) -> Inference:
    from energybill.core.errors import EnergybillError, did_you_mean

    names = [i.name for i in project.inference]
    if not names:
        raise EnergybillError("the project has no [[inference]] item to sweep")
    if name is None:
        return project.inference[0]
    if name not in names:
        raise EnergybillError(f"--item: no inference item named '{name}'; {did_you_mean(name, names)}")
    return project.inference[names.index(name)]

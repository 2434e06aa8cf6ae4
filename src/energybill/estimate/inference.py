"""Inference: serving as it runs, per output token and per request, prefill and decode apart,
busy and idle, then the volume billed.

- Decode (generating one token per sequence per step): J per output token = W × PUE / tokens/s,
  tokens/s = batch / (s per token) (the talk's Inference slide). Where only a catalog device is
  named, its power at that batch comes from the load-dependent model (``estimate.power``).
- Prefill (reading the prompt): FLOP = 2 · N_active per input token (Kaplan et al. 2020, Table 1:
  a forward pass costs ≈ 2N FLOP per token; the "transformer inference arithmetic", kipply 2022),
  at its own throughput (``prefill_tokens_per_second``, or ``prefill_tflops_per_device``, or a
  catalog device's BF16 peak × 50 %), at full power (compute-bound).
- Provisioned capacity: the devices' hours not busy are billed at idle power (+ host, × PUE); the
  bill states the utilisation it implies; a load beyond the capacity is an error.
- Measured figures (``joules_per_output_token``, ``joules_per_request``, ``energy_kwh``, a
  calibration record, ``measured = true``) replace the modelled ones and are labelled measured.

The steps live beside it: ``serving_rates`` (per token and per request), ``serving_volume`` (the
volume, its busy energy and the idle capacity), ``serving_units`` (per request, per day, parity)
and ``serving_sheet`` (what they share).
"""

from __future__ import annotations

from energybill.core.bill import ItemBill
from energybill.estimate.serving_rates import (
    carbon_efficiency,
    decode_joules,
    decode_power,
    decode_rate,
    prefill_per_request,
    request_joules,
    resolve_model,
)
from energybill.estimate.serving_sheet import Serving, ServingDevice, Sheet
from energybill.estimate.serving_units import parity, per_day_figures, per_unit
from energybill.estimate.serving_volume import billed_volume, daily_volume, serving_energy
from energybill.estimate.site import SiteContext
from energybill.project.model import Inference

__all__ = ["Serving", "ServingDevice", "estimate_inference"]


def estimate_inference(
    item: Inference,
    site: SiteContext,
    reference: tuple[ItemBill, ...] | ItemBill | None = None,
    serving: Serving | None = None,
) -> ItemBill:
    """Bill serving and give its economics (per token, per request, per kg CO2e, per day).

    ``reference`` are the items whose energy serving is compared with (compare_with; default the
    largest training item). Source: the talk's Inference slide (50 ms per token at batch size 1,
    400 W + 70 W, PUE 1.1, 475 g/kWh).
    """
    refs = reference if isinstance(reference, tuple) else (() if reference is None else (reference,))
    serving = serving or Serving()
    sheet = Sheet({}, [])
    resolve_model(item, serving, sheet)
    rate = decode_rate(item, sheet)
    power_w = decode_power(item, serving, sheet)
    j_token = decode_joules(item, site, sheet, rate, power_w)
    prefill_j, prefill_s = prefill_per_request(item, site, serving, sheet)
    j_request = request_joules(item, sheet, j_token, prefill_j)
    carbon_efficiency(item, site, sheet, j_token, j_request)
    daily = daily_volume(item, sheet)
    volume = billed_volume(item, sheet, daily)
    energy = serving_energy(item, site, sheet, volume, rate, j_token, j_request, prefill_s)
    if refs:
        parity(sheet, refs, j_token, j_request)
    if daily is not None:
        per_day_figures(sheet, site, daily, j_token, j_request)
    if energy is None:
        return ItemBill(
            "inference", item.name, item.phase, site.name, None, None, sheet.details, tuple(sheet.records)
        )
    co2e, co2e_record = site.carbon(energy)
    per_unit(item, site, sheet, volume, energy, co2e)
    return ItemBill(
        "inference",
        item.name,
        item.phase,
        site.name,
        energy,
        co2e,
        sheet.details,
        (*sheet.records, co2e_record),
    )

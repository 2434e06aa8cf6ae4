"""Serving per unit: the model's parameters, the decode rate and power, J per output token, prefill
per request, J per request and the carbon efficiency (tokens and requests per kg CO2e).
"""

from __future__ import annotations

from typing import Any, cast

from energybill.core.errors import EnergybillError
from energybill.core.provenance import Source, default, formula, project, supplying
from energybill.core.units import FLOP_PER_TFLOP, G_PER_KG, SECONDS_PER_HOUR, co2e_kg, j_to_kwh
from energybill.estimate import power
from energybill.estimate.serving_sheet import (
    KAPLAN,
    MEASURED,
    Serving,
    ServingDevice,
    Sheet,
    given_or,
    inverse,
    largest,
)
from energybill.estimate.site import TALK, SiteContext
from energybill.project.model import Inference

# Prefill on a named device without a measured rate: 50 % of its dense BF16 peak, an assumption
# (prefill is compute-bound; well-tuned large-batch matmuls reach 40–60 % model FLOP utilisation,
# Chowdhery et al. 2022, PaLM, Table 3).
DEFAULT_PREFILL_MFU = 0.5


def resolve_model(item: Inference, serving: Serving, sheet: Sheet) -> None:
    if serving.model is not None:
        info = serving.model
        sheet.details["model"] = info.name
        sheet.put("parameters", info.parameters, "catalog", {"model": info.name}, (info.as_source(),))
        sheet.put(
            "active_parameters", info.active_parameters, "catalog", {"model": info.name}, (info.as_source(),)
        )
    elif item.parameters is not None:
        sheet.given("parameters", item.parameters)
        active = item.active_parameters if item.active_parameters is not None else item.parameters
        sheet.put(
            "active_parameters",
            active,
            "parameters (dense)" if item.active_parameters is None else "given",
            {"active_parameters": active},
            (project(),),
        )


def _n_active(sheet: Sheet) -> float | None:
    value = sheet.details.get("active_parameters")
    return None if value is None or isinstance(value, str) else value


def decode_rate(item: Inference, sheet: Sheet) -> float | None:
    label = (MEASURED,) if item.measured else (project(),)
    if item.tokens_per_second is not None:
        inputs: dict[str, Any] = {"tokens_per_second": item.tokens_per_second}
        sheet.put("tokens_per_second", item.tokens_per_second, "given", inputs, label)
        sheet.put(
            "tokens_per_hour",
            item.tokens_per_second * SECONDS_PER_HOUR,
            "tokens_per_second × 3600",
            inputs,
            (formula("unit conversion"),),
        )
        return item.tokens_per_second
    if item.seconds_per_token is None:
        return None  # a measured energy without a rate: no busy time, no throughput
    rate = item.batch_size / item.seconds_per_token
    sheet.put(
        "tokens_per_second",
        rate,
        "batch_size / seconds_per_token",
        {"batch_size": item.batch_size, "seconds_per_token": item.seconds_per_token},
        (formula(f"{TALK}, Inference slide (constant time per token, batch size 1)"), *label[1:]),
    )
    sheet.put(
        "tokens_per_hour",
        rate * SECONDS_PER_HOUR,
        "tokens_per_second × 3600",
        {"tokens_per_second": rate},
        (formula("unit conversion"),),
    )
    return rate


def decode_power(item: Inference, serving: Serving, sheet: Sheet) -> float | None:
    """W per device while decoding: given (or measured), else the load-dependent model."""
    if item.watts_per_device is not None:
        return item.watts_per_device
    device = serving.device
    if device is None:
        return None
    idle = idle_watts(item, device, sheet)
    watts = power.power_w(device.tdp_w, idle, item.batch_size)
    sheet.details["device"] = device.label
    sheet.put(
        "watts_per_device",
        watts,
        "idle_w + (tdp_w − idle_w) × min(0.978, 0.356 + 0.118 · ln batch_size)",
        {"device": device.label, "tdp_w": device.tdp_w, "idle_w": idle, "batch_size": item.batch_size},
        (device.tdp_source, formula(power.CITATION)),
    )
    return cast(float, watts)


def idle_watts(item: Inference, device: ServingDevice | None, sheet: Sheet) -> float:
    """Idle W per device: given, else a share of the device's TDP (or of the power given)."""
    if item.idle_watts_per_device is not None:
        return item.idle_watts_per_device
    known = sheet.details.get("idle_watts_per_device")
    if known is not None and not isinstance(known, str):
        return known
    tdp = device.tdp_w if device is not None else item.watts_per_device
    if tdp is None:
        raise EnergybillError(
            f"inference item '{item.name}': idle time needs idle_watts_per_device "
            "(or watts_per_device or a device)"
        )
    idle = power.DEFAULT_IDLE_FRACTION * tdp
    text = f"idle power {power.DEFAULT_IDLE_FRACTION:.0%} of TDP (model loaded); set idle_watts_per_device"
    sheet.put(
        "idle_watts_per_device",
        idle,
        f"{power.DEFAULT_IDLE_FRACTION} × tdp_w",
        {"tdp_w": tdp},
        (default(text, idle, "W"),),
    )
    return idle


def decode_joules(
    item: Inference, site: SiteContext, sheet: Sheet, rate: float | None, power_w: float | None
) -> float | None:
    """J per output token (PUE included): measured, or W × PUE / tokens/s (the talk's formula)."""
    if item.joules_per_output_token is not None:
        j = item.joules_per_output_token * site.pue
        return cast(
            float,
            sheet.put(
                "joules_per_token",
                j,
                "joules_per_output_token × pue",
                {"joules_per_output_token": item.joules_per_output_token, "pue": site.pue},
                (MEASURED, *supplying("PUE", site.pue_sources)),
            ),
        )
    if rate is None or power_w is None:
        return None
    # J/token = W × PUE × s/token / batch (DESIGN.md, from the talk's Inference slide)
    j = item.devices * (power_w + item.host_watts_per_device) * site.pue / rate
    sources = (formula(f"{TALK}, Inference slide"), *supplying("PUE", site.pue_sources))
    return cast(
        float,
        sheet.put(
            "joules_per_token",
            j,
            "devices × (watts_per_device + host_watts_per_device) × pue / tokens_per_second",
            {
                "devices": item.devices,
                "watts_per_device": power_w,
                "host_watts_per_device": item.host_watts_per_device,
                "pue": site.pue,
                "tokens_per_second": rate,
            },
            (*sources, MEASURED) if item.measured else sources,
        ),
    )


def prefill_per_request(
    item: Inference, site: SiteContext, serving: Serving, sheet: Sheet
) -> tuple[float, float]:
    """Prefill per request: (J, PUE included; seconds of one replica)."""
    tokens = given_or(item.input_tokens_per_request, 0.0)
    if largest(tokens) == 0 or item.joules_per_request is not None or item.energy_kwh is not None:
        return 0.0, 0.0
    n_active = _n_active(sheet)
    if n_active is not None:
        # prefill FLOP = 2 · N_active · input tokens (Kaplan et al. 2020, Table 1)
        sheet.put(
            "prefill_flops_per_request",
            2.0 * n_active * tokens,
            "2 × active_parameters × input_tokens",
            {"active_parameters": n_active, "input_tokens_per_request": tokens},
            (formula(KAPLAN),),
        )
    seconds = _prefill_seconds(item, serving, sheet, tokens, n_active)
    device = serving.device
    watts = item.watts_per_device if item.watts_per_device is not None else (device.tdp_w if device else 0.0)
    # compute-bound: the device at its TDP (or the given power), host share and PUE as decode
    joules = item.devices * (watts + item.host_watts_per_device) * site.pue * seconds
    sheet.put(
        "prefill_joules_per_request",
        joules,
        "devices × (watts_per_device + host_watts_per_device) × pue × prefill_seconds_per_request",
        {
            "devices": item.devices,
            "watts_per_device": watts,
            "host_watts_per_device": item.host_watts_per_device,
            "pue": site.pue,
            "prefill_seconds_per_request": seconds,
        },
        (
            formula("prefill is compute-bound: power at TDP, or the power given"),
            *supplying("PUE", site.pue_sources),
        ),
    )
    return joules, seconds


def _prefill_seconds(
    item: Inference, serving: Serving, sheet: Sheet, tokens: float, n_active: float | None
) -> float:
    if item.prefill_tokens_per_second is not None:
        return cast(
            float,
            sheet.put(
                "prefill_seconds_per_request",
                tokens / item.prefill_tokens_per_second,
                "input_tokens_per_request / prefill_tokens_per_second",
                {
                    "input_tokens_per_request": tokens,
                    "prefill_tokens_per_second": item.prefill_tokens_per_second,
                },
                (MEASURED,) if item.measured else (project(),),
            ),
        )
    assert n_active is not None  # Inference._volume: prefill needs a rate or a FLOP count
    flops = 2.0 * n_active * tokens
    if item.prefill_tflops_per_device is not None:
        achieved = item.prefill_tflops_per_device * FLOP_PER_TFLOP
        sources: tuple[Source, ...] = (project(),)
    else:
        device = serving.device
        if device is None or device.peak_flops is None:
            raise EnergybillError(
                f"inference item '{item.name}': input_tokens_per_request needs prefill_tokens_per_second or "
                "prefill_tflops_per_device (the catalog has no BF16 peak for its device)"
            )
        achieved = DEFAULT_PREFILL_MFU * device.peak_flops
        note = f"prefill at {DEFAULT_PREFILL_MFU:.0%} of the BF16 peak; set prefill_tokens_per_second"
        sources = (*((device.peak_source,) if device.peak_source else ()), default(note, DEFAULT_PREFILL_MFU))
    return cast(
        float,
        sheet.put(
            "prefill_seconds_per_request",
            flops / (achieved * item.devices),
            "prefill_flops_per_request / (achieved FLOP/s per device × devices)",
            {
                "prefill_flops_per_request": flops,
                "flops_per_second_per_device": achieved,
                "devices": item.devices,
            },
            sources,
        ),
    )


def request_joules(item: Inference, sheet: Sheet, j_token: float | None, prefill_j: float) -> float | None:
    """J per request (PUE included): measured, or prefill + output tokens × decode J/token."""
    if item.joules_per_request is not None:
        return cast(
            float,
            sheet.put(
                "joules_per_request",
                item.joules_per_request,
                "given",
                {"joules_per_request": item.joules_per_request},
                (MEASURED,),
            ),
        )
    out = item.output_tokens_per_request
    if out is None or j_token is None:
        return None
    decode = out * j_token
    sheet.put(
        "decode_joules_per_request",
        decode,
        "output_tokens_per_request × joules_per_token",
        {"output_tokens_per_request": out, "joules_per_token": j_token},
        (formula("decode: one step per token"),),
    )
    return cast(
        float,
        sheet.put(
            "joules_per_request",
            prefill_j + decode,
            "prefill_joules_per_request + decode_joules_per_request",
            {"prefill_joules_per_request": prefill_j, "decode_joules_per_request": decode},
            (formula("a request = its prefill + its decode steps"),),
        ),
    )


def carbon_efficiency(
    item: Inference, site: SiteContext, sheet: Sheet, j_token: float | None, j_request: float | None
) -> None:
    intensity = site.carbon_intensity_g_per_kwh
    sources = (formula(f"{TALK}, Inference slide"), *supplying("intensity", site.intensity_sources))
    if j_token is not None:
        kg = co2e_kg(j_to_kwh(j_token), intensity)
        sheet.put(
            "tokens_per_kg_co2e",
            inverse(kg),
            "3.6e6 / (joules_per_token × carbon_intensity_g_per_kwh / 1000)",
            {"joules_per_token": j_token, "carbon_intensity_g_per_kwh": intensity},
            sources,
        )
        sheet.put(
            "wh_per_1000_output_tokens",
            j_token * 1000 / 3600,
            "joules_per_token × 1000 / 3600",
            {"joules_per_token": j_token},
            (formula("unit conversion"),),
        )
        sheet.put(
            "g_co2e_per_1000_output_tokens",
            kg * 1000 * G_PER_KG,
            "1000 × joules_per_token / 3.6e6 × g/kWh",
            {"joules_per_token": j_token, "carbon_intensity_g_per_kwh": intensity},
            sources,
        )
    if j_request is not None:
        kg = co2e_kg(j_to_kwh(j_request), intensity)
        sheet.put(
            "requests_per_kg_co2e",
            inverse(kg),
            "3.6e6 / (joules_per_request × g/kWh / 1000)",
            {"joules_per_request": j_request, "carbon_intensity_g_per_kwh": intensity},
            sources,
        )

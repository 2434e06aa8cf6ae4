"""Serving's volume and energy: tokens, words or requests (in all, or per day over days), the busy
energy of that volume, prefill and decode apart, and the idle energy of provisioned capacity.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

from energybill.core.bill import Provenance
from energybill.core.errors import EnergybillError
from energybill.core.provenance import default, formula, project, supplying
from energybill.core.units import HOURS_PER_DAY, SECONDS_PER_HOUR, WH_PER_KWH, j_to_kwh
from energybill.estimate.serving_rates import idle_watts
from energybill.estimate.serving_sheet import KAPLAN, MEASURED, Sheet, given_or, largest
from energybill.estimate.site import TALK, SiteContext
from energybill.project.model import Inference

# OpenAI's rule of thumb for English text: one token is about 3/4 of a word ("What are tokens and
# how to count them?", OpenAI help centre, 2023). Used only when words are given without a ratio.
DEFAULT_TOKENS_PER_WORD = 4.0 / 3.0


def _tokens_per_word(item: Inference, sheet: Sheet) -> float:
    if item.tokens_per_word is not None:
        ratio, source = item.tokens_per_word, project()
    else:
        ratio = DEFAULT_TOKENS_PER_WORD
        source = default(
            "4/3 tokens per word (OpenAI rule of thumb for English, 2023); set tokens_per_word", ratio
        )
    return cast(float, sheet.put("tokens_per_word", ratio, "given", {"tokens_per_word": ratio}, (source,)))


@dataclass(frozen=True)
class Daily:
    tokens: float | None
    requests: float | None


def daily_volume(item: Inference, sheet: Sheet) -> Daily | None:
    if item.requests_per_day is not None:
        sheet.given("requests_per_day", item.requests_per_day)
        tokens = None
        if item.output_tokens_per_request is not None:
            tokens = sheet.product(
                "tokens_per_day",
                ("requests_per_day", item.requests_per_day),
                ("output_tokens_per_request", item.output_tokens_per_request),
            )
        return Daily(tokens, item.requests_per_day)
    if item.tokens_per_day is not None:
        return Daily(sheet.given("tokens_per_day", item.tokens_per_day), None)
    if item.words_per_day is None:
        return None
    ratio = _tokens_per_word(item, sheet)
    return Daily(
        sheet.product("tokens_per_day", ("words_per_day", item.words_per_day), ("tokens_per_word", ratio)),
        None,
    )


@dataclass(frozen=True)
class Volume:
    tokens: float | None  # output tokens
    requests: float | None
    days: float | None


def billed_volume(item: Inference, sheet: Sheet, daily: Daily | None) -> Volume | None:
    """The billed volume: output tokens and requests (None where unknown), or None for no volume."""
    out = item.output_tokens_per_request
    if item.requests is not None:
        sheet.given("requests", item.requests)
        tokens = (
            None
            if out is None
            else sheet.product("tokens", ("requests", item.requests), ("output_tokens_per_request", out))
        )
        return Volume(tokens, item.requests, item.days)
    if item.tokens is not None:
        return Volume(sheet.given("tokens", item.tokens), None, item.days)
    if item.words is not None:
        ratio = _tokens_per_word(item, sheet)
        tokens = sheet.product("tokens", ("words", item.words), ("tokens_per_word", ratio))
        return Volume(tokens, None, item.days)
    if daily is None or item.days is None:
        return None
    days = ("days", item.days)
    requests = (
        None
        if daily.requests is None
        else sheet.product("requests", ("requests_per_day", daily.requests), days)
    )
    tokens = None if daily.tokens is None else sheet.product("tokens", ("tokens_per_day", daily.tokens), days)
    return Volume(tokens, requests, item.days)


def serving_energy(
    item: Inference,
    site: SiteContext,
    sheet: Sheet,
    volume: Volume | None,
    rate: float | None,
    j_token: float | None,
    j_request: float | None,
    prefill_s: float,
) -> float | None:
    """Billed kWh: busy energy of the volume + idle energy of the provisioned hours not busy."""
    if volume is None:
        return None
    if item.energy_kwh is not None:
        sheet.put(
            "energy_kwh_busy",
            item.energy_kwh,
            "given (measured energy of the volume)",
            {"energy_kwh": item.energy_kwh},
            (MEASURED,),
        )
        return item.energy_kwh
    if volume.requests is not None and j_request is not None:
        busy_j, text, inputs = (
            volume.requests * j_request,
            "requests × joules_per_request",
            {"requests": volume.requests, "joules_per_request": j_request},
        )
    else:
        assert volume.tokens is not None and j_token is not None  # Inference._rates and ._volume
        busy_j, text, inputs = (
            volume.tokens * j_token,
            "tokens × joules_per_token",
            {"tokens": volume.tokens, "joules_per_token": j_token},
        )
    busy = sheet.put(
        "energy_kwh_busy",
        j_to_kwh(busy_j),
        f"{text} / 3.6e6",
        inputs,
        (formula(f"{TALK}, Inference slide: energy = tokens × J/token"),),
    )
    _parts(item, sheet, volume, j_token)
    busy_hours = _busy_hours(item, sheet, volume, rate, prefill_s)
    if not item.provisioned:
        sheet.records.append(
            Provenance(
                "energy_kwh",
                "energy_kwh_busy",
                {"energy_kwh_busy": busy},
                (formula("no provisioned capacity given: busy time only"),),
            )
        )
        return cast(float, busy)
    idle = _idle(item, site, sheet, busy_hours)
    total = busy + idle
    sheet.records.append(
        Provenance(
            "energy_kwh",
            "energy_kwh_busy + energy_kwh_idle",
            {"energy_kwh_busy": busy, "energy_kwh_idle": idle},
            (formula("provisioned capacity: busy energy + idle energy"),),
        )
    )
    return cast(float, total)


def _parts(item: Inference, sheet: Sheet, volume: Volume, j_token: float | None) -> None:
    """The bill's two parts of serving, prefill and decode (kWh)."""
    prefill = sheet.details.get("prefill_joules_per_request")
    if (
        volume.requests is None
        or prefill is None
        or isinstance(prefill, str)
        or j_token is None
        or volume.tokens is None
    ):
        return
    sheet.put(
        "energy_kwh_prefill",
        j_to_kwh(volume.requests * prefill),
        "requests × prefill_joules_per_request / 3.6e6",
        {"requests": volume.requests, "prefill_joules_per_request": prefill},
        (formula(KAPLAN),),
    )
    sheet.put(
        "energy_kwh_decode",
        j_to_kwh(volume.tokens * j_token),
        "tokens × joules_per_token / 3.6e6",
        {"tokens": volume.tokens, "joules_per_token": j_token},
        (formula(f"{TALK}, Inference slide"),),
    )


def _busy_hours(
    item: Inference, sheet: Sheet, volume: Volume, rate: float | None, prefill_s: float
) -> float | None:
    """Hours one replica is busy with the volume (decode + prefill); None without a rate."""
    if rate is None or volume.tokens is None:
        return None
    seconds = volume.tokens / rate + given_or(volume.requests, 0.0) * prefill_s
    return cast(
        float,
        sheet.put(
            "serving_hours",
            seconds / SECONDS_PER_HOUR,
            "(tokens / tokens_per_second + requests × prefill_seconds_per_request) / 3600",
            {
                "tokens": volume.tokens,
                "tokens_per_second": rate,
                "requests": given_or(volume.requests, 0.0),
                "prefill_seconds_per_request": prefill_s,
            },
            (formula("serving time of one replica at the given rate"),),
        ),
    )


def _idle(item: Inference, site: SiteContext, sheet: Sheet, busy_hours: float | None) -> float:
    if busy_hours is None:
        raise EnergybillError(
            f"inference item '{item.name}': provisioned capacity (replicas, hours) needs a rate to know the "
            "busy time: tokens_per_second or seconds_per_token"
        )
    hours = item.hours if item.hours is not None else given_or(item.days, 0.0) * HOURS_PER_DAY
    replicas = given_or(item.replicas, 1)
    provisioned = replicas * item.devices * hours
    busy = item.devices * busy_hours
    sheet.put(
        "provisioned_device_hours",
        provisioned,
        "replicas × devices × hours",
        {"replicas": replicas, "devices": item.devices, "hours": hours},
        (project(),),
    )
    load = sheet.put(
        "utilisation",
        busy / provisioned,
        "busy device-hours / provisioned device-hours",
        {"busy_device_hours": busy, "provisioned_device_hours": provisioned},
        (formula("busy time of the volume over the capacity provisioned"),),
    )
    if _over(load):
        given = "hours" if item.hours is not None else "days"
        raise EnergybillError(
            f"inference item '{item.name}': the volume needs {busy:,.0f} busy device-hours but "
            f"replicas × devices × {given} provide {provisioned:,.0f} "
            f"(utilisation {float(largest(load)):.0%}): raise replicas or {given}, "
            "or lower the volume"
        )
    idle_w = idle_watts(item, None, sheet)
    idle_hours = provisioned - busy
    # idle device-hours × (idle W + host W) / 1000 × PUE (the host keeps its share while idle)
    return cast(
        float,
        sheet.put(
            "energy_kwh_idle",
            idle_hours * (idle_w + item.host_watts_per_device) / WH_PER_KWH * site.pue,
            "(provisioned_device_hours − busy_device_hours)"
            " × (idle_watts_per_device + host_watts_per_device) / 1000 × pue",
            {
                "idle_device_hours": idle_hours,
                "idle_watts_per_device": idle_w,
                "host_watts_per_device": item.host_watts_per_device,
                "pue": site.pue,
            },
            (
                formula("idle capacity: provisioned device-hours not busy, at idle power"),
                *supplying("PUE", site.pue_sources),
            ),
        ),
    )


def _over(value: Any) -> bool:
    """Whether a utilisation (a float, or sampled array) exceeds 1 anywhere."""
    return bool(largest(value) > 1.0 + 1e-9)

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
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

from energybill.core.bill import ItemBill, Provenance
from energybill.core.errors import EnergybillError
from energybill.core.provenance import Source, default, formula, project, supplying
from energybill.core.units import (
    FLOP_PER_TFLOP,
    G_PER_KG,
    HOURS_PER_DAY,
    SECONDS_PER_HOUR,
    WH_PER_KWH,
    co2e_kg,
    j_to_kwh,
    kwh_to_j,
)
from energybill.estimate import power
from energybill.estimate.site import TALK, SiteContext
from energybill.project.model import Inference

# OpenAI's rule of thumb for English text: one token is about 3/4 of a word ("What are tokens and
# how to count them?", OpenAI help centre, 2023). Used only when words are given without a ratio.
DEFAULT_TOKENS_PER_WORD = 4.0 / 3.0
# Prefill on a named device without a measured rate: 50 % of its dense BF16 peak, an assumption
# (prefill is compute-bound; well-tuned large-batch matmuls reach 40–60 % model FLOP utilisation,
# Chowdhery et al. 2022, PaLM, Table 3).
DEFAULT_PREFILL_MFU = 0.5
KAPLAN = (
    "Kaplan et al. 2020, Scaling Laws for Neural Language Models, Table 1 (forward pass ≈ 2N FLOP per token)"
)
MEASURED = Source("measured", "measured: given in the project file as a measurement")


@dataclass(frozen=True)
class ServingDevice:
    """A catalog device as serving uses it: TDP, dense BF16 peak (None if unknown), their sources."""

    label: str
    tdp_w: float
    tdp_source: Source
    peak_flops: float | None
    peak_source: Source | None


@dataclass(frozen=True)
class Serving:
    """What an item names in the catalog: its device and its model (parameter counts)."""

    device: ServingDevice | None = None
    model: Any = None  # catalog.models.ModelInfo (not imported here: the catalog loads lazily)


@dataclass
class _Sheet:
    """The item's numbers and their provenance, filled step by step."""

    details: dict[str, float | str]
    records: list[Provenance]

    def put(
        self, key: str, value: Any, formula_text: str, inputs: dict[str, Any], sources: tuple[Source, ...]
    ) -> Any:
        self.details[key] = value
        self.records.append(Provenance(f"details.{key}", formula_text, inputs, sources))
        return value


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
    sheet = _Sheet({}, [])
    _model(item, serving, sheet)
    rate = _tokens_per_second(item, sheet)
    power_w = _decode_power(item, serving, sheet)
    j_token = _decode_joules(item, site, sheet, rate, power_w)
    prefill_j, prefill_s = _prefill(item, site, serving, sheet)
    j_request = _request_joules(item, sheet, j_token, prefill_j)
    _carbon_efficiency(item, site, sheet, j_token, j_request)
    daily = _daily(item, sheet)
    volume = _volume(item, sheet, daily)
    energy = _energy(item, site, sheet, volume, rate, j_token, j_request, prefill_s)
    if refs:
        _match(sheet, refs, j_token, j_request)
    if daily is not None:
        _per_day_rate(sheet, site, daily, j_token, j_request)
    if energy is None:
        return ItemBill(
            "inference", item.name, item.phase, site.name, None, None, sheet.details, tuple(sheet.records)
        )
    co2e, co2e_record = site.carbon(energy)
    _per_unit(item, site, sheet, volume, energy, co2e)
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


# -- parameters, rates and power ---------------------------------------------------------------


def _model(item: Inference, serving: Serving, sheet: _Sheet) -> None:
    if serving.model is not None:
        info = serving.model
        sheet.details["model"] = info.name
        sheet.put("parameters", info.parameters, "catalog", {"model": info.name}, (info.as_source(),))
        sheet.put(
            "active_parameters", info.active_parameters, "catalog", {"model": info.name}, (info.as_source(),)
        )
    elif item.parameters is not None:
        sheet.put("parameters", item.parameters, "given", {"parameters": item.parameters}, (project(),))
        active = item.active_parameters if item.active_parameters is not None else item.parameters
        sheet.put(
            "active_parameters",
            active,
            "parameters (dense)" if item.active_parameters is None else "given",
            {"active_parameters": active},
            (project(),),
        )


def _n_active(sheet: _Sheet) -> float | None:
    value = sheet.details.get("active_parameters")
    return None if value is None or isinstance(value, str) else value


def _tokens_per_second(item: Inference, sheet: _Sheet) -> float | None:
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


def _decode_power(item: Inference, serving: Serving, sheet: _Sheet) -> float | None:
    """W per device while decoding: given (or measured), else the load-dependent model."""
    if item.watts_per_device is not None:
        return item.watts_per_device
    device = serving.device
    if device is None:
        return None
    idle = _idle_w(item, device, sheet)
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


def _idle_w(item: Inference, device: ServingDevice | None, sheet: _Sheet) -> float:
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


def _decode_joules(
    item: Inference, site: SiteContext, sheet: _Sheet, rate: float | None, power_w: float | None
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


def _prefill(item: Inference, site: SiteContext, serving: Serving, sheet: _Sheet) -> tuple[float, float]:
    """Prefill per request: (J, PUE included; seconds of one replica)."""
    tokens = _or(item.input_tokens_per_request, 0.0)
    if _largest(tokens) == 0 or item.joules_per_request is not None or item.energy_kwh is not None:
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
    item: Inference, serving: Serving, sheet: _Sheet, tokens: float, n_active: float | None
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


def _request_joules(item: Inference, sheet: _Sheet, j_token: float | None, prefill_j: float) -> float | None:
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


def _carbon_efficiency(
    item: Inference, site: SiteContext, sheet: _Sheet, j_token: float | None, j_request: float | None
) -> None:
    intensity = site.carbon_intensity_g_per_kwh
    sources = (formula(f"{TALK}, Inference slide"), *supplying("intensity", site.intensity_sources))
    if j_token is not None:
        kg = co2e_kg(j_to_kwh(j_token), intensity)
        sheet.put(
            "tokens_per_kg_co2e",
            _inverse(kg),
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
            _inverse(kg),
            "3.6e6 / (joules_per_request × g/kWh / 1000)",
            {"joules_per_request": j_request, "carbon_intensity_g_per_kwh": intensity},
            sources,
        )


# -- volume, energy, idle ----------------------------------------------------------------------


def _tokens_per_word(item: Inference, sheet: _Sheet) -> float:
    if item.tokens_per_word is not None:
        ratio, source = item.tokens_per_word, project()
    else:
        ratio = DEFAULT_TOKENS_PER_WORD
        source = default(
            "4/3 tokens per word (OpenAI rule of thumb for English, 2023); set tokens_per_word", ratio
        )
    return cast(float, sheet.put("tokens_per_word", ratio, "given", {"tokens_per_word": ratio}, (source,)))


@dataclass(frozen=True)
class _Daily:
    tokens: float | None
    requests: float | None


def _daily(item: Inference, sheet: _Sheet) -> _Daily | None:
    if item.requests_per_day is not None:
        sheet.put(
            "requests_per_day",
            item.requests_per_day,
            "given",
            {"requests_per_day": item.requests_per_day},
            (project(),),
        )
        tokens = None
        if item.output_tokens_per_request is not None:
            tokens = sheet.put(
                "tokens_per_day",
                item.requests_per_day * item.output_tokens_per_request,
                "requests_per_day × output_tokens_per_request",
                {
                    "requests_per_day": item.requests_per_day,
                    "output_tokens_per_request": item.output_tokens_per_request,
                },
                (project(),),
            )
        return _Daily(tokens, item.requests_per_day)
    if item.tokens_per_day is not None:
        return _Daily(
            sheet.put(
                "tokens_per_day",
                item.tokens_per_day,
                "given",
                {"tokens_per_day": item.tokens_per_day},
                (project(),),
            ),
            None,
        )
    if item.words_per_day is None:
        return None
    ratio = _tokens_per_word(item, sheet)
    tokens = sheet.put(
        "tokens_per_day",
        item.words_per_day * ratio,
        "words_per_day × tokens_per_word",
        {"words_per_day": item.words_per_day, "tokens_per_word": ratio},
        (project(),),
    )
    return _Daily(tokens, None)


@dataclass(frozen=True)
class _Volume:
    tokens: float | None  # output tokens
    requests: float | None
    days: float | None


def _volume(item: Inference, sheet: _Sheet, daily: _Daily | None) -> _Volume | None:
    """The billed volume: output tokens and requests (None where unknown), or None for no volume."""
    out = item.output_tokens_per_request
    if item.requests is not None:
        sheet.put("requests", item.requests, "given", {"requests": item.requests}, (project(),))
        tokens = (
            None
            if out is None
            else sheet.put(
                "tokens",
                item.requests * out,
                "requests × output_tokens_per_request",
                {"requests": item.requests, "output_tokens_per_request": out},
                (project(),),
            )
        )
        return _Volume(tokens, item.requests, item.days)
    if item.tokens is not None:
        return _Volume(
            sheet.put("tokens", item.tokens, "given", {"tokens": item.tokens}, (project(),)), None, item.days
        )
    if item.words is not None:
        ratio = _tokens_per_word(item, sheet)
        tokens = sheet.put(
            "tokens",
            item.words * ratio,
            "words × tokens_per_word",
            {"words": item.words, "tokens_per_word": ratio},
            (project(),),
        )
        return _Volume(tokens, None, item.days)
    if daily is None or item.days is None:
        return None
    requests = None
    if daily.requests is not None:
        requests = sheet.put(
            "requests",
            daily.requests * item.days,
            "requests_per_day × days",
            {"requests_per_day": daily.requests, "days": item.days},
            (project(),),
        )
    tokens = None
    if daily.tokens is not None:
        tokens = sheet.put(
            "tokens",
            daily.tokens * item.days,
            "tokens_per_day × days",
            {"tokens_per_day": daily.tokens, "days": item.days},
            (project(),),
        )
    return _Volume(tokens, requests, item.days)


def _energy(
    item: Inference,
    site: SiteContext,
    sheet: _Sheet,
    volume: _Volume | None,
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


def _parts(item: Inference, sheet: _Sheet, volume: _Volume, j_token: float | None) -> None:
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
    item: Inference, sheet: _Sheet, volume: _Volume, rate: float | None, prefill_s: float
) -> float | None:
    """Hours one replica is busy with the volume (decode + prefill); None without a rate."""
    if rate is None or volume.tokens is None:
        return None
    seconds = volume.tokens / rate + _or(volume.requests, 0.0) * prefill_s
    return cast(
        float,
        sheet.put(
            "serving_hours",
            seconds / SECONDS_PER_HOUR,
            "(tokens / tokens_per_second + requests × prefill_seconds_per_request) / 3600",
            {
                "tokens": volume.tokens,
                "tokens_per_second": rate,
                "requests": _or(volume.requests, 0.0),
                "prefill_seconds_per_request": prefill_s,
            },
            (formula("serving time of one replica at the given rate"),),
        ),
    )


def _idle(item: Inference, site: SiteContext, sheet: _Sheet, busy_hours: float | None) -> float:
    if busy_hours is None:
        raise EnergybillError(
            f"inference item '{item.name}': provisioned capacity (replicas, hours) needs a rate to know the "
            "busy time: tokens_per_second or seconds_per_token"
        )
    hours = item.hours if item.hours is not None else _or(item.days, 0.0) * HOURS_PER_DAY
    replicas = _or(item.replicas, 1)
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
            f"(utilisation {float(_largest(load)):.0%}): raise replicas or {given}, "
            "or lower the volume"
        )
    idle_w = _idle_w(item, None, sheet)
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
    return bool(_largest(value) > 1.0 + 1e-9)


def _largest(value: Any) -> Any:
    return value.max() if hasattr(value, "max") else value


# -- per unit, per day, parity ------------------------------------------------------------------


def _per_unit(
    item: Inference, site: SiteContext, sheet: _Sheet, volume: _Volume | None, energy: float, co2e: float
) -> None:
    """Billed energy and CO2e per request, per 1,000 output tokens and per day (idle share included)."""
    assert volume is not None
    if volume.requests is not None:
        sheet.put(
            "wh_per_request",
            energy * WH_PER_KWH / volume.requests,
            "energy_kwh × 1000 / requests",
            {"energy_kwh": energy, "requests": volume.requests},
            (formula("billed energy per request"),),
        )
        sheet.put(
            "g_co2e_per_request",
            co2e * G_PER_KG / volume.requests,
            "co2e_kg × 1000 / requests",
            {"co2e_kg": co2e, "requests": volume.requests},
            (formula("billed CO2e per request"),),
        )
        sheet.put(
            "requests_per_kg_co2e",
            _inverse(co2e / volume.requests),
            "requests / co2e_kg",
            {"requests": volume.requests, "co2e_kg": co2e},
            (formula("billed requests per kg CO2e"),),
        )
    if volume.tokens is not None:
        sheet.put(
            "wh_per_1000_output_tokens",
            energy * WH_PER_KWH * 1000 / volume.tokens,
            "energy_kwh × 1000 × 1000 / tokens",
            {"energy_kwh": energy, "tokens": volume.tokens},
            (formula("billed energy per 1,000 output tokens"),),
        )
        sheet.put(
            "g_co2e_per_1000_output_tokens",
            co2e * G_PER_KG * 1000 / volume.tokens,
            "co2e_kg × 1000 × 1000 / tokens",
            {"co2e_kg": co2e, "tokens": volume.tokens},
            (formula("billed CO2e per 1,000 output tokens"),),
        )
    days = (
        volume.days
        if volume.days is not None
        else (item.hours / HOURS_PER_DAY if item.hours is not None else None)
    )
    if days is not None and (item.provisioned or "energy_kwh_per_day" not in sheet.details):
        # the billed energy per day: with provisioned capacity, the idle share is in it
        sheet.put(
            "energy_kwh_per_day",
            energy / days,
            "energy_kwh / days",
            {"energy_kwh": energy, "days": days},
            (formula(f"{TALK}, Inference slide"),),
        )
        sheet.put(
            "co2e_kg_per_day",
            co2e / days,
            "co2e_kg / days",
            {"co2e_kg": co2e, "days": days},
            (formula(f"{TALK}, Inference slide ('30 tons of CO2e per day for serving')"),),
        )


def _per_day_rate(
    sheet: _Sheet, site: SiteContext, daily: _Daily, j_token: float | None, j_request: float | None
) -> None:
    """The daily footprint of a per-day rate (busy energy): shown, not billed without days."""
    if daily.requests is not None and j_request is not None:
        joules, text, inputs = (
            daily.requests * j_request,
            "requests_per_day × joules_per_request",
            {"requests_per_day": daily.requests, "joules_per_request": j_request},
        )
    elif daily.tokens is not None and j_token is not None:
        joules, text, inputs = (
            daily.tokens * j_token,
            "tokens_per_day × joules_per_token",
            {"tokens_per_day": daily.tokens, "joules_per_token": j_token},
        )
    else:
        return
    kwh = j_to_kwh(joules)
    sheet.put("energy_kwh_per_day", kwh, f"{text} / 3.6e6", inputs, (formula(f"{TALK}, Inference slide"),))
    sheet.put(
        "co2e_kg_per_day",
        co2e_kg(kwh, site.carbon_intensity_g_per_kwh),
        f"{text} / 3.6e6 × carbon_intensity_g_per_kwh / 1000",
        {**inputs, "carbon_intensity_g_per_kwh": site.carbon_intensity_g_per_kwh},
        (formula(f"{TALK}, Inference slide ('30 tons of CO2e per day for serving')"),),
    )
    overtake = formula(f"{TALK}, findings ('inference can overtake the training cost in one or few days')")
    for unit, per_day in (("tokens", daily.tokens), ("requests", daily.requests)):
        if f"{unit}_to_match_training" in sheet.details and per_day is not None:
            match = cast(float, sheet.details[f"{unit}_to_match_training"])
            sheet.put(
                "days_to_match_training",
                match / per_day,
                f"{unit}_to_match_training / {unit}_per_day",
                {f"{unit}_to_match_training": match, f"{unit}_per_day": per_day},
                (overtake,),
            )
            break


def _match(sheet: _Sheet, refs: tuple[ItemBill, ...], j_token: float | None, j_request: float | None) -> None:
    """Parity with the compared items' energy: tokens, requests, and days at the daily volume."""
    if any(ref.energy_kwh is None for ref in refs):
        return
    reference_kwh: Any = 0.0
    for ref in refs:
        reference_kwh = reference_kwh + ref.energy_kwh  # a float, or an array when sampling
    names = " + ".join(ref.name for ref in refs)
    sheet.details["compare_with"] = names
    sources = (
        formula(f"{TALK}, Inference slide ('3 billion tokens ... to catch up with training')"),
        formula(f"item(s) '{names}'"),
    )
    if j_token is not None:
        sheet.put(
            "tokens_to_match_training",
            kwh_to_j(reference_kwh) / j_token,
            "training energy_kwh × 3.6e6 / joules_per_token",
            {"training_energy_kwh": reference_kwh, "joules_per_token": j_token},
            sources,
        )
    if j_request is not None:
        sheet.put(
            "requests_to_match_training",
            kwh_to_j(reference_kwh) / j_request,
            "training energy_kwh × 3.6e6 / joules_per_request",
            {"training_energy_kwh": reference_kwh, "joules_per_request": j_request},
            sources,
        )


def _or(value: Any, default: float) -> Any:
    """``value`` unless it is None: not ``value or default``, which fails on sampled arrays."""
    return default if value is None else value


def _inverse(value: float) -> float:
    """``1 / value``, infinite for a zero-carbon grid; works on numpy arrays too (sampling)."""
    try:
        return 1.0 / value
    except ZeroDivisionError:
        return float("inf")

"""Inference: joules per generated token from latency (or throughput) and power, then volume."""

from __future__ import annotations

from typing import cast

from energybill.core.bill import ItemBill, Provenance
from energybill.core.provenance import default, formula, project, supplying
from energybill.core.units import SECONDS_PER_HOUR, co2e_kg, j_to_kwh, kwh_to_j
from energybill.estimate.site import TALK, SiteContext
from energybill.project.model import Inference

# OpenAI's rule of thumb for English text: one token is about 3/4 of a word ("What are tokens and
# how to count them?", OpenAI help centre, 2023). Used only when words are given without a ratio.
DEFAULT_TOKENS_PER_WORD = 4.0 / 3.0


def estimate_inference(item: Inference, site: SiteContext, reference: ItemBill | None = None) -> ItemBill:
    """Bill serving, and give its economics: J/token, tokens/hour, tokens per kg CO2e.

    ``reference`` is the training item whose energy the serving is compared with. Source: the
    talk's Inference slide (50 ms per token at batch size 1, 400 W + 70 W, PUE 1.1, 475 g/kWh).
    """
    records: list[Provenance] = []
    details, joules_per_token = _economics(item, site, reference, records)
    daily_tokens = _daily_tokens(item, details, records)
    if daily_tokens is not None:
        _add_daily(details, records, daily_tokens, joules_per_token, site)
    volume = _volume_tokens(item, details, records, daily_tokens)
    if volume is None:
        return ItemBill("inference", item.name, item.phase, site.name, None, None, details, tuple(records))
    energy = j_to_kwh(volume * joules_per_token)
    records.append(
        Provenance(
            "energy_kwh",
            "tokens × joules_per_token / 3.6e6",
            {"tokens": volume, "joules_per_token": joules_per_token},
            (formula("DESIGN.md, inference formula"),),
        )
    )
    co2e, co2e_record = site.carbon(energy)
    return ItemBill(
        "inference",
        item.name,
        item.phase,
        site.name,
        energy,
        co2e,
        details,
        (*records, co2e_record),
    )


def _economics(
    item: Inference, site: SiteContext, reference: ItemBill | None, records: list[Provenance]
) -> tuple[dict[str, float | str], float]:
    """Per-token economics (rate, J/token, tokens/hour, tokens per kg CO2e, tokens to equal training)."""
    rate = _tokens_per_second(item, records)
    assert item.watts_per_device is not None  # a catalog device was resolved to its TDP (devices.py)
    # J/token = W × PUE × s/token / batch (DESIGN.md, from the talk's Inference slide)
    power_w = item.devices * (item.watts_per_device + item.host_watts_per_device)
    joules_per_token = power_w * site.pue / rate
    records.append(
        Provenance(
            "details.joules_per_token",
            "devices × (watts_per_device + host_watts_per_device) × pue / tokens_per_second",
            {
                "devices": item.devices,
                "watts_per_device": item.watts_per_device,
                "host_watts_per_device": item.host_watts_per_device,
                "pue": site.pue,
                "tokens_per_second": rate,
            },
            (formula(f"{TALK}, Inference slide"), *supplying("PUE", site.pue_sources)),
        )
    )
    records.append(
        Provenance(
            "details.tokens_per_hour",
            "tokens_per_second × 3600",
            {"tokens_per_second": rate},
            (formula("unit conversion"),),
        )
    )
    kg_per_token = co2e_kg(j_to_kwh(joules_per_token), site.carbon_intensity_g_per_kwh)
    details: dict[str, float | str] = {
        "tokens_per_second": rate,
        "tokens_per_hour": rate * SECONDS_PER_HOUR,
        "joules_per_token": joules_per_token,
        "tokens_per_kg_co2e": _inverse(kg_per_token),
    }
    records.append(
        Provenance(
            "details.tokens_per_kg_co2e",
            "3.6e6 / (joules_per_token × carbon_intensity_g_per_kwh / 1000)",
            {
                "joules_per_token": joules_per_token,
                "carbon_intensity_g_per_kwh": site.carbon_intensity_g_per_kwh,
            },
            (formula(f"{TALK}, Inference slide"), *supplying("intensity", site.intensity_sources)),
        )
    )
    if reference is not None and reference.energy_kwh is not None:
        _match_training(details, records, reference, joules_per_token)
    return details, joules_per_token


def _match_training(
    details: dict[str, float | str], records: list[Provenance], reference: ItemBill, joules_per_token: float
) -> None:
    """The tokens whose serving uses as much energy as training ``reference``."""
    assert reference.energy_kwh is not None
    details["compare_with"] = reference.name
    details["tokens_to_match_training"] = kwh_to_j(reference.energy_kwh) / joules_per_token
    records.append(
        Provenance(
            "details.tokens_to_match_training",
            "training energy_kwh × 3.6e6 / joules_per_token",
            {"training_energy_kwh": reference.energy_kwh, "joules_per_token": joules_per_token},
            (
                formula(f"{TALK}, Inference slide ('3 billion tokens ... to catch up with training')"),
                formula(f"training item '{reference.name}'"),
            ),
        )
    )


def _tokens_per_second(item: Inference, records: list[Provenance]) -> float:
    if item.tokens_per_second is not None:
        inputs: dict[str, float | str] = {"tokens_per_second": item.tokens_per_second}
        records.append(Provenance("details.tokens_per_second", "given", inputs, (project(),)))
        return item.tokens_per_second
    assert item.seconds_per_token is not None  # Inference._rates: exactly one of the two rates
    rate = item.batch_size / item.seconds_per_token
    records.append(
        Provenance(
            "details.tokens_per_second",
            "batch_size / seconds_per_token",
            {"batch_size": item.batch_size, "seconds_per_token": item.seconds_per_token},
            (formula(f"{TALK}, Inference slide (constant time per token, batch size 1)"),),
        )
    )
    return rate


def _tokens_per_word(item: Inference, details: dict[str, float | str], records: list[Provenance]) -> float:
    if item.tokens_per_word is not None:
        ratio, source = item.tokens_per_word, project()
    else:
        ratio = DEFAULT_TOKENS_PER_WORD
        source = default(
            "4/3 tokens per word (OpenAI rule of thumb for English, 2023); set tokens_per_word", ratio
        )
    details["tokens_per_word"] = ratio
    records.append(Provenance("details.tokens_per_word", "given", {"tokens_per_word": ratio}, (source,)))
    return ratio


def _daily_tokens(
    item: Inference, details: dict[str, float | str], records: list[Provenance]
) -> float | None:
    if item.tokens_per_day is not None:
        inputs: dict[str, float | str] = {"tokens_per_day": item.tokens_per_day}
        records.append(Provenance("details.tokens_per_day", "given", inputs, (project(),)))
        return item.tokens_per_day
    if item.words_per_day is None:
        return None
    ratio = _tokens_per_word(item, details, records)
    daily = item.words_per_day * ratio
    records.append(
        Provenance(
            "details.tokens_per_day",
            "words_per_day × tokens_per_word",
            {"words_per_day": item.words_per_day, "tokens_per_word": ratio},
            (project(),),
        )
    )
    return daily


def _add_daily(
    details: dict[str, float | str],
    records: list[Provenance],
    daily_tokens: float,
    joules_per_token: float,
    site: SiteContext,
) -> None:
    daily_kwh = j_to_kwh(daily_tokens * joules_per_token)
    daily_kg = co2e_kg(daily_kwh, site.carbon_intensity_g_per_kwh)
    details.update(tokens_per_day=daily_tokens, energy_kwh_per_day=daily_kwh, co2e_kg_per_day=daily_kg)
    records.append(
        Provenance(
            "details.energy_kwh_per_day",
            "tokens_per_day × joules_per_token / 3.6e6",
            {"tokens_per_day": daily_tokens, "joules_per_token": joules_per_token},
            (formula(f"{TALK}, Inference slide"),),
        )
    )
    records.append(
        Provenance(
            "details.co2e_kg_per_day",
            "tokens_per_day × joules_per_token / 3.6e6 × carbon_intensity_g_per_kwh / 1000",
            {
                "tokens_per_day": daily_tokens,
                "joules_per_token": joules_per_token,
                "carbon_intensity_g_per_kwh": site.carbon_intensity_g_per_kwh,
            },
            (formula(f"{TALK}, Inference slide ('30 tons of CO2e per day for serving')"),),
        )
    )
    tokens_to_match = details.get("tokens_to_match_training")
    if tokens_to_match is not None and not isinstance(tokens_to_match, str):
        details["days_to_match_training"] = tokens_to_match / daily_tokens
        records.append(
            Provenance(
                "details.days_to_match_training",
                "tokens_to_match_training / tokens_per_day",
                {"tokens_to_match_training": tokens_to_match, "tokens_per_day": daily_tokens},
                (
                    formula(
                        f"{TALK}, findings ('inference can overtake the training cost in one or few days')"
                    ),
                ),
            )
        )


def _volume_tokens(
    item: Inference, details: dict[str, float | str], records: list[Provenance], daily: float | None
) -> float | None:
    """Billed tokens: a total, words × ratio, or a daily rate × days; None for no volume."""
    inputs: dict[str, float | str]
    if item.tokens is not None:
        volume, formula_text, inputs = item.tokens, "given", {"tokens": item.tokens}
    elif item.words is not None:
        ratio = _tokens_per_word(item, details, records)
        volume, formula_text = item.words * ratio, "words × tokens_per_word"
        inputs = {"words": item.words, "tokens_per_word": ratio}
    elif daily is not None and item.days is not None:
        volume, formula_text, inputs = (
            daily * item.days,
            "tokens_per_day × days",
            {"tokens_per_day": daily, "days": item.days},
        )
    else:
        return None
    # a number set by _economics (a float, or a numpy array when sampling), never a label
    rate = cast(float, details["tokens_per_second"])
    details["tokens"] = volume
    details["serving_hours"] = volume / (rate * SECONDS_PER_HOUR)
    records.append(Provenance("details.tokens", formula_text, inputs, (project(),)))
    records.append(
        Provenance(
            "details.serving_hours",
            "tokens / (tokens_per_second × 3600)",
            {"tokens": volume, "tokens_per_second": rate},
            (formula("serving time of one instance at the given rate"),),
        )
    )
    return volume


def _inverse(value: float) -> float:
    """``1 / value``, infinite for a zero-carbon grid; works on numpy arrays too (sampling)."""
    try:
        return 1.0 / value
    except ZeroDivisionError:
        return float("inf")

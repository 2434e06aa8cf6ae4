"""Lines the report model holds, built once from a Bill (inference economics, defaults used), and
the wording of a recommendation."""

from __future__ import annotations

from collections.abc import Iterator

from energybill.core.bill import Bill, ItemBill
from energybill.core.provenance import Source
from energybill.core.units import kg_to_tonnes
from energybill.report.numbers import amount, large, share
from energybill.whatif.recommend import Recommendation

LONG_TABLE = 300  # rows above which a terminal table shows the largest ones only (JSON has all)


def economics(item: ItemBill) -> list[tuple[str, str]]:
    """Label/value lines of a serving item's economics (inference or hosted-API use)."""
    d = {key: value for key, value in item.details.items() if not isinstance(value, str)}
    if item.kind == "api":
        return _api_lines(item, d)
    lines: list[tuple[str, str]] = []
    if "tokens_per_second" in d:
        per_second, per_hour = amount(d["tokens_per_second"], 2), amount(d["tokens_per_hour"], 0)
        lines.append(("throughput", f"{per_second} tokens/s = {per_hour} tokens/hour"))
    if "device" in item.details and "watts_per_device" in d:
        lines.append(("power per device", f"{amount(d['watts_per_device'], 0)} W ({item.details['device']}, "
                      "load-dependent model at this batch size)"))
    if "joules_per_token" in d:
        lines.append(("energy per token", f"{amount(d['joules_per_token'], 2)} J (PUE included)"))
    lines += _request_lines(d)
    if "tokens_per_kg_co2e" in d:
        lines.append(("carbon efficiency", f"{amount(d['tokens_per_kg_co2e'], 0)} tokens per kg CO2e"))
    if "requests_per_kg_co2e" in d:
        lines.append(("requests per kg CO2e", amount(d["requests_per_kg_co2e"], 0)))
    if "tokens_to_match_training" in d:
        reference = item.details["compare_with"]
        lines.append(("tokens to equal training", f"{large(d['tokens_to_match_training'])} ('{reference}')"))
    if "requests_to_match_training" in d:
        reference = item.details["compare_with"]
        parity = f"{large(d['requests_to_match_training'])} ('{reference}')"
        lines.append(("requests to equal training", parity))
    lines += _daily_lines(d)
    lines += _capacity_lines(d)
    return [*lines, _volume_line(d)]


def _request_lines(d: dict[str, float]) -> list[tuple[str, str]]:
    lines: list[tuple[str, str]] = []
    if "wh_per_request" in d:
        lines.append(("energy per request", f"{amount(d['wh_per_request'], 2)} Wh, "
                      f"{amount(d['g_co2e_per_request'], 2)} g CO2e (billed, idle share included)"))
    elif "joules_per_request" in d:
        lines.append(("energy per request", f"{amount(d['joules_per_request'] / 3600, 2)} Wh (PUE included)"))
    if "prefill_joules_per_request" in d and "decode_joules_per_request" in d:
        lines.append(("per request: prefill + decode", f"{amount(d['prefill_joules_per_request'], 1)} J + "
                      f"{amount(d['decode_joules_per_request'], 1)} J"))
    if "wh_per_1000_output_tokens" in d:
        lines.append(("per 1,000 output tokens", f"{amount(d['wh_per_1000_output_tokens'], 2)} Wh, "
                      f"{amount(d['g_co2e_per_1000_output_tokens'], 2)} g CO2e"))
    return lines


def _daily_lines(d: dict[str, float]) -> list[tuple[str, str]]:
    lines: list[tuple[str, str]] = []
    if "tokens_per_day" in d or "requests_per_day" in d:
        ratio = f" at {amount(d['tokens_per_word'], 2)} tokens per word" if "tokens_per_word" in d else ""
        energy, co2e_t = amount(d["energy_kwh_per_day"], 0), amount(kg_to_tonnes(d["co2e_kg_per_day"]), 1)
        volume = (f"{large(d['tokens_per_day'])} tokens/day{ratio}" if "tokens_per_day" in d
                  else f"{large(d['requests_per_day'])} requests/day")
        lines.append(("daily serving", f"{volume} → {energy} kWh, {co2e_t} t CO2e per day"))
    if "days_to_match_training" in d:
        days = amount(d["days_to_match_training"], 2)
        lines.append(("days to equal training", f"{days} days at that volume"))
    return lines


def _capacity_lines(d: dict[str, float]) -> list[tuple[str, str]]:
    if "utilisation" not in d:
        return []
    hours, used = amount(d["provisioned_device_hours"], 0), share(d["utilisation"])
    idle, busy = amount(d["energy_kwh_idle"], 1), amount(d["energy_kwh_busy"], 1)
    text = f"{hours} device-hours, utilisation {used}: busy {busy} kWh + idle {idle} kWh"
    return [("provisioned capacity", text)]


def _volume_line(d: dict[str, float]) -> tuple[str, str]:
    parts = [f"{large(d['requests'])} requests"] if "requests" in d else []
    if "tokens" in d:
        parts.append(f"{large(d['tokens'])} tokens")
    if "energy_kwh_prefill" in d:
        prefill, decode = amount(d["energy_kwh_prefill"], 1), amount(d["energy_kwh_decode"], 1)
        parts.append(f"prefill {prefill} kWh + decode {decode} kWh")
    if parts:
        return ("billed volume", ", ".join(parts))
    return ("billed volume", "none given: a prospective estimate, not in the totals")


def _api_lines(item: ItemBill, d: dict[str, float]) -> list[tuple[str, str]]:
    low, high = amount(d["energy_kwh_min"], 2), amount(d["energy_kwh_max"], 2)
    per_request = f"{amount(d['wh_per_request'], 3)} Wh, {amount(d['g_co2e_per_request'], 3)} g CO2e"
    return [
        ("estimate", f"{item.details['estimate']} for {item.details['provider']} {item.details['model']}"),
        ("energy per request", per_request),
        ("range", f"{low}–{high} kWh, {amount(d['co2e_kg_min'], 2)}–{amount(d['co2e_kg_max'], 2)} kg CO2e"),
        ("requests per kg CO2e", amount(d["requests_per_kg_co2e"], 0)),
        ("billed volume", f"{large(d['requests'])} requests, {large(d['tokens'])} output tokens"),
    ]


def defaults_used(bill: Bill) -> list[str]:
    """Every default the bill relied on, once each (the provenance sources of kind "default")."""
    return list(dict.fromkeys(source.name for source in bill_sources(bill) if source.kind == "default"))


def bill_sources(bill: Bill) -> Iterator[Source]:
    """Every provenance source of the bill, in bill order."""
    for item in bill.items:
        for record in item.provenance:
            yield from record.sources


def advice_detail(rec: Recommendation) -> str:
    """What to do, with the basis of the saving when it is not the whole project."""
    return rec.action if rec.basis == "project" else f"{rec.action} (saving per {rec.basis})"

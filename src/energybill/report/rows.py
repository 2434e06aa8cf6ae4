"""Lines the report model holds, built once from a Bill (inference economics, defaults used), and
the wording of a recommendation."""

from __future__ import annotations

from collections.abc import Iterator

from energybill.core.bill import Bill, ItemBill
from energybill.core.provenance import Source
from energybill.core.units import kg_to_tonnes
from energybill.report.numbers import amount, large
from energybill.whatif.recommend import Recommendation

LONG_TABLE = 300  # rows above which a terminal table shows the largest ones only (JSON has all)


def economics(item: ItemBill) -> list[tuple[str, str]]:
    """Label/value lines of an inference item's economics."""
    d = {key: value for key, value in item.details.items() if not isinstance(value, str)}
    per_second, per_hour = amount(d["tokens_per_second"], 2), amount(d["tokens_per_hour"], 0)
    lines = [
        ("throughput", f"{per_second} tokens/s = {per_hour} tokens/hour"),
        ("energy per token", f"{amount(d['joules_per_token'], 2)} J (PUE included)"),
        ("carbon efficiency", f"{amount(d['tokens_per_kg_co2e'], 0)} tokens per kg CO2e"),
    ]
    if "tokens_to_match_training" in d:
        reference = item.details["compare_with"]
        lines.append(("tokens to equal training", f"{large(d['tokens_to_match_training'])} ('{reference}')"))
    if "tokens_per_day" in d:
        ratio = f" at {amount(d['tokens_per_word'], 2)} tokens per word" if "tokens_per_word" in d else ""
        energy, co2e_t = amount(d["energy_kwh_per_day"], 0), amount(kg_to_tonnes(d["co2e_kg_per_day"]), 1)
        daily = f"{large(d['tokens_per_day'])} tokens/day{ratio} → {energy} kWh, {co2e_t} t CO2e per day"
        lines.append(("daily serving", daily))
    if "days_to_match_training" in d:
        days = amount(d["days_to_match_training"], 2)
        lines.append(("days to equal training", f"{days} days at that volume"))
    if "tokens" in d:
        lines.append(("billed volume", f"{large(d['tokens'])} tokens"))
    else:
        lines.append(("billed volume", "none given: a prospective estimate, not in the totals"))
    return lines


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

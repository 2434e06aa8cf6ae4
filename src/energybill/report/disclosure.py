"""The disclosure part of the report model: water, market-based carbon, money and the boundary of
the energy, summed from the bill's items with what each leaves out said in words."""

from __future__ import annotations

from dataclasses import dataclass

from energybill.core.bill import Bill
from energybill.core.provenance import Source
from energybill.estimate.disclosure import BOUNDARIES, BOUNDARY_TEXT
from energybill.estimate.site import SiteContext

NOT_COUNTED_WATER = "travel and embodied (manufacturing) water: not counted (no source in the catalog)"


@dataclass(frozen=True)
class Disclosure:
    """Totals beside kWh and location-based CO2e, and the sentences that qualify them."""

    water_l: float
    water_counted: bool  # False: no item counts any water (every water figure is "not known")
    water_notes: tuple[str, ...]  # what the water total leaves out
    co2e_market_kg: float
    market_notes: tuple[str, ...]  # per site: where its market-based factor comes from
    cost: float | None  # None: nothing is priced
    currency: str | None
    unpriced: tuple[str, ...]  # billed items without a price
    boundary: str | None  # of the total: the widest boundary an item's energy reaches
    narrower: tuple[tuple[str, str], ...]  # (item, its boundary) below the total's
    sentence: str  # the boundary in one sentence

    @property
    def market_same_as_location(self) -> bool:
        """Whether no site gives any contractual instrument or residual mix."""
        return all("market-based = location-based" in note for note in self.market_notes)


def disclosure(bill: Bill, contexts: dict[str, SiteContext]) -> Disclosure:
    """The disclosure of ``bill``; ``contexts`` are its sites (their water and market terms)."""
    billed = [item for item in bill.items if item.billed]
    used = dict.fromkeys(item.site for item in billed if item.site in contexts)
    water_notes = [NOT_COUNTED_WATER]
    for part, missing in (
        ("on-site water (no WUE given)", [n for n in used if _uncounted(contexts[n].terms.wue_sources)]),
        (
            "off-site water (no grid water given)",
            [n for n in used if _uncounted(contexts[n].terms.water_sources)],
        ),
    ):
        if missing:
            water_notes.append(f"{part} at {', '.join(missing)}")
    market_notes = []
    for name in used:
        context = contexts[name]
        given = ", ".join(s.name for s in context.terms.market_sources if s.kind == "project")
        shown = f"{name}: {context.market_g_per_kwh:g} g/kWh"
        market_notes.append(f"{shown} from {given}" if given else f"{shown} (market-based = location-based)")
    priced = [item for item in billed if item.cost is not None]
    ranked = [(item.name, item.boundary) for item in billed if item.boundary in BOUNDARIES]
    widest = max((BOUNDARIES.index(b) for _, b in ranked if b is not None), default=None)
    total_boundary = None if widest is None else BOUNDARIES[widest]
    narrower = tuple(
        (name, b)
        for name, b in ranked
        if b is not None and widest is not None and BOUNDARIES.index(b) < widest
    )
    others = tuple((item.name, item.boundary) for item in billed if item.boundary in ("network", "as given"))
    return Disclosure(
        water_l=bill.totals.water_l,
        water_counted=any(item.water_l is not None for item in billed),
        water_notes=tuple(water_notes),
        co2e_market_kg=bill.totals.co2e_market_kg,
        market_notes=tuple(market_notes),
        cost=bill.totals.cost if priced else None,
        currency=bill.totals.currency,
        unpriced=tuple(item.name for item in billed if item.cost is None and item.site is not None),
        boundary=total_boundary,
        narrower=narrower,
        sentence=boundary_sentence(total_boundary, narrower, others),
    )


def _uncounted(sources: tuple[Source, ...]) -> bool:
    return bool(sources) and sources[0].kind == "default" and "not counted" in sources[0].name


def boundary_sentence(
    total: str | None, narrower: tuple[tuple[str, str], ...], others: tuple[tuple[str, str | None], ...]
) -> str:
    """``Energy is counted at the facility boundary (...); narrower: X (accelerators only).``"""
    if total is None:
        return "No item's energy is on the accelerator–node–facility scale; each is as its factor counts it."
    text = f"Energy is counted at the {total} boundary: {BOUNDARY_TEXT[total]}"
    if narrower:
        listed = "; ".join(f"{name} ({BOUNDARY_TEXT[b]})" for name, b in narrower)
        text += f"; narrower: {listed}"
    if others:
        text += f"; {len(others)} item{'s' if len(others) != 1 else ''} as their own factor counts them"
        text += f" ({', '.join(name for name, _ in others)})"
    return text + "."


def summary(d: Disclosure, co2e_kg: float) -> list[tuple[str, str]]:
    """The disclosure as (label, text) lines, for every format's totals."""
    from energybill.report.numbers import amount

    if d.water_counted:
        water = (
            f"{amount(d.water_l)} L (on-site WUE × IT energy + off-site water of the electricity, "
            "PUE × kWh × grid water)"
        )
    else:
        water = "not known (no site gives a WUE or a grid water intensity)"
    if d.water_counted:
        water += "; not counted: " + "; ".join(d.water_notes)
    market = (
        f"{amount(d.co2e_market_kg)} kg CO2e market-based beside {amount(co2e_kg)} kg CO2e location-based"
    )
    if d.market_same_as_location:
        market += (
            " (no site gives a contract or residual mix: market-based = location-based, GHG Protocol Scope 2)"
        )
    else:
        market += " (per site: " + "; ".join(d.market_notes) + ")"
    if d.cost is None:
        cost = "not priced (no site gives price_per_kwh and no item price_per_device_hour)"
    else:
        cost = f"{amount(d.cost, 2)} {d.currency}"
        if d.unpriced:
            cost += f" (not priced: {', '.join(d.unpriced)})"
    return [
        ("Water", water),
        ("Market-based CO2e", market),
        ("Cost", cost),
        ("Boundary", d.sentence),
    ]

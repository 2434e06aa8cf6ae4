"""The report model, built once per command from a Bill and its Project; every format only renders it.

``energybill report`` (HTML, Markdown, model card, JSON, CSV) and ``energybill bill`` (terminal,
Markdown, JSON) render this one model, so a table both show is the same. Sections that other parts
of energybill produce (scenarios, p5–p95 ranges, recommendations) are optional: ``build_report``
takes them ready-made (the measured runs it reads from the bill) and a renderer shows a section
only when it holds something.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field

from energybill.core.bill import Bill, ItemBill, Provenance
from energybill.core.provenance import joined
from energybill.core.version import __version__
from energybill.estimate.site import SiteContext
from energybill.project.model import Project
from energybill.report.assumptions import catalog_values
from energybill.report.disclosure import Disclosure, disclosure
from energybill.report.equivalents import Equivalent, equivalents
from energybill.report.filing import Filing, filing
from energybill.report.rows import defaults_used, economics
from energybill.whatif.recommend import Recommendation
from energybill.whatif.uncertainty import Intervals


@dataclass(frozen=True)
class ItemRow:
    """One billed item with its rank (1 = most CO2e) and its shares of the totals."""

    rank: int
    name: str
    kind: str
    phase: str
    site: str | None
    description: str | None
    energy_kwh: float
    co2e_kg: float
    energy_share: float
    co2e_share: float
    provenance: tuple[Provenance, ...]
    water_l: float | None = None  # None: not counted for this item
    co2e_market_kg: float = 0.0
    cost: float | None = None
    boundary: str | None = None


@dataclass(frozen=True)
class PhaseRow:
    """A phase's totals and shares, and its items in bill order."""

    name: str
    energy_kwh: float
    co2e_kg: float
    energy_share: float
    co2e_share: float
    items: tuple[ItemRow, ...]
    water_l: float = 0.0
    co2e_market_kg: float = 0.0
    cost: float = 0.0


@dataclass(frozen=True)
class SiteRow:
    """A site's assumptions: PUE and grid intensity, where each came from, and the data year."""

    name: str
    description: str | None
    pue: float
    pue_source: str
    carbon_intensity_g_per_kwh: float
    intensity_source: str
    year: str | None
    items: int
    provider: str | None = None
    region: str | None = None
    wue_l_per_kwh: float = 0.0
    grid_water_l_per_kwh: float = 0.0
    water_source: str = ""
    market_g_per_kwh: float = 0.0
    market_source: str = ""
    price_per_kwh: float | None = None
    currency: str | None = None


@dataclass(frozen=True)
class Economics:
    """An inference item's economics as label/value lines; ``billed`` says if it is in the totals.

    ``details`` are the item's numbers the lines come from (the terminal puts several items in one
    table of them) and ``co2e_kg`` its billed CO2e (None when not billed)."""

    name: str
    billed: bool
    lines: tuple[tuple[str, str], ...]
    provenance: tuple[Provenance, ...]
    details: Mapping[str, float | str] = field(default_factory=dict, compare=False, repr=False)
    co2e_kg: float | None = None


@dataclass(frozen=True)
class TrainingSummary:
    """What a model card's environmental-impact section asks for, from the training items."""

    hardware: str
    device_hours: float
    sites: tuple[SiteRow, ...]
    energy_kwh: float
    co2e_kg: float


@dataclass(frozen=True)
class ScenarioRow:
    """The bill's totals under one scenario (or the baseline)."""

    name: str
    description: str
    energy_kwh: float
    co2e_kg: float


@dataclass(frozen=True)
class RangeRow:
    """The p5–p50–p95 of one quantity (a phase's or the total's), beside the point estimate."""

    name: str
    quantity: str  # "energy_kwh" or "co2e_kg"
    estimate: float
    p5: float
    p50: float
    p95: float

    def __post_init__(self) -> None:
        if not self.p5 <= self.p50 <= self.p95:
            raise ValueError(f"range of {self.name}: needs p5 <= p50 <= p95")


@dataclass(frozen=True)
class Ranges:
    """Uncertainty ranges from sampling: how many samples and how they were drawn."""

    samples: int
    method: str
    rows: tuple[RangeRow, ...]  # each phase, then the total
    # the draws' percentiles of every item, phase and total, with the ranged inputs (the bill's
    # terminal and Markdown show them item by item; the report shows ``rows``)
    intervals: Intervals | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class MeasuredRow:
    """An item's estimated energy beside the energy its measured runs recorded."""

    name: str
    estimated_energy_kwh: float  # 0 when there is no estimate
    measured_energy_kwh: float
    method: str  # how it was measured: "NVML energy counter", "RAPL", "utilisation model", ...
    runs: int
    run_ids: str = ""  # the runs, ", "-separated
    has_estimate: bool = True  # False: only measured (no item in the file, or an unbilled one)

    @property
    def ratio(self) -> float:
        """measured / estimated (0 when nothing was estimated)."""
        return self.measured_energy_kwh / self.estimated_energy_kwh if self.estimated_energy_kwh else 0.0

    @property
    def difference_kwh(self) -> float | None:
        """measured − estimated (None without an estimate)."""
        return self.measured_energy_kwh - self.estimated_energy_kwh if self.has_estimate else None

    @property
    def change(self) -> float | None:
        """measured / estimated − 1 (None without an estimate or when it is 0)."""
        return self.ratio - 1.0 if self.has_estimate and self.estimated_energy_kwh else None


@dataclass(frozen=True)
class ReportData:
    """Everything any format of the report or the bill shows."""

    bill: Bill
    project: str
    description: str | None
    version: str
    energy_kwh: float
    co2e_kg: float
    equivalents: tuple[Equivalent, ...]
    phases: tuple[PhaseRow, ...]
    ranked: tuple[ItemRow, ...]
    sites: tuple[SiteRow, ...]
    economics: tuple[Economics, ...]
    defaults: tuple[str, ...]
    training: TrainingSummary | None
    scenarios: tuple[ScenarioRow, ...] = ()  # the first row is the baseline
    ranges: Ranges | None = None
    measured: tuple[MeasuredRow, ...] = ()
    recommendations: tuple[Recommendation, ...] = ()  # largest saving first
    unbilled: tuple[str, ...] = ()
    # why each unbilled item is not in the totals, items grouped by reason, in bill order
    unbilled_reasons: tuple[tuple[str, tuple[str, ...]], ...] = ()
    catalog: tuple[str, ...] = ()  # catalog values the bill used (source and year), once each
    label: str | None = None  # the overrides the bill is of ("france + pue-1.1"); None: the file as written
    disclosure: Disclosure | None = None  # water, market-based carbon, money, boundary
    filing: Filing | None = None  # training and serving figures of the disclosure exports


def build_report(
    bill: Bill,
    project: Project,
    contexts: dict[str, SiteContext],
    *,
    scenarios: tuple[ScenarioRow, ...] = (),
    ranges: Ranges | None = None,
    measured: tuple[MeasuredRow, ...] | None = None,
    recommendations: tuple[Recommendation, ...] = (),
    label: str | None = None,
    everyday: bool = True,
) -> ReportData:
    """The report of ``bill``; ``project`` gives the descriptions, ``contexts`` the sites as the bill
    saw them (values and sources). ``measured`` defaults to the bill's items with measured runs;
    ``everyday=False`` leaves out the everyday equivalents (the bill does not show them, and their
    factors are read from the catalog)."""
    rows = _item_rows(bill, project)
    sites = _site_rows(bill, project, contexts)
    return ReportData(
        bill=bill,
        project=bill.project,
        description=project.project.description,
        version=__version__,
        energy_kwh=bill.totals.energy_kwh,
        co2e_kg=bill.totals.co2e_kg,
        equivalents=equivalents(bill.totals.energy_kwh, bill.totals.co2e_kg) if everyday else (),
        phases=_phase_rows(bill, rows),
        ranked=tuple(sorted(rows, key=lambda row: row.rank)),
        sites=sites,
        economics=tuple(_economics(item) for item in bill.items if item.kind in ("inference", "api")),
        defaults=tuple(defaults_used(bill)),
        training=_training(bill, project, sites),
        scenarios=scenarios,
        ranges=ranges,
        measured=measured_rows(bill) if measured is None else measured,
        recommendations=recommendations,
        unbilled=tuple(item.name for item in bill.items if not item.billed),
        unbilled_reasons=unbilled_reasons(bill),
        catalog=tuple(catalog_values(bill)),
        label=label,
        disclosure=disclosure(bill, contexts),
        filing=filing(bill, project),
    )


def measured_rows(bill: Bill) -> tuple[MeasuredRow, ...]:
    """One row per item with measured runs attached (``reconcile.runs``), in bill order."""
    rows = []
    for item in bill.items:
        details = item.details
        if "measured_energy_kwh" not in details:
            continue
        rows.append(
            MeasuredRow(
                name=item.name,
                estimated_energy_kwh=0.0 if item.kind == "measured" else (item.energy_kwh or 0.0),
                measured_energy_kwh=float(details["measured_energy_kwh"]),
                method=str(details["measured_methods"]),
                runs=len(_run_ids(item)),
                run_ids=str(details["measured_runs"]),
                has_estimate=item.kind != "measured" and item.energy_kwh is not None,
            )
        )
    return tuple(rows)


PROSPECTIVE = "prospective, no volume given"
MEASURED_UNPRICED = "measured only, no site to price its CO2e (record the run with --site)"


def unbilled_reasons(bill: Bill) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """The items not in the totals, grouped by why: a prospective estimate (an inference item
    without a volume) or a measurement with no site (its energy is known, its CO2e is not)."""
    grouped: dict[str, list[str]] = {}
    for item in bill.items:
        if not item.billed:
            reason = MEASURED_UNPRICED if item.kind == "measured" else PROSPECTIVE
            grouped.setdefault(reason, []).append(item.name)
    return tuple((reason, tuple(names)) for reason, names in grouped.items())


def _run_ids(item: ItemBill) -> tuple[str, ...]:
    """The ids of the runs measured for ``item``, from its provenance's measured sources."""
    ids = (
        run
        for record in item.provenance
        for source in record.sources
        if source.kind == "measured"
        for run in source.run_ids
    )
    return tuple(dict.fromkeys(ids))


def _item_rows(bill: Bill, project: Project) -> list[ItemRow]:
    """Billed items in bill order, ranked by CO2e (then energy), largest first."""
    described = {item.name: item.description for _, item in project.items()}
    billed = [item for item in bill.items if item.billed]
    order = sorted(billed, key=lambda i: (-(i.co2e_kg or 0.0), -(i.energy_kwh or 0.0)))
    rank = {item.name: index + 1 for index, item in enumerate(order)}
    totals = bill.totals
    return [
        ItemRow(
            rank=rank[item.name],
            name=item.name,
            kind=item.kind,
            phase=item.phase,
            site=item.site,
            description=described.get(item.name),
            energy_kwh=item.energy_kwh or 0.0,
            co2e_kg=item.co2e_kg or 0.0,
            energy_share=_share(item.energy_kwh or 0.0, totals.energy_kwh),
            co2e_share=_share(item.co2e_kg or 0.0, totals.co2e_kg),
            provenance=item.provenance,
            water_l=item.water_l,
            co2e_market_kg=item.co2e_market_kg if item.co2e_market_kg is not None else (item.co2e_kg or 0.0),
            cost=item.cost,
            boundary=item.boundary,
        )
        for item in billed
    ]


def _phase_rows(bill: Bill, rows: list[ItemRow]) -> tuple[PhaseRow, ...]:
    grouped: dict[str, list[ItemRow]] = {}
    for row in rows:  # one pass, bill order kept within each phase
        grouped.setdefault(row.phase, []).append(row)
    return tuple(
        PhaseRow(
            name=name,
            energy_kwh=total.energy_kwh,
            co2e_kg=total.co2e_kg,
            energy_share=total.energy_share,
            co2e_share=total.co2e_share,
            items=tuple(grouped.get(name, ())),
            water_l=total.water_l,
            co2e_market_kg=total.co2e_market_kg,
            cost=total.cost,
        )
        for name, total in bill.phases.items()
    )


def _site_rows(bill: Bill, project: Project, contexts: dict[str, SiteContext]) -> tuple[SiteRow, ...]:
    """Every site of the project file, in file order, with the sources SiteContext records."""
    counts = Counter(item.site for item in bill.items)
    out = []
    for name, site in project.sites.items():
        context = contexts[name]
        out.append(
            SiteRow(
                name=name,
                description=site.description,
                pue=context.pue,
                pue_source=context.pue_source,
                carbon_intensity_g_per_kwh=context.carbon_intensity_g_per_kwh,
                intensity_source=context.intensity_source,
                # A site resolved from the catalog carries its data year; a hand-written one has none.
                year=context.intensity_year,
                items=counts[name],
                provider=_provider(site.region),
                region=site.region,
                wue_l_per_kwh=context.terms.wue_l_per_kwh,
                grid_water_l_per_kwh=context.terms.grid_water_l_per_kwh,
                water_source=joined((*context.terms.wue_sources, *context.terms.water_sources)),
                market_g_per_kwh=context.market_g_per_kwh,
                market_source=joined(context.terms.market_sources) or "project file",
                price_per_kwh=context.terms.price_per_kwh,
                currency=context.terms.currency,
            )
        )
    return tuple(out)


def _provider(region: str | None) -> str | None:
    """The cloud provider of a ``provider:region`` site (``gcp:europe-west4`` → ``gcp``), else None."""
    return region.split(":", 1)[0] if region is not None and ":" in region else None


def _economics(item: ItemBill) -> Economics:
    lines = tuple(economics(item))
    return Economics(item.name, item.billed, lines, item.provenance, item.details, item.co2e_kg)


TRAINING_PHASE = "training"


def _training(bill: Bill, project: Project, sites: tuple[SiteRow, ...]) -> TrainingSummary | None:
    """The items of the bill's "training" phase summed (the phase table's training row, so a model
    card's training figure is that row), with their hardware named: ``8 × H100 + 70 W host share
    each``. R&D ablations and other phases stay out, whatever their item kind."""
    trained = [item for item in bill.items if item.phase == TRAINING_PHASE and item.billed]
    if not trained:
        return None
    specs = {item.name: item for _, item in project.items()}
    hardware: dict[str, None] = {}  # "8 × H100 + 70 W host share each", once each, in bill order
    for item in trained:
        spec = specs.get(item.name)
        if spec is not None and (name := _hardware(spec)):
            devices = getattr(spec, "devices", None)
            hardware.setdefault(f"{devices:g} × {name}" if devices else name, None)
    used = {item.site for item in trained}
    return TrainingSummary(
        hardware="; ".join(hardware) or "not stated in the project file",
        device_hours=sum(float(item.details.get("device_hours", 0.0)) for item in trained),
        sites=tuple(site for site in sites if site.name in used),
        energy_kwh=sum(item.energy_kwh or 0.0 for item in trained),
        co2e_kg=sum(item.co2e_kg or 0.0 for item in trained),
    )


def _hardware(spec: object) -> str:
    """``H100 + 70 W host share each`` from an item's device (or power) and host power; "" for an
    item with no hardware (a measured or given figure). The device count is ``_training``'s."""
    device = getattr(spec, "device", None)
    watts = getattr(spec, "watts_per_device", None)
    if device is None and watts is None:
        return ""
    name = device or f"accelerators of {watts:g} W"
    host_w = getattr(spec, "host_watts_per_device", 0.0)
    host = f" + {host_w:g} W host share each" if host_w else ""
    return f"{name}{host}"


def _share(part: float, whole: float) -> float:
    return part / whole if whole else 0.0

"""What disclosure forms ask about a model's training and serving, from the bill and its project.

Every export (EU AI Act form, Hugging Face card, BoAmps, the Llama-style table) renders from this
one part of ``ReportData``, so a figure two exports share is the same number.
"""

from __future__ import annotations

from dataclasses import dataclass

from energybill.core.bill import Bill, ItemBill
from energybill.project.model import Inference, Project, Training

# Kaplan et al. 2020, "Scaling Laws for Neural Language Models", §2.1: a forward pass costs about
# 2·N FLOP per token (N non-embedding parameters); training 6·N·D.
FORWARD_FLOP_PER_PARAMETER = 2.0
TRAINING_METHOD = (
    "estimated by energybill: training compute C = 6·N·D (Kaplan et al. 2020) from the parameters and "
    "tokens in the project file; device-hours = C / achieved FLOP/s per device; energy = device-hours × "
    "(accelerator + host W) × PUE"
)


@dataclass(frozen=True)
class TrainingRun:
    """One training item as forms ask for it."""

    name: str
    site: str | None
    location: str  # the site's region, description or name
    hardware: str  # the device's catalog name, or its power when no device is named
    devices: int | None
    device_hours: float
    watts_per_device: float  # accelerator power (the Llama table's "power consumption")
    parameters: float
    tokens: float
    flops: float
    energy_kwh: float
    co2e_kg: float
    co2e_market_kg: float
    water_l: float | None
    measured: bool  # measured runs are attached to the item (energy beside the estimate)
    boundary: str | None
    training_type: str  # "pre-training" or "fine-tuning" (from the item's phase)
    wall_clock_days: float | None


@dataclass(frozen=True)
class Filing:
    """Training and serving figures for the disclosure exports."""

    model: str
    runs: tuple[TrainingRun, ...]
    inference_flop_per_token: float | None  # 2·N of the largest trained model, when a serving item exists
    serving_tokens: float | None  # billed tokens of the serving items
    method: str

    @property
    def energy_kwh(self) -> float:
        return sum(run.energy_kwh for run in self.runs)

    @property
    def co2e_kg(self) -> float:
        return sum(run.co2e_kg for run in self.runs)

    @property
    def co2e_market_kg(self) -> float:
        return sum(run.co2e_market_kg for run in self.runs)

    @property
    def water_l(self) -> float | None:
        """Water of training; None when no run counts it."""
        counted = [run.water_l for run in self.runs if run.water_l is not None]
        return sum(counted) if counted else None

    @property
    def flops(self) -> float:
        return sum(run.flops for run in self.runs)

    @property
    def tokens(self) -> float:
        return sum(run.tokens for run in self.runs)

    @property
    def device_hours(self) -> float:
        return sum(run.device_hours for run in self.runs)

    @property
    def wall_clock_days(self) -> float | None:
        """Training time in days when every run gives its device count (runs one after the other)."""
        days = [run.wall_clock_days for run in self.runs]
        return sum(d for d in days if d is not None) if days and None not in days else None

    @property
    def measured(self) -> bool:
        return any(run.measured for run in self.runs)

    @property
    def locations(self) -> str:
        return "; ".join(dict.fromkeys(run.location for run in self.runs))

    @property
    def hardware(self) -> str:
        return "; ".join(dict.fromkeys(run.hardware for run in self.runs))


def filing(bill: Bill, project: Project) -> Filing:
    """The filing figures of ``bill`` (training items billed; serving items' volume)."""
    specs = {item.name: item for item in project.training}
    runs = tuple(
        _run(item, specs[item.name], project)
        for item in bill.items
        if item.kind == "training" and item.billed and item.name in specs
    )
    serving = [i for i in bill.items if i.kind == "inference" and i.billed]
    largest = max((run.parameters for run in runs), default=None)
    per_token = None
    if project.inference and largest is not None:
        per_token = FORWARD_FLOP_PER_PARAMETER * _served_parameters(project.inference, specs, largest)
    tokens = [float(i.details["tokens"]) for i in serving if not isinstance(i.details.get("tokens", ""), str)]
    return Filing(
        model=bill.project,
        runs=runs,
        inference_flop_per_token=per_token,
        serving_tokens=sum(tokens) if tokens else None,
        method=TRAINING_METHOD,
    )


def _served_parameters(items: list[Inference], specs: dict[str, Training], largest: float) -> float:
    """The parameters of the model served: the training item it compares with, else the largest."""
    for item in items:
        for name in item.compared:
            if name in specs:
                return specs[name].parameters
    return largest


def _run(item: ItemBill, spec: Training, project: Project) -> TrainingRun:
    site = project.sites.get(spec.site or "")
    location = (site.region or site.description or spec.site or "") if site else ""
    power = spec.watts_per_device
    hardware = spec.device or (f"accelerators of {power:g} W" if power is not None else "not stated")
    details = item.details
    days = details.get("wall_clock_days")
    return TrainingRun(
        name=item.name,
        site=item.site,
        location=location,
        hardware=hardware,
        devices=spec.devices,
        device_hours=_float(details.get("device_hours", 0.0)),
        watts_per_device=float(power) if power is not None else _input(item, "watts_per_device"),
        parameters=spec.parameters,
        tokens=spec.tokens,
        flops=_float(details.get("flops", 0.0)),
        energy_kwh=item.energy_kwh or 0.0,
        co2e_kg=item.co2e_kg or 0.0,
        co2e_market_kg=item.co2e_market_kg if item.co2e_market_kg is not None else (item.co2e_kg or 0.0),
        water_l=item.water_l,
        measured="measured_energy_kwh" in details,
        boundary=item.boundary,
        training_type="fine-tuning" if "fine" in item.phase.lower() else "pre-training",
        wall_clock_days=None if days is None else _float(days),
    )


def _input(item: ItemBill, key: str) -> float:
    """An input of the item's energy formula (a catalog device's TDP once resolved)."""
    for record in item.provenance:
        if record.quantity == "energy_kwh" and key in record.inputs:
            return _float(record.inputs[key])
    return 0.0


def _float(value: float | str) -> float:
    return 0.0 if isinstance(value, str) else float(value)

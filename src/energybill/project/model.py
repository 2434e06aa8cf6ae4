"""The typed project model: the TOML contract of DESIGN.md, validated by pydantic.

Numbers are in the unit their key names. Every item has a ``name``, a ``phase`` (defaulted by
kind where obvious) and, where it uses electricity, a ``site``. Cross-references (unknown sites,
duplicate names) are checked by ``energybill.project.load`` so that their errors carry key paths.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, ClassVar, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

Positive = Annotated[float, Field(gt=0)]
NonNegative = Annotated[float, Field(ge=0)]
Count = Annotated[int, Field(ge=1)]
# Physical bounds of a site (as the CLI's --pue and --intensity): the dirtiest grids are ~1,100 g/kWh,
# the worst PUEs ~3; 1e308 passed "≥ 0" and overflowed every item of the site, one line each.
MAX_PUE = 10.0
Intensity = Annotated[float, Field(ge=0, le=10_000)]

# Item kinds in billing order: it follows a project's life (data → experiments → training →
# serving → everything else), and training items are billed before the inference items that
# compare themselves with them.
KINDS: tuple[str, ...] = (
    "storage",
    "transfer",
    "compute",
    "training",
    "inference",
    "api",
    "travel",
    "other",
    "embodied",
)


class _Strict(BaseModel):
    # strict: a quoted "150e9" is an error, not a silent conversion; TOML ints still pass as floats.
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, allow_inf_nan=False)


def _exactly_one(model: BaseModel, *keys: str) -> None:
    given = [k for k in keys if getattr(model, k) is not None]
    if len(given) != 1:
        shown = " or ".join(keys)
        found = f" (found {' and '.join(given)})" if given else ""
        raise ValueError(f"give exactly one of {shown}{found}")


def _at_most_one(model: BaseModel, *keys: str) -> None:
    given = [k for k in keys if getattr(model, k) is not None]
    if len(given) > 1:
        raise ValueError(f"give at most one of {', '.join(keys)} (found {' and '.join(given)})")


class ProjectInfo(_Strict):
    """``[project]``: the project's name and an optional description."""

    name: str = Field(min_length=1)
    description: str | None = None


class Site(_Strict):
    """``[sites.NAME]``: a place where energy is used; its PUE and grid carbon intensity.

    ``region`` (a country or a cloud region such as ``gcp:europe-west1``) takes the intensity from
    the catalog, for ``year`` or the latest complete year; a cloud region's PUE defaults to the
    provider's when ``pue`` is left out.
    """

    pue: float = Field(default=1.0, ge=1.0, le=MAX_PUE)
    carbon_intensity_g_per_kwh: Intensity | None = None
    region: str | None = Field(default=None, min_length=1)
    year: int | None = None
    description: str | None = None
    # Water (Li et al., "Making AI Less Thirsty"): on-site WUE, L per kWh of IT energy, given or a
    # catalog provider's (``wue_provider``; a cloud region's provider by default); off-site water
    # of the grid, L per kWh of electricity, given or the catalog's for ``water_country``.
    wue_l_per_kwh: NonNegative | None = None
    wue_provider: str | None = Field(default=None, min_length=1)
    grid_water_l_per_kwh: NonNegative | None = None
    water_country: str | None = Field(default=None, min_length=1)
    # Market-based carbon (GHG Protocol Scope 2 Guidance, dual reporting): a factor, or a contracted
    # carbon-free share of the electricity with the residual mix for the rest.
    market_based_g_per_kwh: Intensity | None = None
    carbon_free_share: float | None = Field(default=None, ge=0.0, le=1.0)
    residual_mix_g_per_kwh: Intensity | None = None
    # Money: the price of a kWh here, in ``currency`` (ISO 4217, e.g. "EUR").
    price_per_kwh: NonNegative | None = None
    currency: str | None = Field(default=None, pattern=r"^[A-Z]{3}$")

    @model_validator(mode="after")
    def _intensity(self) -> Self:
        _exactly_one(self, "carbon_intensity_g_per_kwh", "region")
        if self.year is not None and self.region is None:
            raise ValueError("year goes with region (the catalog's data year)")
        _at_most_one(self, "wue_l_per_kwh", "wue_provider")
        _at_most_one(self, "grid_water_l_per_kwh", "water_country")
        if self.market_based_g_per_kwh is not None:
            _at_most_one(self, "market_based_g_per_kwh", "carbon_free_share", "residual_mix_g_per_kwh")
        if self.price_per_kwh is not None and self.currency is None:
            raise ValueError('price_per_kwh needs currency = "<ISO 4217 code, e.g. EUR>"')
        return self


_TAG_KEY = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.:/-]{0,63}")  # as ledger.store.TAG_KEY


class Item(_Strict):
    """Keys every item kind shares."""

    kind: ClassVar[str]
    uses_site: ClassVar[bool] = True
    name: str = Field(min_length=1)
    description: str | None = None
    phase: str = Field(min_length=1)
    site: str | None = None
    # ids of measured runs (energybill runs list) billed beside this item's estimate
    runs: list[str] = Field(default_factory=list)
    # lineage tags: the measured runs carrying every one of them (energybill measure --tag k=v,
    # track(tags=...)) are billed beside this item's estimate too, e.g. {experiment = "ablation-3"}
    run_tags: dict[str, str] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _run_tags_are_tags(self) -> Self:
        for key in self.run_tags:  # the ledger's rule for a tag key: a key it cannot hold matches nothing
            if not _TAG_KEY.fullmatch(key):
                raise ValueError(f"run_tags key {key[:70]!r}: 1-64 letters, digits or _ . : / - "
                                 "(starting with a letter, digit or _)")
        return self

    @model_validator(mode="after")
    def _site_given(self) -> Self:
        if self.needs_site() and self.site is None:
            raise ValueError(f'a {self.kind} item needs site = "<name of a [sites.*] table>"')
        priced = getattr(self, "price_per_device_hour", None) is not None
        if priced and getattr(self, "currency", None) is None:
            raise ValueError('price_per_device_hour needs currency = "<ISO 4217 code, e.g. USD>"')
        return self

    def needs_site(self) -> bool:
        """Whether this item uses electricity and therefore a site's PUE and intensity."""
        return self.uses_site


class Storage(Item):
    """``[[storage]]``: ``kWh = TB × W/TB × hours / 1000`` (× PUE unless the factor includes it)."""

    kind: ClassVar[str] = "storage"
    phase: str = "storage"
    terabytes: Positive
    hours: Positive | None = None
    months: Positive | None = None
    watts_per_tb: Positive
    pue_included: bool = False

    @model_validator(mode="after")
    def _duration(self) -> Self:
        _exactly_one(self, "hours", "months")
        return self


class Transfer(Item):
    """``[[transfer]]``: ``kWh = TB × copies × kWh/TB``.

    ``pue_included`` defaults to true: published kWh/TB factors (the talk's 6.38) are network-wide
    intensities that already cover the whole path, not the IT load of one data centre.
    """

    kind: ClassVar[str] = "transfer"
    phase: str = "transfer"
    terabytes: Positive
    copies: Positive = 1.0
    kwh_per_tb: Positive
    pue_included: bool = True


class Compute(Item):
    """``[[compute]]``: CPU or GPU time, ``devices × (W + host W) × hours / 1000 × PUE``."""

    kind: ClassVar[str] = "compute"
    phase: str  # required: compute serves many phases (data processing, R&D, ...)
    devices: Positive | None = None
    hours: Positive | None = None
    device_hours: Positive | None = None
    watts_per_device: Positive | None = None
    device: str | None = Field(default=None, min_length=1)  # catalog name: its TDP
    host_watts_per_device: NonNegative = 0.0
    # a cloud price per device-hour (instead of the site's price per kWh), in ``currency``
    price_per_device_hour: NonNegative | None = None
    # what watts_per_device covers when host_watts_per_device is 0: "accelerator" (the default), or
    # "node" (a whole CPU node's power), or "comprehensive" (a fleet's power including idle capacity)
    power_boundary: Literal["accelerator", "node", "comprehensive"] | None = None
    currency: str | None = Field(default=None, pattern=r"^[A-Z]{3}$")

    @model_validator(mode="after")
    def _time(self) -> Self:
        _exactly_one(self, "watts_per_device", "device")
        pair = self.devices is not None and self.hours is not None
        half = (self.devices is None) != (self.hours is None)
        if half or pair == (self.device_hours is not None):
            raise ValueError("give devices and hours, or device_hours (not both)")
        return self

    def total_device_hours(self) -> float:
        """Device-hours, from ``device_hours`` or ``devices × hours``."""
        if self.device_hours is not None:
            return self.device_hours
        assert self.devices is not None and self.hours is not None  # _time: both, when no device_hours
        return self.devices * self.hours


FINE_TUNING = "fine-tuning"
Precision = Literal["fp8", "bf16", "fp16", "tf32", "fp32"]


class Training(Item):
    """``[[training]]``: ``FLOP = 6·N·D`` at an achieved throughput and a power per device.

    ``active_parameters`` (mixture-of-experts: the parameters one token passes through) is the N
    of the FLOP count; it defaults to ``parameters``.

    The throughput is ``tflops_per_device`` (achieved), or ``mfu`` (model FLOP utilisation: the
    share of a catalog ``device``'s dense peak at ``dtype``, bf16 unless given). A fine-tune
    (``phase = "fine-tuning"`` or a ``base_model``) trains an existing model: ``method = "full"``
    (6·N·D) or ``"lora"`` (≈ 4·N·D: no weight gradients of the frozen model); it gets no
    compute-optimal advice (that is about choosing a model's size before pretraining it).
    """

    kind: ClassVar[str] = "training"
    phase: str = "training"
    parameters: Positive
    active_parameters: Positive | None = None
    tokens: Positive
    tflops_per_device: Positive | None = None
    mfu: float | None = Field(default=None, gt=0.0, le=1.0)
    dtype: Precision | None = None  # the precision of the peak that mfu is a share of
    watts_per_device: Positive | None = None
    device: str | None = Field(default=None, min_length=1)  # catalog name: its TDP
    host_watts_per_device: NonNegative = 0.0  # not given: a stated default (estimate.defaults)
    # a cloud price per device-hour (instead of the site's price per kWh), in ``currency``
    price_per_device_hour: NonNegative | None = None
    # what watts_per_device covers when host_watts_per_device is 0: "accelerator" (the default), or
    # "node" (a whole CPU node's power), or "comprehensive" (a fleet's power including idle capacity)
    power_boundary: Literal["accelerator", "node", "comprehensive"] | None = None
    currency: str | None = Field(default=None, pattern=r"^[A-Z]{3}$")
    devices: Count | None = None  # only for the wall-clock duration in the details
    # A record of `energybill bench train` (path or id): replaces tflops_per_device and watts_per_device.
    calibration: str | None = Field(default=None, min_length=1)
    base_model: str | None = Field(default=None, min_length=1)  # the model a fine-tune starts from
    method: Literal["full", "lora"] | None = None  # of a fine-tune; default full (stated)

    @model_validator(mode="after")
    def _power(self) -> Self:
        _exactly_one(self, "watts_per_device", "device")
        _exactly_one(self, "tflops_per_device", "mfu")
        if self.mfu is not None and self.device is None:
            raise ValueError("mfu is a share of a catalog device's peak: give device = \"<name>\"")
        if self.dtype is not None and self.mfu is None:
            raise ValueError("dtype chooses the peak that mfu is a share of: it goes with mfu")
        if self.phase == FINE_TUNING and self.base_model is None:
            raise ValueError('a fine-tune names the model it starts from: base_model = "<name>"')
        if self.method is not None and not self.is_fine_tune():
            raise ValueError('method is of a fine-tune: give base_model (and phase = "fine-tuning")')
        _active_within(self.parameters, self.active_parameters)
        return self

    def is_fine_tune(self) -> bool:
        """Whether this item trains an existing model (no compute-optimal advice applies)."""
        return self.base_model is not None or self.phase == FINE_TUNING

    @property
    def n_active(self) -> float:
        """The parameters each token passes through (``active_parameters``, else ``parameters``)."""
        return self.active_parameters if self.active_parameters is not None else self.parameters


def _active_within(parameters: float | None, active: float | None) -> None:
    if parameters is not None and active is not None and active > parameters:
        raise ValueError(f"active_parameters ({active:g}) cannot exceed parameters ({parameters:g})")


class Inference(Item):
    """``[[inference]]``: serving, from latency (or throughput) and power per generated token.

    Volume (one of): ``tokens``; ``words`` × ``tokens_per_word``; ``tokens_per_day`` (or
    ``words_per_day``) × ``days``; ``requests`` or ``requests_per_day`` (× ``days``) with
    ``output_tokens_per_request`` (and ``input_tokens_per_request``, the prompt: prefill). A per-day
    rate without ``days`` is shown as a daily footprint but not billed; an item without any volume
    is a prospective estimate and adds nothing.

    Provisioned capacity (``replicas`` of ``devices`` each, for ``hours`` or ``days``): the devices'
    idle time is billed too, at ``idle_watts_per_device``. Measured figures (``joules_per_output_token``,
    ``joules_per_request``, ``energy_kwh`` for the whole volume, or ``measured = true`` for the
    rate and power given) replace the modelled ones and are labelled measured.
    """

    kind: ClassVar[str] = "inference"
    phase: str = "inference"
    model: str | None = Field(default=None, min_length=1)  # catalog name: parameters, active_parameters
    parameters: Positive | None = None
    active_parameters: Positive | None = None
    seconds_per_token: Positive | None = None
    batch_size: Count = 1
    tokens_per_second: Positive | None = None
    prefill_tokens_per_second: Positive | None = None
    prefill_tflops_per_device: Positive | None = None
    devices: Count = 1
    replicas: Count | None = None
    hours: Positive | None = None
    watts_per_device: Positive | None = None
    device: str | None = Field(default=None, min_length=1)  # catalog name: its TDP
    host_watts_per_device: NonNegative = 0.0
    idle_watts_per_device: NonNegative | None = None
    measured: bool = False  # watts_per_device and the rate are measured averages
    joules_per_output_token: Positive | None = None
    joules_per_request: Positive | None = None
    energy_kwh: NonNegative | None = None  # measured energy of the whole billed volume
    # a cloud price per device-hour (instead of the site's price per kWh), in ``currency``
    price_per_device_hour: NonNegative | None = None
    # what watts_per_device covers when host_watts_per_device is 0: "accelerator" (the default), or
    # "node" (a whole CPU node's power), or "comprehensive" (a fleet's power including idle capacity)
    power_boundary: Literal["accelerator", "node", "comprehensive"] | None = None
    currency: str | None = Field(default=None, pattern=r"^[A-Z]{3}$")
    tokens: Positive | None = None
    words: Positive | None = None
    tokens_per_day: Positive | None = None
    words_per_day: Positive | None = None
    requests: Positive | None = None
    requests_per_day: Positive | None = None
    input_tokens_per_request: NonNegative | None = None
    output_tokens_per_request: Positive | None = None
    days: Positive | None = None
    tokens_per_word: Positive | None = None
    # the item(s) whose energy serving is compared with; default: the largest training item
    compare_with: str | list[str] | None = None
    # A record of `energybill bench serve` (path or id): replaces seconds_per_token and watts_per_device.
    calibration: str | None = Field(default=None, min_length=1)

    @model_validator(mode="after")
    def _rates(self) -> Self:
        energies = ("joules_per_output_token", "joules_per_request", "energy_kwh")
        measured = [k for k in energies if getattr(self, k) is not None]
        _at_most_one(self, "joules_per_output_token", "joules_per_request", "energy_kwh")
        if measured:  # a measured energy: rate and power are optional (the rate gives busy time)
            _at_most_one(self, "seconds_per_token", "tokens_per_second")
            _at_most_one(self, "watts_per_device", "device")
        else:
            _exactly_one(self, "seconds_per_token", "tokens_per_second")
            _exactly_one(self, "watts_per_device", "device")
        self._volume()
        self._capacity()
        _active_within(self.parameters, self.active_parameters)
        if self.compare_with == [] or self.compare_with == "":
            raise ValueError("compare_with names an item with energy, or a list of them: not empty")
        if self.model is not None and (self.parameters is not None or self.active_parameters is not None):
            raise ValueError("model gives parameters and active_parameters: remove them or model")
        if self.batch_size != 1 and self.seconds_per_token is None and self.calibration is None:
            raise ValueError("batch_size goes with seconds_per_token, not tokens_per_second")
        if self.measured and self.watts_per_device is None:
            raise ValueError("measured = true labels a measured watts_per_device and rate: give them")
        return self

    def _volume(self) -> None:
        rates = ("tokens_per_day", "words_per_day", "requests_per_day")
        _at_most_one(self, "tokens", "words", "requests", *rates)
        daily = any(getattr(self, k) is not None for k in rates)
        if self.days is not None and not daily and self.replicas is None:
            raise ValueError("days needs tokens_per_day, words_per_day or requests_per_day (or replicas)")
        by_request = self.requests is not None or self.requests_per_day is not None
        if by_request and self.output_tokens_per_request is None and self.joules_per_request is None \
                and self.energy_kwh is None:
            raise ValueError("requests need output_tokens_per_request (tokens generated per request)")
        if self.joules_per_request is not None and not by_request:
            raise ValueError("joules_per_request goes with requests or requests_per_day")
        measured = self.joules_per_request is not None or self.energy_kwh is not None
        if (self.input_tokens_per_request or 0) > 0 and not measured:
            knows_flop = self.model is not None or self.parameters is not None
            if self.prefill_tokens_per_second is None and not (knows_flop and (
                    self.prefill_tflops_per_device is not None or self.device is not None)):
                raise ValueError(
                    "input_tokens_per_request (prefill) needs prefill_tokens_per_second, or model (or "
                    "parameters) with prefill_tflops_per_device or a catalog device"
                )

    def _capacity(self) -> None:
        provisioned = self.replicas is not None or self.hours is not None
        if self.hours is not None and self.days is not None:
            raise ValueError("give the provisioned time as hours or days, not both")
        if provisioned and self.hours is None and self.days is None:
            raise ValueError("replicas needs the provisioned time: hours or days")
        if self.idle_watts_per_device is not None and not provisioned:
            raise ValueError("idle_watts_per_device needs provisioned capacity: replicas and hours (or days)")

    @property
    def compared(self) -> list[str]:
        """The names in ``compare_with`` (one or a list); [] when not given."""
        return [self.compare_with] if isinstance(self.compare_with, str) else list(self.compare_with or ())

    @property
    def provisioned(self) -> bool:
        """Whether the item declares provisioned capacity (its idle time is billed)."""
        return self.replicas is not None or self.hours is not None


class Api(Item):
    """``[[api]]``: a project's use of a hosted model (OpenAI, Anthropic, Mistral, Google, ...).

    Energy and CO2e are EcoLogits' estimate (its version in the bill), at the provider's data
    centres: no site. ``provider`` and ``model`` are EcoLogits' names (``openai``, ``gpt-4o-mini``).
    """

    kind: ClassVar[str] = "api"
    uses_site: ClassVar[bool] = False
    phase: str = "inference"
    provider: str = Field(min_length=1)
    model: str = Field(min_length=1)
    requests: Positive
    output_tokens_per_request: Positive
    seconds_per_request: Positive | None = None  # measured latency; default: EcoLogits' own model

    @model_validator(mode="after")
    def _no_site(self) -> Self:
        if self.site is not None:
            raise ValueError("an api item runs at the provider's data centres: remove site")
        return self


class Travel(Item):
    """``[[travel]]``: ``kg = passenger-km × kg per passenger-km``, or a given ``co2e_kg``.

    With ``from``/``to`` (IATA codes) the distance is the great circle between the airports and the
    factor, unless given, is DESNZ 2025's for the haul band, ``cabin`` and ``radiative_forcing``.
    """

    kind: ClassVar[str] = "travel"
    uses_site: ClassVar[bool] = False
    phase: str = "travel"
    distance_km: Positive | None = None
    from_: str | None = Field(default=None, alias="from", min_length=1)
    to: str | None = Field(default=None, min_length=1)
    cabin: str | None = None  # DESNZ cabin class; default economy (stated in the bill)
    radiative_forcing: bool = True  # DESNZ factor with RF (stated in the bill)
    round_trip: bool = False
    travelers: Count = 1
    trips: Count = 1
    kg_co2e_per_passenger_km: Positive | None = None
    co2e_kg: NonNegative | None = None

    @model_validator(mode="after")
    def _method(self) -> Self:
        if self.site is not None:
            raise ValueError("travel burns fuel, not a site's electricity: remove site")
        if (self.from_ is None) != (self.to is None):
            raise ValueError("give both from and to (IATA airport codes)")
        if self.from_ is not None:
            return self._airports()
        factor = self.distance_km is not None and self.kg_co2e_per_passenger_km is not None
        half = (self.distance_km is None) != (self.kg_co2e_per_passenger_km is None)
        if half or factor == (self.co2e_kg is not None):
            raise ValueError("give distance_km and kg_co2e_per_passenger_km, from and to, or co2e_kg")
        if self.cabin is not None or "radiative_forcing" in self.model_fields_set:
            raise ValueError("cabin and radiative_forcing choose a DESNZ factor: they need from and to")
        return self

    def _airports(self) -> Self:
        if self.distance_km is not None or self.co2e_kg is not None:
            raise ValueError("from/to give the distance: remove distance_km and co2e_kg")
        if self.kg_co2e_per_passenger_km is not None and self.cabin is not None:
            raise ValueError("cabin chooses a DESNZ factor: remove it or kg_co2e_per_passenger_km")
        return self

    def uses_catalog(self) -> bool:
        return self.from_ is not None


class Other(Item):
    """``[[other]]``: a lump sum, ``energy_kwh`` at a site or ``co2e_kg`` directly."""

    kind: ClassVar[str] = "other"
    phase: str = "other"
    energy_kwh: NonNegative | None = None
    co2e_kg: NonNegative | None = None

    @model_validator(mode="after")
    def _amount(self) -> Self:
        _exactly_one(self, "energy_kwh", "co2e_kg")
        return self

    def needs_site(self) -> bool:
        return self.energy_kwh is not None


class Embodied(Item):
    """``[[embodied]]``: the share of making the hardware that a project uses up.

    ``kg = kg_co2e_per_device × device_hours / (lifetime_hours × utilization)`` (Luccioni, Viguier,
    Ligozat 2022, "Estimating the carbon footprint of BLOOM", §3.1). It adds CO2e and no energy.
    """

    kind: ClassVar[str] = "embodied"
    uses_site: ClassVar[bool] = False
    phase: str = "embodied"
    devices: Positive | None = None
    hours_used: Positive | None = None
    device_hours: Positive | None = None
    kg_co2e_per_device: Positive | None = None
    device: str | None = Field(default=None, min_length=1)  # catalog embodied-carbon entry
    lifetime_hours: Positive | None = None
    lifetime_years: Positive | None = None
    utilization: float = Field(default=1.0, gt=0.0, le=1.0)

    @model_validator(mode="after")
    def _inputs(self) -> Self:
        if self.site is not None:
            raise ValueError("embodied carbon is not a site's electricity: remove site")
        pair = self.devices is not None and self.hours_used is not None
        half = (self.devices is None) != (self.hours_used is None)
        if half or pair == (self.device_hours is not None):
            raise ValueError("give devices and hours_used, or device_hours (not both)")
        _exactly_one(self, "kg_co2e_per_device", "device")
        _exactly_one(self, "lifetime_hours", "lifetime_years")
        return self

    def total_device_hours(self) -> float:
        """Device-hours, from ``device_hours`` or ``devices × hours_used``."""
        if self.device_hours is not None:
            return self.device_hours
        assert self.devices is not None and self.hours_used is not None  # _inputs: both, when no device_hours
        return self.devices * self.hours_used


AnyItem = Storage | Transfer | Compute | Training | Inference | Api | Travel | Other | Embodied


class Scenario(_Strict):
    """``[scenarios.NAME]``: a what-if (``energybill.project.overrides``): key-path overrides in
    ``set`` and an optional ``relocate`` of every compute site (g/kWh, or a catalog region)."""

    description: str | None = None
    relocate: NonNegative | str | None = None
    set: dict[str, Any] = Field(default_factory=dict)


class Project(_Strict):
    """A whole project file."""

    project: ProjectInfo
    sites: dict[str, Site] = Field(default_factory=dict)
    storage: list[Storage] = Field(default_factory=list)
    transfer: list[Transfer] = Field(default_factory=list)
    compute: list[Compute] = Field(default_factory=list)
    training: list[Training] = Field(default_factory=list)
    inference: list[Inference] = Field(default_factory=list)
    api: list[Api] = Field(default_factory=list)
    travel: list[Travel] = Field(default_factory=list)
    other: list[Other] = Field(default_factory=list)
    embodied: list[Embodied] = Field(default_factory=list)
    scenarios: dict[str, Scenario] = Field(default_factory=dict)

    def uses_catalog(self) -> bool:
        """Whether any site or item names a catalog entry (regions, devices, airports)."""
        if any(
            site.region is not None or site.wue_provider is not None or site.water_country is not None
            for site in self.sites.values()
        ):
            return True
        return any(
            getattr(item, "device", None) is not None
            or (isinstance(item, Travel) and item.uses_catalog())
            or (isinstance(item, Inference) and item.model is not None)
            or isinstance(item, Api)
            for _, item in self.items()
        )

    def items(self) -> list[tuple[str, AnyItem]]:
        """Every item with its key path (``training[2]``), in billing order."""
        return [
            (f"{kind}[{index}]", item) for kind in KINDS for index, item in enumerate(getattr(self, kind))
        ]

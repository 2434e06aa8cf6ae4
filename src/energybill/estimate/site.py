"""A site as the estimate sees it: PUE and carbon intensity, each with where it came from."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from energybill.core.bill import Provenance
from energybill.core.provenance import Source, default, formula, joined, project, supplying
from energybill.core.units import co2e_kg, wh_to_kwh
from energybill.estimate.terms import GHG_SCOPE2, LI_WATER, SiteTerms, site_terms
from energybill.project.model import Project, Site

TALK = "Debbah et al., 'Energy Bill of Extreme-scale Language Models' (talk on Noor)"


@dataclass(frozen=True)
class SiteContext:
    """The numbers a site contributes to a bill, and their sources."""

    name: str
    pue: float
    carbon_intensity_g_per_kwh: float
    pue_sources: tuple[Source, ...]
    intensity_sources: tuple[Source, ...]
    terms: SiteTerms = field(default_factory=SiteTerms)  # water, market-based carbon, price

    @property
    def pue_source(self) -> str:
        """Where the PUE comes from, as text."""
        return joined(self.pue_sources)

    @property
    def intensity_source(self) -> str:
        """Where the carbon intensity comes from, as text."""
        return joined(self.intensity_sources)

    @property
    def intensity_year(self) -> str | None:
        """The data year of a catalog intensity; None when hand-written."""
        year = next((s.year for s in self.intensity_sources if s.kind == "catalog"), None)
        return None if year is None else str(year)

    @classmethod
    def from_site(cls, name: str, site: Site) -> SiteContext:
        """Build from a ``[sites.NAME]`` table; a PUE left out is 1.0 and says so."""
        return replace(cls._located(name, site), terms=site_terms(name, site))

    @classmethod
    def _located(cls, name: str, site: Site) -> SiteContext:
        if site.region is not None:  # the catalog is imported only for sites that use it
            return _from_catalog(name, site)
        pue = project(f"sites.{name}.pue") if "pue" in site.model_fields_set else _no_pue(name)
        assert site.carbon_intensity_g_per_kwh is not None  # Site._intensity: region or an intensity
        return cls(
            name=name,
            pue=site.pue,
            carbon_intensity_g_per_kwh=site.carbon_intensity_g_per_kwh,
            pue_sources=(pue,),
            intensity_sources=(project(f"sites.{name}.carbon_intensity_g_per_kwh"),),
        )

    def pue_applied(self, included: bool) -> float:
        """The PUE to multiply by: 1 where the item's factor already includes the facility."""
        return 1.0 if included else self.pue

    def carbon(self, energy_kwh: float) -> tuple[float, Provenance]:
        """CO2e of energy used here: ``kg = kWh × g/kWh / 1000`` (DESIGN.md, "CO2e")."""
        value = co2e_kg(energy_kwh, self.carbon_intensity_g_per_kwh)
        record = Provenance(
            quantity="co2e_kg",
            formula="energy_kwh × carbon_intensity_g_per_kwh / 1000",
            inputs={
                "energy_kwh": energy_kwh,
                "carbon_intensity_g_per_kwh": self.carbon_intensity_g_per_kwh,
            },
            sources=(
                formula(f"{TALK}: CO2e per kWh of the supply mix"),
                *supplying("intensity", self.intensity_sources),
            ),
        )
        return value, record


    @property
    def market_g_per_kwh(self) -> float:
        """Market-based g/kWh: the given factor, else ``(1 − carbon-free share) × residual mix``
        (the location-based intensity where no residual mix is given; GHG Protocol Scope 2)."""
        terms = self.terms
        if terms.market_given is not None:
            return terms.market_given
        rest = self.carbon_intensity_g_per_kwh if terms.residual_mix is None else terms.residual_mix
        return (1.0 - terms.carbon_free_share) * rest

    def market_carbon(self, energy_kwh: float) -> tuple[float, Provenance]:
        """Market-based CO2e of energy used here: ``kg = kWh × market g/kWh / 1000``."""
        terms = self.terms
        inputs: dict[str, float | str] = {"energy_kwh": energy_kwh}
        if terms.market_given is not None:
            text = "energy_kwh × market_based_g_per_kwh / 1000"
            inputs["market_based_g_per_kwh"] = terms.market_given
        else:
            rest = "carbon_intensity_g_per_kwh" if terms.residual_mix is None else "residual_mix_g_per_kwh"
            text = f"energy_kwh × (1 − carbon_free_share) × {rest} / 1000"
            inputs["carbon_free_share"] = terms.carbon_free_share
            location = self.carbon_intensity_g_per_kwh
            inputs[rest] = location if terms.residual_mix is None else terms.residual_mix
        record = Provenance(
            "co2e_market_kg",
            text,
            inputs,
            (
                formula(GHG_SCOPE2),
                *supplying("market factor", tuple(s for s in terms.market_sources if s.kind != "formula")),
                *(s for s in terms.market_sources if s.kind == "formula"),
            ),
        )
        return co2e_kg(energy_kwh, self.market_g_per_kwh), record

    def water(self, it_energy_kwh: float, facility_energy_kwh: float) -> tuple[float, Provenance]:
        """Litres: ``IT kWh × WUE`` on site plus ``facility kWh × grid water`` off site, where the
        facility energy is the IT energy × PUE (Li et al., "Making AI Less Thirsty")."""
        terms = self.terms
        value = it_energy_kwh * terms.wue_l_per_kwh + facility_energy_kwh * terms.grid_water_l_per_kwh
        record = Provenance(
            "water_l",
            "it_energy_kwh × wue_l_per_kwh + energy_kwh × grid_water_l_per_kwh",
            {
                "it_energy_kwh": it_energy_kwh,
                "wue_l_per_kwh": terms.wue_l_per_kwh,
                "energy_kwh": facility_energy_kwh,
                "grid_water_l_per_kwh": terms.grid_water_l_per_kwh,
            },
            (
                formula(LI_WATER),
                *supplying("WUE", terms.wue_sources),
                *supplying("grid water", terms.water_sources),
            ),
        )
        return value, record


def _from_catalog(name: str, site: Site) -> SiteContext:
    """Intensity from ``region`` (a country, an aggregate or ``provider:region``) and the PUE:
    the project file's, else a cloud provider's (an assumption, said so), else 1.0."""
    from energybill.catalog.regions import region_values

    assert site.region is not None
    intensity, pue_value = region_values(site.region, site.year)
    pue_sources: tuple[Source, ...]
    if "pue" in site.model_fields_set:
        pue, pue_sources = site.pue, (project(f"sites.{name}.pue"),)
    elif pue_value is not None:
        pue = pue_value.value
        assumed = f"PUE {pue:g} of {pue_value.label} (Cloud Carbon Footprint constant, in the catalog)"
        pue_sources = (default(assumed, pue, "PUE"), pue_value.as_source())
    else:
        pue, pue_sources = 1.0, (_no_pue(name),)
    return SiteContext(name, pue, intensity.value, pue_sources, (intensity.as_source(),))


def _no_pue(name: str) -> Source:
    return default(f"PUE 1.0 because sites.{name} gives none (no cooling counted)", 1.0, "PUE")


def site_contexts(project: Project) -> dict[str, SiteContext]:
    """Every site of ``project`` as the bill sees it (catalog regions resolved), by name."""
    return {name: SiteContext.from_site(name, site) for name, site in project.sites.items()}


def device_energy(
    device_hours: float,
    watts_per_device: float,
    host_watts_per_device: float,
    site: SiteContext,
    slide: str,
) -> tuple[float, Provenance]:
    """``kWh = device-hours × (W + host W) / 1000 × PUE``, with its provenance.

    The talk counts each A100 at 400 W plus 70 W of host CPU, times the data centre's PUE
    (Data processing, R&D, Training and Inference slides); ``slide`` names the one that applies.
    """
    energy = wh_to_kwh(device_hours * (watts_per_device + host_watts_per_device)) * site.pue
    record = Provenance(
        "energy_kwh",
        "device_hours × (watts_per_device + host_watts_per_device) / 1000 × pue",
        {
            "device_hours": device_hours,
            "watts_per_device": watts_per_device,
            "host_watts_per_device": host_watts_per_device,
            "pue": site.pue,
        },
        (formula(f"{TALK}, {slide}"), *supplying("PUE", site.pue_sources)),
    )
    return energy, record


def pue_note(site: SiteContext, included: bool) -> tuple[Source, ...]:
    """Where the PUE input came from, as provenance sources."""
    if included:
        return (formula("PUE: already inside the item's factor, so the site's PUE is not applied again"),)
    return supplying("PUE", site.pue_sources)

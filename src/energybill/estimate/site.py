"""A site as the estimate sees it: PUE and carbon intensity, each with where it came from."""

from __future__ import annotations

from dataclasses import dataclass

from energybill.core.bill import Provenance
from energybill.core.units import co2e_kg, wh_to_kwh
from energybill.project.model import Project, Site

TALK = "Debbah et al., 'Energy Bill of Extreme-scale Language Models' (talk on Noor)"


@dataclass(frozen=True)
class SiteContext:
    """The numbers a site contributes to a bill, and their sources."""

    name: str
    pue: float
    carbon_intensity_g_per_kwh: float
    pue_source: str
    intensity_source: str
    intensity_year: str | None = None  # the data year of a catalog intensity; None when hand-written

    @classmethod
    def from_site(cls, name: str, site: Site) -> SiteContext:
        """Build from a ``[sites.NAME]`` table; a PUE left out is 1.0 and says so."""
        key = f"project file: sites.{name}"
        if site.region is not None:  # the catalog is imported only for sites that use it
            return _from_catalog(name, site)
        if "pue" in site.model_fields_set:
            pue_source = f"{key}.pue"
        else:
            pue_source = f"default: PUE 1.0 because sites.{name} gives none (no cooling counted)"
        return cls(
            name=name,
            pue=site.pue,
            carbon_intensity_g_per_kwh=site.carbon_intensity_g_per_kwh,  # type: ignore[arg-type]
            pue_source=pue_source,
            intensity_source=f"{key}.carbon_intensity_g_per_kwh",
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
            source=f"{TALK}: CO2e per kWh of the supply mix; intensity from {self.intensity_source}",
        )
        return value, record


def _from_catalog(name: str, site: Site) -> SiteContext:
    """Intensity from ``region`` (a country, an aggregate or ``provider:region``) and the PUE:
    the project file's, else a cloud provider's (an assumption, said so), else 1.0."""
    from energybill.catalog.regions import region_values

    assert site.region is not None
    intensity, pue_value = region_values(site.region, site.year)
    if "pue" in site.model_fields_set:
        pue, pue_source = site.pue, f"project file: sites.{name}.pue"
    elif pue_value is not None:
        pue = pue_value.value
        pue_source = (
            f"default: PUE {pue:g} of {pue_value.label} (Cloud Carbon Footprint constant, in the catalog)"
        ) + f"; {pue_value.provenance_source()}"
    else:
        pue, pue_source = 1.0, f"default: PUE 1.0 because sites.{name} gives none (no cooling counted)"
    return SiteContext(name, pue, intensity.value, pue_source, intensity.provenance_source(), intensity.year)


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
        f"{TALK}, {slide}; PUE from {site.pue_source}",
    )
    return energy, record


def pue_note(site: SiteContext, included: bool) -> str:
    """Where the PUE input came from, for a provenance source."""
    if included:
        return "PUE: already inside the item's factor, so the site's PUE is not applied again"
    return f"PUE from {site.pue_source}"

#!/usr/bin/env python3
"""Build energybill's reference catalog from the bundled source files.

    python scripts/build_catalog.py                      # reads ../shared/data, writes the package data
    python scripts/build_catalog.py --data DIR --out DIR

Reads the CSV/JSON files described in ``shared/data/SOURCES.md`` and writes compact, sorted JSON
tables (one per kind, so that a bill loads only the ones it uses) plus ``NOTICE.md`` with the
attributions the licences require (CC BY 4.0, MIT, OGL v3, Apache-2.0). The output is
deterministic: a test re-runs this script and checks that the shipped files are byte-identical.
Needs ``pycountry`` (ISO 3166 alpha-2 ↔ alpha-3), a build-time dependency only.
"""

from __future__ import annotations

import argparse
import csv
import itertools
import json
import math
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA = ROOT.parent / "shared" / "data"
DEFAULT_OUT = ROOT / "src" / "energybill" / "catalog" / "data"
# Open data found where shared/data has none (issue 14: Australian states), kept in the repository.
REPO_DATA = ROOT / "scripts" / "data"

# Every source: what it is, its licence, its year and the attribution line its licence asks for.
SOURCES: dict[str, dict[str, str]] = {
    "owid": {
        "title": "Our World in Data, 'Carbon intensity of electricity' (grapher chart)",
        "short": "OWID/Ember",
        "file": "grid_intensity_country_yearly_owid.csv",
        "licence": "CC BY 4.0",
        "year": "2025 edition (data 1990–2025; 2025 preliminary)",
        "url": "https://ourworldindata.org/grapher/carbon-intensity-electricity",
        "credit": "Ember (2025); Energy Institute – Statistical Review of World Energy (2025) – with major "
        "processing by Our World in Data. Licensed under CC BY 4.0.",
    },
    "google": {
        "title": "Google Cloud region carbon data, as bundled by CodeCarbon (data/cloud/impact.csv)",
        "short": "Google Cloud via CodeCarbon",
        "file": "cloud_regions_gcp_codecarbon.csv",
        "licence": "MIT (CodeCarbon)",
        "year": "2023 (published mid-2024; the year is not stated in the file)",
        "url": "https://cloud.google.com/sustainability/region-carbon",
        "credit": "CodeCarbon (mlco2/codecarbon), MIT licence; values from Google Cloud's published "
        "per-region grid carbon intensity.",
    },
    "mlco2_regions": {
        "title": "mlco2/impact cloud regions (data/impact.csv), used for region → location only",
        "short": "mlco2/impact",
        "file": "cloud_regions_mlco2_impact.csv",
        "licence": "MIT",
        "year": "2024 (commit 96c7c2e; its intensities are 2016–2021 and are not used)",
        "url": "https://github.com/mlco2/impact",
        "credit": "mlco2/impact, MIT licence (the repository's LICENSE, from its Start Bootstrap site "
        "template, covers the whole repository).",
    },
    "ccf_pue": {
        "title": "Cloud Carbon Footprint PUE constants (PUE_AVG, GCP PUE_TRAILING_TWELVE_MONTH)",
        "short": "Cloud Carbon Footprint",
        "file": "cloud_provider_pue.csv",
        "licence": "Apache-2.0 (facts taken from the code)",
        "year": "not stated (about 2021–2023)",
        "url": "https://github.com/cloud-carbon-footprint/cloud-carbon-footprint",
        "credit": "Cloud Carbon Footprint, Apache License 2.0; modelling constants, not audited disclosures.",
    },
    "epoch": {
        "title": "Epoch AI, 'Data on Machine Learning Hardware'",
        "short": "Epoch AI",
        "file": "accelerators_epoch_ml_hardware.csv",
        "licence": "CC BY 4.0",
        "year": "2026 (records modified up to 2026-03-31)",
        "url": "https://epoch.ai/data/machine-learning-hardware",
        "credit": "Epoch AI, 'Data on Machine Learning Hardware', epoch.ai. Licensed under CC BY 4.0.",
    },
    "mlco2_gpus": {
        "title": "mlco2/impact GPU table (data/gpus.csv), a labelled fallback to Epoch AI",
        "short": "mlco2/impact (fallback)",
        "file": "accelerators_mlco2_impact.csv",
        "licence": "MIT",
        "year": "2026 (commit b492fe4; hand-maintained, known errors)",
        "url": "https://github.com/mlco2/impact",
        "credit": "mlco2/impact, MIT licence.",
    },
    "codecarbon_cpu": {
        "title": "CodeCarbon CPU TDP table (codecarbon/data/hardware/cpu_power.csv)",
        "short": "CodeCarbon",
        "file": "cpu_tdp_codecarbon.csv",
        "licence": "MIT",
        "year": "2026 (commit 811df7f; vendor TDPs)",
        "url": "https://github.com/mlco2/codecarbon",
        "credit": "CodeCarbon (mlco2/codecarbon), MIT licence.",
    },
    "airports": {
        "title": "airportsdata (airports.csv), filtered to airports with an IATA code",
        "short": "airportsdata",
        "file": "airports_iata_airportsdata.csv",
        "licence": "MIT (includes data from mwgg/Airports, MIT)",
        "year": "2026 (commit 671fa36)",
        "url": "https://github.com/mborsetti/airportsdata",
        "credit": "airportsdata (mborsetti/airportsdata), MIT licence; includes data from mwgg/Airports, "
        "MIT licence.",
    },
    "desnz": {
        "title": "UK DESNZ, Greenhouse gas reporting: conversion factors 2025 (business travel – air)",
        "short": "DESNZ",
        "file": "flight_emission_factors_desnz_2025.csv",
        "licence": "Open Government Licence v3.0",
        "year": "2025",
        "url": "https://www.gov.uk/government/publications/greenhouse-gas-reporting-conversion-factors-2025",
        "credit": "Contains public sector information licensed under the Open Government Licence v3.0 "
        "(DESNZ GHG conversion factors 2025). Crown copyright.",
    },
    "literature": {
        "title": "Embodied carbon figures quoted from papers (hand-compiled, each with its status)",
        "short": "literature",
        "file": "embodied_carbon_literature.csv",
        "licence": "facts with citation",
        "year": "2022–2024 (per paper)",
        "url": "https://arxiv.org/abs/2211.02001",
        "credit": "Figures quoted from Luccioni, Viguier, Ligozat (2022/2023), Chien et al. (2023), "
        "Faiz et al. (LLMCarbon, 2024).",
    },
    "egrid": {
        "title": "US EPA eGRID2023 rev2, subregion annual CO2e total output emission rate (SRL23, SRC2ERTA)",
        "short": "EPA eGRID2023",
        "file": "grid_intensity_subnational.csv",
        "licence": "US public domain (EPA eGRID); read from USEPA/power-profiler, MIT",
        "year": "2023 (eGRID2023 rev2, released 2025-06-12)",
        "url": "https://www.epa.gov/egrid",
        "credit": "US Environmental Protection Agency, Emissions & Generation Resource Integrated Database "
        "(eGRID2023 rev2), via github.com/USEPA/power-profiler (MIT, Copyright (c) 2023 U.S. EPA).",
    },
    "nir_canada": {
        "title": "Canada National Inventory Report 2021 (1990–2019), Annex 13 electricity intensity by "
        "province, as transcribed by the National Research Council Canada",
        "short": "Canada NIR 2021",
        "file": "grid_intensity_subnational.csv",
        "licence": "Open Government Licence – Canada (NIR); transcription by nrc-cnrc/OpenStudio-Measures",
        "year": "2019 (NIR 2021 edition)",
        "url": "https://open.canada.ca/data/en/dataset/779c7bcf-4982-47eb-af1b-a33618a05e5b",
        "credit": "Contains information licensed under the Open Government Licence – Canada "
        "(Environment and Climate Change Canada, National Inventory Report 1990–2019, Annex 13).",
    },
    "nga_australia": {
        "title": "Australian Government DCCEEW, National Greenhouse Accounts Factors 2024, Table 1 "
        "(Scope 2 electricity emission factors by state and territory)",
        "short": "NGA Factors",
        "file": "scripts/data/grid_intensity_australia_nga2024.csv",
        "licence": "CC BY 4.0 (Commonwealth of Australia)",
        "year": "2024 edition",
        "url": "https://www.dcceew.gov.au/climate-change/publications/national-greenhouse-accounts-factors-2024",
        "credit": "© Commonwealth of Australia (Department of Climate Change, Energy, the Environment and "
        "Water), National Greenhouse Accounts Factors 2024, CC BY 4.0; read from the Hugging Face "
        "dataset Programmer-RD-AI/national-greenhouse-accounts-factors-2024 (CC BY 4.0).",
    },
    "zones": {
        "title": "Cloud region → grid zone (hand-compiled; ZIP → eGRID subregion from EPA Power Profiler)",
        "short": "region→zone map",
        "file": "cloud_region_grid_zones.csv",
        "licence": "hand-compiled facts; ZIP look-ups from USEPA/power-profiler (MIT / US public domain)",
        "year": "2025 (eGRID2023 rev2 ZIP table)",
        "url": "https://github.com/USEPA/power-profiler",
        "credit": "Region locations from mlco2/impact and CodeCarbon (MIT); ZIP → eGRID subregion from "
        "US EPA Power Profiler (MIT / US public domain).",
    },
    "nvidia_pcf": {
        "title": "NVIDIA HGX H100 Product Carbon Footprint summary and a BoaviztAPI server estimate, as "
        "quoted by EcoLogits (docs/methodology/llm_inference.md)",
        "short": "NVIDIA PCF via EcoLogits",
        "file": "embodied_gpu_pcf.csv",
        "licence": "facts quoted from EcoLogits docs (MPL-2.0)",
        "year": "2023–2025 (per figure)",
        "url": "https://images.nvidia.com/aem-dam/Solutions/documents/HGX-H100-PCF-Summary.pdf",
        "credit": "EcoLogits (GenAI Impact), MPL-2.0; figures from NVIDIA's HGX H100 PCF summary and "
        "BoaviztAPI.",
    },
    "boavizta": {
        "title": "Boavizta environmental-footprint-data (manufacturers' carbon footprints), datacenter rows",
        "short": "Boavizta",
        "file": "server_pcf_boavizta.csv",
        "licence": "'can be freely used for any purpose' (repository README; no LICENSE file)",
        "year": "2013–2021 (per report; commit 61323eb, 2023)",
        "url": "https://github.com/Boavizta/environmental-footprint-data",
        "credit": "Boavizta, environmental-footprint-data.",
    },
    "ecologits_water": {
        "title": "EcoLogits electricity mixes (ecologits/data/electricity_mixes.csv), off-site water per "
        "kWh by country (WRI method)",
        "short": "EcoLogits/WRI",
        "file": "water_offsite_country_ecologits.csv",
        "licence": "MPL-2.0 (EcoLogits)",
        "year": "not stated (EcoLogits v0.9.1, 2025)",
        "url": "https://github.com/genai-impact/ecologits",
        "credit": "EcoLogits (GenAI Impact), MPL-2.0; water consumed at power plants per kWh, averaged per "
        "country following the World Resources Institute's 'Guidance for calculating water use embedded "
        "in purchased electricity'.",
    },
    "ecologits_wue": {
        "title": "Data-centre on-site WUE per provider, as quoted by EcoLogits (llm_inference.md, utils.py)",
        "short": "EcoLogits (provider WUE)",
        "file": "datacenter_wue_providers.csv",
        "licence": "facts quoted from EcoLogits (MPL-2.0)",
        "year": "not stated (EcoLogits docs 2025; providers' reporting year unknown)",
        "url": "https://github.com/genai-impact/ecologits",
        "credit": "EcoLogits (GenAI Impact), MPL-2.0; second-hand provider figures.",
    },
}

# mlco2 country names that differ from OWID's entity names.
COUNTRY_ALIASES = {"USA": "United States"}
# mlco2/impact GPU rows that SOURCES.md reports as wrong (GTX 750 values, A10G shifted columns).
BAD_MLCO2_GPUS = {"GTX 750", "A10G"}
# The CodeCarbon copy of Google's table misspells one region (Google's code is me-central1).
GCP_REGION_FIXES = {"me-cenrtal1": "me-central1"}
# Epoch AI columns kept: TDP, dense peak FLOP/s per precision, memory.
EPOCH_FIELDS = {
    "tdp_w": "TDP (W)",
    "fp32_flops": "FP32 (single precision) performance (FLOP/s)",
    "tf32_flops": "TF32 (TensorFloat-32) performance (FLOP/s)",
    "bf16_flops": "Tensor-FP16/BF16 performance (FLOP/s)",
    "fp8_flops": "FP8 performance (FLOP/s)",
    "memory_bytes": "Memory (bytes)",
}


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _number(text: str | None) -> float | None:
    if text is None or not text.strip():
        return None
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _iso2_of(iso3: str) -> str | None:
    import pycountry

    country = pycountry.countries.get(alpha_3=iso3)
    return country.alpha_2 if country is not None else None


def build_grid(data: Path) -> dict[str, Any]:
    """Countries (ISO3 codes) and aggregates (OWID_* codes, Ember regions), every year."""
    entities: dict[str, dict[str, Any]] = {}
    for row in _rows(data / SOURCES["owid"]["file"]):
        name, code = row["Entity"], row["Code"]
        entry = entities.setdefault(name, {"name": name, "values": {}})
        if code == "OWID_KOS":  # Kosovo: a country with OWID's code (ISO 3166 user-assigned XK)
            entry.update(kind="country", iso3=code, iso2="XK")
        elif code and not code.startswith("OWID_"):
            entry.update(kind="country", iso3=code, iso2=_iso2_of(code))
        else:
            entry.update(kind="aggregate", code=code or None)
        entry["values"][row["Year"]] = float(row["Carbon intensity of electricity per kWh"])
    return {
        "source": "owid",
        "unit": "gCO2e/kWh",
        "default_year": 2024,
        "preliminary_years": [2025],
        "entities": sorted(entities.values(), key=lambda e: e["name"]),
        "zones": build_zones(data, entities),
    }


def build_zones(data: Path, entities: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """Sub-national grid zones (US eGRID subregions, Canadian provinces): one data year each."""
    country_of = {e["iso3"]: e["name"] for e in entities.values() if e["kind"] == "country"}
    zones = []
    for row in _rows(data / "grid_intensity_subnational.csv"):
        us = row["zone"].startswith("US-EGRID-")
        caveats = [] if us else ["a third-party transcription of the NIR, not checked against it"]
        if "SUSPECT" in row["status"]:
            caveats.append("Prince Edward Island and New Brunswick are identical in it: a copy error?")
        zones.append(
            {
                "zone": row["zone"],
                "alias": row["zone"].removeprefix("US-EGRID-") if us else None,
                "name": row["name"],
                "country": country_of[row["parent_iso3"]],
                "value": float(row["g_co2e_per_kwh"]),
                "year": int(row["year"]),
                "source": "egrid" if us else "nir_canada",
                "published": f"{row['source_value']} {row['source_unit']}",
                # the basis as users need it (the file's own adds its editors' notes)
                "basis": "generation-based, combustion only" if us else "generation-based (NIR Annex 13)",
                "caveat": "; ".join(caveats),
            }
        )
    for row in _rows(REPO_DATA / "grid_intensity_australia_nga2024.csv"):
        zones.append(
            {
                "zone": row["zone"],
                "alias": None,
                "name": row["name"],
                "country": country_of["AUS"],
                "value": round(float(row["kg_co2e_per_kwh"]) * 1000, 1),  # kg/kWh → g/kWh
                "year": 2024,  # the edition: NGA factors carry no other year
                "source": "nga_australia",
                "published": f"{row['kg_co2e_per_kwh']} kg CO2-e/kWh",
                "basis": "Scope 2, location-based (electricity consumed from the grid)",
                "caveat": "a third-party copy of the NGA table, not checked against the DCCEEW workbook",
            }
        )
    return sorted(zones, key=lambda z: z["zone"])


def build_cloud(data: Path, grid: dict[str, Any]) -> dict[str, Any]:
    """Cloud regions → location (country, state) and, for GCP, Google's own intensity; PUE."""
    names = {e["name"]: e for e in grid["entities"] if e["kind"] == "country"}
    by_iso3 = {e["iso3"]: e["name"] for e in names.values()}
    regions: dict[str, dict[str, Any]] = {}
    for row in _rows(data / SOURCES["mlco2_regions"]["file"]):
        if not row["region"].strip():
            continue  # Scaleway's row has no region code; we do not invent one
        country = COUNTRY_ALIASES.get(row["country"], row["country"])
        key = f"{row['provider']}:{row['region'].strip()}"
        regions[key] = {
            "key": key,
            "provider": row["provider"],
            "city": row["city"].strip(" ,"),
            "state": row["state"] or None,
            "country": country if country in names else None,
            "location_source": "mlco2_regions",
        }
    for row in _rows(data / SOURCES["google"]["file"]):
        region = GCP_REGION_FIXES.get(row["region"], row["region"])
        key = f"gcp:{region}"
        regions[key] = {
            "key": key,
            "provider": "gcp",
            "city": row["city"],
            "state": row["state"] or None,
            "country": by_iso3.get(row["countryIsoCode"]),
            "location_source": "google",
            "google_g_per_kwh": float(row["impact"]),
        }
    zone_rows = _rows(data / SOURCES["zones"]["file"])
    zone_rows += _rows(REPO_DATA / "cloud_region_grid_zones_australia.csv")
    for row in zone_rows:
        key = f"{row['provider']}:{row['region']}"
        place = row["note"].split(";")[0].split(" (")[0].strip()  # "Ashburn, VA"
        entry = regions.setdefault(
            key,  # Oracle's regions are in no other file: the city is the region's own name
            {"key": key, "provider": row["provider"], "city": place, "state": None,
             "country": {"US": "United States", "CA": "Canada", "AU": "Australia"}[row["zone"][:2]],
             "location_source": "zones"},
        )
        entry["zone"] = row["zone"]
        entry["zone_place"] = place
        # a state whose ZIP codes span several subregions: the region's city decided
        note = row["note"]
        entry["zone_split"] = "split" in note or ("% of" in note and "100% of" not in note)
    pue: dict[str, dict[str, Any]] = {}
    basis = ""
    for row in _rows(data / SOURCES["ccf_pue"]["file"]):
        key = row["provider"] if row["scope"] == "provider_default" else f"{row['provider']}:{row['region']}"
        basis = basis if row["basis"] == "same as above" else row["basis"]
        pue[key] = {"pue": float(row["pue"]), "basis": basis, "path": row["source_path"]}
    return {
        "regions": sorted(regions.values(), key=lambda r: r["key"]),
        "pue": dict(sorted(pue.items())),
        "sources": [
            "google", "mlco2_regions", "zones", "egrid", "nir_canada", "nga_australia", "ccf_pue", "owid"
        ],
    }


def build_hardware(data: Path) -> dict[str, Any]:
    """Accelerators (Epoch AI, then mlco2 as a labelled fallback) and CPU TDPs (CodeCarbon)."""
    epoch = []
    for row in _rows(data / SOURCES["epoch"]["file"]):
        entry: dict[str, Any] = {
            "name": row["Hardware name"].strip(),
            "maker": row["Manufacturer"],
            "type": row["Type"] or None,
            "released": row["Release date"] or None,
            "modified": row["Last modified"][:10] or None,
        }
        entry.update({key: _number(row[column]) for key, column in EPOCH_FIELDS.items()})
        epoch.append(entry)
    fallback = []
    for row in _rows(data / SOURCES["mlco2_gpus"]["file"]):
        if row["name"] in BAD_MLCO2_GPUS or row["type"] == "cpu":
            continue
        fallback.append(
            {
                "name": row["name"],
                "type": row["type"],
                "tdp_w": _number(row["tdp_watts"]),
                "memory_gb": _number(row["memory"]),
                "url": (row["source"] or "").strip() or None,
            }
        )
    return {
        "accelerators": sorted(epoch, key=lambda e: e["name"]),
        "fallback": sorted(fallback, key=lambda e: e["name"]),
    }


def build_cpus(data: Path) -> dict[str, Any]:
    """CPU model string → TDP (W), CodeCarbon's table (a table of its own: 4,900 rows)."""
    cpus = [
        [row["Name"].strip(), _number(row["TDP"])] for row in _rows(data / SOURCES["codecarbon_cpu"]["file"])
    ]
    return {"cpus": sorted(cpu for cpu in cpus if cpu[1] is not None)}  # two rows read "27.29.5"


def build_airports(data: Path) -> dict[str, Any]:
    """IATA, lat, lon, name, city, country ISO2: one tab-separated line per airport, in one string.

    One string instead of 7,900 small lists: a bill that looks up two airports then decodes a
    single JSON value and searches it, instead of building 40,000 objects (see docs/catalog.md).
    """
    lines = []
    for row in _rows(data / SOURCES["airports"]["file"]):
        fields = [row["iata"], row["lat"], row["lon"], row["name"], row["city"], row["country_iso2"]]
        assert not any("\t" in f or "\n" in f for f in fields), fields
        lines.append("\t".join(fields))
    return {
        "columns": ["iata", "lat", "lon", "name", "city", "country_iso2"],
        "rows": "\n".join(sorted(lines)),
    }


def build_flights(data: Path) -> dict[str, Any]:
    """DESNZ 2025 kg CO2e per passenger-km: direct and well-to-tank, by haul, cabin and RF."""
    factors: dict[str, dict[str, Any]] = {}
    for row in _rows(data / SOURCES["desnz"]["file"]):
        if row["ghg"] != "kg CO2e":
            continue  # the CO2/CH4/N2O parts add up to the total
        rf = row["radiative_forcing"] == "With RF"
        key = f"{row['haul']}|{row['cabin_class']}|{'rf' if rf else 'no-rf'}"
        entry = factors.setdefault(key, {"haul": row["haul"], "cabin": row["cabin_class"], "rf": rf})
        part = "direct" if row["component"].startswith("direct") else "wtt"
        entry[part] = float(row["factor_kg_per_unit"])
        entry[f"{part}_id"] = row["desnz_id"]
    return {"year": 2025, "factors": [factors[k] for k in sorted(factors)]}


def build_embodied(data: Path) -> dict[str, Any]:
    """Embodied (manufacturing) carbon: literature figures, and Boavizta server PCFs."""
    literature = [
        {
            "key": row["item"],
            "hardware": row["hardware"],
            "value": float(row["value"]),
            "unit": row["unit"],
            "scope": row["scope_note"],
            "cite": row["source"],
            "status": row["status"],
        }
        for row in _rows(data / SOURCES["literature"]["file"])
    ]
    for before, row in itertools.pairwise(literature):
        if row["status"] == "as above":  # the file's shorthand: repeat the status it refers to
            row["status"] = before["status"]
    for row in literature:  # the file's status is a note to its editors: users get a caveat
        row["caveat"] = _caveat(row.pop("status"))
    for row in _rows(data / SOURCES["nvidia_pcf"]["file"]):
        if _number(row["gwp_kgco2e"]) is None:
            continue  # the A100 row has no GWP figure (ADPe and primary energy only)
        per_gpu = "one GPU" in row["hardware"]
        literature.append(
            {
                "key": row["item"],
                "hardware": row["hardware"],
                "value": float(row["gwp_kgco2e"]),
                "unit": "kgCO2e per GPU" if per_gpu else "kgCO2e per node",
                "scope": row["scope_note"],
                "cite": row["source"],
                "source": "nvidia_pcf",
                "caveat": _caveat(row["status"]),
            }
        )
    servers = []
    for row in _rows(data / SOURCES["boavizta"]["file"]):
        total, ratio = _number(row["gwp_total"]), _number(row["gwp_manufacturing_ratio"])
        servers.append(
            {
                "key": f"{row['manufacturer']} {row['name']}".strip(),
                "subcategory": row["subcategory"],
                "gwp_total_kg": total,
                "manufacturing_ratio": ratio,
                "lifetime_years": _number(row["lifetime"]),
                "report_date": row["report_date"],
                "url": row["sources"],
            }
        )
    return {"literature": literature, "servers": sorted(servers, key=lambda s: s["key"])}


def _caveat(status: str) -> str:
    """What a user should know about a hand-compiled figure, from its editors' status note."""
    text = status.lower()
    if "derived" in text:
        return "derived from the figures above, not published as such"
    if "recalled" in text:
        return "quoted from the paper by its editors, not checked against its text"
    if "boaviztapi" in text or "model estimate" in text:
        return "a model estimate (BoaviztAPI), not a manufacturer's footprint"
    if "second-hand" in text:
        return "a second-hand quote: the original document was not read"
    return ""
def _for_users(note: str) -> str:
    """An editors' status note without its instructions to them ("CHECK against ...")."""
    parts = [p.strip() for p in note.replace(" - ", "; ").split(";")]
    return "; ".join(p for p in parts if p and "CHECK" not in p and "before release" not in p)


def build_water(data: Path) -> dict[str, Any]:
    """Water: on-site WUE per provider (EcoLogits' quotes) and off-site water per kWh by country."""
    providers = {}
    for row in _rows(data / SOURCES["ecologits_wue"]["file"]):
        value = _number(row["wue_l_per_kwh"])
        low = _number(row["wue_min_l_per_kwh"])
        derived = value is None
        if derived:  # AWS: only the low end of a range is attributable (SOURCES.md)
            value = low
        if value is None:
            continue
        providers[row["provider"]] = {
            "wue_l_per_kwh": value,
            "pue": _number(row["pue"]),
            "year": row["year"],
            "scope": row["scope"],
            "cite": row["source"],
            "status": _for_users(row["status"]),
            "derived": derived,
        }
    countries = {}
    for row in _rows(data / SOURCES["ecologits_water"]["file"]):
        countries[row["iso3"]] = float(row["wue_offsite_l_per_kwh"])
    return {
        "providers": dict(sorted(providers.items())),
        "offsite_l_per_kwh": dict(sorted(countries.items())),
        "sources": ["ecologits_wue", "ecologits_water"],
    }


def notice() -> str:
    """NOTICE.md: every source, its licence and the attribution it requires."""
    lines = [
        "# Reference data: sources, licences and attributions",
        "",
        "energybill's catalog (`src/energybill/catalog/data/*.json`) is built by `scripts/build_catalog.py`",
        "from the files below. Values are unchanged except for the selection and reshaping described in",
        "`docs/catalog.md`. The attributions that the licences require:",
        "",
    ]
    for key in sorted(SOURCES):
        source = SOURCES[key]
        lines += [
            f"## {source['title']}",
            "",
            f"- File: `{source['file']}`",
            f"- Licence: {source['licence']}",
            f"- Year: {source['year']}",
            f"- Origin: {source['url']}",
            f"- Attribution: {source['credit']}",
            "",
        ]
    return "\n".join(lines)


# Tables kept by hand in the package, each row quoting its own source (no shared/data file
# behind them): the build neither writes nor removes them.
CURATED = ("models.json",)


def _dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n"


def build(data: Path, out: Path) -> list[Path]:
    """Write every table and NOTICE.md into ``out``; returns the files written."""
    grid = build_grid(data)
    tables = {
        "grid": grid,
        "cloud": build_cloud(data, grid),
        "hardware": build_hardware(data),
        "cpus": build_cpus(data),
        "airports": build_airports(data),
        "flights": build_flights(data),
        "embodied": build_embodied(data),
        "water": build_water(data),
        "sources": SOURCES,
    }
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, table in tables.items():
        path = out / f"{name}.json"
        path.write_text(_dump(table), encoding="utf-8")
        written.append(path)
    path = out / "NOTICE.md"
    path.write_text(notice(), encoding="utf-8")
    return [*written, path]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--data", type=Path, default=DEFAULT_DATA, help=f"source folder (default {DEFAULT_DATA})"
    )
    parser.add_argument(
        "--out", type=Path, default=DEFAULT_OUT, help=f"output folder (default {DEFAULT_OUT})"
    )
    args = parser.parse_args()
    for path in build(args.data, args.out):
        print(f"wrote {path} ({path.stat().st_size:,} bytes)")


if __name__ == "__main__":
    main()

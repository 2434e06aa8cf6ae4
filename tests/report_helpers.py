"""Report test helpers: the Noor report data, and report data with every optional section filled."""

from __future__ import annotations

from dataclasses import replace

from tests.conftest import EXAMPLES

from energybill.estimate.engine import estimate
from energybill.estimate.site import site_contexts
from energybill.project.load import load_project
from energybill.report.data import (
    MeasuredRow,
    RangeRow,
    Ranges,
    ReportData,
    ScenarioRow,
    build_report,
)
from energybill.whatif.recommend import Recommendation

NOOR = EXAMPLES / "noor.toml"


def noor_report() -> ReportData:
    project = load_project(NOOR)
    return build_report(estimate(project), project, site_contexts(project))


def full_report() -> ReportData:
    """Noor with a scenario, ranges, a measured run and a recommendation, made up for the test."""
    data = noor_report()
    return replace(
        data,
        scenarios=(
            ScenarioRow("baseline", "the project file as written", data.energy_kwh, data.co2e_kg),
            ScenarioRow("train in France", "noor-hpc at 56 g/kWh", 58_000.0, 15_000.0),
        ),
        ranges=Ranges(
            samples=1000,
            method="Monte Carlo, PUE ±10 %",
            rows=(
                RangeRow("Total", "co2e_kg", data.co2e_kg, 30_000.0, 36_000.0, 44_000.0),
                RangeRow("Total", "energy_kwh", data.energy_kwh, 50_000.0, 59_000.0, 70_000.0),
            ),
        ),
        measured=(MeasuredRow("Noor 13B", 22_912.5, 25_000.0, "NVML energy counter", 3),),
        recommendations=(
            Recommendation("Train where the grid is clean", "Move noor-hpc to 56 g/kWh.", 0.0, 21_371.0,
                           basis="project", source="made up"),
        ),
    )

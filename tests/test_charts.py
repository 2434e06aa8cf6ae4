"""Charts a reader can trust, read back from the SVG: a scenario's colour says the sign of its
change, each uncertainty whisker has its own scale, and a phase has one colour in every project."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path

import pytest
from tests.conftest import run_cli
from tests.report_helpers import NOOR, full_report

from energybill.report import html, svg
from energybill.report.data import RangeRow, ScenarioRow


def _svgs(page: str, section: str) -> list[ET.Element]:
    """The inline SVG elements of one ``<section id=...>`` of the HTML report, parsed."""
    match = re.search(rf'<section id="{section}">(.*?)</section>', page, re.S)
    assert match is not None, section
    return [ET.fromstring(s) for s in re.findall(r"<svg.*?</svg>", match.group(1), re.S)]


def _fill(bar: ET.Element) -> str:
    (rect,) = [e for e in bar.iter() if e.tag.endswith("rect")]
    return rect.attrib["fill"]


def test_scenario_bars_are_coloured_by_the_sign_of_the_change() -> None:
    data = full_report()
    base = data.scenarios[0]
    scenarios = (
        base,
        ScenarioRow("cleaner", "less CO2e", base.energy_kwh, base.co2e_kg - 1000.0),
        ScenarioRow("dirtier", "more CO2e", base.energy_kwh, base.co2e_kg + 1000.0),
        ScenarioRow("same", "no change", base.energy_kwh, base.co2e_kg),
    )
    page = html.render(replace(data, scenarios=scenarios))
    fills = [_fill(bar) for bar in _svgs(page, "scenarios")]
    assert fills == [svg.BASELINE_COLOR, svg.SAVING_COLOR, svg.COSTLIER_COLOR, svg.BASELINE_COLOR]
    assert svg.SAVING_COLOR != svg.COSTLIER_COLOR
    labels = [bar.attrib["aria-label"] for bar in _svgs(page, "scenarios")]
    assert labels[2].endswith("(+1,000.0 against the baseline)")
    assert 'id="scenario-legend"' in page


def _x(element: ET.Element, attribute: str) -> float:
    return float(element.attrib[attribute])


def test_each_whisker_has_its_own_scale() -> None:
    """A phase of 100 kWh beside a total of 60,000: on one shared axis its whisker would be a
    dot; on its own scale its p95 sits at the right edge (x = 98) like the total's."""
    rows = (
        RangeRow("storage", "energy_kwh", 100.0, 80.0, 100.0, 130.0),
        RangeRow("total", "energy_kwh", 60_000.0, 50_000.0, 59_000.0, 70_000.0),
        RangeRow("total", "co2e_kg", 36_000.0, 30_000.0, 37_000.0, 44_000.0),
    )
    data = full_report()
    assert data.ranges is not None
    page = html.render(replace(data, ranges=replace(data.ranges, rows=rows)))
    whiskers = _svgs(page, "ranges")
    assert len(whiskers) == 3
    for whisker, row in zip(whiskers, rows, strict=True):
        assert float(whisker.attrib["data-scale-max"]) == max(row.p95, row.estimate)
        assert whisker.attrib["data-scale-min"] == "0"
        lines = [e for e in whisker.iter() if e.tag.endswith("line")]
        span = lines[1]  # axis, then the p5–p95 line
        # x = 2 + value / scale max × 96
        assert _x(span, "x1") == pytest.approx(2 + row.p5 / row.p95 * 96, abs=1e-3)
        assert _x(span, "x2") == pytest.approx(98.0, abs=1e-3)
        (dot,) = [e for e in whisker.iter() if e.tag.endswith("circle")]
        assert _x(dot, "cx") == pytest.approx(2 + row.estimate / row.p95 * 96, abs=1e-3)
    # storage: p5 80 of 130 → x = 2 + 80/130 × 96 = 61.08, readable (was 2.1 on the total's axis)
    storage_span = [e for e in whiskers[0].iter() if e.tag.endswith("line")][1]
    assert _x(storage_span, "x1") == pytest.approx(61.077, abs=1e-3)
    assert "Each row has its own linear scale" in page


def test_a_phase_keeps_its_colour_across_projects() -> None:
    assert svg.phase_color("training") == svg.phase_color("Training") == "#0072B2"
    # order and company do not matter: the colour is the phase's
    assert svg.colors(["storage", "training"])["training"] == svg.colors(["training"])["training"]
    assert svg.colors(["flights", "travel", "my own phase"]) == {
        "flights": svg.PHASE_COLORS["flights"],
        "travel": svg.PHASE_COLORS["travel"],
        "my own phase": svg.phase_color("my own phase"),
    }
    assert svg.phase_color("my own phase") in svg.EXTRA_COLORS
    assert len(set(svg.PHASE_COLORS.values())) >= 11  # the usual phases are told apart


def _swatches(page: str) -> dict[str, str]:
    """Phase → colour of the HTML report's first legend."""
    legend = page.split('<table class="legend">', 1)[1].split("</table>", 1)[0]
    swatch = r'<span class="swatch" style="background:(#[0-9A-Fa-f]{6})"></span>([^<]+)</td>'
    pairs = re.findall(swatch, legend)
    return {name: colour for colour, name in pairs}


def test_html_reports_of_two_projects_share_phase_colours(tmp_path: Path) -> None:
    other = tmp_path / "other.toml"
    other.write_text(
        '[project]\nname = "other"\n[sites.s]\ncarbon_intensity_g_per_kwh = 100\n'
        '[[other]]\nname = "laptops"\nsite = "s"\nenergy_kwh = 10\n'
        '[[compute]]\nname = "run"\nphase = "training"\nsite = "s"\n'
        "device_hours = 10\nwatts_per_device = 300\n",
        encoding="utf-8",
    )
    noor = _swatches(run_cli("report", str(NOOR), "--format", "html").stdout)
    mine = _swatches(run_cli("report", str(other), "--format", "html").stdout)
    assert list(mine) == ["training", "other"]  # training is first here, fifth in Noor
    for phase in mine:
        assert mine[phase] == noor[phase] == svg.phase_color(phase)


def test_matplotlib_charts_use_the_same_colours(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib", reason="matplotlib is in the plot and test extras")
    scenarios = tmp_path / "s.svg"
    assert run_cli("plot", str(NOOR), "--kind", "scenarios", "--out", str(scenarios)).returncode == 0
    text = scenarios.read_text(encoding="utf-8").lower()
    # Noor's scenarios: france and pue-1.1 save CO2e, pue-1.8 costs more; the baseline is grey.
    for colour in (svg.SAVING_COLOR, svg.COSTLIER_COLOR, svg.BASELINE_COLOR):
        assert f"fill: {colour.lower()}" in text
    items = tmp_path / "i.svg"
    assert run_cli("plot", str(NOOR), "--kind", "items", "--out", str(items)).returncode == 0
    text = items.read_text(encoding="utf-8").lower()
    for phase in ("training", "storage", "flights"):
        assert f"fill: {svg.phase_color(phase).lower()}" in text

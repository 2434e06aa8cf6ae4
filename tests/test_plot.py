"""`energybill plot`: real matplotlib files, not trivial, for each kind."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from tests.conftest import run_cli
from tests.report_helpers import NOOR, full_report

pytest.importorskip("matplotlib", reason="matplotlib is in the plot and test extras")


def _png_pixels(path: Path):
    import matplotlib.image

    return matplotlib.image.imread(io.BytesIO(path.read_bytes()), format="png")


@pytest.mark.parametrize("kind", ["phases", "items"])
def test_png_is_a_real_chart(tmp_path: Path, kind: str) -> None:
    out = tmp_path / f"{kind}.png"
    result = run_cli("plot", str(NOOR), "--kind", kind, "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    pixels = _png_pixels(out)
    assert pixels.shape[0] > 300 and pixels.shape[1] > 600
    assert pixels.std() > 0.1  # drawn, not blank


def test_svg_phases_has_one_wedge_per_slice(tmp_path: Path) -> None:
    out = tmp_path / "phases.svg"
    result = run_cli("plot", str(NOOR), "--out", str(out))
    assert result.returncode == 0, result.stderr
    text = out.read_text(encoding="utf-8")
    assert text.lstrip().startswith("<?xml") and "<svg" in text
    # 6 energy wedges (flights use no electricity) + 7 CO2e wedges, each a patch group in the SVG.
    assert text.count('id="patch_') >= 13
    for label in ("storage", "training", "flights", "58.99 MWh", "36.37 t"):
        assert label in text


def test_scenarios_plot_from_report_data(tmp_path: Path) -> None:
    from energybill.report.plot import plot

    out = tmp_path / "scenarios.png"
    plot(full_report(), "scenarios", out)
    assert _png_pixels(out).std() > 0.05


def test_scenarios_plot_of_the_noor_file(tmp_path: Path) -> None:
    out = tmp_path / "s.svg"
    result = run_cli("plot", str(NOOR), "--kind", "scenarios", "--out", str(out))
    assert result.returncode == 0, result.stderr
    text = out.read_text(encoding="utf-8")
    for label in ("base", "france", "pue-1.1", "36,371", "13,218"):  # compare's totals, rounded to kg
        assert label in text


def test_scenarios_without_scenarios_is_one_line(tmp_path: Path) -> None:
    bloom = NOOR.parent / "bloom.toml"
    result = run_cli("plot", str(bloom), "--kind", "scenarios", "--out", str(tmp_path / "s.png"))
    assert result.returncode == 2
    assert result.stderr.strip() == "--kind scenarios: the project file has no [scenarios.*] table"


def test_unknown_suffix_is_refused(tmp_path: Path) -> None:
    result = run_cli("plot", str(NOOR), "--out", str(tmp_path / "chart.gif"))
    assert result.returncode == 2
    assert "give a file ending in .png, .svg, .pdf" in result.stderr


def test_items_chart_shows_the_reports_measured_only_items(tmp_path: Path) -> None:
    """The chart draws the same bill as `energybill report`: a run recorded for an item that is not
    in the file is a measured item of the bill (the plot used to bill the file without its ledger)."""
    project = tmp_path / "mini.toml"
    project.write_text(
        '[project]\nname = "Mini"\n[sites.lab]\npue = 1.5\ncarbon_intensity_g_per_kwh = 600\n'
        '[[compute]]\nname = "finetune"\nphase = "training"\nsite = "lab"\ndevices = 1\nhours = 0.001\n'
        "watts_per_device = 100\n"
    )
    import sys

    measured = run_cli("measure", "--project", str(project), "--item", "tokenize", "--site", "lab",
                       "--", sys.executable, "-c", "pass")
    assert measured.returncode == 0, measured.stderr
    out = tmp_path / "items.svg"
    result = run_cli("plot", str(project), "--kind", "items", "--out", str(out))
    assert result.returncode == 0, result.stderr
    svg = out.read_text()
    assert "<!-- finetune -->" in svg and "<!-- tokenize -->" in svg  # matplotlib keeps each label's text

"""Bad catalog look-ups through the CLI: one line with the candidates, exit code 2, no traceback."""

from __future__ import annotations

import pytest

from catalog_helpers import run_cli

SITE = '[project]\nname = "x"\n[sites.dc]\n{site}\n'
TRAINING = (
    '[[training]]\nname = "t"\nsite = "dc"\nparameters = 1e9\ntokens = 1e9\n'
    'tflops_per_device = 100\n{power}\n'
)


def _write(tmp_path, text: str):
    path = tmp_path / "p.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("command", ["bill", "validate"])
@pytest.mark.parametrize(
    ("site", "power", "expected"),
    [
        (
            'region = "FR"',
            'device = "H100"',
            "p.toml: training[0].device: accelerator 'H100' is ambiguous: it matches 'NVIDIA H100 NVL', "
            "'NVIDIA H100 PCIe', 'NVIDIA H100 SXM5 80GB'; write one of them",
        ),
        (
            'region = "Frnace"',
            "watts_per_device = 400",
            "p.toml: sites.dc.region: unknown grid region 'Frnace'; nearest: 'France (FR)', 'Africa'",
        ),
        (
            'region = "FR"\nyear = 1980',
            "watts_per_device = 400",
            "p.toml: sites.dc.year: no grid intensity for France in 1980; available years: 1990–2025",
        ),
        (
            'region = "gpc:europe-west1"',
            "watts_per_device = 400",
            "p.toml: sites.dc.region: unknown cloud region 'gpc:europe-west1'; nearest: 'gcp:europe-west1'",
        ),
    ],
)
def test_lookup_errors_name_file_key_and_candidates(tmp_path, command, site, power, expected):
    path = _write(tmp_path, SITE.format(site=site) + TRAINING.format(power=power))
    result = run_cli(command, path.name, cwd=tmp_path)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(expected)
    assert "Traceback" not in result.stderr


def test_unknown_airport_suggests_codes(tmp_path):
    text = '[project]\nname = "x"\n[[travel]]\nname = "f"\nfrom = "CDG"\nto = "Abu Dhabi"\n'
    result = run_cli("validate", _write(tmp_path, text).name, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "p.toml: travel[0].to: unknown IATA airport code 'Abu Dhabi'; airports there: "
        "'AUH' (Abu Dhabi International Airport), 'AZI' (Al Bateen Executive Airport), "
        "'DHF' (Abu Dhabi-Al Dhafra AB Airport)"
    )


def test_site_needs_exactly_one_of_region_and_intensity(tmp_path):
    path = _write(tmp_path, SITE.format(site='region = "FR"\ncarbon_intensity_g_per_kwh = 50'))
    result = run_cli("validate", path.name, cwd=tmp_path)
    assert result.returncode == 2
    assert "sites.dc: give exactly one of carbon_intensity_g_per_kwh or region" in result.stderr


def test_catalog_show_and_errors():
    shown = run_cli("catalog", "show", "accelerator", "H100 SXM")
    assert shown.returncode == 0
    assert "tdp_w: Epoch AI 2026: NVIDIA H100 SXM5 80GB tdp_w 700 W" in shown.stdout
    assert "bf16_flops: Epoch AI 2026: NVIDIA H100 SXM5 80GB bf16_flops 9.894e+14 FLOP/s" in shown.stdout
    grid = run_cli("catalog", "show", "grid", "FR", "--year", "2022")
    assert "carbon intensity: OWID/Ember 2022: France 78.54 gCO2e/kWh" in grid.stdout
    ambiguous = run_cli("catalog", "show", "accelerator", "H100")
    assert ambiguous.returncode == 2 and len(ambiguous.stderr.strip().splitlines()) == 1
    assert "'NVIDIA H100 PCIe'" in ambiguous.stderr
    route = run_cli("catalog", "show", "flight", "CDG-AUH")
    assert "great circle: 5,251.9 km" in route.stdout and "0.12572 kg CO2e/passenger-km" in route.stdout


def test_catalog_search_and_sources():
    found = run_cli("catalog", "search", "abu dhabi")
    assert found.returncode == 0 and "AUH" in found.stdout and "3 found" in found.stdout
    sources = run_cli("catalog", "sources")
    assert "Open Government Licence v3.0" in sources.stdout and "CC BY 4.0" in sources.stdout

"""Malformed project files: each gives one line per problem naming the file and the key path,
exit code 2 and no traceback — tested through the CLI as a subprocess."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.conftest import run_cli

SITE = "[sites.hpc]\npue = 1.5\ncarbon_intensity_g_per_kwh = 600\n"
HEAD = '[project]\nname = "T"\n' + SITE
TRAINING = (
    '[[training]]\nname = "run"\nsite = "hpc"\nparameters = 1e9\ntokens = 1e10\n'
    "tflops_per_device = 100\nwatts_per_device = 400\n"
)

# (case id, file content (str or bytes), the error line expected after "FILE: ")
CASES: list[tuple[str, str | bytes, str]] = [
    ("bad-toml-syntax", '[project]\nname = "T\n', "invalid TOML: "),
    ("empty-file", "", "project: required, but missing"),
    (
        "non-utf8",
        b'[project]\nname = "caf\xe9"\n',
        "not UTF-8 text (byte 0xe9 at offset 21); save it as UTF-8",
    ),
    ("missing-project-name", "[project]\n", "project.name: required, but missing"),
    (
        "unknown-top-level-kind",
        HEAD + '[[trainig]]\nname = "x"\n',
        "trainig: unknown key; did you mean 'training'?",
    ),
    (
        "unknown-item-key",
        HEAD + TRAINING + "tokenz = 5\n",
        "training[0].tokenz: unknown key; did you mean 'tokens'?",
    ),
    (
        "unknown-site-key",
        '[project]\nname = "T"\n[sites.hpc]\npeu = 1.2\ncarbon_intensity_g_per_kwh = 1\n',
        "sites.hpc.peu: unknown key; did you mean 'pue'?",
    ),
    (
        "negative-tokens",
        HEAD + TRAINING.replace("tokens = 1e10", "tokens = -1"),
        "training[0].tokens: must be > 0, got -1",
    ),
    (
        "zero-parameters",
        HEAD + TRAINING.replace("parameters = 1e9", "parameters = 0"),
        "training[0].parameters: must be > 0, got 0",
    ),
    (
        "pue-below-one",
        '[project]\nname = "T"\n[sites.hpc]\npue = 0.9\ncarbon_intensity_g_per_kwh = 1\n',
        "sites.hpc.pue: must be >= 1, got 0.9 (a PUE is total facility energy over IT energy, never below 1)",
    ),
    (
        "negative-intensity",
        '[project]\nname = "T"\n[sites.hpc]\ncarbon_intensity_g_per_kwh = -5\n',
        "sites.hpc.carbon_intensity_g_per_kwh: must be >= 0, got -5",
    ),
    (
        "missing-intensity",
        '[project]\nname = "T"\n[sites.hpc]\npue = 1.2\n',
        "sites.hpc: give exactly one of carbon_intensity_g_per_kwh or region",
    ),
    (
        "string-for-number",
        HEAD + TRAINING.replace("tokens = 1e10", 'tokens = "1e10"'),
        "training[0].tokens: must be a number, got '1e10' (a string)",
    ),
    (
        "bool-for-number",
        HEAD + TRAINING.replace("tokens = 1e10", "tokens = true"),
        "training[0].tokens: must be a number, got true",
    ),
    (
        "number-for-bool",
        HEAD + '[[storage]]\nname = "s"\nsite = "hpc"\nterabytes = 1\nhours = 1\n'
        "watts_per_tb = 1\npue_included = 1\n",
        "storage[0].pue_included: must be true or false, got 1",
    ),
    (
        "table-instead-of-array",
        HEAD + '[training]\nname = "x"\n',
        "training: must be an array of tables: write [[training]], not [training]",
    ),
    (
        "unknown-site",
        HEAD + TRAINING.replace('site = "hpc"', 'site = "hcp"'),
        "training[0].site: unknown site 'hcp'; did you mean 'hpc'?",
    ),
    (
        "missing-site",
        HEAD + TRAINING.replace('site = "hpc"\n', ""),
        'training[0]: a training item needs site = "<name of a [sites.*] table>"',
    ),
    (
        "duplicate-names",
        HEAD + TRAINING + TRAINING,
        "training[1].name: duplicate item name 'run' (also training[0]); names must be unique",
    ),
    (
        "storage-hours-and-months",
        HEAD + '[[storage]]\nname = "s"\nsite = "hpc"\nterabytes = 1\nhours = 1\n'
        "months = 1\nwatts_per_tb = 1\n",
        "storage[0]: give exactly one of hours or months (found hours and months)",
    ),
    (
        "compute-without-time",
        HEAD + '[[compute]]\nname = "c"\nphase = "R&D"\nsite = "hpc"\nwatts_per_device = 1\n',
        "compute[0]: give devices and hours, or device_hours (not both)",
    ),
    (
        "compute-without-phase",
        HEAD + '[[compute]]\nname = "c"\nsite = "hpc"\ndevice_hours = 1\nwatts_per_device = 1\n',
        "compute[0].phase: required, but missing",
    ),
    (
        "inference-two-rates",
        HEAD + '[[inference]]\nname = "i"\nsite = "hpc"\nseconds_per_token = 0.05\n'
        "tokens_per_second = 20\nwatts_per_device = 400\n",
        "inference[0]: give exactly one of seconds_per_token or tokens_per_second (found seconds_per_token "
        "and tokens_per_second)",
    ),
    (
        "inference-days-without-rate",
        HEAD + '[[inference]]\nname = "i"\nsite = "hpc"\n'
        "seconds_per_token = 0.05\nwatts_per_device = 400\ndays = 3\n",
        "inference[0]: days needs tokens_per_day, words_per_day or requests_per_day (or replicas)",
    ),
    (
        "inference-bad-compare",
        HEAD + TRAINING + '[[inference]]\nname = "i"\nsite = "hpc"\n'
        'seconds_per_token = 0.05\nwatts_per_device = 400\ncompare_with = "rnu"\n',
        "inference[0].compare_with: no item with energy named 'rnu' (training, compute, other, ...); "
        "did you mean 'run'?",
    ),
    (
        "travel-half-factor",
        '[project]\nname = "T"\n[[travel]]\nname = "f"\ndistance_km = 100\n',
        "travel[0]: give distance_km and kg_co2e_per_passenger_km, from and to, or co2e_kg",
    ),
    (
        "travel-zero-travelers",
        '[project]\nname = "T"\n[[travel]]\nname = "f"\nco2e_kg = 5\ntravelers = 0\n',
        "travel[0].travelers: must be >= 1, got 0",
    ),
    (
        "fractional-count",
        HEAD + TRAINING + "devices = 1.5\n",
        "training[0].devices: must be a whole number, got 1.5",
    ),
    (
        "nan-value",
        HEAD + TRAINING.replace("tokens = 1e10", "tokens = nan"),
        "training[0].tokens: must be a finite number, got nan",
    ),
    (
        "empty-name",
        HEAD + TRAINING.replace('name = "run"', 'name = ""'),
        "training[0].name: must not be empty",
    ),
    ("site-not-a-table", '[project]\nname = "T"\n[sites]\nhpc = 3\n', "sites.hpc: must be a table, got 3"),
]


@pytest.mark.parametrize(("content", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_malformed_file_gives_one_line_and_exit_2(
    tmp_path: Path, content: str | bytes, expected: str
) -> None:
    path = tmp_path / "bad.toml"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    for command in ("bill", "validate"):
        result = run_cli(command, str(path))
        assert result.returncode == 2, result.stderr
        assert "Traceback" not in result.stderr
        assert result.stdout == ""
        lines = result.stderr.splitlines()
        assert (
            f"{path}: {expected}" in lines
            if not expected.endswith(": ")
            else lines[0].startswith(f"{path}: {expected}")
        ), lines
        assert all(line.startswith(f"{path}: ") for line in lines), lines


def test_every_problem_is_reported_not_only_the_first(tmp_path: Path) -> None:
    path = tmp_path / "two.toml"
    path.write_text(
        HEAD + TRAINING.replace("tokens = 1e10", "tokens = -1").replace("parameters = 1e9", "parameters = 0")
    )
    result = run_cli("validate", str(path))
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"{path}: training[0].parameters: must be > 0, got 0",
        f"{path}: training[0].tokens: must be > 0, got -1",
    ]


def test_missing_file_and_folder(tmp_path: Path) -> None:
    result = run_cli("bill", str(tmp_path / "nope.toml"))
    assert (result.returncode, result.stderr.strip()) == (2, f"{tmp_path / 'nope.toml'}: no such file")
    result = run_cli("bill", str(tmp_path))
    assert (result.returncode, result.stderr.strip()) == (2, f"{tmp_path}: is a folder, not a project file")


def test_at_least_twenty_malformed_cases() -> None:
    assert len(CASES) >= 20

"""Issue 14 (5): ``validate`` runs every check and prints every problem in one pass, by key path.

The file below has problems of five kinds; before, it needed three runs (schema errors first, then
site references, then catalog look-ups).
"""

from __future__ import annotations

from energybill.core.errors import ProjectError
from energybill.project.load import load_project

BAD = """
trainig = 3                      # schema: unknown key

[project]
name = "Five kinds"

[sites.hpc]
pue = 0.9                        # schema: below 1
carbon_intensity_g_per_kwh = 400

[sites.cloud]
region = "us east"               # catalog: ambiguous region

[[training]]
name = "big"
site = "hpc"
parameters = 8e9
tokens = -1                      # schema: not > 0
tflops_per_device = 100
watts_per_device = 700

[[training]]
name = "tuned"
site = "nowhere"                 # reference: no such site
parameters = 8e9
tokens = 1e9
tflops_per_device = 100
device = "H100 SXM"
calibration = "no-such-record.json"   # calibration: no record there

[[compute]]
name = "ablations"
phase = "R&D"
site = "cloud"
devices = 8
hours = 10
device = "Z9000"                 # catalog: unknown device

[scenarios.cheap]
set = { "training.missing.tokens" = 1 }   # scenario: no such item
"""

EXPECTED_PATHS = [
    "compute[0].device",
    "scenarios.cheap.set.training.missing.tokens",
    "sites.cloud.region",
    "sites.hpc.pue",
    "trainig",
    "training[0].tokens",
    "training[1].calibration",
    "training[1].site",
]


def test_every_problem_of_five_kinds_in_one_run_sorted_by_key_path(tmp_path, cli):
    path = tmp_path / "bad.toml"
    path.write_text(BAD)
    done = cli("validate", str(path))
    assert done.returncode == 2 and "Traceback" not in done.stderr
    lines = done.stderr.splitlines()
    assert [line.removeprefix(f"{path}: ").split(": ")[0] for line in lines] == EXPECTED_PATHS
    text = done.stderr
    assert "unknown accelerator 'Z9000'" in text
    assert "no training item named 'missing'" in text
    assert "'us east' is ambiguous" in text
    assert "must be >= 1, got 0.9" in text
    assert "unknown key; did you mean 'training'?" in text
    assert "must be > 0, got -1" in text
    assert "no-such-record.json" in text
    assert "unknown site 'nowhere'; allowed: cloud, hpc" in text  # hpc did not validate: still offered


def test_items_after_one_set_aside_keep_their_file_index(tmp_path):
    # compute[1] is valid but names an unknown device: the problem names compute[1], not compute[0]
    text = """
[project]
name = "x"
[sites.a]
pue = 1.2
carbon_intensity_g_per_kwh = 100
[[compute]]
name = "broken"
phase = "R&D"
site = "a"
devices = -2
hours = 1
watts_per_device = 300
[[compute]]
name = "fine but unknown device"
phase = "R&D"
site = "a"
devices = 2
hours = 1
device = "Z9000"
"""
    path = tmp_path / "p.toml"
    path.write_text(text)
    try:
        load_project(path)
    except ProjectError as exc:
        paths = [p.path for p in exc.problems]
    assert paths == ["compute[0].devices", "compute[1].device"]


def test_a_reference_to_a_table_set_aside_is_not_a_second_problem(tmp_path):
    text = """
[project]
name = "x"
[sites.a]
pue = 0.5
carbon_intensity_g_per_kwh = 100
[[compute]]
name = "job"
phase = "R&D"
site = "a"
devices = 2
hours = 1
watts_per_device = 300
"""
    path = tmp_path / "p.toml"
    path.write_text(text)
    try:
        load_project(path)
    except ProjectError as exc:
        paths = [p.path for p in exc.problems]
    assert paths == ["sites.a.pue"]  # not also "compute[0].site: unknown site 'a'"

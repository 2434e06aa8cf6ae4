"""Issue 14 (2, 3): honest defaults (host power, mfu, every default stated) and fine-tunes.

Figures by hand:
- host power default per accelerator: NVIDIA DGX H100, 10.2 kW system maximum with 8 × H100 SXM5 of
  700 W: (10,200 − 5,600) / 5,600 = 0.8214 of the GPU's TDP, 575 W for an H100.
- mfu: the H100 SXM5's dense bf16 peak in Epoch AI's data is 989.4 TFLOP/s; mfu 0.4 → 395.76.
- a full fine-tune of 8e9 parameters on 1e9 tokens is 6 × 8e9 × 1e9 = 4.8e19 FLOP; LoRA 4 × = 3.2e19.
"""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel

from energybill import Pipeline, estimate_file
from energybill.project import model as m
from energybill.report.rows import defaults_used

HEAD = """
[project]
name = "Fine-tune"

[sites.lab]
pue = 1.2
carbon_intensity_g_per_kwh = 300
"""

FINE_TUNE = """
[[training]]
name = "llama ft"
phase = "fine-tuning"
base_model = "Llama-3.1-8B"
site = "lab"
parameters = 8e9
tokens = 1e9
mfu = 0.4
device = "H100 SXM"
devices = 8
{extra}
"""


def _bill(tmp_path, text: str):
    path = tmp_path / "p.toml"
    path.write_text(HEAD + text)
    return estimate_file(path), path


def test_a_catalog_h100_gets_the_cited_host_power_and_it_is_listed(tmp_path):
    bill, _ = _bill(tmp_path, FINE_TUNE.format(extra=""))
    item = bill.item("llama ft")
    tflops = 0.4 * 989.4
    device_hours = 6 * 8e9 * 1e9 / (tflops * 1e12 * 3600)
    assert item.details["flops"] == pytest.approx(4.8e19)
    assert item.details["device_hours"] == pytest.approx(device_hours)
    assert item.energy_kwh == pytest.approx(device_hours * (700 + 575) / 1000 * 1.2)
    listed = defaults_used(bill)
    host = next(line for line in listed if line.startswith("host power 575 W per NVIDIA H100 SXM5 80GB"))
    assert "DGX H100" in host and "10.2 kW" in host and "set host_watts_per_device" in host
    assert any(line.startswith("dtype bf16") for line in listed)  # the peak's precision, stated
    assert any(line.startswith('method "full"') for line in listed)


def test_lora_is_four_n_d_and_cites_its_rule(tmp_path):
    bill, _ = _bill(tmp_path, FINE_TUNE.format(extra='method = "lora"\nhost_watts_per_device = 100'))
    item = bill.item("llama ft")
    assert item.details["flops"] == pytest.approx(3.2e19)
    record = next(r for r in item.provenance if r.quantity == "details.flops")
    assert record.formula == "4 × parameters × tokens" and "Hu et al. 2021" in record.source
    assert not any("host power" in line for line in defaults_used(bill))  # given: no default


def test_a_fine_tune_gets_no_chinchilla_advice(tmp_path, cli):
    # issue 14 (3): "1.33B parameters on 62.5B tokens reach the loss of 8B ..." for a fine-tune of 8B
    fine_tune = FINE_TUNE.format(extra="")
    pretrain = fine_tune.replace('name = "llama ft"', 'name = "pretrain"')
    pretrain = pretrain.replace('phase = "fine-tuning"\n', "").replace('base_model = "Llama-3.1-8B"\n', "")
    path = tmp_path / "p.toml"
    path.write_text(HEAD + fine_tune)
    assert "compute-optimal size" not in [r.practice for r in Pipeline.open(path).recommendations()]
    path.write_text(HEAD + fine_tune + pretrain)  # beside a pretraining run: only that one is advised
    advice = next(r for r in Pipeline.open(path).recommendations() if r.practice == "compute-optimal size")
    assert "'pretrain'" in advice.action and "llama ft" not in advice.action
    shown = cli("plan", str(path), "--item", "llama ft")
    assert shown.returncode == 0
    assert "'llama ft' is a fine-tune of Llama-3.1-8B" in shown.stdout
    assert "no compute-optimal alternative" in shown.stdout and "parameters on" not in shown.stdout


def test_a_fine_tune_must_name_its_base_model(tmp_path, cli):
    path = tmp_path / "p.toml"
    path.write_text(HEAD + FINE_TUNE.format(extra="").replace('base_model = "Llama-3.1-8B"\n', ""))
    done = cli("validate", str(path))
    assert done.returncode == 2 and "training[0]: a fine-tune names the model it starts from" in done.stderr


def test_mfu_needs_a_catalog_device_and_a_known_peak(tmp_path, cli):
    path = tmp_path / "p.toml"
    bad = FINE_TUNE.format(extra='dtype = "fp8"')
    path.write_text(HEAD + bad)
    done = cli("validate", str(path))
    assert "training[0].dtype: NVIDIA H100 SXM5 80GB has no fp8 peak in the catalog" in done.stderr
    path.write_text(HEAD + bad.replace('device = "H100 SXM"', "watts_per_device = 700"))
    done = cli("validate", str(path))
    assert "mfu is a share of a catalog device's peak" in done.stderr


# ---------------------------------------------------------------------------------------------
# No default is silent: every model field with a default is either stated in "Defaults used" when
# an item leaves it out, or is not a figure (with the reason).
# ---------------------------------------------------------------------------------------------

NOT_FIGURES = {
    "description": "free text",
    "phase": "a label: the phase a kind's items are grouped under",
    "runs": "measured run ids: none means no measured run",
    "run_tags": "lineage tags selecting measured runs: none means no run selected by tag",
    "site": "where energy is used: required by the kinds that use it (Item._site_given)",
    "compare_with": "which training item serving is compared with: the largest, named in the economics",
    "calibration": "a record to use: none means the item's own numbers",
    "base_model": "names the model a fine-tune starts from: no figure depends on it",
}
NOT_FIGURES_OF = {
    ("Training", "devices"): "only the wall-clock days in the details",
    ("Inference", "model"): "names a catalog model: its parameter counts, cited where used",
    ("Inference", "measured"): "a label: whether the given power and rate are measurements",
}
# Optional alternatives: None means "the other key was given" (Item validators require one); a
# field with any other default must have a case below.
ALTERNATIVES = {
    "hours", "months", "device_hours", "devices", "watts_per_device", "device", "tflops_per_device", "mfu",
    "seconds_per_token", "tokens_per_second", "tokens", "words", "tokens_per_day", "words_per_day", "days",
    "distance_km", "from_", "to", "kg_co2e_per_passenger_km", "co2e_kg", "energy_kwh", "hours_used",
    "kg_co2e_per_device", "lifetime_hours", "lifetime_years", "carbon_intensity_g_per_kwh", "region",
    # absent, all parameters are active (a dense model): the definition, not an assumption
    "active_parameters",
    # serving's optional inputs (issue 13): absent, that part is not billed, or serving states the
    # default it uses where it uses one (prefill at a stated MFU, idle power)
    "parameters", "prefill_tokens_per_second", "prefill_tflops_per_device", "replicas",
    "idle_watts_per_device", "joules_per_output_token", "joules_per_request", "requests",
    "requests_per_day", "input_tokens_per_request", "output_tokens_per_request",
    # disclosure's inputs (issue 15): estimate/terms.py states what it assumes when they are absent
    # (water not counted where a site counts water, market-based = location-based, no price)
    "wue_l_per_kwh", "wue_provider", "grid_water_l_per_kwh", "water_country", "market_based_g_per_kwh",
    "carbon_free_share",
    "residual_mix_g_per_kwh", "price_per_kwh", "currency", "price_per_device_hour", "power_boundary",
}

# A minimal item of each kind that leaves the field out, and the text "Defaults used" then shows.
SITE = '[sites.s]\ncarbon_intensity_g_per_kwh = 100\n'
CASES: dict[tuple[str, str], tuple[str, str]] = {
    ("Site", "pue"): (SITE + '[[compute]]\nname = "x"\nphase = "p"\nsite = "s"\ndevice_hours = 1\n'
                      'watts_per_device = 100\nhost_watts_per_device = 0\n', "PUE 1.0"),
    ("Site", "year"): ('[sites.s]\nregion = "FR"\npue = 1.1\n[[other]]\nname = "o"\nsite = "s"\n'
                       'energy_kwh = 1\n', "CATALOG:OWID/Ember 2024"),
    ("Storage", "pue_included"): (SITE + '[[storage]]\nname = "x"\nsite = "s"\nterabytes = 1\nhours = 1\n'
                                  'watts_per_tb = 1\n', "storage.pue_included = false"),
    ("Transfer", "copies"): (SITE + '[[transfer]]\nname = "x"\nsite = "s"\nterabytes = 1\nkwh_per_tb = 1\n',
                             "transfer.copies = 1"),
    ("Transfer", "pue_included"): (SITE + '[[transfer]]\nname = "x"\nsite = "s"\nterabytes = 1\n'
                                   'kwh_per_tb = 1\n', "transfer.pue_included = true"),
    ("Compute", "host_watts_per_device"): (SITE + '[[compute]]\nname = "x"\nphase = "p"\nsite = "s"\n'
                                           'device_hours = 1\nwatts_per_device = 100\n', "host power 0 W"),
    ("Training", "host_watts_per_device"): (SITE + '[[training]]\nname = "x"\nsite = "s"\nparameters = 1e6\n'
                                            'tokens = 1e6\ntflops_per_device = 1\ndevice = "H100 SXM"\n',
                                            "host power 575 W"),
    ("Training", "dtype"): (SITE + '[[training]]\nname = "x"\nsite = "s"\nparameters = 1e6\ntokens = 1e6\n'
                            'mfu = 0.5\ndevice = "H100 SXM"\nhost_watts_per_device = 0\n', "dtype bf16"),
    ("Training", "method"): (SITE + '[[training]]\nname = "x"\nsite = "s"\nparameters = 1e6\ntokens = 1e6\n'
                             'tflops_per_device = 1\nwatts_per_device = 1\nhost_watts_per_device = 0\n'
                             'base_model = "b"\n', 'method "full"'),
    ("Inference", "host_watts_per_device"): (SITE + '[[inference]]\nname = "x"\nsite = "s"\n'
                                             'tokens_per_second = 10\nwatts_per_device = 100\ndevices = 1\n',
                                             "host power 0 W"),
    ("Inference", "batch_size"): (SITE + '[[inference]]\nname = "x"\nsite = "s"\nseconds_per_token = 0.1\n'
                                  'watts_per_device = 100\nhost_watts_per_device = 0\ndevices = 1\n',
                                  "inference.batch_size = 1"),
    ("Inference", "devices"): (SITE + '[[inference]]\nname = "x"\nsite = "s"\ntokens_per_second = 10\n'
                               'watts_per_device = 100\nhost_watts_per_device = 0\n',
                               "inference.devices = 1"),
    ("Inference", "tokens_per_word"): (SITE + '[[inference]]\nname = "x"\nsite = "s"\n'
                                       'tokens_per_second = 10\nwatts_per_device = 100\n'
                                       'host_watts_per_device = 0\ndevices = 1\nwords = 1000\n',
                                       "4/3 tokens per word"),
    ("Travel", "round_trip"): ('[[travel]]\nname = "x"\ndistance_km = 100\nkg_co2e_per_passenger_km = 0.1\n',
                               "travel.round_trip = false"),
    ("Travel", "travelers"): ('[[travel]]\nname = "x"\ndistance_km = 100\nkg_co2e_per_passenger_km = 0.1\n',
                              "travel.travelers = 1"),
    ("Travel", "trips"): ('[[travel]]\nname = "x"\ndistance_km = 100\nkg_co2e_per_passenger_km = 0.1\n',
                          "travel.trips = 1"),
    ("Travel", "cabin"): ('[[travel]]\nname = "x"\nfrom = "CDG"\nto = "AUH"\n', "economy cabin"),
    ("Travel", "radiative_forcing"): ('[[travel]]\nname = "x"\nfrom = "CDG"\nto = "AUH"\n',
                                      "DESNZ factor with radiative forcing"),
    ("Embodied", "utilization"): ('[[embodied]]\nname = "x"\ndevice_hours = 10\nkg_co2e_per_device = 100\n'
                                  'lifetime_years = 5\n', "utilization 1.0"),
}


def _defaulted_fields() -> list[tuple[str, str]]:
    classes: list[type[BaseModel]] = [m.Site, m.Storage, m.Transfer, m.Compute, m.Training, m.Inference,
                                      m.Travel, m.Other, m.Embodied]
    out = []
    for cls in classes:
        for name, info in cls.model_fields.items():
            if info.is_required() or name in NOT_FIGURES or (cls.__name__, name) in NOT_FIGURES_OF:
                continue
            if name in ALTERNATIVES and info.default is None:
                continue
            out.append((cls.__name__, name))
    return out


def test_every_defaulted_field_has_a_case():
    missing = [f for f in _defaulted_fields() if f not in CASES]
    assert not missing, f"fields with a default that no test shows stated: {missing}"


@pytest.mark.parametrize("case", sorted(CASES))
def test_every_default_is_stated_when_used(tmp_path, case):
    text, expected = CASES[case]
    bill, _ = _bill(tmp_path, "\n" + text)
    if expected.startswith("CATALOG:"):  # a catalog value used states its own year
        cited = [s.name for i in bill.items for r in i.provenance for s in r.sources if s.kind == "catalog"]
        assert any(c.startswith(expected.removeprefix("CATALOG:")) for c in cited), cited
        return
    listed: list[Any] = defaults_used(bill)
    assert any(line.startswith(expected) for line in listed), listed

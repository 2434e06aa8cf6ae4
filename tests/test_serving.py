"""Serving as it runs (issue 13): requests, prefill and decode, mixture-of-experts, idle capacity,
measured efficiency, the load-dependent power model, models by name, API usage, parity with any item.

Every expected value is worked out by hand in the comment beside it, or is a published figure.
"""

from __future__ import annotations

import math
import tomllib
from pathlib import Path

import pytest

from conftest import run_cli
from energybill.core.errors import EnergybillError, ProjectError
from energybill.estimate import power
from energybill.estimate.engine import estimate
from energybill.project.load import parse_project

SITE = '[project]\nname = "t"\n[sites.s]\npue = 1.0\ncarbon_intensity_g_per_kwh = 500\n'


def bill_of(text: str):  # type: ignore[no-untyped-def]
    return estimate(parse_project(tomllib.loads(SITE + text), "t.toml"))


def problems_of(text: str) -> list[str]:
    with pytest.raises(ProjectError) as info:
        parse_project(tomllib.loads(SITE + text), "t.toml")
    return info.value.lines()


# -- 1. request volume and per-request outputs -------------------------------------------------

BLOOM_API = """
[[inference]]
name = "BLOOM API"
site = "s"
requests = 230768      # Luccioni et al. 2023, "Estimating the carbon footprint of BLOOM", §5
energy_kwh = 914       # the deployment's measured energy over those requests (18 days, 16 A100)
"""


def test_bloom_api_deployment_wh_per_request() -> None:
    item = bill_of(BLOOM_API).item("BLOOM API")
    # 914 kWh × 1000 Wh/kWh / 230,768 requests = 3.9607 Wh per request (Luccioni et al. 2023: 3.96 Wh)
    assert item.details["wh_per_request"] == pytest.approx(3.96, abs=0.005)
    assert item.energy_kwh == 914
    # 3.9607 Wh × 500 g/kWh / 1000 = 1.980 g per request
    assert item.details["g_co2e_per_request"] == pytest.approx(914 * 500 / 230768)
    # requests per kg = 230,768 / (914 × 0.5 kg) = 504.9
    assert item.details["requests_per_kg_co2e"] == pytest.approx(230768 / 457)
    sources = " ".join(p.source for p in item.provenance)
    assert "measured" in sources


def test_requests_with_tokens_per_request_give_per_request_and_per_1000_tokens() -> None:
    item = bill_of("""
[[inference]]
name = "chat"
site = "s"
seconds_per_token = 0.05
watts_per_device = 400
host_watts_per_device = 70
requests_per_day = 10000
output_tokens_per_request = 500
days = 30
""").item("chat")
    # decode J/token = 470 W × 1.0 / 20 tok/s = 23.5 J; a request = 500 × 23.5 = 11,750 J = 3.264 Wh
    assert item.details["joules_per_request"] == pytest.approx(11750)
    assert item.details["wh_per_request"] == pytest.approx(11750 / 3600)
    # per 1,000 output tokens: 23,500 J = 6.528 Wh, 3.264 g at 500 g/kWh
    assert item.details["wh_per_1000_output_tokens"] == pytest.approx(23500 / 3600)
    assert item.details["g_co2e_per_1000_output_tokens"] == pytest.approx(23500 / 3.6e6 * 500)
    # billed: 300,000 requests × 11,750 J / 3.6e6 = 979.17 kWh; a day = 32.64 kWh
    assert item.energy_kwh == pytest.approx(300000 * 11750 / 3.6e6)
    assert item.details["energy_kwh_per_day"] == pytest.approx(10000 * 11750 / 3.6e6)


def test_volume_given_twice_is_one_line_naming_both_keys() -> None:
    lines = problems_of("""
[[inference]]
name = "x"
site = "s"
seconds_per_token = 0.05
watts_per_device = 400
tokens = 1e9
requests = 1000
output_tokens_per_request = 100
""")
    assert len(lines) == 1
    assert "tokens" in lines[0] and "requests" in lines[0] and lines[0].startswith("t.toml: inference[0]")


# -- 2. prefill and decode apart ----------------------------------------------------------------


def test_prefill_and_decode_are_billed_apart() -> None:
    item = bill_of("""
[[inference]]
name = "rag"
site = "s"
parameters = 13e9
tokens_per_second = 20
prefill_tflops_per_device = 100
watts_per_device = 400
requests = 1000
input_tokens_per_request = 2000
output_tokens_per_request = 100
""").item("rag")
    # prefill FLOP = 2 × 13e9 × 2000 = 5.2e13; at 100 TFLOP/s: 0.52 s; × 400 W = 208 J per request
    assert item.details["prefill_flops_per_request"] == pytest.approx(5.2e13)
    assert item.details["prefill_joules_per_request"] == pytest.approx(208)
    # decode: 400 W / 20 tok/s = 20 J/token × 100 = 2,000 J per request
    assert item.details["decode_joules_per_request"] == pytest.approx(2000)
    # the bill's two parts: 1000 × 208 J and 1000 × 2000 J
    assert item.details["energy_kwh_prefill"] == pytest.approx(1000 * 208 / 3.6e6)
    assert item.details["energy_kwh_decode"] == pytest.approx(1000 * 2000 / 3.6e6)
    assert item.energy_kwh == pytest.approx(1000 * 2208 / 3.6e6)


def test_prefill_without_a_rate_or_flop_count_is_an_error() -> None:
    lines = problems_of("""
[[inference]]
name = "x"
site = "s"
seconds_per_token = 0.05
watts_per_device = 400
requests = 10
input_tokens_per_request = 100
output_tokens_per_request = 10
""")
    assert len(lines) == 1 and "prefill_tokens_per_second" in lines[0]


# -- 3. mixture-of-experts ----------------------------------------------------------------------


def test_mixtral_shaped_moe_training_uses_active_parameters() -> None:
    item = bill_of("""
[[training]]
name = "Mixtral fine-tune"
site = "s"
parameters = 46.7e9         # Mixtral 8x7B: 46.7B total
active_parameters = 12.9e9  # 12.9B used per token
tokens = 1e9
tflops_per_device = 100
watts_per_device = 400
""").item("Mixtral fine-tune")
    # 6 × 12.9e9 × 1e9 = 7.74e19 FLOP (not 6 × 46.7e9 × 1e9 = 2.8e20)
    assert item.details["flops"] == pytest.approx(7.74e19)
    # device-hours = 7.74e19 / (100e12 × 3600) = 215 h; × 400 W = 86 kWh
    assert item.energy_kwh == pytest.approx(215 * 0.4)
    flops = next(p for p in item.provenance if p.quantity == "details.flops")
    assert flops.formula == "6 × active_parameters × tokens"


def test_active_parameters_above_total_is_an_error() -> None:
    lines = problems_of("""
[[training]]
name = "x"
site = "s"
parameters = 1e9
active_parameters = 2e9
tokens = 1e9
tflops_per_device = 100
watts_per_device = 400
""")
    assert len(lines) == 1 and "active_parameters" in lines[0]


# -- 4. provisioned capacity and idle -----------------------------------------------------------

IDLE = """
[[inference]]
name = "two L4s all year"
site = "s"
device = "L4"                # catalog TDP 72 W
host_watts_per_device = 0    # the GPUs alone (without it, the DGX host default: see below)
idle_watts_per_device = 16
replicas = 2
devices = 1
hours = 8760
tokens_per_second = 100
tokens = 630720000           # 10 % busy: 0.1 × 2 × 8,760 h × 3,600 s × 100 tok/s
"""


def test_idle_heavy_deployment() -> None:
    item = bill_of(IDLE).item("two L4s all year")
    # provisioned 2 × 8,760 = 17,520 device-hours; busy 630,720,000 / 100 / 3600 = 1,752 h → 10 %
    assert item.details["utilisation"] == pytest.approx(0.10)
    # idle: (17,520 − 1,752) h × 16 W / 1000 × PUE 1.0 = 15,768 × 0.016 = 252.288 kWh
    assert item.details["energy_kwh_idle"] == pytest.approx(252.288)
    # busy: L4 at batch 1 under the load model: 16 + (72 − 16) × 0.35615 = 35.944 W;
    # 35.944 / 100 tok/s = 0.35944 J/token × 630,720,000 = 62.97 kWh
    watts = 16 + 56 * power.FIT_A
    assert item.details["watts_per_device"] == pytest.approx(watts)
    assert item.details["energy_kwh_busy"] == pytest.approx(630720000 * watts / 100 / 3.6e6)
    assert item.energy_kwh == pytest.approx(252.288 + 630720000 * watts / 100 / 3.6e6)
    # the idle share dominates: about 80 % of the year's energy
    assert item.details["energy_kwh_idle"] / item.energy_kwh > 0.75


def test_a_catalog_accelerator_serving_gets_the_default_host_power_stated() -> None:
    """As training and compute: no host_watts_per_device with a catalog accelerator → 0.82 × TDP
    (NVIDIA DGX H100: (10,200 − 8 × 700) / (8 × 700)), in the energy, the details, the provenance
    and the boundary (the whole node)."""
    item = bill_of(IDLE.replace("host_watts_per_device = 0    ", "#")).item("two L4s all year")
    host_w = 72 * 4600 / 5600  # 59.14 W per L4
    assert item.details["host_watts_per_device"] == pytest.approx(host_w)
    # idle: 15,768 device-hours × (16 + 59.14) W / 1000 = 1,184.85 kWh
    assert item.details["energy_kwh_idle"] == pytest.approx(15768 * (16 + host_w) / 1000)
    watts = 16 + 56 * power.FIT_A
    assert item.details["energy_kwh_busy"] == pytest.approx(630720000 * (watts + host_w) / 100 / 3.6e6)
    assert item.boundary == "comprehensive"  # the node, and the idle capacity provisioned
    stated = [p for p in item.provenance if p.quantity == "details.host_watts_per_device"]
    assert stated and stated[0].sources[0].kind == "default" and "DGX H100" in stated[0].sources[0].name


def test_load_beyond_capacity_names_both_keys() -> None:
    with pytest.raises(EnergybillError) as info:
        bill_of(IDLE.replace("tokens = 630720000", "tokens = 7e9"))
    message = str(info.value)
    assert "\n" not in message and "replicas" in message and "hours" in message
    # the CLI: one line, exit 2
    path = Path(__file__).parent / "data"
    tmp = path.parent / "_tmp_capacity.toml"
    tmp.write_text(SITE + IDLE.replace("tokens = 630720000", "tokens = 7e9"), encoding="utf-8")
    try:
        result = run_cli("bill", str(tmp))
    finally:
        tmp.unlink()
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


# -- 5. load-dependent power -------------------------------------------------------------------


def test_power_model_matches_ml_energy_published_rows() -> None:
    # ML.ENERGY v3.0, Llama 3.1 8B on one H100 (700 W TDP): ~490 W at batch 8, ~688 W at batch 512
    idle = 0.2 * 700
    assert power.power_w(700, idle, 8) == pytest.approx(490, rel=0.03)
    assert power.power_w(700, idle, 512) == pytest.approx(690, rel=0.01)
    # power rises with batch, so J/token falls less than 1/batch: batch 8 draws 1.41× batch 1
    assert power.power_ratio(1, 8) == pytest.approx(1.406, rel=0.01)


def test_measured_power_is_labelled_measured_and_not_modelled() -> None:
    item = bill_of("""
[[inference]]
name = "m"
site = "s"
tokens_per_second = 1000
watts_per_device = 500
measured = true
tokens = 3.6e9
""").item("m")
    # 500 W / 1000 tok/s = 0.5 J/token × 3.6e9 = 500 kWh
    assert item.energy_kwh == pytest.approx(500)
    record = next(p for p in item.provenance if p.quantity == "details.joules_per_token")
    assert any(s.kind == "measured" for s in record.sources)


# -- 6. models by name --------------------------------------------------------------------------


def test_model_by_name_resolves_parameters() -> None:
    item = bill_of("""
[[inference]]
name = "llama"
site = "s"
model = "meta-llama/Llama-3.1-70B-Instruct"
tokens_per_second = 20
prefill_tflops_per_device = 200
watts_per_device = 700
requests = 10
input_tokens_per_request = 1000
output_tokens_per_request = 100
""").item("llama")
    assert item.details["parameters"] == pytest.approx(70.6e9)
    # prefill FLOP = 2 × 70.6e9 × 1000 = 1.412e14
    assert item.details["prefill_flops_per_request"] == pytest.approx(1.412e14)


def test_unknown_model_lists_nearest_names() -> None:
    lines = problems_of("""
[[inference]]
name = "x"
site = "s"
model = "meta-llama/Llama-3.1-70B-Instruc"
seconds_per_token = 0.05
watts_per_device = 400
""")
    assert len(lines) == 1 and "inference[0].model" in lines[0] and "Llama-3.1-70B-Instruct" in lines[0]


# -- 7. [[api]] items through EcoLogits -------------------------------------------------------


def test_api_item_agrees_with_ecologits_called_directly() -> None:
    ecologits = pytest.importorskip("ecologits")
    from ecologits.tracers.utils import llm_impacts

    item = bill_of("""
[[api]]
name = "assistant"
provider = "openai"
model = "gpt-4o-mini"
requests = 10000
output_tokens_per_request = 400
""").item("assistant")
    direct = llm_impacts("openai", "gpt-4o-mini", 400, math.inf)
    low, high = direct.energy.value.min, direct.energy.value.max
    assert item.energy_kwh == pytest.approx(10000 * (low + high) / 2)
    assert item.details["energy_kwh_min"] == pytest.approx(10000 * low)
    assert item.details["energy_kwh_max"] == pytest.approx(10000 * high)
    g_low, g_high = direct.gwp.value.min, direct.gwp.value.max
    assert item.co2e_kg == pytest.approx(10000 * (g_low + g_high) / 2)
    assert item.details["estimate"] == f"EcoLogits {ecologits.__version__}"


def test_api_unknown_model_or_provider_lists_nearest_names() -> None:
    pytest.importorskip("ecologits")
    lines = problems_of(
        '[[api]]\nname = "a"\nprovider = "openai"\nmodel = "gpt-4o-mimi"\nrequests = 1\n'
        "output_tokens_per_request = 10\n"
    )
    assert len(lines) == 1 and "gpt-4o-mini" in lines[0]
    lines = problems_of(
        '[[api]]\nname = "a"\nprovider = "opnai"\nmodel = "gpt-4o-mini"\nrequests = 1\n'
        "output_tokens_per_request = 10\n"
    )
    assert len(lines) == 1 and "'openai'" in lines[0]


# -- 8. compare_with any item with energy --------------------------------------------------------


def test_power_hungry_processing_parity_with_measured_training() -> None:
    item = bill_of("""
[[other]]
name = "BLOOMz-7B training"
phase = "training"
site = "s"
energy_kwh = 51686     # Luccioni, Jernite, Strubell 2024, Power Hungry Processing, Table 5
[[other]]
name = "BLOOMz-7B fine-tuning"
phase = "training"
site = "s"
energy_kwh = 7571
[[inference]]
name = "BLOOMz-7B inference"
site = "s"
joules_per_request = 360   # 1.0e-4 kWh per inference (Table 5) = 360 J
requests_per_day = 1e6
compare_with = ["BLOOMz-7B training", "BLOOMz-7B fine-tuning"]
""").item("BLOOMz-7B inference")
    # (51,686 + 7,571) kWh / 1.0e-4 kWh = 592,570,000 inferences
    assert item.details["requests_to_match_training"] == pytest.approx(592_570_000)
    # at a million requests a day: 592.57 days
    assert item.details["days_to_match_training"] == pytest.approx(592.57)


def test_compare_with_an_unknown_item_is_one_line() -> None:
    lines = problems_of("""
[[inference]]
name = "x"
site = "s"
seconds_per_token = 0.05
watts_per_device = 400
compare_with = "nope"
""")
    assert len(lines) == 1 and "compare_with" in lines[0]


# -- the CLI shows the new figures in every format --------------------------------------------


def test_bill_formats_show_per_request_figures(tmp_path: Path) -> None:
    file = tmp_path / "api.toml"
    file.write_text(SITE + BLOOM_API, encoding="utf-8")
    table = run_cli("bill", str(file))
    assert table.returncode == 0, table.stderr
    assert "Wh per request" in table.stdout or "per request" in table.stdout
    markdown = run_cli("bill", str(file), "--format", "markdown").stdout
    assert "3.96 Wh" in markdown
    data = run_cli("bill", str(file), "--format", "json").stdout
    assert '"wh_per_request"' in data


def test_ecologits_missing_is_a_one_line_hint(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    from energybill.catalog import api_usage

    api_usage.api_impact.cache_clear()
    monkeypatch.setitem(sys.modules, "ecologits", None)  # import ecologits → ImportError
    lines = problems_of(
        '[[api]]\nname = "a"\nprovider = "openai"\nmodel = "gpt-4o-mini"\nrequests = 1\n'
        "output_tokens_per_request = 10\n"
    )
    assert len(lines) == 1 and "pip install 'energybill[ecologits]'" in lines[0]


_COLD = """
import sys, time
start = time.perf_counter()
from energybill.estimate.engine import estimate
from energybill.project.load import load_project
estimate(load_project(sys.argv[1]))
print(time.perf_counter() - start, "ecologits" in sys.modules)
"""


def test_a_plain_bill_never_imports_ecologits() -> None:
    import subprocess
    import sys

    noor = Path(__file__).parents[1] / "examples" / "noor.toml"
    done = subprocess.run(
        [sys.executable, "-c", _COLD, str(noor)], capture_output=True, text=True, check=True
    )
    seconds, imported = done.stdout.split()
    assert imported == "False"
    print(f"plain Noor bill, import + estimate: {float(seconds):.3f} s")  # bench/cli_startup.py times the CLI


def test_a_training_item_with_a_default_host_is_billed_at_the_node_boundary() -> None:
    """The boundary follows the host power the estimate used: a catalog accelerator's default host
    makes the energy the whole node's (with PUE: facility), not "accelerators only"."""
    text = """
[[training]]
name = "t"
site = "s"
parameters = 1e9
tokens = 1e10
tflops_per_device = 100
device = "H100 SXM"
"""
    item = bill_of(text).item("t")
    assert item.details["host_watts_per_device"] == pytest.approx(575.0)
    assert item.boundary == "facility"  # the node, and the PUE the site gives; not "accelerator"
    assert bill_of(text + "host_watts_per_device = 0\n").item("t").boundary == "accelerator"

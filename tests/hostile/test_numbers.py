"""Numbers (issue 12, "What to build" 3): every input and computed number finite or a one-line
error naming the key; ranges valid over their whole support; calibration records validated as
strictly as project files (``validate`` too); CLI numbers bounded by their click types; a malformed
file with --set, --relocate or --scenario is one line, not a TypeError."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.hostile.common import MINI_PROJECT, energybill, one_line_error, succeeded

SITE = '[project]\nname = "N"\n[sites.lab]\npue = 1.2\ncarbon_intensity_g_per_kwh = 400\n'
TRAINING = (
    '[[training]]\nname = "t"\nsite = "lab"\nparameters = 1e9\ntokens = 1e10\n'
    "tflops_per_device = 100\nwatts_per_device = 400\n"
)
HUGE = TRAINING.replace("parameters = 1e9", "parameters = 1e200").replace("tokens = 1e10", "tokens = 1e200")


@pytest.mark.parametrize(
    "args",
    [
        ("bill",),
        ("bill", "--format", "json"),
        ("report", "--format", "json"),
        ("report", "--format", "csv"),
        ("compare",),
    ],
    ids=["bill", "bill-json", "report-json", "report-csv", "compare"],
)
def test_an_overflowing_bill_is_one_line_naming_the_item(tmp_path: Path, args: tuple[str, ...]) -> None:
    path = tmp_path / "huge.toml"
    path.write_text(SITE + HUGE, encoding="utf-8")
    line = one_line_error(energybill(args[0], str(path), *args[1:]), "training[0]", "overflow")
    assert "inf" not in line.replace("finite", "") and "nan" not in line


def test_a_huge_lognormal_range_is_checked_without_overflow(tmp_path: Path) -> None:
    """Found by the fuzzer: checking a lognormal's p5 squared its median (1.3e154² overflowed)."""
    path = tmp_path / "huge.toml"
    lognormal = "tflops_per_device = { median = 1.3e154, p95 = 1.3e154 }"  # (a PUE is bounded now)
    path.write_text(SITE + HUGE.replace("tflops_per_device = 100", lognormal).replace("tokens = 1e200",
                                                                                   "tokens = 1e300"))
    assert "valid" in succeeded(energybill("validate", str(path)))
    one_line_error(energybill("bill", str(path)), "training[0]", "overflow")


SERVING_HUGE = (
    '[[inference]]\nname = "s"\nsite = "lab"\nseconds_per_token = 1e-300\nwatts_per_device = 1e300\n'
    "tokens_per_day = 1e300\n"
)


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (("sweep", "{f}", "--item", "s"), "sweep of 's': overflow"),
        (("sweep", "{f}", "--item", "s", "--format", "json"), "sweep of 's': overflow"),
        (("plan", "{f}", "--item", "t"), "compute budget"),
        (("plan", "{f}", "--item", "t", "--format", "json"), "compute budget"),
    ],
    ids=["sweep", "sweep-json", "plan", "plan-json"],
)
def test_what_ifs_outside_the_bill_refuse_overflow_in_one_line(
    tmp_path: Path, args: tuple[str, ...], needle: str
) -> None:
    path = tmp_path / "huge.toml"
    path.write_text(SITE + HUGE + SERVING_HUGE, encoding="utf-8")
    one_line_error(energybill(*(a.format(f=path) for a in args)), needle)


def test_a_zero_carbon_sweep_gives_strict_json(tmp_path: Path) -> None:
    path = tmp_path / "clean.toml"
    serving = '[[inference]]\nname = "s"\nsite = "lab"\nseconds_per_token = 0.05\nwatts_per_device = 400\n'
    path.write_text(SITE.replace("= 400", "= 0") + serving, encoding="utf-8")
    data = json.loads(
        succeeded(energybill("sweep", str(path), "--format", "json")),
        parse_constant=lambda name: pytest.fail(f"{name} in the JSON"),
    )
    assert data["points"][0]["tokens_per_kg_co2e"] is None  # unbounded on a zero-carbon grid: null


def test_a_zero_carbon_grid_gives_strict_json(tmp_path: Path) -> None:
    """Tokens per kg CO2e is unbounded on a zero-carbon grid: null, not Infinity."""
    path = tmp_path / "clean.toml"
    serving = '[[inference]]\nname = "s"\nsite = "lab"\nseconds_per_token = 0.05\nwatts_per_device = 400\n'
    path.write_text(SITE.replace("= 400", "= 0") + serving, encoding="utf-8")
    text = succeeded(energybill("bill", str(path), "--format", "json"))
    json.loads(text, parse_constant=lambda name: pytest.fail(f"{name} in the JSON"))


# (case, a site/item with ranges, the key path the line names)
RANGES = [
    (
        "pue-uniform-below-1",
        SITE.replace("pue = 1.2", "pue = { low = 0.2, high = 1.8 }") + TRAINING,
        "sites.lab.pue.low",
    ),
    (
        "pue-lognormal-p5-below-1",
        SITE.replace("pue = 1.2", "pue = { median = 1.1, p95 = 1.5 }") + TRAINING,
        "sites.lab.pue.p5",
    ),
    (
        "negative-tokens-low",
        SITE + TRAINING.replace("tokens = 1e10", "tokens = { low = -1e9, high = 3e10 }"),
        "training[0].tokens.low",
    ),
    (
        "negative-watts-triangular",
        SITE
        + TRAINING.replace(
            "watts_per_device = 400", "watts_per_device = { low = -100, mode = 300, high = 400 }"
        ),
        "training[0].watts_per_device.low",
    ),
    (
        "negative-intensity-low",
        SITE.replace(
            "carbon_intensity_g_per_kwh = 400", "carbon_intensity_g_per_kwh = { low = -50, high = 600 }"
        )
        + TRAINING,
        "sites.lab.carbon_intensity_g_per_kwh.low",
    ),
    (
        "zero-devices-low",
        SITE + TRAINING + "devices = { low = 0, mode = 2, high = 4 }\n",
        "training[0].devices.low",
    ),
    (
        "string-bound",
        SITE + TRAINING.replace("tokens = 1e10", 'tokens = { low = "1", high = 3e10 }'),
        "training[0].tokens",
    ),
    (
        "nan-bound",
        SITE + TRAINING.replace("tokens = 1e10", "tokens = { low = nan, high = 3e10 }"),
        "training[0].tokens",
    ),
    (
        "inf-bound",
        SITE + TRAINING.replace("tokens = 1e10", "tokens = { low = 1, high = inf }"),
        "training[0].tokens",
    ),
]


@pytest.mark.parametrize(("text", "path"), [c[1:] for c in RANGES], ids=[c[0] for c in RANGES])
def test_ranges_are_validated_over_their_whole_support(tmp_path: Path, text: str, path: str) -> None:
    file = tmp_path / "ranges.toml"
    file.write_text(text, encoding="utf-8")
    one_line_error(energybill("validate", str(file)), f"{file}: {path}")


RECORD = {
    "schema": "energybill.calibration/1",
    "kind": "serve",
    "id": "serve-x",
    "device": "cpu",
    "arch": "tiny",
    "tflops_per_device": 1.0,
    "watts_per_device": 50.0,
    "seconds_per_token": 0.02,
    "joules_per_token": 1.0,
    "method": "counter",
    "date": "2026-12-01",
    "tokens_per_second": 50.0,
    "batch_size": 1,
    "rows": [
        {
            "batch_size": 1,
            "seconds_per_token": 0.02,
            "tokens_per_second": 50.0,
            "joules_per_token": 1.0,
            "watts_per_device": 50.0,
            "prefill_tokens_per_second": 500.0,
            "prefill_joules_per_token": 0.1,
            "prefill_watts_per_device": 50.0,
            "decode_tflops_per_device": 0.5,
            "decode_steps": 16,
        }
    ],
}
SERVING = (
    '[[inference]]\nname = "s"\nsite = "lab"\nseconds_per_token = 0.05\nwatts_per_device = 400\n'
    'tokens_per_day = 1e6\ndays = 3\ncalibration = "rec.json"\n'
)


def _with(path: str, value: object) -> str:
    record = json.loads(json.dumps(RECORD))
    *parents, last = path.split(".")
    node = record
    for key in parents:
        node = node[int(key)] if key.isdigit() else node[key]
    node[last] = value
    return json.dumps(record)


# (case, the record's text, what the line holds)
RECORDS = [
    (
        "nan-watts",
        _with("watts_per_device", 1).replace('"watts_per_device": 1,', '"watts_per_device": NaN,', 1),
        "NaN",
    ),
    (
        "infinity",
        _with("rows.0.seconds_per_token", 1).replace(
            '"seconds_per_token": 1,', '"seconds_per_token": Infinity,'
        ),
        "Infinity",
    ),
    (
        "overflowing-literal",
        _with("rows.0.seconds_per_token", 1).replace(
            '"seconds_per_token": 1,', '"seconds_per_token": 1e400,'
        ),
        "finite",
    ),
    ("negative-watts", _with("rows.0.watts_per_device", -5), "rows[0].watts_per_device: must be > 0"),
    ("zero-seconds", _with("rows.0.seconds_per_token", 0), "rows[0].seconds_per_token: must be > 0"),
    ("string-number", _with("rows.0.seconds_per_token", "0.02"), "must be a number"),
    ("bool-number", _with("watts_per_device", True), "watts_per_device"),
    ("unknown-kind", _with("kind", "tune"), "kind"),
    ("rows-not-a-list", _with("rows", 3), "rows"),
    ("row-not-a-table", _with("rows", [3]), "rows[0]"),
    ("zero-batch", _with("rows.0.batch_size", 0), "batch_size"),
    ("no-schema", _with("schema", "other/1"), "schema must be"),
    ("not-an-object", "[1, 2]", "schema must be"),
    ("truncated", _with("id", "x")[:50], "not a calibration record"),
    ("empty", "", "not a calibration record"),
    ("nested-deep", "[" * 100_000 + "]" * 100_000, "calibration record"),
]


@pytest.mark.parametrize(("text", "needle"), [c[1:] for c in RECORDS], ids=[c[0] for c in RECORDS])
def test_bad_calibration_records_are_one_line_in_validate(tmp_path: Path, text: str, needle: str) -> None:
    (tmp_path / "rec.json").write_text(text, encoding="utf-8")
    project = tmp_path / "p.toml"
    project.write_text(SITE + SERVING, encoding="utf-8")
    one_line_error(energybill("validate", str(project)), "inference[0].calibration", needle)


def test_the_valid_record_bills(tmp_path: Path) -> None:
    (tmp_path / "rec.json").write_text(json.dumps(RECORD), encoding="utf-8")
    project = tmp_path / "p.toml"
    project.write_text(SITE + SERVING, encoding="utf-8")
    data = json.loads(succeeded(energybill("bill", str(project), "--format", "json")))
    assert data["items"][0]["details"]["calibration"] == "serve-x"


# (case, arguments, {f}: the Noor-sized mini project, the option the line names)
OPTIONS = [
    ("seed-negative", ("bill", "{f}", "--samples", "10", "--seed", "-1"), "--seed"),
    ("seed-too-large", ("bill", "{f}", "--samples", "10", "--seed", str(2**32)), "--seed"),
    ("samples-float", ("bill", "{f}", "--samples", "1e12"), "--samples"),
    ("samples-huge", ("bill", "{f}", "--samples", "1000000000000"), "--samples"),
    ("report-samples-negative", ("report", "{f}", "--samples", "-1"), "--samples"),
    ("report-seed-negative", ("report", "{f}", "--seed", "-1"), "--seed"),
    ("plan-denormal-flops", ("plan", "--flops", "1e-320"), "--flops"),
    ("plan-inf-flops", ("plan", "--flops", "inf"), "--flops"),
    ("plan-nan-flops", ("plan", "--flops", "nan"), "--flops"),
    ("plan-negative-energy", ("plan", "--energy-kwh", "-1"), "--energy-kwh"),
    ("plan-nan-co2e", ("plan", "--co2e-kg", "nan"), "--co2e-kg"),
    ("plan-pue-below-1", ("plan", "--flops", "1e21", "--pue", "0.5"), "--pue"),
    ("plan-inf-intensity", ("plan", "--flops", "1e21", "--intensity", "inf"), "--intensity"),
    ("plan-zero-tflops", ("plan", "--flops", "1e21", "--tflops", "0"), "--tflops"),
    ("plan-nan-watts", ("plan", "--flops", "1e21", "--watts", "nan"), "--watts"),
    ("sweep-inf-latency", ("sweep", "--latency", "inf"), "--latency"),
    ("sweep-nan-latency", ("sweep", "--latency", "nan"), "--latency"),
    ("sweep-huge-batch", ("sweep", "--batch", "1e400"), "--batch"),
    ("sweep-fractional-batch", ("sweep", "--batch", "1.5"), "--batch"),
    ("sweep-negative-watts", ("sweep", "--watts", "-3"), "--watts"),
    ("sweep-inf-volume", ("sweep", "--tokens-per-day", "inf"), "--tokens-per-day"),
    ("catalog-year", ("catalog", "show", "grid", "FR", "--year", "99999"), "--year"),
    ("runs-limit-huge", ("runs", "list", "--limit", "1e9"), "--limit"),
    ("relocate-nan", ("bill", "{f}", "--relocate", "nan"), "--relocate"),  # checked once, not per site
    ("relocate-inf", ("bill", "{f}", "--relocate", "inf"), "--relocate"),
]


@pytest.mark.parametrize(("args", "needle"), [c[1:] for c in OPTIONS], ids=[c[0] for c in OPTIONS])
def test_cli_numbers_are_bounded_by_their_types(tmp_path: Path, args: tuple[str, ...], needle: str) -> None:
    file = tmp_path / "mini.toml"
    file.write_text(MINI_PROJECT, encoding="utf-8")
    one_line_error(energybill(*(a.format(f=file) for a in args)), needle)


# (case, file text, the override arguments, the key path the line names)
OVERRIDES = [
    (
        "set-into-a-number",
        '[project]\nname = "x"\n[sites]\nlab = 3\n',
        ("--set", "sites.lab.pue=1.1"),
        "sites.lab",
    ),
    ("relocate-a-number", '[project]\nname = "x"\n[sites]\nlab = 3\n', ("--relocate", "FR"), "sites.lab"),
    (
        "scenario-set-a-number",
        '[project]\nname = "x"\n[scenarios.a]\nset = 3\n',
        ("--scenario", "a"),
        "scenarios.a.set",
    ),
    ("scenario-a-number", '[project]\nname = "x"\n[scenarios]\na = 3\n', ("--scenario", "a"), "scenarios.a"),
    ("items-a-number", '[project]\nname = "x"\ncompute = 5\n', ("--set", "compute[0].hours=1"), "compute"),
    (
        "item-a-number",
        '[project]\nname = "x"\ncompute = [5]\n',
        ("--set", "compute[0].hours=1"),
        "compute[0]",
    ),
    ("star-over-numbers", '[project]\nname = "x"\n[sites]\na = 1\n', ("--set", "sites.*.pue=1.1"), "sites.a"),
    ("set-inf", MINI_PROJECT, ("--set", "sites.lab.pue=inf"), "sites.lab.pue"),
    ("set-nan", MINI_PROJECT, ("--set", "compute[0].hours=nan"), "compute[0].hours"),
    ("set-overflow", MINI_PROJECT, ("--set", "compute[0].hours=1e400"), "compute[0].hours"),
    ("set-range-below-1", MINI_PROJECT, ("--set", "sites.lab.pue={low=0.5, high=1.5}"), "sites.lab.pue.low"),
]


@pytest.mark.parametrize(("text", "args", "path"), [c[1:] for c in OVERRIDES], ids=[c[0] for c in OVERRIDES])
def test_overrides_on_bad_documents_are_one_line(
    tmp_path: Path, text: str, args: tuple[str, ...], path: str
) -> None:
    file = tmp_path / "p.toml"
    file.write_text(text, encoding="utf-8")
    result = energybill("bill", str(file), *args)
    assert "Traceback" not in result.stderr and result.returncode == 2, result.stderr
    assert path in result.stderr, result.stderr
    assert all(line.startswith(str(file)) for line in result.stderr.splitlines()), result.stderr


@pytest.mark.parametrize(("key", "value", "says"), [
    ("pue", "1e308", "must be <= 10, got 1e+308"),
    ("pue", "{ low = 1.1, high = 11 }", "must be <= 10, got 11"),
    ("carbon_intensity_g_per_kwh", "2e4", "must be <= 10,000, got 20000.0"),
    ("market_based_g_per_kwh", "1e308", "must be <= 10,000"),
])
def test_a_site_beyond_physical_bounds_is_one_line_not_an_overflow_per_item(
    tmp_path: Path, key: str, value: str, says: str
) -> None:
    """A site's PUE and intensities have upper bounds (as --pue and --intensity): 1e308 passed
    '>= 0' and overflowed every item of the site, one line each."""
    path = tmp_path / "bounds.toml"
    site = SITE.replace(f"{key} = 1.2", f"{key} = {value}").replace(
        f"{key} = 400", f"{key} = {value}")
    if key not in site:
        site += f"{key} = {value}\n"
    path.write_text(site + TRAINING + TRAINING.replace('name = "t"', 'name = "u"'), encoding="utf-8")
    one_line_error(energybill("bill", str(path)), f"sites.lab.{key}", says)

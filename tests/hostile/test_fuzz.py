"""A fuzzer of project files (issue 12, "What to build" 8): hypothesis mutates a valid project
(types, signs, magnitudes, keys, nesting, encodings) and ``energybill bill --format json`` or
``validate`` must exit 0 or 2 with no traceback: 0 with strict JSON (no NaN or Infinity), 2 with
energybill's own error lines naming the file. Run in process (click's CliRunner; the CLI's
``main`` turns ``EnergybillError`` into lines and exit code 2, as the runner's exception here) so
that a few thousand files take a minute or two. ``ENERGYBILL_FUZZ_EXAMPLES`` sets the size
(default 3,000); the size is printed."""

from __future__ import annotations

import json
import math
import os
import tempfile
from pathlib import Path
from typing import Any

from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from energybill.cli.main import cli
from energybill.core.errors import EnergybillError

EXAMPLES = int(os.environ.get("ENERGYBILL_FUZZ_EXAMPLES", "3000"))

BASE: dict[str, Any] = {
    "project": {"name": "Fuzz", "description": "a project"},
    "sites": {
        "lab": {"pue": 1.2, "carbon_intensity_g_per_kwh": 400},
        "cloud": {
            "pue": {"low": 1.1, "high": 1.4},
            "carbon_intensity_g_per_kwh": {"median": 300, "p95": 450},
        },
    },
    "storage": [{"name": "data", "site": "lab", "terabytes": 2, "months": 3, "watts_per_tb": 5}],
    "transfer": [{"name": "copy", "site": "lab", "terabytes": 1, "kwh_per_tb": 10}],
    "compute": [
        {"name": "prep", "phase": "R&D", "site": "lab", "devices": 2, "hours": 10, "watts_per_device": 300}
    ],
    "training": [
        {
            "name": "main",
            "site": "cloud",
            "parameters": 1.3e9,
            "tokens": {"low": 2e10, "high": 3e10},
            "tflops_per_device": 120,
            "watts_per_device": 400,
            "devices": 8,
        }
    ],
    "inference": [
        {
            "name": "serve",
            "site": "lab",
            "seconds_per_token": 0.05,
            "watts_per_device": 400,
            "tokens_per_day": 1e6,
            "days": 30,
        }
    ],
    "travel": [{"name": "trip", "co2e_kg": 500, "travelers": 2}],
    "other": [{"name": "office", "phase": "other", "co2e_kg": 10}],
    "scenarios": {"green": {"description": "clean grid", "set": {"sites.lab.pue": 1.1}, "relocate": 40}},
}

# The keys of 2026 projects (issues 13-15): cloud regions, water, market-based carbon, prices,
# fine-tunes, mixture-of-experts, requests, provisioned capacity, measured serving, parity with
# several items, hosted-API usage (EcoLogits), catalog flights and embodied carbon.
BASE_2026: dict[str, Any] = {
    "project": {"name": "Fuzz 2026", "description": "fine-tune, serving, API, disclosure"},
    "sites": {
        "cloud": {"region": "aws:us-east-1", "wue_l_per_kwh": 0.2, "market_based_g_per_kwh": 50,
                  "price_per_kwh": 0.12, "currency": "USD"},
        "lab": {"pue": 1.3, "carbon_intensity_g_per_kwh": 400, "carbon_free_share": 0.5,
                "residual_mix_g_per_kwh": 500, "grid_water_l_per_kwh": 3.0},
    },
    "compute": [{"name": "sweep", "phase": "R&D", "site": "cloud", "devices": 8, "hours": 12,
                 "device": "H100 SXM", "host_watts_per_device": 100, "price_per_device_hour": 2.5,
                 "currency": "USD", "run_tags": {"sweep": "lr"}, "power_boundary": "node"}],
    "training": [{"name": "ft", "phase": "fine-tuning", "base_model": "Llama-3.1-8B", "method": "lora",
                  "site": "cloud", "parameters": 47e9, "active_parameters": 13e9, "tokens": 1e9,
                  "mfu": 0.4, "dtype": "bf16", "device": "H100 SXM", "devices": 8}],
    "inference": [
        {"name": "chat", "site": "cloud", "model": "meta-llama/Llama-3.1-8B-Instruct", "devices": 1,
         "replicas": 2, "device": "H100 SXM", "idle_watts_per_device": 70,
         "seconds_per_token": 0.02, "batch_size": 32, "requests_per_day": 1e5,
         "input_tokens_per_request": 400, "output_tokens_per_request": 200, "days": 365,
         "compare_with": "ft"},
        {"name": "measured", "site": "lab", "watts_per_device": 500, "measured": True,
         "tokens_per_second": 2500, "joules_per_request": 300, "requests": 1e6,
         "output_tokens_per_request": 100, "compare_with": ["ft", "sweep"]},
    ],
    "api": [{"name": "assistant", "provider": "openai", "model": "gpt-4o-mini", "requests": 1000,
             "output_tokens_per_request": 400}],
    "travel": [{"name": "trip", "from": "CDG", "to": "JFK", "round_trip": True, "travelers": 2}],
    "embodied": [{"name": "gpus", "device": "nvidia_h100_80gb", "devices": 8, "hours_used": 100,
                  "lifetime_years": 5}],
    "scenarios": {"green": {"description": "clean", "relocate": "FR",
                            "set": {"sites.cloud.market_based_g_per_kwh": 0}}},
}

BASES = (BASE, BASE_2026)

NUMBERS = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0, -1, -0.0, 1e-320, 1e200, 1e308, -1e308, 2**63, -(2**63), 10**30, 0.5, 1.5]),
    st.integers(min_value=-(2**64), max_value=2**64),
)
TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=20)  # TOML cannot hold surrogates
LEAVES = st.one_of(NUMBERS, TEXT, st.booleans())
VALUES = st.recursive(
    LEAVES,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(TEXT, inner, max_size=3)
        | st.fixed_dictionaries({"low": inner, "high": inner})
        | st.fixed_dictionaries({"median": inner, "p95": inner})
    ),
    max_leaves=8,
)


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every key path of a document (dict keys and list indexes), containers included."""
    found = [prefix] if prefix else []
    if isinstance(node, dict):
        for key, value in node.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _paths(value, (*prefix, index))
    return found


def _parent(document: Any, path: tuple[Any, ...]) -> Any:
    node = document
    for part in path[:-1]:
        node = node[part]
    return node


@st.composite
def documents(draw: st.DrawFn) -> dict[str, Any]:
    """A base document with one to four mutations: replace, delete, add a key, nest, duplicate."""
    document = json.loads(json.dumps(draw(st.sampled_from(BASES))))
    for _ in range(draw(st.integers(1, 4))):
        paths = _paths(document)
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent = _parent(document, path)
        action = draw(st.sampled_from(["replace", "replace", "sign", "delete", "add", "nest", "copy"]))
        key = path[-1]
        if action == "replace":
            parent[key] = draw(VALUES)
        elif action == "sign" and isinstance(parent[key], int | float) and not isinstance(parent[key], bool):
            parent[key] = -parent[key] * draw(st.sampled_from([1, 10, 1e100, 1e300]))
        elif action == "delete":
            del parent[key]
        elif action == "add" and isinstance(parent[key], dict):
            parent[key][draw(TEXT)] = draw(VALUES)
        elif action == "nest":
            parent[key] = {"low": parent[key], "high": parent[key]} if draw(st.booleans()) else [parent[key]]
        elif action == "copy" and isinstance(parent, list):
            parent.append(json.loads(json.dumps(parent[key])))
    return document


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return "{" + ", ".join(f"{_toml_value(str(k))} = {_toml_value(v)}" for k, v in value.items()) + "}"


def to_toml(document: dict[str, Any]) -> str:
    """TOML of a document: every top-level key as ``key = <inline value>`` (valid for any shape)."""
    return "".join(f"{_toml_value(str(k))} = {_toml_value(v)}\n" for k, v in document.items())


ENCODINGS = st.sampled_from(["utf-8", "utf-8", "utf-8", "bom", "utf-16", "latin-1", "truncate", "garbage"])
COMMANDS = st.sampled_from(
    [("bill", "--format", "json"), ("validate",), ("bill", "--format", "json", "--samples", "50")]
)
FOLDER = Path(tempfile.mkdtemp(prefix="energybill-fuzz-"))
RUNNER = CliRunner()
SEEN = {"files": 0, "valid": 0}


def _encode(text: str, how: str, cut: int) -> bytes:
    if how == "bom":
        return b"\xef\xbb\xbf" + text.encode()
    if how == "utf-16":
        return text.encode("utf-16")
    if how == "latin-1":
        return text.encode("latin-1", "replace")
    if how == "truncate":
        return text.encode()[: cut % (len(text) + 1)]
    if how == "garbage":
        data = text.encode()
        at = cut % (len(data) + 1)
        return data[:at] + bytes([cut % 256]) * 3 + data[at:]
    return text.encode()


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(documents(), ENCODINGS, st.integers(0, 10_000), COMMANDS)
def test_mutated_project_files_exit_0_or_2_without_a_traceback(
    document: dict[str, Any], encoding: str, cut: int, command: tuple[str, ...]
) -> None:
    path = FOLDER / "fuzz.toml"
    path.write_bytes(_encode(to_toml(document), encoding, cut))
    result = RUNNER.invoke(cli, [command[0], str(path), *command[1:]])
    SEEN["files"] += 1
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        assert isinstance(result.exception, EnergybillError), repr(result.exception)  # a traceback otherwise
        lines = result.exception.lines()
        assert lines and all(line.strip() for line in lines)
        return
    assert result.exit_code in (0, 2), result.output
    if result.exit_code == 0 and command[0] == "bill":
        SEEN["valid"] += 1
        json.loads(result.stdout, parse_constant=lambda name: (_ for _ in ()).throw(AssertionError(name)))


def test_fuzzer_size() -> None:
    """Runs after the fuzzer (file order): prints how many files it tried, and how many billed."""
    print(
        f"\nfuzzer: {SEEN['files']:,} mutated project files, {SEEN['valid']:,} billed (exit 0), "
        f"the rest exit 2 with energybill's own lines"
    )
    assert SEEN["files"] == 0 or SEEN["files"] >= min(EXAMPLES, 100)

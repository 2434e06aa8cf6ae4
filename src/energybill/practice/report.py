"""Print a benchmark's results as rich tables, beside the talk's assumptions."""

from __future__ import annotations

from typing import Any

from energybill.core.calibration import ServeRow
from energybill.practice.energy import describe
from energybill.practice.flops import FLOPS_CONVENTION
from energybill.practice.serve import ServeResult
from energybill.practice.train import TrainResult

# The talk's assumptions (Training and Inference slides): 100 TFLOP/s achieved per A100; 50 ms per
# token at batch size 1; 400 W per A100 (+ 70 W host, PUE 1.1 → 26 J per token).
TALK_TFLOPS = 100.0
TALK_SECONDS_PER_TOKEN = 0.05
TALK_WATTS = 400.0
TALK_JOULES_PER_TOKEN = 26.0


def print_train(console: Any, r: TrainResult) -> None:
    from rich.table import Table

    table = Table(title=f"training: {r.config.arch.name} on {r.device.name} ({r.dtype})")
    table.add_column("quantity")
    table.add_column("measured", justify="right")
    table.add_column("talk (A100)", justify="right")
    mfu = f"{r.mfu:.1%}" if r.mfu is not None else "n/a (unknown peak; --peak-tflops)"
    for row in (
        ("model TFLOP/s per device (6·N + attention)", f"{r.tflops:.3g}", ""),
        ("TFLOP/s counted as the bill counts (6·N)", f"{r.tflops_6n:.3g}", f"{TALK_TFLOPS:g}"),
        (f"MFU (peak {r.device.peak_tflops or 'n/a'} TFLOP/s)", mfu, f"{TALK_TFLOPS / 312:.0%}"),
        ("training tokens per second per device", f"{1 / r.seconds_per_token:,.4g}", ""),
        ("joules per training token", f"{r.joules_per_token:.4g}", ""),
        ("average power per device (W)", f"{r.watts:.4g}", f"{TALK_WATTS:g}"),
        ("timed steps × tokens per step", f"{r.steps} × {r.config.tokens_per_step:,}", ""),
        ("measured window (s)", f"{r.seconds:.3f}", ""),
    ):
        table.add_row(*row)
    console.print(table)
    console.print(f"FLOP count: {FLOPS_CONVENTION}.")
    console.print(f"peak for MFU: {r.device.peak_source}")
    if r.layers_run < r.config.arch.n_layers:
        console.print(
            f"[yellow]layer subset:[/] ran {r.layers_run} of {r.config.arch.n_layers} layers at full "
            f"width (the whole model does not fit); time and energy per token scaled × {r.scale:.4f}."
        )
    console.print(f"energy: {describe(r.method, r.energy_devices, r.energy_notes)}", markup=False)


def print_serve(console: Any, r: ServeResult) -> None:
    from rich.table import Table

    table = Table(
        title=f"serving: {r.config.arch.name} on {r.device.name} ({r.dtype}), prompt "
        f"{r.config.prompt}, {r.config.new_tokens} new tokens, greedy, KV cache"
    )
    for name in (
        "batch",
        "s/token",
        "tokens/s",
        "J/token",
        "W",
        "TFLOP/s",
        "prefill tok/s",
        "prefill J/token",
        "prefill W",
        "J/request",
    ):
        table.add_column(name, justify="right", no_wrap=name == "batch")  # "talk, batch 1" on one line
    for row in r.rows:
        table.add_row(
            str(row.batch_size),
            f"{row.seconds_per_token:.4g}",
            f"{row.tokens_per_second:,.4g}",
            f"{row.joules_per_token:.4g}",
            f"{row.watts_per_device:.4g}",
            f"{row.decode_tflops_per_device:.3g}",
            f"{row.prefill_tokens_per_second:,.4g}",
            f"{row.prefill_joules_per_token:.4g}",
            f"{row.prefill_watts_per_device:.4g}",
            _per_request(row),
        )
    table.add_row(
        "talk, batch 1",
        f"{TALK_SECONDS_PER_TOKEN:g}",
        f"{1 / TALK_SECONDS_PER_TOKEN:g}",
        f"{TALK_JOULES_PER_TOKEN:g}*",
        f"{TALK_WATTS:g}",
        "",
        "",
        "",
        "",
        "",
    )
    console.print(table)
    console.print(
        "s/token: time of one decode step (each sequence's wait for its next token); J/token and W: "
        "the device only. *the talk's 26 J adds 70 W of host and PUE 1.1."
    )
    for batch, why in r.skipped.items():
        console.print(f"[yellow]batch {batch} skipped:[/] {why}")
    console.print(f"energy: {describe(r.method, r.energy_devices, r.energy_notes)}", markup=False)


def _per_request(row: ServeRow) -> str:
    """J of one request (its prefill + decode parts are in the record), "" in an older record."""
    if row.joules_per_request is None:
        return ""
    return f"{row.joules_per_request:.4g}"

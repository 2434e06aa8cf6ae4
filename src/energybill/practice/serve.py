"""``energybill bench serve``: KV-cached greedy decoding, per batch size, prefill and decode apart.

For each batch size: a short warm-up; a prefill window (the prompt, repeated until the window is
long enough for an energy counter that updates every ~100 ms); a decode window of ``new_tokens``
greedy steps on a cache filled by an untimed prefill. Seconds per token is the time of one decode
step (the wait for each sequence's next token, the talk's "50 ms per token"); tokens per second
is batch / that time.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from energybill.core.calibration import WATTS_SCOPE, Record, ServeRow, new_id, now_utc
from energybill.core.errors import EnergybillError
from energybill.core.units import BYTES_PER_GB, FLOP_PER_TFLOP
from energybill.practice import flops
from energybill.practice.arch import Arch
from energybill.practice.devices import DeviceInfo
from energybill.practice.loop import NullReporter, Reporter, Runtime, measured_loop, runtime, unmeasured_loop

USABLE_MEMORY = 0.9


@dataclass(frozen=True)
class ServeConfig:
    arch: Arch
    device: str = "cpu"
    batches: tuple[int, ...] = (1, 8, 32, 128)
    prompt: int = 128
    new_tokens: int = 256
    warmup: int = 4
    min_prefill_s: float = 1.0
    dtype: str = "auto"
    watts: float | None = None
    peak_tflops: float | None = None
    cpu_tdp_w: float | None = None  # the meter's CPU model, where RAPL cannot be read


def serving_bytes(arch: Arch, batch: int, length: int, bytes_per_value: int) -> float:
    """Weights, the key/value cache (2 · layers · d_model values per token), a prefill's activations."""
    weights = bytes_per_value * flops.total_params(arch)
    kv_cache = bytes_per_value * 2 * arch.n_layers * arch.d_model * batch * length
    activations = 4 * bytes_per_value * arch.d_ff * batch * length  # a prefill's MLP, with slack
    return weights + kv_cache + activations


@dataclass
class ServeResult:
    config: ServeConfig
    device: DeviceInfo
    dtype: str
    method: str
    energy_devices: list[dict[str, str]] = field(default_factory=list)  # what the method read, by device
    energy_notes: list[str] = field(default_factory=list)  # why no better backend (the meter's notes)
    rows: list[ServeRow] = field(default_factory=list)
    skipped: dict[int, str] = field(default_factory=dict)  # batch size → why it was not measured
    interrupted: bool = False


def run_serve(config: ServeConfig, reporter: Reporter | None = None) -> ServeResult:
    """Measure every batch size that fits; Ctrl-C keeps the rows measured so far."""
    arch, length = config.arch, config.prompt + config.new_tokens
    if length > arch.context:
        raise EnergybillError(
            f"--prompt {config.prompt} + --new-tokens {config.new_tokens} = {length} is longer than "
            f"the context of {arch.name} ({arch.context})"
        )
    rt = runtime(config.device, config.dtype, config.watts, config.cpu_tdp_w)
    try:
        return _run_serve(config, reporter or NullReporter(), rt)
    finally:
        rt.meter.close()


def _run_serve(config: ServeConfig, reporter: Reporter, rt: Runtime) -> ServeResult:
    import torch

    from energybill.practice.devices import describe_device
    from energybill.practice.model import build_model

    arch, length = config.arch, config.prompt + config.new_tokens
    info = describe_device(config.device, config.peak_tflops)
    result = ServeResult(config, info, rt.dtype_name, rt.meter.method, rt.meter.device_records(),
                         rt.meter.notes)
    model = build_model(arch, rt.device, rt.dtype).eval()
    value_bytes = 4 if rt.dtype_name == "fp32" else 2
    for batch in config.batches:
        need = serving_bytes(arch, batch, length, value_bytes)
        if need > USABLE_MEMORY * info.memory_bytes:
            need_gb, have_gb = need / BYTES_PER_GB, info.memory_bytes / BYTES_PER_GB
            result.skipped[batch] = f"needs ~{need_gb:.1f} GB of {have_gb:.1f} GB"
            continue
        try:
            row = _measure_batch(model, rt, config, batch, reporter)
        except torch.cuda.OutOfMemoryError:
            result.skipped[batch] = "out of memory on the device (CUDA OOM)"
            torch.cuda.empty_cache()
            continue
        if row is None:
            result.interrupted = True
            break
        result.rows.append(row[0])
        if row[1]:
            result.interrupted = True
            break
    return result


def _measure_batch(
    model: Any, rt: Runtime, config: ServeConfig, batch: int, reporter: Reporter
) -> tuple[ServeRow, bool] | None:
    """One batch size: (row, interrupted), or None when Ctrl-C left nothing to report."""
    import torch

    from energybill.practice.model import new_kv_cache

    arch = config.arch
    state: dict[str, Any] = {}
    try:  # Ctrl-C before the prefill window: nothing of this batch size to report
        cache = new_kv_cache(arch, batch, config.prompt + config.new_tokens, rt.device, rt.dtype)
        prompt = torch.randint(0, arch.vocab_size, (batch, config.prompt), device=rt.device)
    except KeyboardInterrupt:
        return None

    def prefill() -> None:
        state["pos"] = config.prompt
        state["next"] = model(prompt, cache, 0, last_only=True)[:, -1].argmax(-1, keepdim=True)

    def decode() -> None:  # greedy: the most likely token is the next input
        state["next"] = model(state["next"], cache, state["pos"])[:, -1].argmax(-1, keepdim=True)
        state["pos"] += 1

    label = f"batch {batch}"
    with torch.inference_mode():
        warm = min(config.warmup, config.new_tokens)
        if not (
            unmeasured_loop(1, prefill, reporter, f"{label}: warm-up")
            and unmeasured_loop(warm, decode, reporter, f"{label}: warm-up")
        ):
            return None
        repeats = _prefill_repeats(prefill, rt, config.min_prefill_s)
        if repeats == 0:
            return None
        pre = measured_loop(rt.meter, repeats, prefill, reporter, f"{label}: prefill")
        # untimed: fill the cache the decode window continues from
        if pre.interrupted or pre.steps == 0 or not unmeasured_loop(1, prefill, reporter, f"{label}: fill"):
            return None
        dec = measured_loop(rt.meter, config.new_tokens, decode, reporter, f"{label}: decode")
    if dec.steps == 0:
        return None
    return _row(arch, config, batch, pre, dec), dec.interrupted


def _prefill_repeats(prefill: Any, rt: Runtime, min_seconds: float) -> int:
    """How many prefills make a window of at least ``min_seconds`` (from one timed prefill); 0 on Ctrl-C."""
    try:
        rt.sync()
        start = time.perf_counter()
        prefill()
        rt.sync()
    except KeyboardInterrupt:
        return 0
    once = max(time.perf_counter() - start, 1e-6)
    return max(1, min(1000, round(min_seconds / once + 0.5)))


def _row(arch: Arch, config: ServeConfig, batch: int, pre: Any, dec: Any) -> ServeRow:
    prefill_tokens = pre.steps * batch * config.prompt
    step_s = dec.window.seconds / dec.steps
    positions = range(config.prompt + 1, config.prompt + dec.steps + 1)
    decode_flops = batch * sum(flops.decode_flops_per_token(arch, t) for t in positions)
    prefill_j_token = pre.window.energy_j / prefill_tokens
    decode_j_token = dec.window.energy_j / (dec.steps * batch)
    # one request: its prompt's prefill + its new tokens' decode steps, at this batch's measured J/token
    prefill_request = config.prompt * prefill_j_token
    decode_request = config.new_tokens * decode_j_token
    return ServeRow(
        batch_size=batch,
        seconds_per_token=step_s,
        tokens_per_second=batch / step_s,
        joules_per_token=dec.window.energy_j / (dec.steps * batch),
        watts_per_device=dec.window.power_w,
        prefill_tokens_per_second=prefill_tokens / pre.window.seconds,
        prefill_joules_per_token=pre.window.energy_j / prefill_tokens,
        prefill_watts_per_device=pre.window.power_w,
        decode_tflops_per_device=decode_flops / dec.window.seconds / FLOP_PER_TFLOP,
        decode_steps=dec.steps,
        prompt_tokens=config.prompt,
        output_tokens=config.new_tokens,
        prefill_joules_per_request=prefill_request,
        decode_joules_per_request=decode_request,
        joules_per_request=prefill_request + decode_request,
    )


def serve_record(result: ServeResult) -> Record:
    """The calibration record of a serving benchmark; top-level figures are the smallest batch's."""
    if not result.rows:
        raise EnergybillError("nothing was measured: no batch size fitted or ran to its first step")
    when, cfg, first = now_utc(), result.config, result.rows[0]
    return Record(
        kind="serve",
        id=new_id("serve", cfg.arch.name, result.device.name, when),
        device=result.device.name,
        arch=cfg.arch.name,
        tflops_per_device=first.decode_tflops_per_device,
        watts_per_device=first.watts_per_device,
        seconds_per_token=first.seconds_per_token,
        joules_per_token=first.joules_per_token,
        method=result.method,
        date=when.isoformat(),
        tokens_per_second=first.tokens_per_second,
        batch_size=first.batch_size,
        rows=list(result.rows),
        interrupted=result.interrupted,
        details={
            "arch": cfg.arch.describe(),
            "parameters": flops.total_params(cfg.arch),
            "prompt": cfg.prompt,
            "new_tokens": cfg.new_tokens,
            "dtype": result.dtype,
            "device_kind": result.device.kind,
            "skipped": {str(k): v for k, v in result.skipped.items()},
            "flops_convention": "decode FLOP per token = 2·N + 4·L·d_model·t (t: tokens attended)",
            "watts_scope": WATTS_SCOPE,
            "energy_devices": result.energy_devices,
            "energy_notes": result.energy_notes,
        },
    )

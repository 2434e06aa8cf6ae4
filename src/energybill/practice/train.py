"""``energybill bench train``: measure training throughput and energy of a GPT-style model.

Warm-up steps, then timed steps in one energy window. A model whose weights, gradients, optimizer
state and activations do not fit the device runs on a subset of its layers at full width, and
time and energy per token are scaled up by ``flops.layer_scale`` (the output says by how much).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from energybill.core.calibration import WATTS_SCOPE, Record, new_id, now_utc
from energybill.core.errors import EnergybillError
from energybill.core.units import BYTES_PER_GB, FLOP_PER_TFLOP
from energybill.practice import flops
from energybill.practice.arch import Arch
from energybill.practice.devices import DeviceInfo
from energybill.practice.loop import NullReporter, Reporter, Runtime, measured_loop, runtime, unmeasured_loop

# Mixed-precision Adam holds 16 bytes per parameter: bf16 weights and gradients (2 + 2), fp32
# master weights, momentum and variance (4 + 4 + 4). Rajbhandari et al. 2020 (ZeRO), §3.1.
BYTES_PER_PARAM_TRAINING = 16
# Activations per layer and token without recomputation, flash attention (no stored score
# matrix): 34·d_model bytes. Korthikanti et al. 2022, "Reducing Activation Recomputation", eq. 1
# without its 5·a·s/h term.
ACTIVATION_BYTES_PER_LAYER_TOKEN_PER_D = 34
# Logits: bf16 values, fp32 copy for the loss and its gradient: 2 + 4 + 4 bytes, rounded up to 12.
LOGIT_BYTES = 12
USABLE_MEMORY = 0.9  # leave room for the allocator's fragmentation and the CUDA context


@dataclass(frozen=True)
class TrainConfig:
    arch: Arch
    device: str = "cpu"
    steps: int = 20
    warmup: int = 3
    micro_batch: int = 4
    seq_len: int | None = None  # default: the arch's context
    layers: int | None = None  # force a layer subset; default: as many as fit
    dtype: str = "auto"
    watts: float | None = None  # force the labelled constant-power model
    peak_tflops: float | None = None
    cpu_tdp_w: float | None = None  # the meter's CPU model, where RAPL cannot be read

    @property
    def tokens_per_step(self) -> int:
        return self.micro_batch * self.sequence

    @property
    def sequence(self) -> int:
        return self.seq_len or self.arch.context


def training_bytes(arch: Arch, layers: int, micro_batch: int, seq_len: int) -> float:
    """Estimated memory to train ``layers`` layers of ``arch``: states, activations, logits."""
    subset = arch.with_layers(layers)
    tokens = micro_batch * seq_len
    states = BYTES_PER_PARAM_TRAINING * flops.total_params(subset)
    activations = ACTIVATION_BYTES_PER_LAYER_TOKEN_PER_D * arch.d_model * tokens * layers
    return states + activations + LOGIT_BYTES * arch.vocab_size * tokens


def layers_that_fit(arch: Arch, micro_batch: int, seq_len: int, memory_bytes: float) -> int:
    """The most layers (at most all) whose training fits in ``USABLE_MEMORY`` of the device."""
    usable = USABLE_MEMORY * memory_bytes
    fits = [k for k in range(1, arch.n_layers + 1) if training_bytes(arch, k, micro_batch, seq_len) <= usable]
    if not fits:
        need = training_bytes(arch, 1, micro_batch, seq_len) / BYTES_PER_GB
        raise EnergybillError(
            f"even one layer of {arch.name} needs ~{need:.1f} GB to train at micro-batch {micro_batch} "
            f"× {seq_len} tokens; the device has {memory_bytes / BYTES_PER_GB:.1f} GB: "
            "lower --micro-batch or --seq-len"
        )
    return max(fits)


@dataclass
class TrainResult:
    """What a training benchmark measured, for the layers it ran and scaled to the whole model."""

    config: TrainConfig
    device: DeviceInfo
    dtype: str
    method: str
    layers_run: int
    scale: float  # time and energy per token, whole model over subset (1.0 when all layers ran)
    steps: int
    seconds: float
    energy_j: float
    interrupted: bool
    energy_devices: list[dict[str, str]] = field(default_factory=list)  # what the method read, by device
    energy_notes: list[str] = field(default_factory=list)  # why no better backend (the meter's notes)

    @property
    def tokens(self) -> int:
        return self.steps * self.config.tokens_per_step

    @property
    def watts(self) -> float:
        return self.energy_j / self.seconds if self.seconds else 0.0

    @property
    def seconds_per_token(self) -> float:
        """Of the whole model on one device (layer-scaled)."""
        return self.seconds / self.tokens * self.scale

    @property
    def joules_per_token(self) -> float:
        return self.energy_j / self.tokens * self.scale

    @property
    def tflops(self) -> float:
        """Achieved model TFLOP/s per device: 6·N + attention, over measured time."""
        return (
            flops.train_flops_per_token(self.config.arch, self.config.sequence)
            / self.seconds_per_token
            / FLOP_PER_TFLOP
        )

    @property
    def tflops_6n(self) -> float:
        """The same throughput counted as the bill counts it, 6·N per token only."""
        return 6.0 * flops.flop_params(self.config.arch) / self.seconds_per_token / FLOP_PER_TFLOP

    @property
    def mfu(self) -> float | None:
        return self.tflops / self.device.peak_tflops if self.device.peak_tflops else None


def run_train(config: TrainConfig, reporter: Reporter | None = None) -> TrainResult | None:
    """Warm up, then time ``config.steps`` steps; None if Ctrl-C came before any timed step."""
    rt = runtime(config.device, config.dtype, config.watts, config.cpu_tdp_w)
    try:
        return _run_train(config, reporter or NullReporter(), rt)
    finally:
        rt.meter.close()


def _run_train(config: TrainConfig, reporter: Reporter, rt: Runtime) -> TrainResult | None:
    import torch

    from energybill.practice.devices import describe_device
    from energybill.practice.model import build_model

    info = describe_device(config.device, config.peak_tflops)
    arch, seq = config.arch, config.sequence
    if seq > arch.context:
        raise EnergybillError(f"--seq-len {seq} is longer than the context of {arch.name} ({arch.context})")
    layers = config.layers or layers_that_fit(arch, config.micro_batch, seq, info.memory_bytes)
    if not 1 <= layers <= arch.n_layers:
        raise EnergybillError(f"--layers must be between 1 and {arch.n_layers} for {arch.name}, got {layers}")
    scale = flops.layer_scale(arch, layers, seq)
    if layers < arch.n_layers:
        reporter.note(
            f"{arch.name} runs on {layers} of its {arch.n_layers} layers; per-token time and "
            f"energy are scaled × {scale:.3f} (ratio of FLOP per token, whole over subset)"
        )
    model = build_model(arch.with_layers(layers), rt.device, rt.dtype)
    step = _train_step(model, config, rt.device, torch)
    try:
        if not unmeasured_loop(config.warmup, step, reporter, "warm-up"):
            return None
        result = measured_loop(rt.meter, config.steps, step, reporter, "timed steps")
    except torch.cuda.OutOfMemoryError:
        raise EnergybillError(
            f"{arch.name} on {layers} layers ran out of device memory at micro-batch {config.micro_batch} × "
            f"{seq} tokens: lower --micro-batch, or force fewer layers with --layers"
        ) from None
    if result.steps == 0:
        return None
    w = result.window
    return TrainResult(
        config,
        info,
        rt.dtype_name,
        w.method,
        layers,
        scale,
        result.steps,
        w.seconds,
        w.energy_j,
        result.interrupted,
        rt.meter.device_records(),
        rt.meter.notes,
    )


def _train_step(model: Any, config: TrainConfig, device: str, torch: Any) -> Any:
    """One optimizer step on random tokens (next-token cross-entropy, AdamW)."""
    vocab = config.arch.vocab_size
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4, fused=device == "cuda")
    tokens = torch.randint(0, vocab, (config.micro_batch, config.sequence + 1), device=device)
    inputs, targets = tokens[:, :-1], tokens[:, 1:]

    def step() -> None:
        logits = model(inputs)
        loss = torch.nn.functional.cross_entropy(logits.reshape(-1, vocab).float(), targets.reshape(-1))
        loss.backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)

    return step


def train_record(result: TrainResult) -> Record:
    """The calibration record of a training benchmark."""
    when, cfg = now_utc(), result.config
    return Record(
        kind="train",
        id=new_id("train", cfg.arch.name, result.device.name, when),
        device=result.device.name,
        arch=cfg.arch.name,
        tflops_per_device=result.tflops,
        watts_per_device=result.watts,
        seconds_per_token=result.seconds_per_token,
        joules_per_token=result.joules_per_token,
        method=result.method,
        date=when.isoformat(),
        tflops_6n_per_device=result.tflops_6n,
        tokens_per_second=1.0 / result.seconds_per_token,
        interrupted=result.interrupted,
        details={
            "arch": cfg.arch.describe(),
            "parameters": flops.total_params(cfg.arch),
            "flop_parameters": flops.flop_params(cfg.arch),
            "flops_convention": flops.FLOPS_CONVENTION,
            "flops_per_token": flops.train_flops_per_token(cfg.arch, cfg.sequence),
            "micro_batch": cfg.micro_batch,
            "seq_len": cfg.sequence,
            "dtype": result.dtype,
            "device_kind": result.device.kind,
            "steps": result.steps,
            "seconds": result.seconds,
            "energy_j": result.energy_j,
            "layers_run": result.layers_run,
            "layers_total": cfg.arch.n_layers,
            "layer_scale": result.scale,
            "mfu": result.mfu,
            "peak_tflops": result.device.peak_tflops,
            "peak_source": result.device.peak_source,
            "watts_scope": WATTS_SCOPE,
            "energy_devices": result.energy_devices,
            "energy_notes": result.energy_notes,
        },
    )

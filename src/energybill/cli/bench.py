"""``energybill bench train|serve``: measure a GPT-style model (random weights) and write a calibration.

torch, rich's progress bars and the benchmarks are imported inside the commands, so that the rest
of the CLI starts fast and works without PyTorch.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, NoReturn

import click

from energybill.cli.options import BATCHES, POSITIVE, Finite, file_path, stdout_console
from energybill.core.errors import EnergybillError

EXIT_INTERRUPTED = 130  # the shell's code for a process stopped by SIGINT


@click.group()
def bench() -> None:
    """Measure training and serving of GPT-style models with random weights, and calibrate the bill.

    Energy and throughput depend on the architecture and the hardware, not on the weights: nothing
    is downloaded. Architectures: noor-1.3b, noor-2.7b, noor-6.7b, noor-13b (GPT-3 shapes, Brown et
    al. 2020 Table 2.1), tiny, or a custom layers=L,d_model=D,heads=H[,vocab=V,context=C].

    Each command writes a calibration record (JSON) that a [[training]] or [[inference]] item uses
    with calibration = "<path or id>". Needs PyTorch: pip install 'energybill[practice]'.
    """


def _common(func: Any) -> Any:
    options = [
        click.option(
            "--arch", required=True, help="noor-1.3b … noor-13b, tiny, or layers=L,d_model=D,heads=H"
        ),
        click.option(
            "--device",
            type=click.Choice(["auto", "cuda", "cpu"]),
            default="auto",
            show_default=True,
            help="auto: cuda if torch sees a GPU, else cpu.",
        ),
        click.option(
            "--dtype",
            type=click.Choice(["auto", "bf16", "fp16", "fp32"]),
            default="auto",
            show_default=True,
            help="auto: bf16 on a GPU, fp32 on a CPU.",
        ),
        click.option(
            "--watts",
            type=POSITIVE,
            default=None,
            help="Model power as this constant (labelled 'modelled') instead of reading a counter.",
        ),
        click.option(
            "--cpu-tdp-w",
            type=POSITIVE,
            default=None,
            help="CPU TDP for the meter's CPU model, where RAPL cannot be read [default: 85 W].",
        ),
        click.option(
            "--peak-tflops",
            type=POSITIVE,
            default=None,
            help="Peak TFLOP/s for MFU (default: the device's dense bf16 peak, Epoch AI table).",
        ),
        click.option(
            "--out",
            type=file_path(),
            default=None,
            help="Record file or folder (default: the calibration store, named by id).",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


@bench.command()
@_common
@click.option("--steps", type=click.IntRange(min=1), default=20, show_default=True, help="Timed steps.")
@click.option(
    "--warmup", type=click.IntRange(min=0), default=3, show_default=True, help="Untimed steps first."
)
@click.option(
    "--micro-batch",
    type=click.IntRange(min=1),
    default=4,
    show_default=True,
    help="Sequences per step on the device.",
)
@click.option(
    "--seq-len", type=click.IntRange(min=1), default=None, help="Tokens per sequence [default: context]."
)
@click.option(
    "--layers",
    type=click.IntRange(min=1),
    default=None,
    help="Run this many layers and scale up [default: all that fit].",
)
def train(
    arch: str,
    device: str,
    dtype: str,
    watts: float | None,
    cpu_tdp_w: float | None,
    peak_tflops: float | None,
    out: Path | None,
    steps: int,
    warmup: int,
    micro_batch: int,
    seq_len: int | None,
    layers: int | None,
) -> None:
    """Time training steps; print model TFLOP/s, MFU, J per token and power; write a record.

    \b
    Examples:
        energybill bench train --arch noor-1.3b
        energybill bench train --arch noor-13b --micro-batch 1     # runs the layers that fit, scaled
        energybill bench train --arch tiny --device cpu --steps 5 --out tiny-train.json
    """
    from energybill.practice.arch import get_arch
    from energybill.practice.train import TrainConfig, run_train, train_record

    arch_shape = get_arch(arch)  # checked before torch loads: a typo costs no import time
    _need_torch()
    config = TrainConfig(
        arch_shape,
        _device(device),
        steps,
        warmup,
        micro_batch,
        seq_len,
        layers,
        dtype,
        watts,
        peak_tflops,
        cpu_tdp_w,
    )
    console = stdout_console()
    console.print(
        f"[bold]bench train[/] {config.arch.describe()}; {config.device}, micro-batch "
        f"{micro_batch} × {config.sequence} tokens, {warmup} warm-up + {steps} timed steps"
    )
    result = _measure(run_train, config, "interrupted before the first timed step: nothing was measured")
    from energybill.practice.report import print_train

    print_train(console, result)
    _finish(console, train_record(result), out, result.interrupted)


@bench.command()
@_common
@click.option(
    "--batch",
    "batches",
    type=BATCHES,
    default="1,8,32,128",
    show_default=True,
    help="Batch sizes, comma-separated.",
)
@click.option("--prompt", type=click.IntRange(min=1), default=128, show_default=True, help="Prompt tokens.")
@click.option(
    "--new-tokens",
    type=click.IntRange(min=1),
    default=256,
    show_default=True,
    help="Greedy decode steps per batch size.",
)
@click.option(
    "--warmup", type=click.IntRange(min=0), default=4, show_default=True, help="Untimed decode steps."
)
@click.option(
    "--min-prefill-seconds",
    type=Finite(min=0, max=3600),  # inf repeated the prefill forever
    default=1.0,
    show_default=True,
    help="Repeat the prefill until its energy window is this long.",
)
def serve(
    arch: str,
    device: str,
    dtype: str,
    watts: float | None,
    cpu_tdp_w: float | None,
    peak_tflops: float | None,
    out: Path | None,
    batches: list[int],
    prompt: int,
    new_tokens: int,
    warmup: int,
    min_prefill_seconds: float,
) -> None:
    """KV-cached greedy decoding per batch size: s/token, tokens/s, J/token (prefill and decode), W.

    \b
    Examples:
        energybill bench serve --arch noor-13b
        energybill bench serve --arch noor-13b --batch 1,2,4,8,16,32,64,128 --new-tokens 512
        energybill bench serve --arch tiny --device cpu --batch 1,4 --new-tokens 16 --out tiny-serve.json
    """
    from energybill.practice.arch import get_arch
    from energybill.practice.serve import ServeConfig, run_serve, serve_record

    arch_shape, batch_sizes = get_arch(arch), tuple(batches)
    _need_torch()
    config = ServeConfig(
        arch_shape,
        _device(device),
        batch_sizes,
        prompt,
        new_tokens,
        warmup,
        min_prefill_seconds,
        dtype,
        watts,
        peak_tflops,
        cpu_tdp_w,
    )
    console = stdout_console()
    console.print(
        f"[bold]bench serve[/] {config.arch.describe()}; {config.device}, batch sizes "
        f"{', '.join(map(str, config.batches))}, prompt {prompt}, {new_tokens} new tokens"
    )
    result = _measure(run_serve, config, "interrupted before any batch size was measured")
    if not result.rows:
        if result.interrupted:
            _stop("interrupted before any batch size was measured")
        raise EnergybillError(
            "--batch: no batch size fits the device: "
            + "; ".join(f"{b}: {why}" for b, why in result.skipped.items())
        )
    from energybill.practice.report import print_serve

    print_serve(console, result)
    _finish(console, serve_record(result), out, result.interrupted)


def _measure(run: Any, config: Any, nothing_measured: str) -> Any:
    """Run a benchmark under progress bars; a Ctrl-C before its first measurement stops with a message
    (one after it is handled by the benchmark, which returns what it measured)."""
    with _Bars() as bars:
        try:
            return run(config, bars)
        except KeyboardInterrupt:  # while loading torch or building the model
            _stop(nothing_measured)


def _finish(console: Any, record: Any, out: Path | None, interrupted: bool) -> None:
    from energybill.core.calibration import store_dir, write_record

    path = write_record(record, out)
    # an id names a record in the store only: a record written elsewhere (--out) is named by its path
    in_store = path.resolve().parent == store_dir().resolve()
    reference = record.id if in_store else str(path.resolve())
    where = "" if in_store else f" (an id names records in the store, {store_dir()}, only)"
    console.print(
        f"calibration record: {path}\n  id: {record.id}\n  use it in a project file: "
        f'calibration = "{reference}"{where}',
        markup=False,
    )
    if interrupted:
        console.print(
            "[yellow]interrupted (Ctrl-C): the figures above cover the steps completed; "
            "the record says interrupted = true[/]"
        )
        sys.exit(EXIT_INTERRUPTED)


def _stop(message: str) -> NoReturn:
    click.echo(f"energybill bench: {message}", err=True)
    sys.exit(EXIT_INTERRUPTED)


def _need_torch() -> None:
    try:
        import torch  # noqa: F401
    except ImportError:
        raise EnergybillError(
            "energybill bench needs PyTorch: pip install 'energybill[practice]' "
            "(or the torch wheel for your CUDA)"
        ) from None


def _device(device: str) -> str:
    if device != "auto":
        return device
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


class _Bars:
    """Rich progress bars on stderr, one per phase; plain lines when stderr is not a terminal."""

    def __enter__(self) -> _Bars:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self.console = Console(stderr=True)
        self.progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=self.console,
        )
        self.progress.start()
        self.task: Any = None
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.stop()

    def phase(self, label: str, total: int) -> None:
        if not self.console.is_terminal:
            self.console.print(f"{label}: {total} step(s)")
        self.task = self.progress.add_task(label, total=total)
        self.label, self.total, self.done, self.shown_at = label, total, 0, 0.0

    def advance(self) -> None:
        import time

        self.progress.advance(self.task)
        self.done += 1
        # In a log (no terminal) the bar is drawn only at the end: print the first step, then
        # a line at most every 10 s, so that a long run shows it is alive.
        now = time.monotonic()
        if not self.console.is_terminal and (self.done == 1 or now - self.shown_at >= 10):
            self.console.print(f"{self.label}: {self.done}/{self.total}")
            self.shown_at = now

    def note(self, text: str) -> None:
        from energybill.report.escape.terminal import markup

        self.console.print(f"[yellow]note:[/] {markup(text)}")

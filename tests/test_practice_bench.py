"""``energybill bench train|serve`` on the tiny architecture, on this CPU, as real subprocesses."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

torch = pytest.importorskip(
    "torch", reason="the benchmarks need PyTorch: pip install 'energybill[practice]' (CI pre-installs it)"
)

from energybill.practice import flops  # noqa: E402
from energybill.practice.arch import ARCHS  # noqa: E402

ENERGYBILL = str(Path(sys.executable).parent / "energybill")
TINY_N = 132_864  # parameters of tiny without the position embedding, counted in test_practice_flops.py
TINY_TRAIN_FLOPS_PER_TOKEN = 6 * TINY_N + 12 * 2 * 64 * 128  # 6·N + 12·L·d·T


def bench(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [ENERGYBILL, "bench", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        env={**os.environ, "COLUMNS": "200"},
    )


def test_train_tiny_reports_throughput_and_energy_from_its_own_measurements(tmp_path: Path) -> None:
    out = tmp_path / "train.json"
    done = bench(
        "train",
        "--arch",
        "tiny",
        "--device",
        "cpu",
        "--steps",
        "4",
        "--warmup",
        "1",
        "--watts",
        "50",
        "--out",
        str(out),
    )
    assert done.returncode == 0, done.stderr
    assert "6·N + 12·L·d_model·T" in done.stdout and f"calibration record: {out}" in done.stdout
    assert "warm-up: 1 step(s)" in done.stderr and "timed steps: 4 step(s)" in done.stderr
    record = json.loads(out.read_text())
    d = record["details"]
    tokens = 4 * 4 * 128  # steps × micro-batch × sequence
    assert d["flops_per_token"] == TINY_TRAIN_FLOPS_PER_TOKEN
    assert record["tflops_per_device"] == pytest.approx(
        TINY_TRAIN_FLOPS_PER_TOKEN * tokens / d["seconds"] / 1e12
    )
    assert record["tflops_6n_per_device"] == pytest.approx(6 * TINY_N * tokens / d["seconds"] / 1e12)
    assert record["seconds_per_token"] == pytest.approx(d["seconds"] / tokens)
    # --watts 50: the labelled constant model, 50 W × the measured window
    assert record["method"] == "modelled"
    [given] = d["energy_devices"]
    assert given["method"] == "modelled" and "constant 50 W given with --watts" in given["source"]
    assert "energy: modelled — cpu (given power)" in done.stdout
    assert record["watts_per_device"] == pytest.approx(50.0)
    assert record["joules_per_token"] == pytest.approx(50.0 * d["seconds"] / tokens)
    assert record["kind"] == "train" and record["arch"] == "tiny" and not record["interrupted"]
    assert d["layers_run"] == 2 and d["layer_scale"] == 1.0


def test_train_on_a_layer_subset_scales_by_the_flop_ratio(tmp_path: Path) -> None:
    out = tmp_path / "train.json"
    done = bench(
        "train",
        "--arch",
        "tiny",
        "--device",
        "cpu",
        "--steps",
        "2",
        "--warmup",
        "0",
        "--layers",
        "1",
        "--out",
        str(out),
    )
    assert done.returncode == 0, done.stderr
    # one layer of tiny: 6·(512·64 + 49,984 + 128) + 12·1·64·128 FLOP per token
    scale = TINY_TRAIN_FLOPS_PER_TOKEN / (6 * (512 * 64 + 49_984 + 128) + 12 * 64 * 128)
    assert (
        f"ran 1 of 2 layers at full width (the whole model does not fit); time and energy per token "
        f"scaled × {scale:.4f}" in " ".join(done.stdout.split())
    )
    record = json.loads(out.read_text())
    assert record["details"]["layer_scale"] == pytest.approx(scale)
    tokens = 2 * 4 * 128
    assert record["seconds_per_token"] == pytest.approx(record["details"]["seconds"] / tokens * scale)


def test_serve_tiny_per_batch_size(tmp_path: Path) -> None:
    out = tmp_path / "serve.json"
    done = bench(
        "serve",
        "--arch",
        "tiny",
        "--device",
        "cpu",
        "--batch",
        "1,3",
        "--prompt",
        "16",
        "--new-tokens",
        "12",
        "--min-prefill-seconds",
        "0.05",
        "--watts",
        "40",
        "--out",
        str(out),
    )
    assert done.returncode == 0, done.stderr
    record = json.loads(out.read_text())
    assert [row["batch_size"] for row in record["rows"]] == [1, 3]
    for row in record["rows"]:
        batch = row["batch_size"]
        assert row["decode_steps"] == 12
        assert row["tokens_per_second"] == pytest.approx(batch / row["seconds_per_token"])
        # constant 40 W: J/token = 40 W × seconds per step / batch
        assert row["joules_per_token"] == pytest.approx(40.0 * row["seconds_per_token"] / batch)
        assert row["watts_per_device"] == pytest.approx(40.0) == row["prefill_watts_per_device"]
        assert row["prefill_joules_per_token"] == pytest.approx(40.0 / row["prefill_tokens_per_second"])
        # decode FLOP by hand: tokens 17..28 attend to t tokens: 2·N + 4·L·d·t each
        decode_flops = batch * sum(2 * TINY_N + 4 * 2 * 64 * t for t in range(17, 29))
        step_seconds = row["seconds_per_token"] * 12
        assert row["decode_tflops_per_device"] == pytest.approx(decode_flops / step_seconds / 1e12)
        # one request: 16 prompt tokens of prefill + 12 new tokens of decode, prefill and decode apart
        assert row["prefill_joules_per_request"] == pytest.approx(16 * row["prefill_joules_per_token"])
        assert row["decode_joules_per_request"] == pytest.approx(12 * row["joules_per_token"])
        assert row["joules_per_request"] == pytest.approx(
            16 * row["prefill_joules_per_token"] + 12 * row["joules_per_token"]
        )
    assert record["seconds_per_token"] == record["rows"][0]["seconds_per_token"] and record["batch_size"] == 1
    assert "talk, batch 1" in done.stdout


def test_ctrl_c_stops_cleanly_and_prints_what_was_measured(tmp_path: Path) -> None:
    out = tmp_path / "train.json"
    proc = subprocess.Popen(
        [
            ENERGYBILL,
            "bench",
            "train",
            "--arch",
            "tiny",
            "--device",
            "cpu",
            "--steps",
            "1000000",
            "--warmup",
            "1",
            "--out",
            str(out),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert proc.stderr is not None
    for line in proc.stderr:
        if line.startswith("timed steps: 1/"):  # the first timed step is done
            break
    time.sleep(0.5)
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, stderr
    assert "interrupted (Ctrl-C)" in stdout and "Traceback" not in stderr, stderr
    record = json.loads(out.read_text())
    assert record["interrupted"] is True and 0 < record["details"]["steps"] < 1_000_000
    assert record["tflops_per_device"] > 0
    # no --watts: the meter's own reading of the CPU side (RAPL packages and DRAM, else its model)
    devices = record["details"]["energy_devices"]
    assert devices and {d["component"] for d in devices} <= {"cpu", "dram", "ram"}
    methods = {d["method"] for d in devices}
    assert record["method"] == " + ".join(m for m in ("counter", "modelled") if m in methods)
    assert record["details"]["energy_j"] > 0 and f"energy: {record['method']} — " in stdout


def test_bad_options_are_one_line_errors() -> None:
    done = bench("train", "--arch", "noor-175b", "--device", "cpu")
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "--arch: unknown architecture 'noor-175b'; allowed: noor-1.3b, noor-2.7b, noor-6.7b, noor-13b, tiny, "
        "or layers=L,d_model=D,heads=H[,vocab=V,context=C]"
    ]
    done = bench("serve", "--arch", "tiny", "--device", "cpu", "--prompt", "100", "--new-tokens", "100")
    assert done.returncode == 2 and "longer than the context of tiny (128)" in done.stderr
    if not torch.cuda.is_available():
        done = bench("train", "--arch", "tiny", "--device", "cuda")
        assert done.returncode == 2 and "no CUDA device is visible" in done.stderr


def test_model_parameters_and_flops_agree_with_torch() -> None:
    from torch.nn.attention import SDPBackend, sdpa_kernel
    from torch.utils.flop_counter import FlopCounterMode

    from energybill.practice.model import build_model

    arch = ARCHS["tiny"]
    model = build_model(arch, "cpu", torch.float32)
    assert sum(p.numel() for p in model.parameters()) == flops.total_params(arch)
    idx = torch.randint(0, arch.vocab_size, (2, arch.context))
    # torch's own counter (math attention, so QKᵀ and A·V are counted matmuls), forward + backward
    with sdpa_kernel(SDPBackend.MATH), FlopCounterMode(display=False) as counter:
        model(idx).sum().backward()
    per_token = counter.get_total_flops() / idx.numel()
    # it skips additions of biases and LayerNorms (13 per layer per d, + 2·d for ln_f), which 6·N counts
    bias_and_norm = 2 * 13 * 64 + 2 * 64
    assert per_token + 6 * bias_and_norm == flops.train_flops_per_token(arch, arch.context)


def test_kv_cached_greedy_decoding_matches_the_full_forward() -> None:
    from energybill.practice.model import build_model, new_kv_cache

    arch = ARCHS["tiny"]
    model = build_model(arch, "cpu", torch.float32).eval()
    idx = torch.randint(0, arch.vocab_size, (3, 20))
    with torch.inference_mode():
        full = model(idx)
        cache = new_kv_cache(arch, 3, 20, "cpu", torch.float32)
        steps = [model(idx[:, :12], cache, 0)[:, -1]]
        steps += [model(idx[:, t : t + 1], cache, t)[:, -1] for t in range(12, 20)]
    torch.testing.assert_close(torch.stack(steps, 1), full[:, 11:], rtol=1e-4, atol=1e-4)


def test_import_energybill_loads_no_torch() -> None:
    code = "import sys, energybill, energybill.cli.main; assert 'torch' not in sys.modules, 'torch imported'"
    subprocess.run([sys.executable, "-c", code], check=True)

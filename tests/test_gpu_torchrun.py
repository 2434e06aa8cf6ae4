"""On a real GPU: a 1-GPU torchrun job gives the same GPU energy as the plain meter within 1 %.

Marker ``gpu``; skipped where NVML, a GPU, CUDA torch or torchrun is missing.

    pip install -e '.[test,gpu]' torch && pytest -m gpu -s tests/test_gpu_torchrun.py
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from energybill.measure.backends.base import BackendUnavailable
from energybill.measure.backends.nvml import PynvmlSource

pytestmark = pytest.mark.gpu
JOB = Path(__file__).with_name("gpu_torchrun_job.py")


def test_one_gpu_torchrun_job_equals_the_plain_meter_within_1_percent(tmp_path: Path) -> None:
    try:
        if PynvmlSource().device_count() == 0:
            pytest.skip("NVML found no GPU")
    except BackendUnavailable as exc:
        pytest.skip(f"no NVIDIA GPU here: {exc}")
    torch = pytest.importorskip("torch")
    if not torch.cuda.is_available():
        pytest.skip("torch has no CUDA here")
    out, ledger = tmp_path / "out.json", tmp_path / "runs.db"
    env = {**os.environ, "CUDA_VISIBLE_DEVICES": os.environ.get("CUDA_VISIBLE_DEVICES", "0")}
    command = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node=1", "--standalone",
               str(JOB), str(out), str(ledger)]
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    figures = json.loads(out.read_text())
    print(json.dumps(figures))
    assert figures["job_gpu_j"] == pytest.approx(figures["plain_gpu_j"], rel=0.01)
    from energybill.ledger.store import Ledger

    [run] = Ledger(ledger).runs()
    assert run.status == "completed" and run.energy_j is not None

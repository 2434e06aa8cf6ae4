"""A 1-GPU torchrun job measured by the plain meter and as a distributed run (test_gpu_torchrun.py).

    torchrun --nproc_per_node=1 tests/gpu_torchrun_job.py OUT.json LEDGER.db
"""

from __future__ import annotations

import json
import sys
import time

import torch
import torch.distributed as dist

from energybill.measure.meter import Meter
from energybill.tracking import TrainingMeter


def burn(seconds: float) -> None:
    a = torch.randn(8192, 8192, device="cuda", dtype=torch.float16)
    b = torch.randn(8192, 8192, device="cuda", dtype=torch.float16)
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        for _ in range(20):
            a = (a @ b).clamp_(-1, 1)
        torch.cuda.synchronize()


def main(out: str, ledger: str) -> None:
    dist.init_process_group("gloo")
    torch.cuda.set_device(0)
    burn(1.0)  # warm up: CUDA context and kernels before either window opens
    plain = Meter(interval_s=0.5).start()
    plain.begin("plain")
    with TrainingMeter("torchrun-1gpu", ledger=ledger, distributed=True, interval_s=0.5) as tm:
        for epoch in range(3):
            with tm.epoch(epoch), tm.phase("train"):
                burn(3.0)
    reference = plain.end("plain")
    plain.stop()
    gpu = lambda devices: sum(d.energy_j for d in devices if d.device.component == "gpu")  # noqa: E731
    assert tm.result is not None
    figures = {"plain_gpu_j": gpu(reference.devices), "job_gpu_j": gpu(tm.result.devices),
               "plain_s": reference.duration_s, "job_s": tm.result.duration_s}
    with open(out, "w") as f:
        json.dump(figures, f)
    dist.destroy_process_group()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])

"""A 2-rank torchrun job on the CPU (tests/test_distributed.py): the launcher's own store, one host.

    torchrun --nproc_per_node=2 --standalone tests/torchrun_cpu_job.py LEDGER.db
"""

from __future__ import annotations

import sys

import torch
import torch.distributed as dist

from energybill.tracking import TrainingMeter


def main(ledger: str) -> None:
    dist.init_process_group("gloo")
    model = torch.nn.Linear(4, 1)
    with TrainingMeter("torchrun-cpu", ledger=ledger, interval_s=0.2, cpu_tdp_w=100.0) as tm:
        for epoch in range(2):
            with tm.epoch(epoch), tm.phase("train"):
                for _ in range(50):
                    loss = model(torch.randn(64, 4)).pow(2).mean()
                    loss.backward()
                    for p in model.parameters():  # data parallel by hand over the job's group
                        dist.all_reduce(p.grad)
    dist.destroy_process_group()


if __name__ == "__main__":
    main(sys.argv[1])

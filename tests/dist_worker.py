"""One rank of a test job: two fake hosts on this machine, fake GPUs and RAPL at the hardware seam.

Host ``node-a`` runs ranks 0 and 1, ``node-b`` ranks 2 and 3. Every rank of a host sees both of
its host's GPUs (a recorded NVML trace) and its RAPL package (a sysfs tree in the test's temp
folder): the shared devices a naive per-process meter would count twice. Time is a step clock
that the training loop advances, so that every figure can be worked out by hand.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

HOSTS = ("node-a", "node-a", "node-b", "node-b")
GPU_W = {"node-a": (100.0, 150.0), "node-b": (200.0, 250.0)}  # per GPU, constant power
CPU_W = {"node-a": 50.0, "node-b": 60.0}  # RAPL package-0 of each host
TRAIN_STEPS, EVAL_STEPS, EPOCHS = 3, 1, 2  # one step = one second of the step clock


class StepClock:
    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


def gpu_uuid(host: str, index: int) -> str:
    return f"GPU-{host}-{index}"


def nvml_trace(host: str) -> dict[str, object]:
    seconds = range(0, 60)
    return {"devices": [
        {"uuid": gpu_uuid(host, i), "name": "Fake A100",
         "samples": [(float(t), int(watts * t * 1000), int(watts * 1000)) for t in seconds]}
        for i, watts in enumerate(GPU_W[host])
    ]}


def make_sysfs(root: Path, host: str) -> Path:
    zone = root / host / "intel-rapl:0"
    zone.mkdir(parents=True, exist_ok=True)
    (zone / "name").write_text("package-0\n")
    (zone / "max_energy_range_uj").write_text("262143328850\n")
    (zone / "energy_uj").write_text("0\n")
    return root / host


def _set_rapl(root: Path, host: str, t: float) -> None:
    path = root / host / "intel-rapl:0" / "energy_uj"
    tmp = path.with_suffix(".tmp")
    tmp.write_text(f"{int(CPU_W[host] * t * 1_000_000)}\n")
    tmp.replace(path)


def rank_main(rank: int, world: int, port: int, tmp: str, lose: int | None, ddp: bool) -> None:
    host = HOSTS[rank]
    os.environ["ENERGYBILL_HOST"] = host
    os.environ["LOCAL_RANK"] = str(rank % 2)
    import torch
    import torch.distributed as dist

    from energybill.measure.backends.nvml import NvmlBackend, TraceSource
    from energybill.measure.backends.rapl import RaplBackend
    from energybill.tracking import DistributedRun, TrainingMeter

    root = Path(tmp)
    dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank, world_size=world,
                            timeout=timedelta(seconds=60))
    clock = StepClock()
    backends = [NvmlBackend(TraceSource(nvml_trace(host), clock), sync=None), RaplBackend(root / host)]
    run = DistributedRun("ddp-job", ledger=root / "noor.ledger.db", backends=backends, timeout_s=5.0,
                         meter_options={"clock": clock, "thread": False}, project="Noor", item="Noor 13B")
    model = torch.nn.Linear(4, 1)

    def step(train: bool) -> None:
        x = torch.randn(8, 4)
        loss = model(x).pow(2).mean()
        if train:
            model.zero_grad()
            loss.backward()
            if ddp:  # data parallel by hand: average the gradients over the job's process group
                for p in model.parameters():
                    dist.all_reduce(p.grad)
                    p.grad /= world
            with torch.no_grad():  # plain SGD
                for p in model.parameters():
                    p -= 0.01 * p.grad
        clock.t += 1.0
        if rank % 2 == 0:  # the host's CPU package: "hardware" that moves with time
            _set_rapl(root, host, clock.t)

    with TrainingMeter("ddp-job", run=run, on_epoch=lambda entry: None) as tm:
        for epoch in range(EPOCHS):
            with tm.epoch(epoch):
                with tm.phase("train"):
                    for _ in range(TRAIN_STEPS):
                        step(True)
                with tm.phase("eval"), torch.no_grad():
                    for _ in range(EVAL_STEPS):
                        step(False)
            if rank == lose:
                os._exit(17)  # the rank is lost: no final report, no clean shutdown
    dist.destroy_process_group()

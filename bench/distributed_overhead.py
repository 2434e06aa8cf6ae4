"""What counting each device once costs a distributed job, beside a single-process run.

    python bench/distributed_overhead.py [--ranks 4] [--epochs 20]

Each rank measures a fake GPU (a recorded NVML trace) with a ``TrainingMeter``; the table gives
the median wall time of its ``start`` (device plan over the job's store), an epoch edge
(``end_epoch``: window end + checkpoint to the store, + ledger write on rank 0) and ``finish``
(final report; rank 0 waits for all and records the job), for a gloo job of N ranks on this
machine and for the same loop as one local process writing to its own ledger (the peer).
"""

from __future__ import annotations

import argparse
import json
import socket
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def _meter_options() -> dict[str, Any]:
    from energybill.measure.backends.nvml import NvmlBackend, TraceSource

    trace = {"devices": [{"uuid": "GPU-bench", "name": "Fake", "samples": [(0.0, 0, 300_000)]}]}
    return {"backends": [NvmlBackend(TraceSource(trace, time.monotonic), sync=None)], "thread": False}


def _loop(tm: Any, epochs: int) -> dict[str, float]:
    t0 = time.perf_counter()
    tm.start()
    start_s = time.perf_counter() - t0
    edges = []
    for epoch in range(epochs):
        tm.begin_epoch(epoch)
        t0 = time.perf_counter()
        tm.end_epoch()
        edges.append(time.perf_counter() - t0)
    t0 = time.perf_counter()
    tm.finish()
    return {"start": start_s, "epoch edge": statistics.median(edges), "finish": time.perf_counter() - t0}


def rank_main(rank: int, world: int, port: int, tmp: str, epochs: int, out: str) -> None:
    import torch.distributed as dist

    from energybill.tracking import DistributedRun, TrainingMeter

    dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank, world_size=world,
                            timeout=timedelta(seconds=60))
    run = DistributedRun("bench", ledger=Path(tmp) / "job.db", meter_options=_meter_options(),
                         host=f"h{rank}")
    timings = _loop(TrainingMeter("bench", run=run, on_epoch=lambda e: None), epochs)
    Path(out, f"{rank}.json").write_text(json.dumps(timings))
    dist.destroy_process_group()


def local(tmp: str, epochs: int) -> dict[str, float]:
    from energybill.tracking import TrainingMeter

    tm = TrainingMeter("bench", ledger=Path(tmp) / "local.db", on_epoch=lambda e: None, distributed=False,
                       **_meter_options())
    return _loop(tm, epochs)


def main() -> None:
    import torch.multiprocessing as mp

    parser = argparse.ArgumentParser()
    parser.add_argument("--ranks", type=int, default=4)
    parser.add_argument("--epochs", type=int, default=20)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT / "bench"))
    with tempfile.TemporaryDirectory() as tmp:
        peer = local(tmp, args.epochs)
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        mp.start_processes(rank_main, args=(args.ranks, port, tmp, args.epochs, tmp), nprocs=args.ranks,
                           start_method="spawn")
        ranks = [json.loads(Path(tmp, f"{r}.json").read_text()) for r in range(args.ranks)]
    print(f"| step | local run (peer) ms | {args.ranks}-rank job, rank 0 ms | other ranks, median ms |")
    print("|---|--:|--:|--:|")
    for step in ("start", "epoch edge", "finish"):
        others = statistics.median(r[step] for r in ranks[1:])
        print(f"| {step} | {peer[step] * 1000:.2f} | {ranks[0][step] * 1000:.2f} | {others * 1000:.2f} |")


if __name__ == "__main__":
    main()

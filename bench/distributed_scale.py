"""torch.distributed at cluster size: what each rank and the coordinator's store pay, per rank count.

    python bench/distributed_scale.py                 # 8 and 16 gloo ranks on this machine
    python bench/distributed_scale.py --ranks 8 16 32 --epochs 40

Every rank runs a ``TrainingMeter`` over a fake GPU (a recorded NVML trace) with two phases per
epoch (3 windows per epoch), on one machine over gloo. The job's key-value store is wrapped in a
counter: store calls and bytes are counted per rank, for the device plan (``start``) and for each
epoch edge. Edges are timed on the coordinator (rank 0, which reads every rank's checkpoint and
writes the ledger) at the first and at the last epochs: if an edge's cost grew with the windows
already recorded, the last would be slower than the first.

The table's peer is the protocol before issue 16, counted from the same measured sizes: every
rank read every rank's device list (N² reads, each list served N times by rank 0's store) and
every checkpoint carried every window so far (the coordinator read N reports of all windows at
each edge). The last rows extrapolate both to 1,000 ranks (linear fit of the measured counts).
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


class CountingStore:
    """A ``torch.distributed.Store`` that counts calls and bytes (the part DistributedRun uses)."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.calls = 0
        self.bytes_read = 0
        self.bytes_written = 0

    def set(self, key: str, value: str) -> None:
        self.calls += 1
        self.bytes_written += len(value)
        self.inner.set(key, value)

    def get(self, key: str) -> bytes:
        self.calls += 1
        value: bytes = self.inner.get(key)
        self.bytes_read += len(value)
        return value

    def check(self, keys: list[str]) -> bool:
        self.calls += 1
        return bool(self.inner.check(keys))

    def snapshot(self) -> tuple[int, int, int]:
        return self.calls, self.bytes_read, self.bytes_written


def _meter_options() -> dict[str, Any]:
    from energybill.measure.backends.nvml import NvmlBackend, TraceSource

    trace = {"devices": [{"uuid": "GPU-bench", "name": "Fake", "samples": [(0.0, 0, 300_000)]}]}
    return {"backends": [NvmlBackend(TraceSource(trace, time.monotonic), sync=None)], "thread": False}


def rank_main(rank: int, world: int, port: int, tmp: str, epochs: int, out: str) -> None:
    import torch.distributed as dist

    from energybill.tracking import DistributedRun, TrainingMeter

    dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank, world_size=world,
                            timeout=timedelta(seconds=600))
    store = CountingStore(dist.distributed_c10d._get_default_store())
    run = DistributedRun("scale", ledger=Path(tmp) / "job.db", meter_options=_meter_options(),
                         host=f"h{rank}", store=store, timeout_s=600)
    tm = TrainingMeter("scale", run=run, on_epoch=lambda e: None, ledger=False)
    t0 = time.perf_counter()
    tm.start()
    start = {"s": time.perf_counter() - t0, "store": store.snapshot()}
    edges = []
    for epoch in range(epochs):
        tm.begin_epoch(epoch)
        for phase in ("train", "eval"):
            tm.begin_phase(phase)
            tm.end_phase(phase)
        dist.barrier()  # every rank's edge at once, as in a synchronous training loop
        before = store.snapshot()
        t0 = time.perf_counter()
        tm.end_epoch()
        took = time.perf_counter() - t0
        after = store.snapshot()
        edges.append({"s": took, "calls": after[0] - before[0], "read": after[1] - before[1],
                      "written": after[2] - before[2]})
    dist.barrier()
    tm.finish()
    Path(out, f"{rank}.json").write_text(json.dumps({"start": start, "edges": edges}))
    dist.destroy_process_group()


def _job(world: int, epochs: int) -> list[dict[str, Any]]:
    import torch.multiprocessing as mp

    with tempfile.TemporaryDirectory() as tmp:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        mp.start_processes(rank_main, args=(world, port, tmp, epochs, tmp), nprocs=world,
                           start_method="spawn")
        return [json.loads(Path(tmp, f"{r}.json").read_text()) for r in range(world)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ranks", type=int, nargs="+", default=[8, 16])
    parser.add_argument("--epochs", type=int, default=30)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT / "bench"))
    rows = []
    print(f"{args.epochs} epochs × 3 windows per rank; gloo on one machine; store calls counted per rank")
    print(f"{'ranks':>5} {'start s r0':>10} {'plan calls r0':>13} {'plan calls other':>16} "
          f"{'plan KB read, all':>17} {'edge calls r0':>13} {'edge KB r0':>10} {'edge ms r0 first/last':>22}")
    for world in args.ranks:
        ranks = _job(world, args.epochs)
        r0, others = ranks[0], ranks[1:]
        plan_calls_other = statistics.median(r["start"]["store"][0] for r in others)
        plan_read_kb = sum(r["start"]["store"][1] for r in ranks) / 1024
        seen_bytes = statistics.median(r["start"]["store"][2] for r in others)  # one device list
        edges = r0["edges"]
        k = max(1, len(edges) // 5)
        first = statistics.median(e["s"] for e in edges[1:k + 1]) * 1000
        last = statistics.median(e["s"] for e in edges[-k:]) * 1000
        edge_calls = statistics.median(e["calls"] for e in edges[1:])
        edge_kb = statistics.median(e["read"] for e in edges[1:]) / 1024
        report_bytes = statistics.median(e["written"] for r in others for e in r["edges"][1:])
        rows.append((world, plan_calls_other, plan_read_kb, edge_calls, edge_kb, seen_bytes, report_bytes))
        print(f"{world:>5} {r0['start']['s']:>10.2f} {r0['start']['store'][0]:>13} "
              f"{plan_calls_other:>16.0f} "
              f"{plan_read_kb:>17.1f} {edge_calls:>13.0f} {edge_kb:>10.1f} {first:>11.1f}/{last:<10.1f}",
              flush=True)
    world, _, _, edge_calls, edge_kb, seen_bytes, report_bytes = rows[-1]
    n = 1000
    windows = args.epochs * 3
    print(f"\nextrapolated to {n:,} ranks (from {world} measured; per-rank sizes as measured):")
    print(f"  device plan, store reads:   now {2 * n - 1:,} (coordinator N + one per rank)   "
          f"before {n * n:,} (every rank read every plan)")
    print(f"  device plan, bytes served:  now {2 * n * seen_bytes / 2**20:,.1f} MB   "
          f"before {n * n * seen_bytes / 2**30:,.2f} GB")
    from energybill.core.records import WindowRecord

    # One window as a report carries it (JSON), e.g. the train phase of epoch 12.
    window = WindowRecord("epoch 12/train", 12, "train", 1234.5, 61.2, 18_345.6)
    per_window = len(json.dumps(window.to_dict()))
    print(f"  coordinator per edge:       now {edge_calls / world * n:,.0f} store calls, "
          f"{edge_kb / world * n / 1024:,.2f} MB read (constant in the windows)   "
          f"before {n:,} reads of every window so far: {n * windows * per_window / 2**20:,.0f} MB "
          f"at window {windows}")
    print(f"  each rank per edge:         now {report_bytes:,.0f} bytes posted (new windows only)   "
          f"before {windows * per_window:,} bytes at window {windows}")


if __name__ == "__main__":
    main()

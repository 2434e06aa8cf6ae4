"""Record an illustrative set of the Atlas team's runs (examples/team.toml) into a ledger.

    python examples/team_runs.py [LEDGER]      # default: examples/team.ledger.db

The runs a team would record with ``energybill measure --tag ...`` or ``energybill.track(...,
tags=...)``, written here through the ledger's own API (IT energy of 8 GPUs each, in kWh):

| run | tags / item | status | kWh |
|---|---|---|--:|
| ablation no-dropout | experiment=atlas-ablations, ablation=no-dropout | completed | 36 |
| ablation rope-base | experiment=atlas-ablations, ablation=rope-base | completed | 36 |
| ablation long-ctx | experiment=atlas-ablations, ablation=long-ctx | failed | 18 |
| lr trial 1–4 | sweep=lr | completed | 9 each |
| Atlas 1B (first attempt) | item Atlas 1B | failed | 40 |
| Atlas 1B | item Atlas 1B | completed | 440 |
| eval | item Evaluation | completed | 6 |
"""

from __future__ import annotations

import sys
from pathlib import Path

from energybill.core.records import COUNTER, Device, DeviceEnergy, Measurement
from energybill.core.units import kwh_to_j
from energybill.ledger import record
from energybill.ledger.store import Ledger

PROJECT = "Atlas"
STARTED_UNIX = 1_767_225_600.0  # 2026-01-01 00:00 UTC
ABLATIONS = "atlas-ablations"

# (name, kWh, status, item, tags)
RUNS: list[tuple[str, float, str, str | None, dict[str, str]]] = [
    ("ablation no-dropout", 36.0, "completed", None, {"experiment": ABLATIONS, "ablation": "no-dropout"}),
    ("ablation rope-base", 36.0, "completed", None, {"experiment": ABLATIONS, "ablation": "rope-base"}),
    ("ablation long-ctx", 18.0, "failed", None, {"experiment": ABLATIONS, "ablation": "long-ctx"}),
    *[(f"lr trial {i}", 9.0, "completed", None, {"sweep": "lr", "lr": lr})
      for i, lr in enumerate(("1e-4", "3e-4", "6e-4", "1e-3"), start=1)],
    ("Atlas 1B (first attempt)", 40.0, "failed", "Atlas 1B", {"model": "atlas-1b"}),
    ("Atlas 1B", 440.0, "completed", "Atlas 1B", {"model": "atlas-1b"}),
    ("eval", 6.0, "completed", "Evaluation", {"model": "atlas-1b"}),
]


def record_runs(ledger: Ledger) -> list[str]:
    """Write every run of ``RUNS``; returns their ids in order."""
    gpus = Device("gpu:cluster-node", "gpu", COUNTER, "8 × GPU (node counter)", "example")
    ids = []
    for i, (name, kwh, status, item, tags) in enumerate(RUNS):
        started = STARTED_UNIX + i * 86_400.0
        result = Measurement(name, started, 3_600.0, (DeviceEnergy(gpus, kwh_to_j(kwh)),))
        ids.append(record.record_run(ledger, name, result, status=status, tags=tags, project=PROJECT,
                                     item=item, site="cluster", run_id=f"atlas-{i:02d}"))
    return ids


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).with_name("team.ledger.db")
    recorded = record_runs(Ledger(target))
    print(f"{len(recorded)} runs recorded in {target}")

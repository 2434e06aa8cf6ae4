"""Runs of an MLflow experiment, with the GPU power MLflow's system metrics recorded: one run each.

MLflow's system metrics monitor (``mlflow.enable_system_metrics_logging()``) logs each GPU's power
as ``system/gpu_<i>_power_usage_watts`` (NVML power, W) every ``sampling_interval`` seconds (10 s by
default). Energy per GPU = the trapezoid rule over its series (J = Σ (P_i + P_i+1) / 2 × Δt), with
the median sampling interval stated in the device's source. It is power integrated over time, not a
counter: method ``integrated-power``.

- A sample that is not a finite, non-negative power is skipped and counted.
- A gap of more than ``GAP_FACTOR`` × the median interval (the monitor stopped) is not bridged:
  the joules in it are unknown and not invented; the gaps are in the notes.
- MLflow's run id is kept (the ledger's run id is ``mlflow-<run id>``: importing twice keeps one),
  with its tags, the experiment and ``mlflow.parentRunId`` as lineage (``parent`` = the parent's
  ledger id).
- Runs still running are not imported; runs without any GPU power series are listed, not recorded.

mlflow is imported only here, when an import runs (``pip install 'energybill[mlflow]'``).
"""

from __future__ import annotations

import itertools
import math
import os
import re
import statistics
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from energybill.core.errors import EnergybillError
from energybill.core.records import INTEGRATED, Device, DeviceEnergy, Measurement
from energybill.telemetry.httpjson import printable, redact

POWER_METRIC = re.compile(r"system/gpu_(\d+)_power_usage_watts")
GAP_FACTOR = 5.0
STATUS = {"FINISHED": "completed", "FAILED": "failed", "KILLED": "interrupted"}
_TAG_KEY = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.:/-]{0,63}")
MAX_TAG_VALUE = 500
PAGE = 500


class MlflowImportError(EnergybillError):
    """MLflow missing, unreachable, or an experiment or answer that is not what its API says."""


@dataclass
class PowerIntegral:
    """One power series integrated with the trapezoid rule."""

    energy_j: float = 0.0
    samples: int = 0
    skipped: int = 0
    gaps: int = 0
    interval_s: float = math.nan
    first_s: float = math.nan
    last_s: float = math.nan


def integrate(points: Sequence[tuple[float, float]]) -> PowerIntegral:
    """J from ``(unix seconds, watts)`` samples: Σ (P_i + P_i+1) / 2 × Δt, gaps over GAP_FACTOR × the
    median interval left out (unknown, not invented)."""
    out = PowerIntegral()
    clean: dict[float, float] = {}
    for t_s, watts in points:
        if math.isfinite(t_s) and math.isfinite(watts) and watts >= 0:
            clean[t_s] = watts
        else:
            out.skipped += 1
    series = sorted(clean.items())
    out.samples = len(series)
    if len(series) < 2:
        return out
    steps = [b - a for (a, _), (b, _) in itertools.pairwise(series)]
    out.interval_s = statistics.median(steps)
    out.first_s, out.last_s = series[0][0], series[-1][0]
    for ((t0, p0), (t1, p1)), dt in zip(itertools.pairwise(series), steps, strict=True):
        if dt > GAP_FACTOR * out.interval_s:
            out.gaps += 1
            continue
        out.energy_j += (p0 + p1) / 2 * (t1 - t0)  # trapezoid rule
    return out


@dataclass
class ImportedRun:
    run_id: str  # MLflow's
    name: str
    status: str
    measurement: Measurement
    placements: dict[str, tuple[str, int | None]]
    tags: dict[str, str] = field(default_factory=dict)


@dataclass
class ExperimentImport:
    runs: list[ImportedRun]
    unfinished: list[str]
    without_power: list[str]
    skipped_samples: int
    dropped_tags: int


def _client(tracking_uri: str) -> Any:
    # Bounded time against a REST server: MLflow's client otherwise retries with backoff for minutes.
    os.environ.setdefault("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
    os.environ.setdefault("MLFLOW_HTTP_REQUEST_TIMEOUT", "30")
    try:
        from mlflow.tracking import MlflowClient
    except ImportError:
        raise MlflowImportError("energybill import mlflow needs MLflow: pip install 'energybill[mlflow]' "
                                "(mlflow-skinny with SQLAlchemy for sqlite:// stores)") from None
    import logging

    logging.getLogger("mlflow").setLevel(logging.ERROR)  # its warnings would be lines beside energybill's one
    return MlflowClient(tracking_uri=tracking_uri)


REMOTE = re.compile(r"^(https?://|databricks(://|$)|(postgresql|mysql|mssql)(\+\w+)?://)", re.IGNORECASE)


def check_store(tracking_uri: str) -> None:
    """An import only reads: the URI must name a server or an existing store. MLflow would otherwise
    create one (an empty URI made ./mlflow.db), or migrate another application's SQLite file."""
    if not tracking_uri.strip():
        raise MlflowImportError("--tracking-uri is empty: give sqlite:///path/to/mlflow.db, a folder of "
                                "runs (mlruns) or http(s)://host:port")
    if REMOTE.match(tracking_uri):
        return
    from energybill.core.files import path_problem

    problem = path_problem(tracking_uri.removeprefix("sqlite:///").removeprefix("file://"))
    if problem is not None:
        raise MlflowImportError(f"--tracking-uri: {problem}")
    if tracking_uri.startswith("sqlite:///"):
        check_sqlite_store(tracking_uri)
        return
    from pathlib import Path

    folder = Path(tracking_uri.removeprefix("file://"))
    if not folder.is_dir():
        raise MlflowImportError(f"{printable(tracking_uri)}: no such MLflow store (give sqlite:///path/to/"
                                "mlflow.db, an existing folder of runs or http(s)://host:port)")


def check_sqlite_store(tracking_uri: str) -> None:
    """A ``sqlite:///`` URI must name an existing MLflow store: MLflow would otherwise create one, or
    migrate another application's SQLite file to its schema, on what is meant as a read."""
    import sqlite3
    from pathlib import Path

    path = Path(tracking_uri.removeprefix("sqlite:///").split("?", 1)[0])
    where = printable(str(path))
    if not path.is_file():
        raise MlflowImportError(f"{where}: no such MLflow store (a sqlite:/// URI names an existing file)")
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=5)
        try:
            tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        finally:
            conn.close()
    except sqlite3.Error as exc:
        raise MlflowImportError(f"{where}: not an SQLite file ({printable(str(exc), 80)})") from None
    if not {"experiments", "runs", "metrics", "alembic_version"} <= tables:
        raise MlflowImportError(f"{where}: not an MLflow tracking store (no experiments/runs/metrics tables)")


def read_experiment(tracking_uri: str, experiment: str) -> ExperimentImport:
    """Every finished run of ``experiment`` with GPU power metrics, integrated; checked before use."""
    where = printable(redact(tracking_uri, tracking_uri))
    check_store(tracking_uri)
    try:
        client = _client(tracking_uri)
        found = client.get_experiment_by_name(experiment)
        if found is None:
            names = sorted(e.name for e in client.search_experiments())[:10]
            raise MlflowImportError(f"{where}: no experiment {printable(experiment)!r} "
                                    f"(experiments: {', '.join(printable(n, 40) for n in names) or 'none'})")
        out = ExperimentImport([], [], [], 0, 0)
        for run in _runs(client, found.experiment_id):
            _one(client, run, experiment, out)
        return out
    except EnergybillError:
        raise
    except Exception as exc:  # MlflowException, a REST answer that is not JSON, a store that is not MLflow's
        first = redact((str(exc).strip().splitlines() or [type(exc).__name__])[0], tracking_uri)
        raise MlflowImportError(f"{where}: MLflow could not be read ({printable(first, 200)})") from None


def _runs(client: Any, experiment_id: str) -> Iterator[Any]:
    token = None
    while True:
        page = client.search_runs([experiment_id], max_results=PAGE, page_token=token,
                                  order_by=["start_time ASC"])
        yield from page
        token = page.token
        if not token:
            return


def _one(client: Any, run: Any, experiment: str, out: ExperimentImport) -> None:
    info, data = run.info, run.data
    label = f"{info.run_name or info.run_id} ({info.run_id})"
    status = STATUS.get(str(info.status))
    if status is None:
        out.unfinished.append(f"{printable(label, 80)}: {info.status}")
        return
    keys = sorted((int(m[1]), key) for key in data.metrics if (m := POWER_METRIC.fullmatch(key)))
    if not keys:
        out.without_power.append(printable(label, 80))
        return
    start_s = float(info.start_time) / 1000
    end_s = float(info.end_time) / 1000 if info.end_time else math.nan
    host = "mlflow"
    devices: list[DeviceEnergy] = []
    notes: list[str] = []
    placements: dict[str, tuple[str, int | None]] = {}
    for index, key in keys:
        history = client.get_metric_history(info.run_id, key)
        integral = integrate([(float(m.timestamp) / 1000, float(m.value)) for m in history])
        out.skipped_samples += integral.skipped
        if integral.samples < 2:
            notes.append(f"GPU {index}: {integral.samples} usable sample(s), no energy figure")
            continue
        source = (f"MLflow system metrics {key} (NVML power), trapezoid over {integral.samples} samples, "
                  f"median interval {integral.interval_s:g} s")
        device = Device(f"{host}/gpu:{index}", "gpu", INTEGRATED,
                        f"GPU {index} (MLflow run {info.run_id[:8]})", source)
        devices.append(DeviceEnergy(device, integral.energy_j))
        placements[device.device_id] = (host, None)
        extra = ""
        if integral.gaps:
            extra += f", {integral.gaps} gap(s) over {GAP_FACTOR:g}× the interval left out"
        if integral.skipped:
            extra += f", {integral.skipped} sample(s) not a finite power skipped"
        notes.append(f"GPU {index}: {integral.samples} samples every {integral.interval_s:g} s{extra}")
        if math.isnan(end_s):
            end_s = integral.last_s
    if not devices:
        out.without_power.append(printable(label, 80))
        return
    tags, dropped = _lineage(info, data.tags, experiment)
    out.dropped_tags += dropped
    duration = max(0.0, (end_s if math.isfinite(end_s) else start_s) - start_s)
    name = info.run_name or info.run_id
    measurement = Measurement(name, start_s, duration, tuple(devices), notes=tuple(notes))
    out.runs.append(ImportedRun(info.run_id, name, status, measurement, placements, tags))


def _lineage(info: Any, tags: dict[str, str], experiment: str) -> tuple[dict[str, str], int]:
    """MLflow's run id, experiment, parent and the user's own tags (keys the ledger can hold)."""
    out = {"experiment": experiment, "mlflow_run_id": str(info.run_id)}
    parent = tags.get("mlflow.parentRunId")
    if parent:
        out["parent"] = f"mlflow-{parent}"
    dropped = 0
    for key, value in tags.items():
        if key.startswith("mlflow."):
            continue  # MLflow's own (source, user, git commit, …): not lineage
        if _TAG_KEY.fullmatch(key) and isinstance(value, str) and len(value) <= MAX_TAG_VALUE \
                and "\x00" not in value and key not in out:
            out[key] = value
        else:
            dropped += 1
    return out, dropped

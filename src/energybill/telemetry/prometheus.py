"""GPU energy of a past job from a Prometheus server that scrapes NVIDIA's DCGM exporter.

DCGM exports ``DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION``: each GPU's energy since the driver loaded,
in millijoules, labelled ``gpu``, ``UUID`` and ``Hostname`` (docs.nvidia.com, dcgm-exporter).

- We read the raw samples (a range-vector instant query, ``metric[Ns]``, in chunks of at most a
  day) rather than ``query_range``, whose step would resample the counter and could step over a
  reset. Samples at a chunk edge are de-duplicated by timestamp.
- Energy = the sum of the deltas between consecutive samples. A drop means the counter restarted
  from 0 (driver reload, exporter restart): the delta is then the new value, as Prometheus'
  ``increase()`` counts it. The joules between the last sample before a reset and the reset itself
  are unknown and not invented.
- A GPU is ``Hostname`` (else ``instance``) + ``UUID`` (else ``gpu``); if two scrape jobs return the
  same GPU (an HA pair), the series with the most samples is used, once.
- The energy covers the samples' span, not necessarily [start, end]: each device's first and last
  sample times are in the notes.
"""

from __future__ import annotations

import itertools
import json
import math
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TypedDict

from energybill.core.errors import EnergybillError
from energybill.core.records import COUNTER, Device, DeviceEnergy, Measurement

DCGM_ENERGY = "DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION"
CHUNK_S = 86_400
_MJ_PER_J = 1000.0


class PrometheusError(EnergybillError):
    """Prometheus cannot be reached, refuses the query, or has no matching series."""


@dataclass(frozen=True)
class Series:
    labels: dict[str, str]
    samples: tuple[tuple[float, float], ...]  # (unix seconds, value), time-ordered

    @property
    def host(self) -> str:
        return self.labels.get("Hostname") or self.labels.get("instance") or "?"

    @property
    def gpu(self) -> str:
        return self.labels.get("UUID") or f"gpu{self.labels.get('gpu', '?')}"


@dataclass(frozen=True)
class CounterEnergy:
    """What one counter series gives: joules, the span covered and the resets seen."""

    energy_j: float
    first_s: float
    last_s: float
    resets: int


def parse_time(text: str) -> float:
    """Unix seconds, or an ISO 8601 / RFC 3339 time (UTC when it has no offset)."""
    try:
        return float(text)
    except ValueError:
        pass
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{text!r} is neither unix seconds nor an ISO 8601 time "
                         "(e.g. 2026-11-26T05:00:00Z)") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def counter_energy(samples: Sequence[tuple[float, float]]) -> CounterEnergy:
    """Joules from a cumulative mJ counter: sum of deltas; after a drop (reset), the new value."""
    total_mj, resets = 0.0, 0
    for (_, before), (_, after) in itertools.pairwise(samples):
        if after < before:  # the counter restarted from 0
            total_mj += after
            resets += 1
        else:
            total_mj += after - before
    return CounterEnergy(total_mj / _MJ_PER_J, samples[0][0], samples[-1][0], resets)


def selector_query(metric: str, selector: str | None) -> str:
    """``metric{matchers}`` from a selector given with or without its braces."""
    inner = (selector or "").strip()
    if inner.startswith("{") and inner.endswith("}"):
        inner = inner[1:-1]
    return f"{metric}{{{inner}}}" if inner else metric


def fetch_series(url: str, query: str, start_s: float, end_s: float, timeout_s: float = 30.0) -> list[Series]:
    """Every raw sample of ``query`` in [start, end], read in chunks of at most a day."""
    merged: dict[tuple[tuple[str, str], ...], dict[float, float]] = {}
    t = start_s
    while t < end_s:
        chunk_end = min(t + CHUNK_S, end_s)
        window = max(1, math.ceil(chunk_end - t))
        for result in _instant(url, f"{query}[{window}s]", chunk_end, timeout_s):
            key = tuple(sorted(result["metric"].items()))
            points = merged.setdefault(key, {})
            for ts, value in result["values"]:
                if start_s <= float(ts) <= end_s:
                    points[float(ts)] = float(value)
        t = chunk_end
    return [Series(dict(key), tuple(sorted(points.items()))) for key, points in merged.items() if points]


class _MatrixSeries(TypedDict):
    """One series of a Prometheus range-vector answer (``resultType: matrix``), as JSON."""

    metric: dict[str, str]
    values: list[tuple[float, str]]  # [unix seconds, "value"] pairs


def _instant(url: str, query: str, at_s: float, timeout_s: float) -> list[_MatrixSeries]:
    params = urllib.parse.urlencode({"query": query, "time": f"{at_s:.3f}"})
    endpoint = url.rstrip("/") + "/api/v1/query?" + params
    try:
        with urllib.request.urlopen(endpoint, timeout=timeout_s) as response:
            body = json.load(response)
    except urllib.error.HTTPError as exc:
        raise PrometheusError(f"{url}: query {query!r} refused: {_error(exc)}") from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise PrometheusError(f"{url}: cannot reach Prometheus ({reason})") from None
    if body.get("status") != "success" or body["data"]["resultType"] != "matrix":
        raise PrometheusError(f"{url}: unexpected answer to {query!r}: {str(body)[:200]}")
    return list(body["data"]["result"])


def _error(exc: urllib.error.HTTPError) -> str:
    try:
        return str(json.load(exc).get("error", exc))
    except (ValueError, AttributeError):
        return str(exc)


def gpu_energy(series: Sequence[Series], source: str) -> Measurement:
    """One device per GPU (host + UUID, once), its joules from the counter, notes on coverage."""
    chosen: dict[tuple[str, str], Series] = {}
    for s in series:
        key = (s.host, s.gpu)
        if key not in chosen or len(s.samples) > len(chosen[key].samples):
            chosen[key] = s
    devices, notes = [], []
    starts, ends = [], []
    for (host, gpu), s in sorted(chosen.items()):
        if len(s.samples) < 2:
            notes.append(f"{host}/gpu:{gpu}: one sample only, no energy figure")
            continue
        counted = counter_energy(s.samples)
        label = f"GPU {s.labels.get('gpu', '?')} {s.labels.get('modelName', '')}".rstrip() + f" on {host}"
        device = Device(f"{host}/gpu:{gpu}", "gpu", COUNTER, label, source)
        devices.append(DeviceEnergy(device, counted.energy_j))
        starts.append(counted.first_s)
        ends.append(counted.last_s)
        reset_note = f", {counted.resets} counter reset(s)" if counted.resets else ""
        span = f"{_iso(counted.first_s)} → {_iso(counted.last_s)}"
        notes.append(f"{host}/gpu:{gpu}: samples {span}{reset_note}")
    started = min(starts, default=0.0)
    return Measurement("prometheus import", started, max(ends, default=started) - started, tuple(devices),
                       notes=tuple(notes))


def _iso(t: float) -> str:
    return datetime.fromtimestamp(t, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

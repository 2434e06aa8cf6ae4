"""GPU energy of a past job from a Prometheus server that scrapes NVIDIA's DCGM exporter.

DCGM exports ``DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION``: each GPU's energy since the driver loaded,
in millijoules, labelled ``gpu``, ``UUID`` and ``Hostname`` (docs.nvidia.com, dcgm-exporter).

Streaming, in bounded memory whatever the job's size (a 1,000-GPU week at a 15 s scrape is 40
million samples, several GB if held at once):

- The job's series are listed first (``/api/v1/series``); then each series is read on its own,
  in time chunks, with a range-vector instant query (``metric{all its labels}[Ns]``), never
  ``query_range``, whose step would resample the counter and could step over a reset.
- A chunk is sized from the density seen so far to hold about ``POINTS_PER_QUERY`` samples,
  under the 11,000 points per series that Prometheus allows a query. Each chunk is integrated
  and dropped: only a running sum per series is kept. Samples at a chunk edge are de-duplicated
  by timestamp (a sample not after the last one counted is skipped).
- Energy = the sum of the deltas between consecutive samples. A drop means the counter restarted
  from 0 (driver reload, exporter restart): the delta is then the new value, as Prometheus'
  ``increase()`` counts it. The joules between the last sample before a reset and the reset itself
  are unknown and not invented.
- A sample that is not a finite number (NaN, ±Inf) or is negative cannot be a cumulative energy
  counter: it is skipped and counted, and the count is in the run's notes and the summary.
- A GPU is ``Hostname`` (else ``instance``) + ``UUID`` (else ``gpu``); if two scrape jobs return the
  same GPU (an HA pair), the series with the most samples is used, once.
- The energy covers the samples' span, not necessarily [start, end]: each device's first and last
  sample times are in the notes.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from energybill.core.errors import EnergybillError
from energybill.core.records import COUNTER, Device, DeviceEnergy, Measurement
from energybill.telemetry.httpjson import HttpJsonError, JsonClient, printable

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

DCGM_ENERGY = "DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION"
POINTS_PER_QUERY = 10_000  # Prometheus refuses more than 11,000 points per series per query
FIRST_CHUNK_S = 1_800.0  # before the density is known: 1,800 points even at a 1 s scrape
MIN_CHUNK_S, MAX_CHUNK_S = 60.0, 86_400.0
MAX_WINDOW_DAYS = 400  # a longer --start/--end is a typo, not a job
LATEST_UNIX = 4_102_444_800.0  # 2100-01-01: later is not a time a job ran
DEFAULT_TIMEOUT_S = 1_800.0
DEFAULT_MAX_RESPONSE_MB = 64
_MJ_PER_J = 1000.0
_LABEL_NAME = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")

Progress = Callable[[int, int, int], None]  # (series done, series in all, samples counted so far)


class PrometheusError(EnergybillError):
    """Prometheus cannot be reached, refuses the query, answers out of shape, or has no series."""


@dataclass(frozen=True)
class CounterEnergy:
    """What one counter series gives: joules, the span covered and the resets seen."""

    energy_j: float
    first_s: float
    last_s: float
    resets: int


@dataclass
class Skipped:
    """Samples that cannot be a cumulative energy counter, skipped and counted."""

    not_finite: int = 0
    negative: int = 0

    @property
    def total(self) -> int:
        return self.not_finite + self.negative

    def note(self) -> str:
        return (f"skipped {self.total:,} sample(s) that cannot be an energy counter: "
                f"{self.not_finite:,} not finite (NaN/Inf), {self.negative:,} negative")


@dataclass
class CounterSum:
    """A running integration of one cumulative mJ counter: constant memory, fed chunk by chunk."""

    labels: dict[str, str]
    total_mj: float = 0.0
    resets: int = 0
    samples: int = 0
    first_s: float = math.nan
    last_s: float = math.nan
    last_value: float = math.nan
    seen_s: float = -math.inf  # the latest timestamp read, counted or skipped (chunk edges overlap)
    skipped: Skipped = field(default_factory=Skipped)

    def add(self, times_s: npt.NDArray[np.float64], values: npt.NDArray[np.float64]) -> None:
        """Add samples (any order): those not after ``seen_s`` are a chunk edge read twice."""
        import numpy as np

        order = np.argsort(times_s, kind="stable")
        times_s, values = times_s[order], values[order]
        new = times_s > self.seen_s
        new[1:] &= times_s[1:] > times_s[:-1]  # one sample per timestamp
        times_s, values = times_s[new], values[new]
        if not times_s.size:
            return
        self.seen_s = float(times_s[-1])
        finite = np.isfinite(values)
        negative = finite & (values < 0)
        self.skipped.not_finite += int(times_s.size - finite.sum())
        self.skipped.negative += int(negative.sum())
        good = finite & ~negative
        times_s, values = times_s[good], values[good]
        if not times_s.size:
            return
        if self.samples == 0:
            self.first_s = float(times_s[0])
            before = values[:-1]
            after = values[1:]
        else:
            before = np.concatenate(([self.last_value], values[:-1]))
            after = values
        dropped = after < before  # the counter restarted from 0: the new value is the delta
        self.total_mj += float(np.where(dropped, after, after - before).sum())
        self.resets += int(dropped.sum())
        self.last_s, self.last_value = float(times_s[-1]), float(values[-1])
        self.samples += int(times_s.size)

    def result(self) -> CounterEnergy:
        return CounterEnergy(self.total_mj / _MJ_PER_J, self.first_s, self.last_s, self.resets)

    @property
    def host(self) -> str:
        return self.labels.get("Hostname") or self.labels.get("instance") or "?"

    @property
    def gpu(self) -> str:
        return self.labels.get("UUID") or f"gpu{self.labels.get('gpu', '?')}"


def counter_energy(samples: Sequence[tuple[float, float]]) -> CounterEnergy:
    """Joules from a cumulative mJ counter: sum of deltas; after a drop (reset), the new value."""
    import numpy as np

    acc = CounterSum({})
    pairs = np.array(samples, dtype=np.float64).reshape(-1, 2)
    acc.add(pairs[:, 0], pairs[:, 1])
    return acc.result()


def parse_time(text: str) -> float:
    """Unix seconds, or an ISO 8601 / RFC 3339 time (UTC when it has no offset); finite."""
    try:
        value = float(text)
    except ValueError:
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            raise ValueError(f"{printable(text)!r} is neither unix seconds nor an ISO 8601 time "
                             "(e.g. 2026-11-26T05:00:00Z)") from None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        value = moment.timestamp()
    if not (math.isfinite(value) and 0 <= value <= LATEST_UNIX):
        raise ValueError(f"{printable(text)!r} is not a time between 1970 and 2100")
    return value


def check_window(start_s: float, end_s: float) -> None:
    """[start, end] must be a job's span: end after start, at most MAX_WINDOW_DAYS long."""
    if end_s <= start_s:
        raise PrometheusError("--end must be after --start")
    if end_s - start_s > MAX_WINDOW_DAYS * 86_400:
        raise PrometheusError(f"--start to --end spans {(end_s - start_s) / 86_400:,.0f} days; "
                              f"at most {MAX_WINDOW_DAYS} are allowed (one job's span)")


def selector_query(metric: str, selector: str | None) -> str:
    """``metric{matchers}`` from a selector given with or without its braces."""
    inner = (selector or "").strip()
    if inner.startswith("{") and inner.endswith("}"):
        inner = inner[1:-1]
    return f"{metric}{{{inner}}}" if inner else metric


def exact_selector(labels: dict[str, str]) -> str:
    """``{name="value", …}`` matching every label of one series (values escaped as PromQL strings)."""
    parts = []
    for name, value in sorted(labels.items()):
        if not _LABEL_NAME.fullmatch(name):
            raise PrometheusError(f"label name {printable(name)!r} is not a Prometheus label name")
        escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
        parts.append(f'{name}="{escaped}"')
    return "{" + ",".join(parts) + "}"


# -- the API, validated ---------------------------------------------------------------------------
class PrometheusApi:
    """``/api/v1/series`` and ``/api/v1/query`` answers, checked against their documented shape."""

    def __init__(self, url: str, timeout_s: float = DEFAULT_TIMEOUT_S,
                 max_response_mb: float = DEFAULT_MAX_RESPONSE_MB) -> None:
        try:
            self.http = JsonClient(url, timeout_s, int(max_response_mb * 2**20), "Prometheus")
        except HttpJsonError as exc:
            raise PrometheusError(str(exc)) from None
        self.url = self.http.url

    def close(self) -> None:
        self.http.close()

    def _data(self, path: str, params: dict[str, str], what: str) -> object:
        try:
            status, body = self.http.get(path, params)
        except HttpJsonError as exc:
            raise PrometheusError(str(exc)) from None
        if not isinstance(body, dict):
            raise self._shape(what, "not a JSON object")
        if body.get("status") != "success":
            error = body.get("error")
            detail = printable(str(error)) if isinstance(error, str) else "no error text"
            raise PrometheusError(f"{self.url}: {what} refused (HTTP {status}): {detail}")
        if "data" not in body:
            raise self._shape(what, "no 'data'")
        return body["data"]

    def series(self, query: str, start_s: float, end_s: float) -> list[dict[str, str]]:
        """The label sets of every series matching ``query`` in [start, end]."""
        data = self._data("/api/v1/series", {"match[]": query, "start": f"{start_s:.3f}",
                                             "end": f"{end_s:.3f}"}, f"the series of {query}")
        if not isinstance(data, list):
            raise self._shape(f"the series of {query}", "'data' is not a list")
        for labels in data:
            if not _is_labels(labels):
                raise self._shape(f"the series of {query}", "a series is not a map of label strings")
        return data

    def matrix(self, query: str, at_s: float) -> list[tuple[dict[str, str], list[object]]]:
        """A range-vector query's series: ``(labels, [[t, "value"], …])``, samples checked later."""
        what = f"the query {query}"
        data = self._data("/api/v1/query", {"query": query, "time": f"{at_s:.3f}"}, what)
        if not isinstance(data, dict) or data.get("resultType") != "matrix":
            raise self._shape(what, "not a range vector ('resultType' is not 'matrix')")
        result = data.get("result")
        if not isinstance(result, list):
            raise self._shape(what, "'result' is not a list")
        out = []
        for series in result:
            if not isinstance(series, dict) or not _is_labels(series.get("metric")) \
                    or not isinstance(series.get("values", []), list):
                raise self._shape(what, "a series is not {metric: {labels}, values: [[t, \"v\"], …]}")
            out.append((series["metric"], series.get("values", [])))
        return out

    def _shape(self, what: str, why: str) -> PrometheusError:
        return PrometheusError(f"{self.url}: the answer to {printable(what)} is not what Prometheus' "
                               f"HTTP API returns: {why}")


def _is_labels(value: object) -> bool:
    return isinstance(value, dict) and all(isinstance(k, str) and isinstance(v, str)
                                           for k, v in value.items())


# -- streaming --------------------------------------------------------------------------------------
@dataclass
class Imported:
    """The result of an import: one counter sum per series read, and the samples skipped."""

    series: list[CounterSum]
    skipped: Skipped
    queries: int


def stream_counters(api: PrometheusApi, query: str, start_s: float, end_s: float,
                    progress: Progress | None = None) -> Imported:
    """Integrate every series of ``query`` in [start, end], one series and one time chunk at a time."""
    listed = api.series(query, start_s, end_s)
    sums: list[CounterSum] = []
    skipped, queries, counted = Skipped(), 0, 0
    for done, labels in enumerate(listed):
        acc = CounterSum(dict(labels))
        queries += _read_series(api, acc, start_s, end_s)
        skipped.not_finite += acc.skipped.not_finite
        skipped.negative += acc.skipped.negative
        counted += acc.samples
        if acc.samples:
            sums.append(acc)
        if progress is not None:
            progress(done + 1, len(listed), counted)
    return Imported(sums, skipped, queries)


def _read_series(api: PrometheusApi, acc: CounterSum, start_s: float, end_s: float) -> int:
    """Feed one series' samples in [start, end] to ``acc``, chunk by chunk; returns the queries made."""
    selector = exact_selector(acc.labels)
    t, chunk_s, queries = start_s, FIRST_CHUNK_S, 0
    while t < end_s:
        chunk_end = min(t + chunk_s, end_s)
        window = math.ceil(chunk_end - t) + 1  # +1 s: the sample at t, in a left-open range (Prometheus 3)
        points = 0
        for labels, values in api.matrix(f"{selector}[{window}s]", chunk_end):
            if labels == acc.labels:  # the exact selector also matches series with more labels
                points += _feed(acc, values, start_s, end_s, api.url)
        queries += 1
        # Next chunk: about POINTS_PER_QUERY samples at the density just seen (bounded both ways).
        density = points / (chunk_end - t) if points else 0.0
        target = POINTS_PER_QUERY / density if density else chunk_s * 2
        chunk_s = min(MAX_CHUNK_S, max(MIN_CHUNK_S, target))
        t = chunk_end
    return queries


def _feed(acc: CounterSum, values: list[object], start_s: float, end_s: float, url: str) -> int:
    """Add ``[[t, "v"], …]`` to ``acc`` (parsed and checked as one array); returns the pairs read."""
    import numpy as np

    try:
        pairs = np.array(values, dtype=np.float64)
    except (TypeError, ValueError, OverflowError):
        pairs = None
    if pairs is None or (pairs.size and (pairs.ndim != 2 or pairs.shape[1] != 2)):
        raise PrometheusError(f"{url}: a sample is not [unix time, \"value\"]: "
                              f"{printable(repr(values[:2]), 60)}")
    if not pairs.size:
        return 0
    times_s = pairs[:, 0]
    finite_t = np.isfinite(times_s)
    acc.skipped.not_finite += int(pairs.shape[0] - finite_t.sum())
    inside = finite_t & (times_s >= start_s) & (times_s <= end_s)
    acc.add(times_s[inside], pairs[inside, 1])
    return int(pairs.shape[0])


def gpu_energy(series: Sequence[CounterSum], source: str, skipped: Skipped | None = None) -> Measurement:
    """One device per GPU (host + UUID, once), its joules from the counter, notes on coverage."""
    chosen: dict[tuple[str, str], CounterSum] = {}
    for s in series:
        key = (s.host, s.gpu)
        if key not in chosen or s.samples > chosen[key].samples:
            chosen[key] = s
    devices, notes = [], []
    starts, ends = [], []
    for (host, gpu), s in sorted(chosen.items()):
        if s.samples < 2:
            notes.append(f"{host}/gpu:{gpu}: one sample only, no energy figure")
            continue
        counted = s.result()
        label = f"GPU {s.labels.get('gpu', '?')} {s.labels.get('modelName', '')}".rstrip() + f" on {host}"
        device = Device(f"{host}/gpu:{gpu}", "gpu", COUNTER, label, source)
        devices.append(DeviceEnergy(device, counted.energy_j))
        starts.append(counted.first_s)
        ends.append(counted.last_s)
        reset_note = f", {counted.resets} counter reset(s)" if counted.resets else ""
        span = f"{_iso(counted.first_s)} → {_iso(counted.last_s)}"
        notes.append(f"{host}/gpu:{gpu}: samples {span}{reset_note}")
    if skipped is not None and skipped.total:
        notes.insert(0, skipped.note())
    started = min(starts, default=0.0)
    return Measurement("prometheus import", started, max(ends, default=started) - started, tuple(devices),
                       notes=tuple(notes))


def _iso(t: float) -> str:
    return datetime.fromtimestamp(t, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

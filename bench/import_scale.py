"""`energybill import prometheus` at cluster size: peak memory and time, streamed vs all-in-memory.

A fake Prometheus query API runs in its own process on loopback and generates DCGM-shaped energy
counters on the fly (nothing stored): GPUS GPUs (8 per host) scraped every STEP seconds for DAYS
days; GPU i draws 300 + (i mod 100) W, so its counter is (300 + i mod 100) W × (t − t0) × 1000 mJ
and the job's energy is known exactly. Like Prometheus it refuses more than 11,000 points of one
series in one query. Each measurement runs in a fresh process (peak RSS = ru_maxrss):

- streamed: energybill's importer (one series, one ~10,000-point chunk at a time);
- all-in-memory: the importer before issue 16 (every sample of the job held at once), at a
  smaller size given by --compare-gpus (at full size it needs several GB).

    python bench/import_scale.py                       # 1,000 GPUs × 7 days at 15 s (40 M samples)
    python bench/import_scale.py --gpus 100 --days 1   # a quick look
"""

from __future__ import annotations

import argparse
import http.server
import json
import math
import re
import resource
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

T0 = 1_795_669_200  # 2026-11-26T05:00:00Z
METRIC = "DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION"
MAX_POINTS = 11_000
_MATCHER = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')
_RANGE = re.compile(r"^(?:" + METRIC + r")?\{(.*)\}\[(\d+)s\]$|^" + METRIC + r"\[(\d+)s\]$")


def _labels(i: int) -> dict[str, str]:
    return {"__name__": METRIC, "Hostname": f"node-{i // 8:04d}", "UUID": f"GPU-{i:08x}", "gpu": str(i % 8),
            "modelName": "NVIDIA H100 80GB HBM3", "job": "dcgm"}


def _power_w(i: int) -> int:
    return 300 + i % 100


def expected_j(gpus: int, days: float, step: int) -> float:
    span = math.floor(days * 86_400 / step) * step
    return float(sum(_power_w(i) for i in range(gpus)) * span)


# -- the fake server (its own process) ---------------------------------------------------------------
class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    gpus: int
    step: int
    end: float


class _Handler(http.server.BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        url = urllib.parse.urlsplit(self.path)
        params = dict(urllib.parse.parse_qsl(url.query))
        if url.path == "/api/v1/series":
            body = json.dumps({"status": "success", "data": [_labels(i) for i in range(self.server.gpus)]})
            self._send(200, body.encode())
        elif url.path == "/api/v1/query":
            self._query(params["query"], float(params["time"]))
        else:
            self._send(404, b'{"status": "error", "error": "not found"}')

    def _query(self, query: str, at_s: float) -> None:
        match = _RANGE.match(query)
        if match is None:
            self._send(400, json.dumps({"status": "error", "error": f"unsupported: {query}"}).encode())
            return
        wanted = dict(_MATCHER.findall(match[1] or ""))
        window = float(match[2] or match[3])
        uuid = wanted.get("UUID")
        chosen = [int(uuid[4:], 16)] if uuid else range(self.server.gpus)
        k0 = max(0, math.floor((at_s - window - T0) / self.server.step) + 1)
        k1 = math.floor((min(at_s, self.server.end) - T0) / self.server.step)
        if k1 - k0 + 1 > MAX_POINTS:
            self._send(422, b'{"status": "error", "errorType": "execution", '
                            b'"error": "exceeded maximum resolution of 11,000 points per timeseries"}')
            return
        parts = []
        step = self.server.step
        for i in chosen:
            mj_per_step = _power_w(i) * step * 1000
            values = ",".join(f'[{T0 + k * step},"{k * mj_per_step}"]' for k in range(k0, k1 + 1))
            parts.append(f'{{"metric":{json.dumps(_labels(i))},"values":[{values}]}}')
        body = '{"status":"success","data":{"resultType":"matrix","result":[' + ",".join(parts) + "]}}"
        self._send(200, body.encode())

    def _send(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def serve(gpus: int, days: float, step: int) -> None:
    server = _Server(("127.0.0.1", 0), _Handler)
    server.gpus, server.step, server.end = gpus, step, T0 + days * 86_400
    print(server.server_address[1], flush=True)
    server.serve_forever()


# -- the two importers (each in its own process) ---------------------------------------------------
def measure_streamed(url: str, days: float) -> tuple[float, int, int]:
    from energybill.telemetry.prometheus import PrometheusApi, gpu_energy, stream_counters

    api = PrometheusApi(url, timeout_s=86_400)
    imported = stream_counters(api, METRIC, T0, T0 + days * 86_400)
    result = gpu_energy(imported.series, "bench")
    return result.energy_j or 0.0, len(result.devices), sum(s.samples for s in imported.series)


def measure_in_memory(url: str, days: float) -> tuple[float, int, int]:
    """The importer before issue 16: day-long chunks of the whole selector, every sample kept."""
    merged: dict[tuple[tuple[str, str], ...], dict[float, float]] = {}
    start, end = float(T0), T0 + days * 86_400
    t = start
    while t < end:
        chunk_end = min(t + 86_400, end)
        params = urllib.parse.urlencode({"query": f"{METRIC}[{math.ceil(chunk_end - t) + 1}s]",
                                         "time": f"{chunk_end:.3f}"})
        with urllib.request.urlopen(f"{url}/api/v1/query?{params}", timeout=600) as response:
            body = json.load(response)
        for result in body["data"]["result"]:
            points = merged.setdefault(tuple(sorted(result["metric"].items())), {})
            for ts, value in result["values"]:
                if start <= float(ts) <= end:
                    points[float(ts)] = float(value)
        t = chunk_end
    series = [sorted(points.items()) for points in merged.values()]
    total_mj = sum(s[-1][1] - s[0][1] for s in series)  # monotonic counters here: last − first
    return total_mj / 1000, len(series), sum(len(s) for s in series)


def _child(kind: str, url: str, days: float) -> None:
    began = time.perf_counter()
    energy_j, devices, samples = (measure_streamed if kind == "streamed" else measure_in_memory)(url, days)
    took = time.perf_counter() - began
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB
    print(json.dumps({"energy_j": energy_j, "devices": devices, "samples": samples, "s": took,
                      "peak_mb": peak_mb}))


def _run(kind: str, gpus: int, days: float, step: int) -> dict[str, float]:
    server = subprocess.Popen([sys.executable, __file__, "--serve", "--gpus", str(gpus), "--days", str(days),
                               "--step", str(step)], stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None
        url = f"http://127.0.0.1:{server.stdout.readline().strip()}"
        done = subprocess.run([sys.executable, __file__, "--child", kind, "--url", url, "--days", str(days)],
                              capture_output=True, text=True, check=True)
        out: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
        return out
    finally:
        server.terminate()
        server.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--gpus", type=int, default=1000)
    parser.add_argument("--days", type=float, default=7.0)
    parser.add_argument("--step", type=int, default=15, help="scrape interval, s")
    parser.add_argument("--compare-gpus", type=int, default=50,
                        help="size of the all-in-memory comparison (0: skip it)")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.gpus, args.days, args.step)
        return
    if args.child:
        _child(args.child, args.url, args.days)
        return
    sizes = [("streamed", args.gpus)]
    if args.compare_gpus:
        sizes = [("all-in-memory", args.compare_gpus), ("streamed", args.compare_gpus), *sizes]
    print(f"fake Prometheus: DCGM counters every {args.step} s for {args.days:g} days, "
          "at most 11,000 points per series per query")
    print(f"{'importer':<15} {'GPUs':>6} {'samples':>12} {'time (s)':>9} {'peak RSS (MB)':>14} "
          f"{'energy (kWh)':>13} {'exact?':>7}")
    for kind, gpus in sizes:
        out = _run(kind, gpus, args.days, args.step)
        want = expected_j(gpus, args.days, args.step)
        ok = "yes" if math.isclose(out["energy_j"], want, rel_tol=1e-9) and out["devices"] == gpus else "NO"
        print(f"{kind:<15} {gpus:>6,} {int(out['samples']):>12,} {out['s']:>9.1f} {out['peak_mb']:>14.0f} "
              f"{out['energy_j'] / 3.6e6:>13,.1f} {ok:>7}", flush=True)


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    main()

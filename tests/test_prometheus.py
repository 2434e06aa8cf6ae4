"""Cluster telemetry: a real Prometheus scrapes a DCGM-shaped exporter; a live run is scraped too.

The exporter serves each scrape path its own fixed sequence of counter values (mJ), so that the
job's energy is known by hand whatever the scrape timing: a run of increments, a reset, then a
frozen value (extra scrapes add nothing). Two scrape jobs read the same GPUs (an HA pair): each
GPU must still count once.
"""

from __future__ import annotations

import http.server
import json
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.conftest import EXAMPLES, run_cli, wait_until
from tests.fakehw import StepClock, gpu_meter_options

from energybill.ledger import record
from energybill.ledger.store import Ledger
from energybill.telemetry.prometheus import counter_energy, parse_time, selector_query

METRIC = "DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION"
# Per GPU: the values (mJ) served at the 1st, 2nd, … scrape of a path; the last one repeats.
SEQUENCES = {
    ("node-a", "GPU-aaaa-0000", "0"): [5_000_000, 5_250_000, 5_500_000, 5_750_000,  # reset after this
                                       250_000, 500_000, 750_000, 1_000_000],
    ("node-b", "GPU-bbbb-1111", "0"): [0, 100_000, 200_000, 300_000, 400_000, 500_000, 600_000, 700_000],
}
# By hand: node-a (5,750,000 − 5,000,000) + 1,000,000 after the reset = 1,750,000 mJ; node-b 700,000 mJ.
EXPECTED_J = {"node-a/gpu:GPU-aaaa-0000": 1750.0, "node-b/gpu:GPU-bbbb-1111": 700.0}
PATHS = ("/metrics", "/metrics-ha")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class DcgmExporter(http.server.ThreadingHTTPServer):
    """Serves DCGM-shaped counters on loopback; counts the scrapes of each path."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.scrapes = dict.fromkeys(PATHS, 0)
        self.lock = threading.Lock()

    def body(self, path: str) -> str:
        with self.lock:
            k = self.scrapes[path]
            self.scrapes[path] += 1
        lines = [f"# HELP {METRIC} Total energy consumption since boot (in mJ).", f"# TYPE {METRIC} counter"]
        for (host, uuid, gpu), values in SEQUENCES.items():
            labels = (f'gpu="{gpu}",UUID="{uuid}",device="nvidia{gpu}",modelName="NVIDIA A100",'
                      f'Hostname="{host}"')
            lines.append(f"{METRIC}{{{labels}}} {values[min(k, len(values) - 1)]}")
        return "\n".join(lines) + "\n"


class _Handler(http.server.BaseHTTPRequestHandler):
    server: DcgmExporter

    def do_GET(self) -> None:
        if self.path not in PATHS:
            self.send_error(404)
            return
        data = self.server.body(self.path).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; version=0.0.4")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def exporter() -> Iterator[DcgmExporter]:
    server = DcgmExporter()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def prometheus(tmp_path: Path, exporter: DcgmExporter) -> Iterator[str]:
    binary = shutil.which("prometheus")
    if binary is None:
        pytest.skip("Debian's prometheus is not installed (.ci/run installs it: apt-get install prometheus)")
    target = f"127.0.0.1:{exporter.server_address[1]}"
    jobs = "".join(f"  - job_name: {name}\n    metrics_path: {path}\n"
                   f"    static_configs: [{{targets: ['{target}']}}]\n"
                   for name, path in (("dcgm", PATHS[0]), ("dcgm-ha", PATHS[1])))
    config = tmp_path / "prometheus.yml"
    config.write_text(f"global:\n  scrape_interval: 200ms\n  scrape_timeout: 150ms\nscrape_configs:\n{jobs}")
    address = f"127.0.0.1:{_free_port()}"
    proc = subprocess.Popen([binary, f"--config.file={config}", f"--storage.tsdb.path={tmp_path / 'data'}",
                             f"--web.listen-address={address}", "--log.level=warn"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        _wait_ready(f"http://{address}", proc)
        yield f"http://{address}"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _wait_ready(url: str, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"prometheus exited: {proc.stderr.read().decode()[-2000:]}")  # type: ignore[union-attr]
        try:
            with urllib.request.urlopen(url + "/-/ready", timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.1)
    pytest.fail("prometheus was not ready within 30 s")


def test_import_from_a_real_prometheus_counts_each_gpu_once_across_a_reset(
        tmp_path: Path, exporter: DcgmExporter, prometheus: str) -> None:
    start = time.time() - 1
    needed = max(len(v) for v in SEQUENCES.values()) + 1
    deadline = time.monotonic() + 60
    while min(exporter.scrapes.values()) < needed and time.monotonic() < deadline:
        time.sleep(0.1)
    assert min(exporter.scrapes.values()) >= needed, "Prometheus did not scrape the exporter"
    time.sleep(0.5)  # the last scrapes reach the head block
    end = time.time()
    project = tmp_path / "noor.toml"
    shutil.copy(EXAMPLES / "noor.toml", project)
    ledger = tmp_path / "noor.ledger.db"  # beside the project file, where the bill looks
    done = run_cli("import", "prometheus", "--url", prometheus, "--start", f"{start:.3f}",
                   "--end", f"{end:.3f}", "--selector", '{Hostname=~"node-.*"}', "--project", str(project),
                   "--item", "Noor 13B")
    assert done.returncode == 0, done.stderr
    [run] = Ledger(ledger).runs()
    devices = {d["device_id"]: d for d in record.per_device(Ledger(ledger), run.id)}
    assert {k: d["energy_j"] for k, d in devices.items()} == pytest.approx(EXPECTED_J)
    assert run.energy_j == pytest.approx(2450.0)
    assert record.per_node(Ledger(ledger), run.id) == pytest.approx({"node-a": 1750.0, "node-b": 700.0})
    assert run.item == "Noor 13B" and run.status == "completed"
    assert run.started_unix == pytest.approx(start, abs=0.01)
    assert run.duration_s == pytest.approx(end - start, abs=0.01)
    assert "1 counter reset(s)" in run.notes
    # On the project's bill, beside the estimate: 2450 J × PUE 1.5 (noor-hpc) = 1.02e-3 kWh.
    bill = json.loads(run_cli("bill", str(project), "--format", "json").stdout)
    [noor] = [i for i in bill["items"] if i["name"] == "Noor 13B"]
    assert noor["details"]["measured_energy_kwh"] == pytest.approx(2450 / 3.6e6 * 1.5)
    assert noor["details"]["measured_runs"] == run.id


def test_import_errors_are_one_line_with_exit_2(tmp_path: Path) -> None:
    dead = f"http://127.0.0.1:{_free_port()}"
    done = run_cli("import", "prometheus", "--url", dead, "--start", "100", "--end", "200",
                   "--ledger", str(tmp_path / "r.db"))
    assert done.returncode == 2
    assert "cannot reach Prometheus" in done.stderr and "Traceback" not in done.stderr
    done = run_cli("import", "prometheus", "--url", dead, "--start", "yesterday", "--end", "200")
    assert done.returncode == 2 and "ISO 8601" in done.stderr


def test_counter_energy_adds_the_post_reset_value() -> None:
    samples = [(0.0, 1000.0), (1.0, 3000.0), (2.0, 500.0), (3.0, 1500.0)]
    counted = counter_energy(samples)
    assert counted.energy_j == pytest.approx((2000 + 500 + 1000) / 1000)
    assert counted.resets == 1 and (counted.first_s, counted.last_s) == (0.0, 3.0)


def test_selectors_and_times() -> None:  # `date -u -d 2026-11-26T05:00:00Z +%s` = 1795669200
    assert selector_query(METRIC, '{Hostname="a"}') == METRIC + '{Hostname="a"}'
    assert selector_query(METRIC, 'Hostname="a"') == METRIC + '{Hostname="a"}'
    assert selector_query(METRIC, None) == METRIC
    assert parse_time("2026-11-26T05:00:00Z") == parse_time("2026-11-26T05:00:00") == 1795669200.0
    assert parse_time("1795669200.5") == 1795669200.5


# -- the live endpoint ------------------------------------------------------------------------------
def _scrape(url: str) -> dict[tuple[str, str], float]:
    from prometheus_client.parser import text_string_to_metric_families

    with urllib.request.urlopen(url, timeout=5) as response:
        text = response.read().decode()
    out = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            out[(sample.name, sample.labels.get("device", ""))] = sample.value
    return out


def test_live_exporter_serves_the_meters_counters(tmp_path: Path) -> None:
    pytest.importorskip("prometheus_client")
    from energybill.measure.meter import Meter
    from energybill.telemetry.exporter import serve

    clock = StepClock()
    meter = Meter(**gpu_meter_options(clock, {"GPU-live": 300.0})).start()
    exporter = serve(meter, port=0, run="live", host="node-x")
    try:
        assert exporter.url.startswith("http://127.0.0.1:")
        clock.advance(10)
        meter.tick()
        first = _scrape(exporter.url)
        energy = ("energybill_energy_joules_total", "gpu:GPU-live")
        assert first[energy] == pytest.approx(3000.0)  # 300 W × 10 s
        assert first[("energybill_run_duration_seconds", "")] == pytest.approx(10.0)
        clock.advance(5)
        meter.tick()
        assert _scrape(exporter.url)[energy] == pytest.approx(4500.0)
    finally:
        exporter.stop()
        meter.stop()


def test_live_counters_start_at_the_runs_window_not_at_the_meters_start() -> None:
    """``measure`` starts the meter, writes the run's first ledger row (a lock may hold it for
    seconds), then opens the run's window: the counters served count from the window, so they end
    at the figure the ledger records (they were ahead by what the meter read before the window)."""
    pytest.importorskip("prometheus_client")
    from energybill.measure.meter import Meter
    from energybill.telemetry.exporter import serve

    clock = StepClock()
    meter = Meter(**gpu_meter_options(clock, {"GPU-live": 300.0})).start()
    clock.advance(10)  # 10 s at 300 W before the window: the ledger's first write
    meter.begin("live")
    exporter = serve(meter, port=0, run="live", host="node-x", window="live")
    try:
        clock.advance(5)
        meter.tick()
        energy = ("energybill_energy_joules_total", "gpu:GPU-live")
        assert _scrape(exporter.url)[energy] == pytest.approx(1500.0)  # 300 W × 5 s, not 4500
        (device,) = meter.end("live").devices
        assert device.energy_j == pytest.approx(1500.0)
    finally:
        exporter.stop()
        meter.stop()


def test_measure_prometheus_port_is_scraped_while_the_command_runs(tmp_path: Path) -> None:
    pytest.importorskip("prometheus_client")
    ledger, scraped = tmp_path / "runs.db", tmp_path / "scraped"
    # the command runs until the test has scraped (not for a fixed time a loaded machine may not
    # leave: the endpoint closes with the command); 120 s at most, should the test fail first
    wait = (f"import os, time\nend = time.monotonic() + 120\n"
            f"while not os.path.exists({str(scraped)!r}) and time.monotonic() < end: time.sleep(0.02)")
    proc = subprocess.Popen(
        [sys.executable, "-m", "energybill", "measure", "--prometheus-port", "0", "--interval", "0.1",
         "--ledger", str(ledger), "--", sys.executable, "-c", wait],
        stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stderr is not None
        line = proc.stderr.readline()
        match = re.search(r"(http://127\.0\.0\.1:\d+/metrics)", line)
        assert match, line
        energies: dict[str, float] = {}

        def counted() -> bool:  # the meter has read its devices at least once
            energies.update((dev, v) for (name, dev), v in _scrape(match.group(1)).items()
                            if name == "energybill_energy_joules_total")
            return bool(energies)

        assert wait_until(counted)
        scraped.write_text("")
        assert all(v >= 0 for v in energies.values())
        assert proc.wait(timeout=60) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    [run] = Ledger(ledger).runs()
    recorded = {d["device_id"]: d["energy_j"] for d in Ledger(ledger).devices(run.id)}
    assert set(energies) == set(recorded)
    for device, joules in energies.items():  # a counter: the scrape mid-run is at most the final figure
        assert joules <= recorded[device] + 1e-9

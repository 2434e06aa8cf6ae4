"""A live run's energy counters for Prometheus to scrape (``energybill measure --prometheus-port``).

    exporter = serve(meter, port=9464)      # http://127.0.0.1:9464/metrics
    ...
    exporter.stop()

Exposed, per device (labels ``run``, ``host``, ``device``, ``component``, ``method``):

- ``energybill_energy_joules_total``: joules since the run began, as of the meter's last sample
  (a counter: ``rate()`` of it is the device's power);
- ``energybill_run_duration_seconds``: seconds the run has been measured.

Values come from the meter's last sample (the sampler thread reads the hardware; a scrape never
does). Bound to 127.0.0.1 unless an address is given: a meter is no public service.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from energybill.measure.meter import Meter

LOOPBACK = "127.0.0.1"


class MeterCollector:
    """A ``prometheus_client`` collector that reads the meter at scrape time."""

    def __init__(self, meter: Meter, run: str, host: str | None = None, window: str | None = None) -> None:
        self.meter = meter
        self.run = run
        self.host = host or socket.gethostname()
        self.started_s = meter.clock()
        # counted from the run's window, not from the meter's start: the ledger's first write comes
        # between the two, and the counter must end at the figure the ledger records
        self.base_j = meter.base_j(window) if window is not None else {}

    def collect(self) -> Iterator[Any]:
        from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

        energy = CounterMetricFamily("energybill_energy_joules",
                                     "Energy used since the run began, per device",
                                     labels=["run", "host", "device", "component", "method"])
        latest = dict(self.meter.latest_j)
        for device in self.meter.devices:
            if device.device_id in latest:
                labels = [self.run, self.host, device.device_id, device.component, device.method]
                energy.add_metric(labels, latest[device.device_id] - self.base_j.get(device.device_id, 0.0))
        yield energy
        duration = GaugeMetricFamily("energybill_run_duration_seconds", "Seconds the run has been measured",
                                     labels=["run", "host"])
        duration.add_metric([self.run, self.host], self.meter.clock() - self.started_s)
        yield duration


@dataclass
class Exporter:
    """A running exporter; ``stop`` shuts its HTTP server down."""

    server: Any
    thread: Any
    addr: str
    port: int

    @property
    def url(self) -> str:
        return f"http://{self.addr}:{self.port}/metrics"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


def serve(meter: Meter, port: int, addr: str = LOOPBACK, run: str = "run",
          host: str | None = None, window: str | None = None) -> Exporter:
    """Serve the meter's counters on ``addr:port`` (port 0: any free port) in a daemon thread;
    ``window``: the open window the counters start from (else the meter's start)."""
    from prometheus_client import CollectorRegistry, start_http_server

    registry = CollectorRegistry()
    registry.register(MeterCollector(meter, run, host, window))
    server, thread = start_http_server(port, addr=addr, registry=registry)
    return Exporter(server, thread, addr, int(server.server_port))

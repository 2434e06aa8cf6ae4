"""Cluster telemetry: import GPU energy from Prometheus (DCGM exporter), export a live run's counters."""

"""``--prometheus-port`` / ``--prometheus-addr`` for ``energybill measure``: a live run, scrapable.

Kept out of ``cli/measure.py`` so that the command only needs one decorator and two lines: the
options store their values in the click context, ``start_exporter(run)`` reads them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])
_KEY = "energybill.prometheus"


def _remember(ctx: click.Context, param: click.Parameter, value: object) -> None:
    ctx.meta.setdefault(_KEY, {})[param.name] = value


def prometheus_options(f: F) -> F:
    """Add the exporter's options to a command (their values go to the click context)."""
    port = click.option("--prometheus-port", type=click.IntRange(0, 65535), expose_value=False,
                        callback=_remember, help="Serve the live run's energy counters for Prometheus on "
                        "this port (/metrics); 0 picks a free port.  [default: off]")
    addr = click.option("--prometheus-addr", default="127.0.0.1", show_default=True, expose_value=False,
                        callback=_remember, help="Address the exporter binds to (loopback unless told).")
    return port(addr(f))


def start_exporter(run: Any) -> Any:
    """Start the exporter for a started ``Run`` if ``--prometheus-port`` was given; else None."""
    ctx = click.get_current_context(silent=True)
    options = ctx.meta.get(_KEY, {}) if ctx is not None else {}
    if options.get("prometheus_port") is None:
        return None
    from energybill.measure.distributed import host_name
    from energybill.telemetry.exporter import serve

    exporter = serve(run.meter, options["prometheus_port"], options["prometheus_addr"], run.name, host_name())
    click.echo(f"energybill: live counters at {exporter.url}", err=True)
    return exporter

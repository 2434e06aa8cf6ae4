"""``--prometheus-port`` / ``--prometheus-addr`` for ``energybill measure``: a live run, scrapable.

Kept out of ``cli/measure.py`` so that the command only needs one decorator and two lines: the
options store their values in the click context, ``start_exporter(run)`` reads them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

from energybill.core.errors import EnergybillError

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


def _options() -> dict[str, Any]:
    ctx = click.get_current_context(silent=True)
    options: dict[str, Any] = ctx.meta.get(_KEY, {}) if ctx is not None else {}
    return options


def check_exporter() -> None:
    """Bind the exporter's address once before anything runs or is recorded: an address that does
    not resolve or a port in use is one line (exit 2), not a traceback after the run began."""
    import socket

    options = _options()
    port, addr = options.get("prometheus_port"), options.get("prometheus_addr")
    if port is None:
        return
    try:
        family, kind, _, _, address = socket.getaddrinfo(
            addr or None, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)[0]
        with socket.socket(family, kind) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the exporter's server
            probe.bind(address)
    except OSError as exc:
        raise _cannot_serve(port, addr, exc) from None


def _cannot_serve(port: int, addr: str | None, exc: OSError) -> EnergybillError:
    return EnergybillError(
        f"--prometheus-port {port} on {addr!r}: cannot serve there ({exc.strerror or exc}); choose "
        "another port (0 picks a free one) or --prometheus-addr"
    )


def start_exporter(run: Any) -> Any:
    """Start the exporter for a started ``Run`` if ``--prometheus-port`` was given; else None."""
    options = _options()
    if options.get("prometheus_port") is None:
        return None
    from energybill.measure.distributed import host_name
    from energybill.telemetry.exporter import serve

    try:
        exporter = serve(run.meter, options["prometheus_port"], options["prometheus_addr"], run.name,
                         host_name(), window=run.name)
    except OSError as exc:  # taken between the check and now
        raise _cannot_serve(options["prometheus_port"], options["prometheus_addr"], exc) from None
    click.echo(f"energybill: live counters at {exporter.url}", err=True)
    return exporter

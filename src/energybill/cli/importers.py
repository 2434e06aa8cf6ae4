"""``energybill import …``: record a job measured by someone else's telemetry as a run in the ledger."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from energybill.cli.ledger_help import LEDGER_HELP

if TYPE_CHECKING:
    from energybill.core.records import Measurement

    _FloatParam = click.ParamType[float]  # typed by its value in click's stubs
else:
    _FloatParam = click.ParamType  # not subscriptable at run time before click 8.2


class _Time(_FloatParam):
    """Unix seconds or ISO 8601, finite, 1970-2100; a bad one is one line naming the option."""

    name = "TIME"

    def convert(self, value: object, param: click.Parameter | None, ctx: click.Context | None) -> float:
        from energybill.core.errors import EnergybillError
        from energybill.telemetry.prometheus import parse_time

        if isinstance(value, float):
            return value
        try:
            return parse_time(str(value))
        except ValueError as exc:
            option = param.opts[0] if param is not None and param.opts else "time"
            raise EnergybillError(f"{option}: {exc}") from None


@click.group("import")
def import_() -> None:
    """Import the energy of a job measured elsewhere (cluster telemetry) into the ledger."""


@import_.command("prometheus")
@click.option("--url", required=True, help="Prometheus base URL, e.g. http://prometheus:9090")
@click.option("--start", "start_s", required=True, type=_Time(),
              help="Job start: unix seconds or ISO 8601 (UTC if no offset).")
@click.option("--end", "end_s", required=True, type=_Time(),
              help="Job end, same forms as --start; at most 400 days after it.")
@click.option("--selector", help='Label matchers for the job\'s GPUs, e.g. \'Hostname=~"node-0[1-4]"\'.')
@click.option("--metric", default="DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION", show_default=True,
              help="Cumulative per-GPU energy counter in millijoules.")
@click.option("--name", default="prometheus import", show_default=True, help="Name of the run.")
@click.option("--timeout", "timeout_s", type=click.FloatRange(min=0.1, max=86_400), default=1800.0,
              show_default=True, help="Overall deadline of the import in seconds (every query shares it).")
@click.option("--max-response-mb", type=click.FloatRange(min=0.001, max=4096), default=64.0,
              show_default=True, help="Largest answer accepted from the server, in MiB.")
@click.option("--project", "project_file", type=click.Path(path_type=Path),
              help="Project file the job belongs to; the ledger defaults to <project>.ledger.db beside it.")
@click.option("--item", help="Name of the project item the job measures (it lands on the bill there).")
@click.option("--site", help="Site the job ran at; default: the item's site.")
@click.option("--ledger", metavar="FILE|URL", help=LEDGER_HELP)
def prometheus(url: str, start_s: float, end_s: float, selector: str | None, metric: str, name: str,
               timeout_s: float, max_response_mb: float, project_file: Path | None, item: str | None,
               site: str | None, ledger: str | None) -> None:
    """Read GPU energy counters (NVIDIA DCGM exporter) from Prometheus and record the job as a run.

    Every GPU (Hostname + UUID) counts once; counter resets are handled (after a drop the counter
    counts from 0 again). The energy covers the samples found in [START, END]; the notes give
    each GPU's first and last sample. Series are read one at a time in chunks of about 10,000
    samples (memory stays flat whatever the job's size). Samples that are not finite or negative
    are skipped and counted in the summary. Redirects to another host are refused. Nothing is
    written to the ledger unless the whole import succeeds.

    \b
    Examples:
        energybill import prometheus --url http://prom:9090 \\
            --start 2026-11-20T08:00:00Z --end 2026-11-22T20:00:00Z \\
            --selector 'Hostname=~"gpu-node-(0[1-9]|1[0-9]|20)"' \\
            --project noor.toml --item "Noor 13B"
        energybill bill noor.toml
        energybill import prometheus --url http://127.0.0.1:9090 --start 1795670000 --end 1795673600
    """
    from dataclasses import replace

    from energybill.cli.measure import _project_context
    from energybill.core.errors import EnergybillError
    from energybill.core.records import RunExtras
    from energybill.ledger.paths import resolve
    from energybill.ledger.record import record_run
    from energybill.ledger.store import Ledger
    from energybill.telemetry.prometheus import (
        PrometheusApi,
        check_window,
        gpu_energy,
        selector_query,
        stream_counters,
    )

    check_window(start_s, end_s)
    if item is not None and project_file is None:
        raise EnergybillError("--item needs --project FILE (the project the item belongs to)")
    context = _project_context(project_file, item, site)
    query = selector_query(metric, selector)
    api = PrometheusApi(url, timeout_s, max_response_mb)
    try:
        with _progress("Prometheus series") as advance:
            imported = stream_counters(api, query, start_s, end_s, advance)
    finally:
        api.close()
    if not imported.series:
        raise EnergybillError(f"{api.url}: no {query} samples between --start and --end")
    source = f"Prometheus {api.url}: {metric} (DCGM exporter, mJ counter deltas, resets handled)"
    measured = gpu_energy(imported.series, source, imported.skipped)
    result = replace(measured, name=name, started_unix=start_s, duration_s=end_s - start_s)
    placements: dict[str, tuple[str, int | None]] = {
        d.device.device_id: (d.device.device_id.split("/", 1)[0], None) for d in result.devices
    }
    path = resolve(ledger, project_file)
    hosts = sorted({host for host, _ in placements.values()})
    tags = {k: context[k] for k in ("project", "item", "site")}
    run_id = record_run(Ledger(path), name, result, RunExtras(placements=placements), host=",".join(hosts),
                        command=f"import prometheus {query}", **tags)
    _summary(run_id, result, path, context)
    if imported.skipped.total:
        click.echo(imported.skipped.note(), err=True)


@contextmanager
def _progress(what: str) -> Iterator[Callable[[int, int, int], None]]:
    """A rich progress bar on stderr (a terminal only: nothing in logs or pipes); yields its advance."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    console = Console(stderr=True)
    bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                   TextColumn("{task.fields[samples]:,} samples"), TimeRemainingColumn(),
                   console=console, disable=not console.is_terminal, transient=True)
    task = bar.add_task(what, total=None, samples=0)

    def advance(done: int, total: int, samples: int) -> None:
        bar.update(task, completed=done, total=total, samples=samples)

    with bar:
        yield advance


def _summary(run_id: str, result: Measurement, path: Path | str, context: dict[str, Any]) -> None:
    from energybill.cli.runs import print_summary

    print_summary(result, run_id, path, context["intensity"], context["pue"])

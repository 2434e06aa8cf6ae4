"""``energybill import …``: record a job measured by someone else's telemetry as a run in the ledger."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from energybill.cli.ledger_help import LEDGER_HELP
from energybill.cli.options import Finite, file_path

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
@click.option("--timeout", "timeout_s", type=Finite(min=0.1, max=86_400), default=1800.0,
              show_default=True, help="Overall deadline of the import in seconds (every query shares it).")
@click.option("--max-response-mb", type=Finite(min=0.001, max=4096), default=64.0,
              show_default=True, help="Largest answer accepted from the server, in MiB.")
@click.option("--project", "project_file", type=file_path(),
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
    import hashlib
    from dataclasses import replace

    from energybill.cli.measure import _project_context
    from energybill.core.errors import EnergybillError
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
    # The same server, query and window give the same run id: importing a job twice keeps one run.
    key = hashlib.sha256(f"{api.url}\n{query}\n{start_s!r}\n{end_s!r}".encode()).hexdigest()[:16]
    run = _ImportRun(f"prometheus-{key}", name, "completed", result, placements, {},
                     f"import prometheus {query}")
    path, _ = _record_all(ledger, project_file, context, [run])
    _summary(run.run_id, result, path, context)
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


@import_.command("slurm")
@click.option("--job", "jobs", required=True, metavar="ID[,ID…]",
              help="Slurm job ids, comma-separated; an array job's id imports every task (4242), "
              "or one task (4242_7).")
@click.option("--since", "since_s", type=_Time(), help="Passed to sacct as --starttime (jobs that started "
              "after it).  [default: sacct's own: every job with these ids]")
@click.option("--device", help="Catalog device the GPUs are, for jobs without Slurm energy counters "
              "(modelled: GPU-hours × its TDP), e.g. 'NVIDIA A100 SXM4 80 GB'.  [default: the gres "
              "type, gres/gpu:TYPE, if it names one]")
@click.option("--gpu-watts", type=Finite(min=0, min_open=True, max=5000),
              help="Power per GPU in watts for the modelled energy (instead of --device's TDP).")
@click.option("--sacct-timeout", "sacct_timeout_s", type=Finite(min=1, max=3600), default=120.0,
              show_default=True, help="Seconds to wait for sacct.")
@click.option("--project", "project_file", type=file_path(),
              help="Project file the jobs belong to; the ledger defaults to <project>.ledger.db beside it.")
@click.option("--item", help="Name of the project item the jobs measure (they land on the bill there).")
@click.option("--site", help="Site the jobs ran at; default: the item's site.")
@click.option("--ledger", metavar="FILE|URL", help=LEDGER_HELP)
def slurm(jobs: str, since_s: float | None, device: str | None, gpu_watts: float | None,
          sacct_timeout_s: float, project_file: Path | None, item: str | None, site: str | None,
          ledger: str | None) -> None:
    """Record finished SLURM jobs as runs, from `sacct --json` (Slurm 23.02+): one run per job.

    Each job's nodes count once. Energy comes from Slurm's own counter (ConsumedEnergy, where an
    acct_gather_energy plugin reports it: labelled measured) or, without one, from GPU-hours ×
    the GPUs' power (AllocTRES gres/gpu × elapsed × --device TDP or --gpu-watts: labelled
    modelled, with the formula and citation). Failed jobs are recorded as failed, cancelled,
    timed-out and preempted ones as interrupted; pending and running jobs are skipped. Array jobs
    give one run per task. The job id is the run id: importing a job twice keeps one run. The
    answer is checked before anything is written.

    \b
    Examples:
        energybill import slurm --job 4242 --project team.toml --item "R&D sweeps"
        energybill import slurm --job 4242,4250_3 --device "NVIDIA H100 SXM5 80GB"
        energybill import slurm --job 4300 --since 2026-11-01 --gpu-watts 350 --ledger runs.db
    """
    from energybill.core.errors import EnergybillError
    from energybill.telemetry import slurm as sl

    if item is not None and project_file is None:
        raise EnergybillError("--item needs --project FILE (the project the item belongs to)")
    ids = sl.job_ids(jobs)
    stated = _stated_power(device, gpu_watts)
    context = _project_context_of(project_file, item, site)
    since = None if since_s is None else _iso_utc(since_s)
    answer = sl.parse(sl.run_sacct(ids, since, sacct_timeout_s))
    imported, skipped = [], []
    for job in answer.jobs:
        if not sl.asked_for(job, ids):
            continue  # sacct may answer more (a step id given, a federation): only what was asked
        status = sl.status_of(job)
        if status is None:
            skipped.append(f"{sl.job_label(job)} ({', '.join(job.state.current) or 'no state'})")
            continue
        if job.time.elapsed == 0:  # cancelled while pending: it never ran, it used nothing
            skipped.append(f"{sl.job_label(job)} ({', '.join(job.state.current)}, never started)")
            continue
        _, gres_type = sl.gpus_of(job)
        imported.append(sl.to_run(job, status, stated or _catalog_power(gres_type)))
    if not imported:
        why = f"; not finished or never started: {', '.join(skipped)}" if skipped else ""
        raise EnergybillError(f"sacct: no finished job among {', '.join(ids)}{why}")
    runs = [_ImportRun(f"slurm-{_safe(job.tags.get('slurm_cluster', 'cluster'))}-{job.job_id}", job.name,
                       job.status, job.measurement, job.placements, job.tags,
                       f"import slurm {job.job_id}") for job in imported]
    path, recorded = _record_all(ledger, project_file, context, runs)
    for run in recorded:
        _summary(run.run_id, run.measurement, path, context)
    if skipped:
        click.echo(f"not imported (not finished or never started): {', '.join(skipped)}", err=True)


@dataclass
class _ImportRun:
    """One run an importer records: its id (the source's own: idempotent), result and lineage."""

    run_id: str
    name: str
    status: str
    measurement: Measurement
    placements: dict[str, tuple[str, int | None]]
    lineage: dict[str, str]
    command: str


def _record_all(ledger: str | None, project_file: Path | None, context: dict[str, Any],
                runs: list[_ImportRun]) -> tuple[Path | str, list[_ImportRun]]:
    """Record every run, or none: a failure part-way removes the runs this import wrote."""
    from energybill.core.records import RunExtras
    from energybill.ledger.paths import resolve
    from energybill.ledger.record import delete_runs, record_run
    from energybill.ledger.store import Ledger

    path = resolve(ledger, project_file)
    store = Ledger(path)
    columns = {k: context[k] for k in ("project", "item", "site")}
    ids = [run.run_id for run in runs]
    there = {row.id for start in range(0, len(ids), 500) for row in store.runs(ids=ids[start:start + 500])}
    written: list[str] = []
    try:
        for run in runs:
            if run.run_id not in there:  # imported before: left as it is (the id is the source's)
                written.append(run.run_id)
            hosts = sorted({host for host, _ in run.placements.values()})
            record_run(store, run.name, run.measurement, RunExtras(placements=run.placements),
                       status=run.status, host=",".join(hosts)[:200] or None, tags=run.lineage,
                       run_id=run.run_id, command=run.command, **columns)
    except BaseException:
        with contextlib.suppress(Exception):
            delete_runs(store, written)
        raise
    return path, runs


def _stated_power(device: str | None, gpu_watts: float | None) -> Any:
    from energybill.telemetry.slurm import DevicePower

    if gpu_watts is not None:
        return DevicePower(gpu_watts, f"--gpu-watts {gpu_watts:g} W, stated")
    if device is not None:
        from energybill.catalog.hardware import device_tdp

        value = device_tdp(device)
        return DevicePower(value.value, value.cite())
    return None


def _catalog_power(gres_type: str | None) -> Any:
    """The TDP of the GPU type Slurm names (gres/gpu:a100), if the catalog knows it unambiguously."""
    if not gres_type:
        return None
    from energybill.catalog.errors import CatalogError
    from energybill.catalog.hardware import device_tdp
    from energybill.telemetry.slurm import DevicePower

    try:
        value = device_tdp(gres_type)
    except CatalogError:
        return None
    return DevicePower(value.value, value.cite() + f" (from gres/gpu:{gres_type})")


def _project_context_of(project_file: Path | None, item: str | None, site: str | None) -> dict[str, Any]:
    from energybill.cli.measure import _project_context

    return _project_context(project_file, item, site)


def _iso_utc(t: float) -> str:
    from datetime import UTC, datetime

    return datetime.fromtimestamp(t, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S")


def _safe(text: str) -> str:
    import re

    return re.sub(r"[^A-Za-z0-9_.-]", "_", text)[:40] or "cluster"


@import_.command("mlflow")
@click.option("--tracking-uri", required=True, help="MLflow tracking URI: sqlite:///mlflow.db, "
              "http://mlflow:5000, or a folder (file:./mlruns).")
@click.option("--experiment", required=True, help="Name of the MLflow experiment whose runs to import.")
@click.option("--project", "project_file", type=file_path(),
              help="Project file the runs belong to; the ledger defaults to <project>.ledger.db beside it.")
@click.option("--item", help="Name of the project item the runs measure (they land on the bill there).")
@click.option("--site", help="Site the runs used; default: the item's site.")
@click.option("--ledger", metavar="FILE|URL", help=LEDGER_HELP)
def mlflow(tracking_uri: str, experiment: str, project_file: Path | None, item: str | None,
           site: str | None, ledger: str | None) -> None:
    """Record the finished runs of an MLflow experiment, with the GPU energy of their system metrics.

    MLflow's system metrics (mlflow.enable_system_metrics_logging()) log each GPU's power as
    system/gpu_<i>_power_usage_watts every 10 s by default; each series is integrated with the
    trapezoid rule (the sampling interval is stated in the run's provenance; gaps over 5× the
    interval are left out, not bridged). MLflow's run id, tags, experiment and parent run are kept
    as lineage tags; importing twice keeps one run. Runs still running, and runs without GPU
    power metrics, are listed and skipped. Needs pip install 'energybill[mlflow]'.

    \b
    Examples:
        energybill import mlflow --tracking-uri sqlite:///mlflow.db --experiment lr-sweep \\
            --project team.toml --item "R&D sweeps"
        energybill import mlflow --tracking-uri http://mlflow:5000 --experiment pretrain --ledger runs.db
    """
    from energybill.core.errors import EnergybillError
    from energybill.telemetry.mlflowruns import read_experiment

    if item is not None and project_file is None:
        raise EnergybillError("--item needs --project FILE (the project the item belongs to)")
    context = _project_context_of(project_file, item, site)
    found = read_experiment(tracking_uri, experiment)
    if not found.runs:
        why = "; ".join(filter(None, [
            f"not finished: {', '.join(found.unfinished)}" if found.unfinished else "",
            f"no GPU power metrics: {', '.join(found.without_power)}" if found.without_power else ""]))
        raise EnergybillError(f"MLflow experiment {experiment!r}: no finished run with GPU power metrics"
                              + (f" ({why})" if why else ""))
    runs = [_ImportRun(f"mlflow-{run.run_id}", run.name, run.status, run.measurement, run.placements,
                       run.tags, f"import mlflow {run.run_id}") for run in found.runs]
    path, recorded = _record_all(ledger, project_file, context, runs)
    for run in recorded:
        _summary(run.run_id, run.measurement, path, context)
    for what, names in (("not imported (not finished)", found.unfinished),
                        ("not imported (no GPU power metrics)", found.without_power)):
        if names:
            click.echo(f"{what}: {', '.join(names)}", err=True)
    if found.skipped_samples:
        click.echo(f"skipped {found.skipped_samples:,} power sample(s) that were not a finite, non-negative "
                   "number", err=True)
    if found.dropped_tags:
        click.echo(f"{found.dropped_tags} MLflow tag(s) not kept (key not 1-64 letters, digits, _ . : / -, "
                   f"or value over 500 characters)", err=True)

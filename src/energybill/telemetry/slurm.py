"""Finished SLURM jobs from ``sacct --json`` (Slurm's data_parser v0.0.40 and later): one run per job.

What is read (Slurm's documented JSON, ``jobs[]``): ``job_id``, ``name``, ``user``, ``cluster``,
``nodes`` (a hostlist such as ``gpu-[01-02]``), ``state.current``, ``time.start|end|elapsed``,
``array.job_id|task_id``, ``tres.allocated`` (``gres``/``gpu`` = the job's GPUs), and each step's
``step.name``, ``nodes.list``, ``time.start|end``, ``statistics.energy.consumed`` (else its
``tres.consumed.total`` ``energy`` entry): the joules Slurm's energy plugin counted (sacct's
``ConsumedEnergy``).

Energy, labelled by where it came from:

- measured (Slurm's counter): an energy plugin (acct_gather_energy: ipmi, rapl, gpu, …) reads a
  node counter over a step's life on its nodes, so steps that overlap in time on a node hold the
  same joules. The ``extern`` step spans the whole allocation on every node: where it reports
  energy, it alone is the job's energy. Otherwise steps are taken largest first, skipping any that
  overlaps in time on a shared node with one already taken (the batch script's step overlaps the
  ``srun`` steps on the first node): nothing is counted twice. Slurm gives a step's total over its
  nodes, not per node: the total is split evenly over the job's nodes, and the notes say so.
- modelled: no counter (no plugin, or zero): GPUs × elapsed hours × the device's power (``--device``
  from the catalog, ``--gpu-watts``, or the GPU type in ``gres/gpu:TYPE``), method ``modelled``,
  with the formula and the catalog citation in the device's source.

Job states → run status: COMPLETED → completed; FAILED, NODE_FAIL, OUT_OF_MEMORY, BOOT_FAIL →
failed; CANCELLED, TIMEOUT, PREEMPTED, DEADLINE → interrupted. Jobs still pending or running are
not imported (listed in the summary). An answer that does not follow the schema is one error
naming the key path, before anything is written.
"""

from __future__ import annotations

import json
import math
import re
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from energybill.core.errors import EnergybillError, path_of
from energybill.core.records import COUNTER, MODELLED, Device, DeviceEnergy, Measurement
from energybill.telemetry.httpjson import printable

SACCT_TIMEOUT_S = 120.0
MAX_NODES = 100_000  # a job's hostlist larger than this is not a job
MAX_OUTPUT_BYTES = 512 * 2**20
_JOB_ID = re.compile(r"\d{1,12}(_\d{1,9})?(\.\w+)?")
FAILED = {"FAILED", "NODE_FAIL", "OUT_OF_MEMORY", "BOOT_FAIL"}
INTERRUPTED = {"CANCELLED", "TIMEOUT", "PREEMPTED", "DEADLINE"}
UNFINISHED = {"PENDING", "RUNNING", "SUSPENDED", "REQUEUED", "RESIZING", "REQUEUE_HOLD", "REQUEUE_FED",
              "CONFIGURING", "COMPLETING", "STAGE_OUT", "SIGNALING", "STOPPED", "RESV_DEL_HOLD"}

Count = Annotated[int, Field(ge=0)]
Joules = Annotated[float, Field(ge=0, allow_inf_nan=False)]


class SlurmError(EnergybillError):
    """sacct is missing, fails, or answers something that is not Slurm's documented JSON."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class NoVal(_Model):
    """Slurm's optional number: ``{"set": true, "infinite": false, "number": 12}``."""

    set: bool = False
    infinite: bool = False
    number: Joules = 0

    def value(self) -> float | None:
        return self.number if self.set and not self.infinite else None


class Tres(_Model):
    type: str
    name: str = ""
    count: Annotated[float, Field(allow_inf_nan=False)] | None = None


class StepTresConsumed(_Model):
    total: list[Tres] = []


class StepTres(_Model):
    allocated: list[Tres] = []
    consumed: StepTresConsumed | None = None


class StepNodes(_Model):
    count: Count = 0
    hosts: list[str] = Field(default=[], alias="list")  # the field is called "list" in Slurm's JSON


class StepId(_Model):
    id: str | int | None = None
    name: str = ""


class StepTime(_Model):
    elapsed: Count = 0
    start: NoVal | Count | None = None
    end: NoVal | Count | None = None


class StepEnergy(_Model):
    consumed: NoVal | Joules | None = None


class StepStatistics(_Model):
    energy: StepEnergy | None = None


class Step(_Model):
    step: StepId = StepId()
    nodes: StepNodes = StepNodes()
    time: StepTime = StepTime()
    state: list[str] = []
    tres: StepTres | None = None
    statistics: StepStatistics | None = None


class JobTime(_Model):
    elapsed: Count
    start: Count = 0
    end: Count = 0


class JobState(_Model):
    current: list[str]
    reason: str = ""


class JobArray(_Model):
    job_id: Count = 0
    task_id: NoVal | Count | None = None


class JobTres(_Model):
    allocated: list[Tres] = []
    requested: list[Tres] = []


class Job(_Model):
    job_id: Count
    name: str = ""
    user: str = ""
    cluster: str = ""
    partition: str = ""
    account: str = ""
    nodes: str = ""
    state: JobState
    time: JobTime
    array: JobArray = JobArray()
    tres: JobTres = JobTres()
    steps: list[Step] = []


class SacctAnswer(_Model):
    jobs: list[Job]
    errors: list[Any] = []


# -- running sacct ----------------------------------------------------------------------------------
def job_ids(text: str) -> list[str]:
    """``123,124_3`` → ``["123", "124_3"]``; anything else is refused (it goes on a command line)."""
    ids = [part.strip() for part in text.split(",") if part.strip()]
    bad = [part for part in ids if not _JOB_ID.fullmatch(part)]
    if not ids or bad:
        shown = printable(bad[0] if bad else text, 40)
        raise SlurmError(f"--job: {shown!r} is not a Slurm job id (e.g. 4242 or 4242_7 for an array task)")
    return ids


def run_sacct(ids: Sequence[str], since: str | None, timeout_s: float = SACCT_TIMEOUT_S) -> bytes:
    """``sacct --json --jobs IDS [--starttime SINCE]``'s output; one-line errors otherwise."""
    binary = shutil.which("sacct")
    if binary is None:
        raise SlurmError("sacct not found on PATH (Slurm's accounting client; run this on a login node)")
    command = [binary, "--json", "--jobs", ",".join(ids)]
    if since:
        command += ["--starttime", since]
    try:
        done = subprocess.run(command, capture_output=True, timeout=timeout_s, check=False)
    except subprocess.TimeoutExpired:
        raise SlurmError(f"sacct gave no answer within {timeout_s:g} s") from None
    except OSError as exc:
        raise SlurmError(f"sacct could not be run ({printable(str(exc))})") from None
    if done.returncode != 0:
        first = next((line for line in done.stderr.decode(errors="replace").splitlines() if line.strip()), "")
        raise SlurmError(f"sacct failed (exit {done.returncode}): {printable(first) or 'no message'}")
    if len(done.stdout) > MAX_OUTPUT_BYTES:
        raise SlurmError(f"sacct's answer is over {MAX_OUTPUT_BYTES // 2**20} MiB: import fewer jobs at once")
    return done.stdout


def parse(raw: bytes) -> SacctAnswer:
    """The answer checked against the schema; the first problem is one line with its key path."""
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError):
        raise SlurmError("sacct --json: the answer is not JSON (is this Slurm 23.02 or later?)") from None
    try:
        return SacctAnswer.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = path_of(tuple(first["loc"])) or "(top level)"
        raise SlurmError(f"sacct --json: {where}: {first['msg']} "
                         "(not Slurm's documented JSON, data_parser v0.0.40+)") from None


# -- hostlists ---------------------------------------------------------------------------------------
def expand_hostlist(text: str) -> list[str]:
    """``gpu-[01-02,05],cpu1`` → ``["gpu-01", "gpu-02", "gpu-05", "cpu1"]`` (Slurm's hostlist form)."""
    names: list[str] = []
    for part in _split_top(text):
        if len(names) + _size(part) > MAX_NODES:
            raise SlurmError(f"sacct --json: nodes {printable(text, 60)!r}: more than {MAX_NODES:,} nodes")
        names.extend(_expand_one(part))
    return list(dict.fromkeys(names))  # each node once


def _size(name: str) -> int:
    """How many names ``name`` expands to (the product of its bracket groups), before expanding it."""
    total = 1
    for group in re.findall(r"\[([^\[\]]*)\]", name):
        count = 0
        for item in group.split(","):
            low, _, high = item.partition("-")
            if low.isdigit() and (not high or high.isdigit()):
                count += max(1, int(high) - int(low) + 1) if high else 1
            else:
                count += 1  # refused with its reason when expanded
        total *= count
    return total


def _split_top(text: str) -> list[str]:
    parts, depth, current = [], 0, ""
    for char in text.strip():
        if char == "[":
            depth += 1
        elif char == "]":
            depth -= 1
        if char == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    if depth != 0:
        raise SlurmError(f"sacct --json: nodes {printable(text, 60)!r} is not a hostlist (unbalanced [ ])")
    return [p for p in [*parts, current] if p]


def _expand_one(name: str) -> list[str]:
    match = re.search(r"\[([^\[\]]*)\]", name)
    if match is None:
        return [name]
    head, tail = name[:match.start()], name[match.end():]
    out: list[list[str]] = []
    for item in match[1].split(","):
        low, _, high = item.partition("-")
        if not low.isdigit() or (high and not high.isdigit()):
            raise SlurmError(f"sacct --json: nodes {printable(name, 60)!r}: "
                             f"{printable(item, 20)!r} is not a range")
        width = len(low)
        stop = int(high) if high else int(low)
        if stop - int(low) > MAX_NODES:
            raise SlurmError(f"sacct --json: nodes {printable(name, 60)!r}: range too large")
        out.extend(_expand_one(f"{head}{n:0{width}d}{tail}") for n in range(int(low), stop + 1))
    return [n for group in out for n in group]


# -- jobs → runs ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class DevicePower:
    """The power a modelled GPU is assumed to draw, with its citation."""

    watts: float
    cite: str


@dataclass
class ImportedJob:
    """One job as a run: its measurement, status, placements and lineage tags."""

    job_id: str
    name: str
    status: str
    measurement: Measurement
    placements: dict[str, tuple[str, int | None]]
    tags: dict[str, str] = field(default_factory=dict)
    method: str = COUNTER


def job_label(job: Job) -> str:
    task = _task_id(job)
    return f"{job.array.job_id}_{task}" if task is not None and job.array.job_id else str(job.job_id)


def _task_id(job: Job) -> int | None:
    task = job.array.task_id
    if isinstance(task, NoVal):
        value = task.value()
        return None if value is None else int(value)
    return task


def asked_for(job: Job, ids: Sequence[str]) -> bool:
    """Whether ``job`` is one of ``ids``: its own id, its array task (4242_7) or its array (4242)."""
    wanted = {i.split(".", 1)[0] for i in ids}
    return bool({str(job.job_id), job_label(job), str(job.array.job_id or job.job_id)} & wanted)


def status_of(job: Job) -> str | None:
    """The run status of a finished job; None for one not finished (pending, running…)."""
    states = {s.upper() for s in job.state.current}
    if "COMPLETED" in states:
        return "completed"
    if states & FAILED:
        return "failed"
    if states & INTERRUPTED:
        return "interrupted"
    return None


def gpus_of(job: Job) -> tuple[int, str | None]:
    """The job's GPUs from AllocTRES (``gres``/``gpu``), and the GPU type if ``gpu:TYPE`` names one."""
    plain, typed, kind = 0.0, 0.0, None
    for tres in job.tres.allocated:
        if tres.type != "gres" or tres.count is None:
            continue
        if tres.name == "gpu":
            plain += tres.count
        elif tres.name.startswith("gpu:"):
            typed += tres.count
            kind = tres.name.split(":", 1)[1]
    return int(plain or typed), kind


def _step_energy(step: Step) -> float | None:
    consumed = step.statistics.energy.consumed if step.statistics and step.statistics.energy else None
    value = consumed.value() if isinstance(consumed, NoVal) else consumed
    if value:
        return float(value)
    for tres in step.tres.consumed.total if step.tres and step.tres.consumed else []:
        if tres.type == "energy" and tres.count and math.isfinite(tres.count) and tres.count > 0:
            return float(tres.count)
    return None


def _span(step: Step) -> tuple[float, float]:
    def number(value: NoVal | int | None) -> float:
        if isinstance(value, NoVal):
            got = value.value()
            return math.nan if got is None else got
        return math.nan if value is None else float(value)

    return number(step.time.start), number(step.time.end)


def counted_energy(job: Job, nodes: list[str]) -> tuple[float, list[str]] | None:
    """Joules from Slurm's counter without counting overlapping steps twice, and the steps used."""
    measured = [(step, e) for step in job.steps if (e := _step_energy(step)) is not None]
    if not measured:
        return None
    extern = [(s, e) for s, e in measured if s.step.name == "extern"]
    if extern:
        return extern[0][1], ["extern"]
    chosen: list[tuple[Step, float]] = []
    for step, energy in sorted(measured, key=lambda se: -se[1]):
        if not any(_overlap(step, other, nodes) for other, _ in chosen):
            chosen.append((step, energy))
    return sum(e for _, e in chosen), [s.step.name or str(s.step.id) for s, _ in chosen]


def _overlap(a: Step, b: Step, nodes: list[str]) -> bool:
    a_nodes, b_nodes = set(a.nodes.hosts or nodes), set(b.nodes.hosts or nodes)
    if not a_nodes & b_nodes:
        return False
    (a0, a1), (b0, b1) = _span(a), _span(b)
    if any(math.isnan(t) for t in (a0, a1, b0, b1)):
        return True  # times unknown: assume the worst, never count twice
    return a0 < b1 and b0 < a1


def to_run(job: Job, status: str, power: DevicePower | None) -> ImportedJob:
    """One job as a run: each node once, energy from Slurm's counter or modelled from GPU-hours."""
    label = job_label(job)
    nodes = expand_hostlist(job.nodes) if job.nodes and job.nodes != "None assigned" else []
    if not nodes:
        raise SlurmError(f"sacct --json: job {label}: no nodes (jobs[].nodes is empty) although it ran")
    gpus, _ = gpus_of(job)
    elapsed_s = float(job.time.elapsed)
    tags = {"slurm_job": label, "slurm_cluster": job.cluster, "slurm_user": job.user,
            "slurm_partition": job.partition, "slurm_state": ",".join(job.state.current)}
    if job.array.job_id:
        tags["slurm_array"] = str(job.array.job_id)
    tags = {k: v for k, v in tags.items() if v}
    counted = counted_energy(job, nodes)
    devices: list[DeviceEnergy] = []
    notes = [f"Slurm job {label} ({', '.join(job.state.current)}): {len(nodes)} node(s), {gpus} GPU(s), "
             f"elapsed {elapsed_s:,.0f} s"]
    method = COUNTER
    if counted is not None:
        joules, steps = counted
        source = (f"Slurm acct_gather_energy via sacct ConsumedEnergy: steps {', '.join(steps)} "
                  f"({joules:,.0f} J over {len(nodes)} node(s), split evenly: Slurm reports a step's total)")
        for node in nodes:
            device = Device(f"{node}/slurm:energy", "node", COUNTER, f"node {node} (Slurm energy counter)",
                            source)
            devices.append(DeviceEnergy(device, joules / len(nodes)))
        notes.append(f"energy: Slurm's counter, steps {', '.join(steps)} (overlapping steps counted once)")
    else:
        method = MODELLED
        if gpus == 0:
            raise SlurmError(f"job {label}: Slurm reports no energy and allocated no GPU (gres/gpu): "
                             "nothing to model; enable an acct_gather_energy plugin")
        if power is None:
            raise SlurmError(f"job {label}: Slurm reports no energy (no acct_gather_energy plugin): give "
                             "--device NAME (catalog) or --gpu-watts W to model GPU-hours × power")
        per_node = gpus / len(nodes)
        # GPU-hours × power (DESIGN.md, "modelled"): J = GPUs per node × elapsed s × W.
        source = (f"modelled: GPUs × elapsed × power = {gpus} × {elapsed_s:,.0f} s × {power.watts:g} W "
                  f"({power.cite}); no Slurm energy counter")
        for node in nodes:
            device = Device(f"{node}/slurm:gpus", "gpu", MODELLED,
                            f"{per_node:g} GPU(s) on {node} (modelled)", source)
            devices.append(DeviceEnergy(device, per_node * elapsed_s * power.watts))
        notes.append(f"energy modelled: {gpus} GPU(s) × {elapsed_s / 3600:,.3f} h × {power.watts:g} W "
                     f"({power.cite})")
    measurement = Measurement(job.name or f"slurm {label}", float(job.time.start), elapsed_s, tuple(devices),
                              notes=tuple(notes))
    placements: dict[str, tuple[str, int | None]] = {
        d.device.device_id: (d.device.device_id.split("/")[0], None) for d in devices}
    return ImportedJob(label, job.name or f"slurm {label}", status, measurement, placements, tags, method)

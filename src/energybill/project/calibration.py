"""Calibration records named by a project's items (``calibration = "<path or id>"``): paths made
absolute against the project file's folder, records checked at load, and the values a record
gives an item (``energybill.estimate.calibration`` applies them)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from energybill.core.calibration import is_path, read_record, resolve
from energybill.core.errors import Problem, path_of
from energybill.project.model import Count, Inference, NonNegative, Positive, Project, Training


class _Checked(BaseModel):
    # The project file's strictness (no "100" for 100, no NaN or infinity); unknown keys are kept
    # for newer writers of the same schema.
    model_config = ConfigDict(extra="ignore", strict=True, allow_inf_nan=False)


class ServeRowChecked(_Checked):
    """One batch size of a serve record: what the bill divides by must be > 0."""

    batch_size: Count
    seconds_per_token: Positive
    tokens_per_second: Positive
    joules_per_token: NonNegative
    watts_per_device: Positive
    prefill_tokens_per_second: NonNegative
    prefill_joules_per_token: NonNegative
    prefill_watts_per_device: NonNegative
    decode_tflops_per_device: NonNegative
    decode_steps: Annotated[int, Field(ge=0)]
    prompt_tokens: Annotated[int, Field(ge=0)] | None = None
    output_tokens: Annotated[int, Field(ge=0)] | None = None
    prefill_joules_per_request: NonNegative | None = None
    decode_joules_per_request: NonNegative | None = None
    joules_per_request: NonNegative | None = None


class RecordChecked(_Checked):
    """A calibration record (core.calibration.Record) as the bill may use it."""

    kind: Literal["train", "serve"]
    id: str = Field(min_length=1)
    device: str
    arch: str
    tflops_per_device: NonNegative
    watts_per_device: Positive
    seconds_per_token: NonNegative
    joules_per_token: NonNegative
    method: str
    date: str
    tflops_6n_per_device: Positive | None = None
    tokens_per_second: NonNegative | None = None
    batch_size: Count | None = None
    rows: list[ServeRowChecked] = Field(default_factory=list)
    details: dict[str, Any] = Field(default_factory=dict)
    interrupted: bool = False


def check_record(path: Path) -> Any:
    """The validator ``read_record`` runs on a record's document: the first problem, one line."""

    def check(data: dict[str, Any]) -> None:
        try:
            RecordChecked.model_validate(data)
        except ValidationError as exc:
            from energybill.project.problems import problem_of

            error = exc.errors()[0]
            problem = problem_of(error)
            where = path_of(tuple(error["loc"])) or "record"
            raise ValueError(f"{path}: {where}: {problem.message}") from None

    return check


def absolute_paths(raw: dict[str, Any], base_dir: Path) -> None:
    """Make each ``calibration`` path of a parsed project file absolute, against the file's folder."""
    for kind in ("training", "inference"):
        items = raw.get(kind)
        if not isinstance(items, list):
            continue
        for item in items:
            reference = item.get("calibration") if isinstance(item, dict) else None
            if isinstance(reference, str) and reference:
                item["calibration"] = str(resolve(reference, base_dir)) if is_path(reference) else reference


def check_calibrations(project: Project) -> list[Problem]:
    """One problem per ``calibration`` whose record is missing, malformed or of the wrong kind."""
    problems: list[Problem] = []
    for kind in ("training", "inference"):
        for index, item in enumerate(getattr(project, kind)):
            if item.calibration is None:
                continue
            try:
                measured_values(item, resolve(item.calibration, Path.cwd()))
            except ValueError as exc:
                problems.append(Problem(f"{kind}[{index}].calibration", str(exc)))
    return problems


def measured_values(item: Training | Inference, path: Path) -> tuple[dict[str, float], str, str]:
    """The values a record gives this item, a source line, and the record's id; ValueError if unusable."""
    record = read_record(path, check_record(path))
    source = (
        f"calibration record {record.id} ({path}): energybill bench {record.kind}, {record.arch} on "
        f"{record.device}, {record.date}, energy by {record.method}"
        + (" (run stopped early by Ctrl-C)" if record.interrupted else "")
    )
    if isinstance(item, Training):
        if record.kind != "train" or record.tflops_6n_per_device is None:
            raise ValueError(
                f"{path} is a {record.kind} record; a training item needs one from energybill bench train"
            )
        measured = {
            "tflops_per_device": record.tflops_6n_per_device,
            "watts_per_device": record.watts_per_device,
        }
        return measured, source, record.id
    if record.kind != "serve":
        raise ValueError(
            f"{path} is a {record.kind} record; an inference item needs one from energybill bench serve"
        )
    row = record.row(item.batch_size)
    if row is None:
        sizes = ", ".join(str(r.batch_size) for r in record.rows)
        raise ValueError(f"{path} has no measurement at batch_size {item.batch_size}; measured: {sizes}")
    measured = {"seconds_per_token": row.seconds_per_token, "watts_per_device": row.watts_per_device}
    if row.prefill_tokens_per_second > 0:  # the prompt's own measured rate (prefill apart from decode)
        measured["prefill_tokens_per_second"] = row.prefill_tokens_per_second
    return measured, f"{source}, batch size {row.batch_size}", record.id

"""Calibration records: what ``energybill bench train|serve`` measured, for a bill to use.

A record is a JSON file. Both kinds carry the issue's fields (device, arch, tflops_per_device,
watts_per_device, seconds_per_token, joules_per_token, method, date); a serve record also has one
row per batch size. Records are written to ``--out`` or, by default, to the calibration store
(``$ENERGYBILL_CALIBRATIONS``, else ``~/.local/share/energybill/calibrations``) as ``<id>.json``,
so that a project file can name them by id: ``calibration = "train-noor-1.3b-…"``.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from energybill.core.files import InputFileError, read_input, write_output

SCHEMA = "energybill.calibration/1"
MAX_RECORD_BYTES = 5 * 1024 * 1024  # a serve record of 1,000 batch sizes is ~0.5 MB
WATTS_SCOPE = (
    "the benchmark's device only (its GPU board, or CPU packages and DRAM/RAM); host power is not in it"
)


@dataclass
class ServeRow:
    """One batch size of a serving benchmark (decode unless named prefill)."""

    batch_size: int
    seconds_per_token: float  # per decode step: the time each sequence waits for its next token
    tokens_per_second: float
    joules_per_token: float
    watts_per_device: float
    prefill_tokens_per_second: float
    prefill_joules_per_token: float
    prefill_watts_per_device: float
    decode_tflops_per_device: float
    decode_steps: int
    # per request (one sequence of ``prompt_tokens`` in, ``output_tokens`` out), device only:
    # prompt × prefill J/token + output × decode J/token (absent from records before issue 13)
    prompt_tokens: int | None = None
    output_tokens: int | None = None
    prefill_joules_per_request: float | None = None
    decode_joules_per_request: float | None = None
    joules_per_request: float | None = None


@dataclass
class Record:
    """One calibration record; ``kind`` is "train" or "serve"."""

    kind: str
    id: str
    device: str
    arch: str
    tflops_per_device: float  # model FLOP/s (6·N + attention for training; forward for serving)
    watts_per_device: float  # average power of the device over the measured window(s)
    seconds_per_token: float
    joules_per_token: float
    method: str  # as the meter labels it: counter, integrated-power or modelled (details: energy_devices)
    date: str
    tflops_6n_per_device: float | None = None  # training: 6·N only, the bill's C = 6·N·D count
    tokens_per_second: float | None = None
    batch_size: int | None = None
    rows: list[ServeRow] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)
    interrupted: bool = False
    schema: str = SCHEMA

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, ensure_ascii=False) + "\n"

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Record:
        rows = [ServeRow(**row) for row in data.get("rows", [])]
        return cls(**{**data, "rows": rows})

    def row(self, batch_size: int) -> ServeRow | None:
        return next((row for row in self.rows if row.batch_size == batch_size), None)


def store_dir() -> Path:
    """Where records are kept by id."""
    env = os.environ.get("ENERGYBILL_CALIBRATIONS")
    if env:
        return Path(env)
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "energybill" / "calibrations"


def new_id(kind: str, arch: str, device: str, when: datetime) -> str:
    """``train-noor-1.3b-nvidia-h100-80gb-hbm3-20261126t0612z``: readable and unique enough."""
    slug = re.sub(r"[^a-z0-9.]+", "-", f"{kind}-{arch}-{device}".lower()).strip("-")
    return f"{slug}-{when.strftime('%Y%m%dt%H%M%Sz')}"


def now_utc() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def write_record(record: Record, out: Path | None) -> Path:
    """Write to ``out`` (a file or a folder) or to the store; returns the path written."""
    path = out if out is not None else store_dir()
    if out is None or path.is_dir() or not path.suffix:
        path = path / f"{record.id}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    write_output(path, record.to_json(), option="--out", what="the calibration record")  # atomic
    return path


def resolve(reference: str, base_dir: Path) -> Path:
    """The file a ``calibration = "…"`` value names: a path (relative to ``base_dir``) or a stored id."""
    if not is_path(reference):
        return store_dir() / f"{reference}.json"
    path = Path(reference).expanduser()
    return path if path.is_absolute() else base_dir / path


def is_path(reference: str) -> bool:
    """A path names a file (``.json`` or a folder in it); anything else is a record id."""
    return reference.endswith(".json") or "/" in reference or os.sep in reference


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number a record may hold")


def read_record(path: Path, check: Callable[[dict[str, Any]], None] | None = None) -> Record:
    """Read and check a record; ``ValueError`` with a one-line reason if it is not one.

    ``check`` validates the parsed document before it becomes a Record (the project layer's
    pydantic model: energybill.project.calibration); NaN and Infinity are refused by the parser."""
    try:  # a regular file of bounded size (a FIFO hung validate; /dev/zero ate the memory)
        raw = read_input(path, limit=MAX_RECORD_BYTES, what="calibration record")
        data = json.loads(raw.decode("utf-8-sig"), parse_constant=_no_constant)  # a BOM accepted
    except FileNotFoundError:
        raise ValueError(f"no calibration record at {path}") from None
    except IsADirectoryError:
        raise ValueError(f"{path} is a folder, not a calibration record") from None
    except InputFileError as exc:
        raise ValueError(f"{path} {exc.reason}") from None
    except RecursionError:
        raise ValueError(f"{path} is not a calibration record (nested too deeply)") from None
    except (OSError, ValueError) as exc:  # JSONDecodeError, UnicodeDecodeError, NaN: ValueErrors
        raise ValueError(f"{path} is not a calibration record ({_reason(exc)})") from None
    if not isinstance(data, dict) or data.get("schema") != SCHEMA:
        raise ValueError(f"{path} is not a calibration record (schema must be '{SCHEMA}')")
    if check is not None:
        check(data)
    try:
        return Record.from_dict(data)
    except TypeError as exc:
        raise ValueError(f"{path}: malformed calibration record ({exc})") from None


def _reason(exc: Exception) -> str:
    """One line: an OSError's reason, a decoding error's position."""
    if isinstance(exc, OSError):
        return str(exc.strerror or exc)
    return str(exc).splitlines()[0]

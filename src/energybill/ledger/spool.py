"""The spool: writes for a ledger server that cannot be reached, kept on local disk until it returns.

A meter that loses its PostgreSQL server mid-run appends each write (the statements of one
transaction, as JSON) to its own file in the spool folder; at its next successful connection it
sends them in order, then the new write. Every statement is idempotent (runs and devices are
inserted ``ON CONFLICT DO NOTHING``, samples, tags and placements upserted, updates keyed by run
id and guarded by ``status = 'running'``), so a batch sent twice changes nothing and no run is
duplicated. The owner holds an exclusive ``flock`` on its file while it lives; a file whose owner
is gone (its lock free) is sent by the next energybill process that reaches that server.

Folder: ``$ENERGYBILL_SPOOL``, else ``$XDG_CACHE_HOME/energybill/spool`` (``~/.cache/…``), one
sub-folder per server and database; at most ``MAX_BYTES`` in all (past that a write fails with one
line rather than filling the disk).
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import socket
import uuid
from collections.abc import Iterator
from contextlib import suppress
from pathlib import Path
from typing import Any

MAX_BYTES = 500_000_000
ENV = "ENERGYBILL_SPOOL"

Op = tuple[str, list[Any], bool]  # (statement, arguments, many: arguments is a list of rows)


def folder() -> Path:
    if os.environ.get(ENV):
        return Path(os.environ[ENV])
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "energybill" / "spool"


def usage() -> tuple[int, int]:
    """(files, bytes) in the spool folder now."""
    files = size = 0
    with suppress(OSError):
        for path in folder().rglob("*.jsonl"):
            files += 1
            size += path.stat().st_size
    return files, size


def describe() -> str:
    """For --help: where the spool is, what it holds and its cap."""
    files, size = usage()
    return (f"{folder()} (set ${ENV} to move it; now {files} file(s), {size / 1e6:.1f} MB; "
            f"capped at {MAX_BYTES // 1_000_000} MB)")


class Spool:
    """This process's spool file for one ledger (by its redacted URL: no password in a path)."""

    def __init__(self, label: str) -> None:
        self.dir = folder() / hashlib.sha256(label.encode()).hexdigest()[:16]
        self.path = self.dir / f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:8]}.jsonl"
        self._fd: int | None = None

    def append(self, ops: list[Op]) -> None:
        from energybill.ledger.backend import LedgerError

        if usage()[1] > MAX_BYTES:
            raise LedgerError(f"spool {self.dir} is full ({MAX_BYTES // 1_000_000} MB): the ledger's "
                              "server has been unreachable too long; nothing more can be kept")
        if self._fd is None:
            self.dir.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
            fcntl.flock(fd, fcntl.LOCK_EX)  # held while this process lives: the file is ours
            self._fd = fd
        line = json.dumps([[statement, args, many] for statement, args, many in ops]) + "\n"
        os.write(self._fd, line.encode())
        os.fsync(self._fd)

    def pending(self) -> bool:
        return (self._fd is not None and os.fstat(self._fd).st_size > 0) or self._orphans_exist()

    def _orphans_exist(self) -> bool:
        with suppress(OSError):
            return any(p != self.path for p in self.dir.glob("*.jsonl"))
        return False

    def batches(self) -> Iterator[tuple[Path, list[list[Op]]]]:
        """Each spool file we may send now (ours; others whose writer is gone) with its batches."""
        with suppress(OSError):
            for path in sorted(self.dir.glob("*.jsonl")):
                if path == self.path:
                    if self._fd is not None:
                        yield path, _read(path)
                    continue
                fd = _try_lock(path)
                if fd is None:
                    continue  # its writer still runs: it sends its own
                try:
                    yield path, _read(path)
                finally:
                    os.close(fd)

    def done(self, path: Path) -> None:
        """The batches of ``path`` are in the ledger: forget them."""
        if path == self.path and self._fd is not None:
            os.ftruncate(self._fd, 0)
            if os.fstat(self._fd).st_size == 0:
                with suppress(OSError):
                    os.unlink(path)
                os.close(self._fd)
                self._fd = None
        else:
            with suppress(OSError):
                os.unlink(path)


def _try_lock(path: Path) -> int | None:
    try:
        fd = os.open(path, os.O_RDWR)
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        return None
    return fd


def _read(path: Path) -> list[list[Op]]:
    batches: list[list[Op]] = []
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            try:
                batch = json.loads(line)
            except ValueError:
                continue  # a line cut short by a crash mid-write: the rest were fsynced whole
            batches.append([(str(s), list(a), bool(m)) for s, a, m in batch])
    return batches

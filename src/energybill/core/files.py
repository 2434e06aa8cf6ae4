"""Files in and out, safely: inputs are regular files read with a bounded read; outputs are written
to a temporary file beside the target, synced and renamed into place, and never onto an input.

Inputs: a FIFO hung ``validate`` and ``/dev/zero`` ate all memory: an input must be a regular
file of at most ``MAX_INPUT_BYTES``, and is read with one bounded ``read`` (a file growing while
it is read is cut at the cap and refused, not followed).

Outputs: ``report --out p.ledger.db`` replaced the ledger with HTML, and a report rewritten on a
full disk was left truncated. ``write_output`` refuses a target that is one of the command's
inputs (same resolved path, or same device and inode: a hard link or a symlink is caught), and
the target is only replaced, atomically, once its whole content is written and synced.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import BinaryIO

from energybill.core.errors import EnergybillError

MAX_INPUT_BYTES = 50 * 1024 * 1024  # 50 MiB: a 100,000-item project is ~15 MB of TOML
# Linux's limits (NAME_MAX, PATH_MAX): a longer name makes os.stat raise ENAMETOOLONG, which
# Path.exists() does not swallow (a traceback from `init`, `runs list --ledger`); checked up front.
MAX_NAME_BYTES = 255
MAX_PATH_BYTES = 4095


class InputFileError(EnergybillError):
    """An input that is not a regular file of a readable size; ``reason`` is the line's end."""

    def __init__(self, path: str | Path, reason: str) -> None:
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{path}: {reason}")


class OutputFileError(EnergybillError):
    """An output that must not or cannot be written."""


def read_input(path: str | Path, limit: int = MAX_INPUT_BYTES, what: str = "file") -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes; ``InputFileError`` otherwise.

    ``FileNotFoundError`` and ``IsADirectoryError`` pass through (callers word them their own way).
    The file is opened without blocking (a FIFO with no writer would wait forever) and checked
    with ``fstat`` on the open descriptor, so it cannot be swapped between check and read."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise IsADirectoryError(21, "Is a directory", str(path))
        if not stat.S_ISREG(info.st_mode):
            raise InputFileError(path, f"is not a regular file ({_kind(info.st_mode)}); give a {what}")
        if info.st_size > limit:
            raise InputFileError(
                path, f"is {_size(info.st_size)}, more than the {_size(limit)} a {what} may be"
            )
        os.set_blocking(fd, True)
        with os.fdopen(fd, "rb", closefd=False) as handle:
            data = handle.read(limit + 1)
    finally:
        os.close(fd)
    if len(data) > limit:
        raise InputFileError(path, f"grew past {_size(limit)} while read; a {what} may be at most that")
    return data


def _kind(mode: int) -> str:
    for test, name in (
        (stat.S_ISFIFO, "a FIFO"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
    ):
        if test(mode):
            return name
    return "not a plain file"


def _size(count: int) -> str:
    return f"{count / 1024 / 1024:,.1f} MiB" if count >= 1024 * 1024 else f"{count:,} bytes"


def path_problem(path: str | Path) -> str | None:
    """Why ``path`` can name no file (too long, a NUL byte), else None; checked before any system call."""
    try:
        text = os.fsencode(path)
    except UnicodeEncodeError:  # a name the file system's encoding cannot write (LC_ALL=C)
        return "holds characters the file system's encoding cannot write"
    if b"\0" in text:
        return "holds a NUL byte"
    if len(text) > MAX_PATH_BYTES:
        return f"file name too long ({len(text):,} bytes; at most {MAX_PATH_BYTES:,})"
    longest = max((len(part) for part in text.split(b"/")), default=0)
    if longest > MAX_NAME_BYTES:
        return f"file name too long (a part of {longest:,} bytes; at most {MAX_NAME_BYTES} each)"
    return None


def same_file(a: str | Path, b: str | Path) -> bool:
    """Whether two paths name one file: by resolved path, or by device and inode when both exist."""
    try:
        if Path(a).resolve() == Path(b).resolve():
            return True
    except (OSError, RuntimeError):  # a symlink loop: compare by inode below
        pass
    try:
        sa, sb = os.stat(a), os.stat(b)
    except OSError:
        return False
    return (sa.st_dev, sa.st_ino) == (sb.st_dev, sb.st_ino)


def refuse_inputs(out: str | Path, inputs: Iterable[tuple[str, str | Path]], option: str = "--out") -> None:
    """``OutputFileError`` when ``out`` is one of the command's ``inputs`` ((what, path) pairs)."""
    for what, path in inputs:
        if same_file(out, path):
            raise OutputFileError(
                f"{option} {out}: is the {what} this command reads ({path}); write to another file"
            )


Content = str | bytes | Callable[[BinaryIO], None]


def write_output(
    out: str | Path,
    content: Content,
    inputs: Iterable[tuple[str, str | Path]] = (),
    option: str = "--out",
    what: str = "the file",
    exclusive: bool = False,
) -> None:
    """Write ``content`` (text as UTF-8, bytes, or a function writing to a binary file) to ``out``.

    Refused onto an input; a temporary file in the target's folder is written, flushed, synced and
    renamed over the target, so a failure at any point (full disk, an exception while rendering)
    leaves the target as it was. A target that exists and is not a regular file (``/dev/stdout``,
    a FIFO) is written in place: it cannot be renamed over, and there is nothing to truncate.
    ``exclusive``: never replace an existing file (``FileExistsError``); the complete temporary file
    is hard-linked into place, which fails atomically if the name is taken."""
    refuse_inputs(out, inputs, option)
    target = Path(out)
    try:
        info = os.stat(target)
    except FileNotFoundError:
        info = None
    except OSError as exc:
        raise OutputFileError(f"{option} {out}: cannot write {what} ({exc.strerror})") from None
    if info is not None and stat.S_ISDIR(info.st_mode):
        raise OutputFileError(f"{option} {out}: is a folder; give a file name")
    try:
        if info is not None and not stat.S_ISREG(info.st_mode):
            with open(target, "wb") as handle:
                _put(handle, content)
            return
        _replace(target.resolve() if target.is_symlink() else target, content, info, exclusive)
    except FileExistsError:
        raise
    except OSError as exc:
        raise OutputFileError(
            f"{option} {out}: cannot write {what} ({exc.strerror or exc}); left unchanged"
        ) from None


def _replace(target: Path, content: Content, info: os.stat_result | None, exclusive: bool = False) -> None:
    folder = target.parent
    fd, temp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as handle:
            _put(handle, content)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp, stat.S_IMODE(info.st_mode) if info is not None else _default_mode())
        if exclusive:
            os.link(temp, target)  # FileExistsError if the name is taken, even by a racing writer
            os.unlink(temp)
        else:
            os.replace(temp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
    with contextlib.suppress(OSError):  # the rename itself durable: sync the folder
        dir_fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


def _put(handle: BinaryIO, content: Content) -> None:
    if isinstance(content, str):
        handle.write(content.encode("utf-8"))
    elif isinstance(content, bytes):
        handle.write(content)
    else:
        content(handle)


def _default_mode() -> int:
    """What ``open(..., "w")`` would give a new file: 0o666 less the umask."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask

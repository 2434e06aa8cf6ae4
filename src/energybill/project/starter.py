"""Starter project files for ``energybill init``: commented templates that validate and bill.

The templates are package data (``energybill/project/templates/*.toml``); ``noor`` is a copy of
``examples/noor.toml`` (tests/test_init.py keeps the two equal).
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from energybill.core.errors import EnergybillError

TEMPLATES = ("pretraining", "fine-tune", "serving", "noor")
DEFAULT_TEMPLATE = "pretraining"


class StarterError(EnergybillError):
    """``energybill init`` cannot write its file (one line, exit code 2)."""


def template_text(name: str) -> str:
    """The text of template ``name`` (one of ``TEMPLATES``)."""
    if name not in TEMPLATES:
        raise StarterError(f"unknown template '{name}'; allowed: {', '.join(TEMPLATES)}")
    return (resources.files("energybill.project") / "templates" / f"{name}.toml").read_text(encoding="utf-8")


def write_starter(path: Path, name: str = DEFAULT_TEMPLATE) -> None:
    """Write template ``name`` to ``path``; never overwrites an existing file (nor a folder)."""
    text = template_text(name)
    try:
        # "x": created here or refused, in one system call (no race between a check and the write)
        with path.open("x", encoding="utf-8") as out:
            out.write(text)
    except FileExistsError:
        raise StarterError(
            f"{path}: already exists; energybill init never overwrites a file (give another PATH)"
        ) from None
    except OSError as exc:
        raise StarterError(f"{path}: cannot write it: {exc.strerror or exc}") from None

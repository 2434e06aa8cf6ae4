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
    from energybill.core.files import OutputFileError, write_output

    text = template_text(name)
    if path.exists() or path.is_symlink():
        raise StarterError(
            f"{path}: already exists; energybill init never overwrites a file (give another PATH)"
        )
    try:
        # written whole beside it, then linked into place: refused if the name was taken meanwhile,
        # never left half-written on a full disk
        write_output(path, text, option="init", what="the starter file", exclusive=True)
    except OutputFileError as exc:
        raise StarterError(str(exc)) from None
    except FileExistsError:
        raise StarterError(
            f"{path}: already exists; energybill init never overwrites a file (give another PATH)"
        ) from None
    except OSError as exc:
        raise StarterError(f"{path}: cannot write it: {exc.strerror or exc}") from None

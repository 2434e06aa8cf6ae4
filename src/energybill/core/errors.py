"""Errors that reach a user: one line per problem, naming the file, the key path and what is allowed."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input: where (key path) and what (message)."""

    path: str  # e.g. "training[2].tokens"; "" for the file as a whole
    message: str  # e.g. "must be > 0, got -1"

    def line(self, file: str) -> str:
        """``noor.toml: training[2].tokens: must be > 0, got -1``."""
        return f"{file}: {self.path}: {self.message}" if self.path else f"{file}: {self.message}"


class EnergybillError(Exception):
    """Root of energybill's own errors: the CLI prints them and exits with code 2."""

    exit_code = 2

    def lines(self) -> list[str]:
        """The lines to print, one per problem."""
        return [str(self)]


class ProjectError(EnergybillError):
    """A project file that cannot be loaded or estimated; holds every problem found."""

    def __init__(self, file: str, problems: list[Problem]) -> None:
        self.file = file
        self.problems = problems
        super().__init__("\n".join(self.lines()))

    def lines(self) -> list[str]:
        return [p.line(self.file) for p in self.problems]


def path_of(loc: tuple[str | int, ...]) -> str:
    """Turn a location tuple into a key path: ``("training", 2, "tokens")`` → ``training[2].tokens``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def did_you_mean(word: str, allowed: list[str] | tuple[str, ...]) -> str:
    """`` (did you mean 'tokens'?)`` when a close match exists, else the allowed list."""
    import difflib

    close = difflib.get_close_matches(word, allowed, n=1, cutoff=0.6)
    if close:
        return f"did you mean '{close[0]}'?"
    return "allowed: " + ", ".join(allowed)

"""The package version, at the bottom so that every layer (reports, the CLI) can print it."""

__version__ = "0.1.0"

"""Core types at the bottom of every layer: the Bill and its provenance, units, errors, records."""

"""The ledger: measured runs in SQLite (WAL), with samples and per-interval checkpoints."""

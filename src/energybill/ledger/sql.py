"""Every SQL statement of the ledger's layout, for SQLite and PostgreSQL alike.

One text serves both dialects: statements use ``?`` marks (turned into ``%s`` for psycopg by
``backend.PgConnection``), ``DOUBLE PRECISION`` (REAL affinity in SQLite, 8-byte floats in
PostgreSQL, where ``REAL`` would be 4 bytes) and ``INSERT … ON CONFLICT`` (SQLite ≥ 3.24).

``MIGRATIONS[n]`` makes schema ``n`` of schema ``n - 1``; ``meta.schema_version`` says
where a ledger is. A ledger newer than ``SCHEMA_VERSION`` is refused, never misread; an older
one is migrated on its first write (migrations only add: an older energybill can still read
the tables it knows, and refuses the newer version number instead of guessing).
"""

from __future__ import annotations

SCHEMA_VERSION = 2

# Schema 1: the layout of energybill ≤ 0.1 (runs, their devices, samples).
_V1 = (
    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    """CREATE TABLE IF NOT EXISTS runs (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    project TEXT, item TEXT, site TEXT, command TEXT,
    host TEXT NOT NULL,
    pid INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('running', 'completed', 'failed', 'interrupted')),
    exit_code INTEGER,
    interval_s DOUBLE PRECISION NOT NULL,
    started_unix DOUBLE PRECISION NOT NULL,
    checkpoint_unix DOUBLE PRECISION,       -- the heartbeat: written every interval
    ended_unix DOUBLE PRECISION,
    duration_s DOUBLE PRECISION NOT NULL DEFAULT 0,
    energy_j DOUBLE PRECISION,              -- NULL: no device could be read (never a zero)
    peak_power_w DOUBLE PRECISION,
    notes TEXT NOT NULL DEFAULT ''
)""",
    "CREATE INDEX IF NOT EXISTS runs_item ON runs (project, item)",
    """CREATE TABLE IF NOT EXISTS run_devices (
    run_id TEXT NOT NULL REFERENCES runs (id),
    device_id TEXT NOT NULL,
    component TEXT NOT NULL,
    method TEXT NOT NULL,
    label TEXT NOT NULL,
    source TEXT NOT NULL,
    energy_j DOUBLE PRECISION NOT NULL DEFAULT 0,
    PRIMARY KEY (run_id, device_id)
)""",
    """CREATE TABLE IF NOT EXISTS samples (
    run_id TEXT NOT NULL REFERENCES runs (id),
    seq INTEGER NOT NULL,
    t_s DOUBLE PRECISION NOT NULL,          -- seconds since the run began
    energy_j DOUBLE PRECISION,              -- cumulative, all devices
    power_w DOUBLE PRECISION,               -- average over the interval that ends at t_s
    PRIMARY KEY (run_id, seq)
)""",
)

# Schema 2: windows, placements and ranks (were created on first use), lineage tags, and what
# tells a live run from a dead one across hosts and PID namespaces (boot id, the process's
# start time and its PID namespace; the heartbeat is checkpoint_unix), and who ran it.
_V2 = (
    """CREATE TABLE IF NOT EXISTS run_windows (
    run_id TEXT NOT NULL REFERENCES runs (id),
    seq INTEGER NOT NULL,
    name TEXT NOT NULL,
    epoch INTEGER,                          -- NULL: a window outside any epoch
    phase TEXT,                             -- NULL: the whole epoch (or the whole run)
    started_s DOUBLE PRECISION NOT NULL,    -- seconds since the run began
    duration_s DOUBLE PRECISION NOT NULL,
    energy_j DOUBLE PRECISION,              -- NULL: no device read in this window (never a zero)
    segments INTEGER NOT NULL DEFAULT 1,
    PRIMARY KEY (run_id, seq)
)""",
    """CREATE TABLE IF NOT EXISTS run_placements (
    run_id TEXT NOT NULL REFERENCES runs (id),
    device_id TEXT NOT NULL,                -- as in run_devices: "host/gpu:GPU-…"
    host TEXT NOT NULL,
    rank INTEGER,                           -- the rank that read it (NULL outside a distributed job)
    PRIMARY KEY (run_id, device_id)
)""",
    """CREATE TABLE IF NOT EXISTS run_ranks (
    run_id TEXT NOT NULL REFERENCES runs (id),
    rank INTEGER NOT NULL,
    host TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('reported', 'lost')),
    energy_j DOUBLE PRECISION,
    duration_s DOUBLE PRECISION,
    PRIMARY KEY (run_id, rank)
)""",
    """CREATE TABLE IF NOT EXISTS run_tags (
    run_id TEXT NOT NULL REFERENCES runs (id),
    key TEXT NOT NULL,                      -- experiment, sweep, parent, model, or any other
    value TEXT NOT NULL,
    PRIMARY KEY (run_id, key)
)""",
    "CREATE INDEX IF NOT EXISTS run_tags_key_value ON run_tags (key, value)",
    "ALTER TABLE runs ADD COLUMN user_name TEXT",
    "ALTER TABLE runs ADD COLUMN boot_id TEXT",          # /proc/sys/kernel/random/boot_id
    "ALTER TABLE runs ADD COLUMN pid_ns TEXT",           # /proc/self/ns/pid: "pid:[4026531836]"
    "ALTER TABLE runs ADD COLUMN proc_start_unix DOUBLE PRECISION",  # the writer's start time
    "CREATE INDEX IF NOT EXISTS runs_started ON runs (started_unix)",
    "CREATE INDEX IF NOT EXISTS runs_status ON runs (status)",
)

MIGRATIONS: tuple[tuple[str, ...], ...] = ((), _V1, _V2)  # MIGRATIONS[n]: schema n - 1 → n


def steps_from(version: int) -> list[tuple[int, tuple[str, ...]]]:
    """The migrations that take a ledger at ``version`` (0: empty) to ``SCHEMA_VERSION``."""
    return [(n, MIGRATIONS[n]) for n in range(version + 1, SCHEMA_VERSION + 1)]


# -- statements ---------------------------------------------------------------------------------
INSERT_DEVICE = (
    "INSERT INTO run_devices (run_id, device_id, component, method, label, source) VALUES (?, ?, ?, ?, ?, ?) "
    "ON CONFLICT (run_id, device_id) DO NOTHING"
)
INSERT_TAG = (
    "INSERT INTO run_tags (run_id, key, value) VALUES (?, ?, ?) "
    "ON CONFLICT (run_id, key) DO UPDATE SET value = excluded.value"
)
# A checkpoint changes nothing once its run has ended (a late sampler tick, a spooled batch sent
# twice): every statement is guarded by the run's status. (SQLite needs the WHERE to parse an
# upsert on a SELECT.)
CHECKPOINT_SAMPLE = (
    "INSERT INTO samples (run_id, seq, t_s, energy_j, power_w) SELECT ?, ?, ?, ?, ? "
    "WHERE EXISTS (SELECT 1 FROM runs WHERE id = ? AND status = 'running') "
    "ON CONFLICT (run_id, seq) DO UPDATE SET t_s = excluded.t_s, energy_j = excluded.energy_j, "
    "power_w = excluded.power_w"
)
CHECKPOINT_DEVICE = (
    "UPDATE run_devices SET energy_j = ? WHERE run_id = ? AND device_id = ? "
    "AND EXISTS (SELECT 1 FROM runs WHERE id = ? AND status = 'running')"
)
UPDATE_RUN = (
    "UPDATE runs SET duration_s = ?, energy_j = ?, peak_power_w = ?, checkpoint_unix = ?, "
    "status = ?, exit_code = ?, ended_unix = ?, notes = ? WHERE id = ? AND status = 'running'"
)
MARK_INTERRUPTED = (
    "UPDATE runs SET status = 'interrupted', ended_unix = checkpoint_unix WHERE id = ? AND status = 'running'"
)
RUNNING = (
    "SELECT id, host, pid, started_unix, checkpoint_unix, interval_s, boot_id, pid_ns, proc_start_unix "
    "FROM runs WHERE status = 'running'"
)
UPSERT_WINDOW = (
    "INSERT INTO run_windows VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (run_id, seq) DO UPDATE SET "
    "name = excluded.name, epoch = excluded.epoch, phase = excluded.phase, started_s = excluded.started_s, "
    "duration_s = excluded.duration_s, energy_j = excluded.energy_j, segments = excluded.segments"
)
UPSERT_PLACEMENT = (
    "INSERT INTO run_placements VALUES (?, ?, ?, ?) ON CONFLICT (run_id, device_id) DO UPDATE SET "
    "host = excluded.host, rank = excluded.rank"
)
UPSERT_RANK = (
    "INSERT INTO run_ranks VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (run_id, rank) DO UPDATE SET "
    "host = excluded.host, status = excluded.status, energy_j = excluded.energy_j, "
    "duration_s = excluded.duration_s"
)

SET_SCHEMA_VERSION = (
    "INSERT INTO meta (key, value) VALUES ('schema_version', ?) "
    "ON CONFLICT (key) DO UPDATE SET value = excluded.value"
)

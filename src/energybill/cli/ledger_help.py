"""The ``--ledger`` option's help, shared by every command that reads or writes a ledger."""

from __future__ import annotations


def _help() -> str:
    from energybill.ledger.spool import describe

    return (
        "Ledger: a SQLite file, or a PostgreSQL URL postgresql://USER@HOST:PORT/DB (a team's shared "
        "ledger; the password from ~/.pgpass or $PGPASSWORD, never printed or recorded; needs "
        "pip install 'energybill[postgres]'). A server lost mid-run: writes wait in the spool folder "
        f"{describe()} and are sent when it returns.  "
        "[default: <project>.ledger.db beside --project, else $ENERGYBILL_LEDGER or ./energybill.ledger.db]"
    )


LEDGER_HELP = _help()

"""Fault injection at the database driver: the k-th write statement of a unit of work fails."""
from __future__ import annotations

import re
from contextlib import contextmanager

from sqlalchemy import event, select

from setupflow.all_models import metadata

WRITES = ("INSERT", "UPDATE", "DELETE")


class InjectedFault(RuntimeError):
    """The failure a test injected (a full disk, a dropped connection...)."""


def is_write(statement: str) -> bool:
    """An INSERT, UPDATE or DELETE, or a data-modifying WITH (on PostgreSQL a recorded change's
    versioned UPDATE and history INSERT are one such statement)."""
    words = statement.lstrip().upper()
    return words.startswith(WRITES) or (words.startswith("WITH") and re.search(r"\b(INSERT|UPDATE|DELETE)\b", words)
                                        is not None)


@contextmanager
def fail_at_write(engine, k: int):
    """Make the k-th INSERT/UPDATE/DELETE sent through ``engine`` fail; yields a dict whose
    ``writes`` says how many writes were attempted and ``fired`` whether the fault fired."""
    seen = {"writes": 0, "fired": False}

    def before(_conn, _cursor, statement, _params, _context, _many):
        if is_write(statement):
            seen["writes"] += 1
            if seen["writes"] == k:
                seen["fired"] = True
                raise InjectedFault(f"injected failure at write {k}: {statement.split()[0:3]}")

    event.listen(engine, "before_cursor_execute", before)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", before)


def database_state(engine) -> dict[str, list[tuple]]:
    """Every row of every table, ordered: two equal states mean nothing was written."""
    with engine.connect() as conn:
        return {name: [tuple(r) for r in conn.execute(select(table).order_by(*table.primary_key.columns))]
                for name, table in metadata.tables.items()}

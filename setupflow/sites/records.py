"""Who acts, loading a site, and recording a change of it: the writes every state
change of a site goes through (``operations`` builds on them).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from ..db import StaleRow, row_id
from ..errors import NotFound
from ..prepared import Prepared
from .models import HistoryEntry, Site
from .runtime import see_stage


@dataclass(frozen=True)
class Actor:
    """Who acts: a display name for the history, and whether they may manage sites."""

    name: str
    is_manager: bool = False


#: built once: constructing a statement costs several times more than running it (a step of
#: a persisted advance went from ~1.9 to ~0.6 ms of CPU with these and the gate's below)
_SITES = Site.__table__
#: every recorded change: the site's optimistic-locking counter moves on, with the columns it changes;
#: the SET columns are the keys given at execution
_BUMP_SITE_VERSION = update(_SITES).where(_SITES.c.id == bindparam("b_id"), _SITES.c.version_id == bindparam("b_version"))
_HISTORY = HistoryEntry.__table__
_APPEND_HISTORY = insert(_HISTORY)
_HISTORY_COLUMNS = ("site_id", "at_dt", "actor", "action", "stage", "detail", "reason")
#: the two writes as ``Prepared`` runs them (compiled once a database; the UPDATE once for
#: each set of changed columns, ``_bump``)
_APPEND_PREPARED = Prepared(_APPEND_HISTORY, _HISTORY_COLUMNS)


#: PostgreSQL: the versioned UPDATE and the history INSERT in one statement, a data-modifying
#: CTE (``WITH moved AS (UPDATE sites ... RETURNING id) INSERT INTO site_history SELECT ... FROM
#: moved RETURNING id``): every statement is a round trip to the server, and this one saves one.
#: A stale version moves no row, so the INSERT selects none and returns no id. SQLite has no
#: data-modifying CTE and keeps the two statements. Built once per set of changed columns.
@cache
def _move_and_append(keys: tuple[str, ...]) -> Prepared:
    moved = (update(_SITES)
             .where(_SITES.c.id == bindparam("b_id"), _SITES.c.version_id == bindparam("b_version"))
             .values({key: bindparam(f"s_{key}", type_=_SITES.c[key].type) for key in keys})
             .returning(_SITES.c.id).cte("moved"))
    rows = select(moved.c.id, *(bindparam(f"h_{name}", type_=_HISTORY.c[name].type) for name in _HISTORY_COLUMNS[1:]))
    return Prepared(insert(_HISTORY).from_select(_HISTORY_COLUMNS, rows).returning(_HISTORY.c.id))


@cache
def _bump(keys: tuple[str, ...]) -> Prepared:
    return Prepared(_BUMP_SITE_VERSION, keys)


#: the columns a recorded change may set (the definition snapshot moves with its relationship,
#: through the ORM, so that the site's workflow follows)
CHANGEABLE = frozenset({"stage", "stage_entered_on", "target_opening_on"})


def record(session: Session, site: Site, actor: Actor, now: datetime, action: str,
           reason: str | None = None, *, changes: dict | None = None, **detail) -> int:
    """Record a change of ``site`` in its history, and apply ``changes`` (column -> value) to its row.

    Every recorded change bumps the site's optimistic-locking counter (the ``version_id_col``
    the ORM also checks on its own flushes of a site) in one versioned UPDATE, so two
    changes made from the same stale read of a site cannot both be saved: the second
    raises ``StaleRow``, a ``StaleDataError`` (``StaleEdit`` at the transaction's boundary),
    and writes nothing.

    The UPDATE is a statement built once rather than the ORM's flush of a dirty ``Site``:
    measured on 2026-12-01 (SQLite), a ``record`` through the ORM's flush took 280-370 us
    of CPU against 42-47 us here, about 13 % more CPU per step of a persisted advance
    (``benchmarks/advance.py``), for the same statement and the same check. What the caller changed through the ORM is flushed first, under its
    own version check. The entry is appended with one INSERT (history is append-only);
    its id is returned.
    """
    unknown = set(changes or ()) - CHANGEABLE
    if unknown:
        raise ValueError(f"record: {', '.join(sorted(unknown))} cannot be changed with a history entry "
                         f"(only {', '.join(sorted(CHANGEABLE))})")
    session.flush()
    entry = write_change(session, site.id, site.version_id, site.stage, actor, now, action, reason,
                         changes=changes, held=site, **detail)
    snapshot = site.__dict__.get("snapshot")  # as loaded with the site: never a statement of its own
    if snapshot is not None:
        see_stage(site.id, snapshot.digest, site.stage)
    return entry


def write_change(session: Session, site_id: int, version: int, stage: str, actor: Actor, now: datetime,
                 action: str, reason: str | None = None, /, *, changes: dict | None = None, held: Site | None = None,
                 **detail) -> int:
    """``record`` for a site read as a row (its id, the version read, its stage; the entry
    carries the stage the site is in after the change):
    the versioned UPDATE and the history INSERT, nothing else (one statement on PostgreSQL,
    ``_move_and_append``; two on SQLite). A ``Site`` of the session
    with that id (or ``held``) gets the values written, as ``record`` gives them."""
    connection = session.connection()
    values = {**(changes or {}), "version_id": version + 1}
    entry = (site_id, now, actor.name, action, values.get("stage", stage), detail, reason)
    if connection.dialect.name == "postgresql":  # one statement, one round trip
        params = {"b_id": site_id, "b_version": version, **{f"s_{k}": v for k, v in values.items()},
                  **{f"h_{name}": value for name, value in zip(_HISTORY_COLUMNS[1:], entry[1:])}}
        entry_id = _move_and_append(tuple(values)).execute(connection, params).scalar()
        if entry_id is None:
            raise StaleRow("sites", site_id, version)
    else:
        if _bump(tuple(values)).execute(connection, {"b_id": site_id, "b_version": version, **values}).rowcount != 1:
            raise StaleRow("sites", site_id, version)
        entry_id = None
    held = held if held is not None else session.identity_map.get(identity_key(Site, site_id))
    if held is not None:
        for key, value in values.items():
            set_committed_value(held, key, value)
    if entry_id is None:
        entry_id = _APPEND_PREPARED.execute(connection, dict(zip(_HISTORY_COLUMNS, entry))).lastrowid
    return entry_id


_SITE_BY_ID = select(Site).where(Site.id == bindparam("site_id"))


def get_site(session: Session, site_id) -> Site:
    key = row_id(site_id)
    if key is None:
        raise NotFound(code="site.not_found", field="site", site=site_id)
    # what ``session.get`` does, with a statement built once: a site already in the session
    # is returned as it is, otherwise one SELECT (with its definition snapshot's key columns)
    site = session.identity_map.get(identity_key(Site, key)) or \
        session.execute(_SITE_BY_ID, {"site_id": key}).scalar_one_or_none()
    if site is None:
        raise NotFound(code="site.not_found", field="site", site=site_id)
    return site

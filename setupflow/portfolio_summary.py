"""Each site's portfolio line, stored: health, forecast, next deadline, next meeting, overdue
actions and the stages left with a gate that no longer holds, one ``site_summaries`` row a site.

The portfolio then counts, filters, sorts and pages in SQL over this table, whatever the
number of sites. A row is the assessment of ``portfolio.build_row`` (the rule lives there)
computed on one day, from one instant (``computed_dt``: the day is its local date, the
next meeting is the first scheduled one from it).

When a line is recomputed:

- a change marks it stale in its own transaction, at no cost to the change: database
  triggers on the tables the line is computed from (``WATCHED``) set its ``computed_dt``
  to NULL and move its ``generation`` on, whatever wrote the row (an ORM flush, a Core
  statement such as ``sites.records.record``'s, an import, psql; a history entry is appended
  only with its site's UPDATE, which marks it, ``WATCHED_EVENTS``). Recomputing the line in
  the change's transaction instead cost 6x the CPU of a persisted advance (measured
  2026-12-02: 9.6 against 1.6 ms a step), against a 5 % budget;
- a reader recomputes the stale lines before it reads (``refresh(..., reader=True)``: the
  few sites changed since the last read), and writes them back unless a change marked
  the line again meanwhile (its generation moved on);
- when the day changes or a next meeting has started (``stale_clause``): the worker can
  refresh them ahead of the first reader (``refresh_day``; ``setupflow portfolio refresh``);
- a site without a line (a new site, or one that existed before the table) is computed
  by the first reader that sees it.

So a reader never shows a line that differs from a recomputation: every line not marked
stale equals its recomputation. ``verify`` recomputes every row from scratch and returns the differences
(``setupflow portfolio verify``).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import TYPE_CHECKING, Iterable

from sqlalchemy import (Boolean, Date, ForeignKey, Index, Integer, SmallInteger, String, UniqueConstraint, delete, func,
                        literal, null, or_, select, text, union, union_all)
from sqlalchemy.orm import Mapped, Session, mapped_column

from .clock import installation_zone, local_date
from .db import Base, UTCDateTime

if TYPE_CHECKING:
    from .accounts.access import SiteScope

#: the tables a line is computed from: a change to one of their rows marks its site's line stale
#: (the triggers of migration e1a7c3f9b204)
WATCHED = ("sites", "site_tasks", "decisions", "site_history", "meetings", "action_items", "calls")
ALL_EVENTS = ("insert", "update", "delete")
#: the tables watched on fewer events: ``sites`` on UPDATE only (a new site's line is made
#: stale by its own trigger); ``site_history`` not on INSERT (5b2e8d4c7a13): an entry is only
#: ever appended with a write of its site's row (``sites.records.write_change``, or an
#: imported new site), which has marked the line already
WATCHED_EVENTS = {"sites": ("update",), "site_history": ("update", "delete")}
HEALTH_RANK = {"late": 0, "at_risk": 1, "on_track": 2, "opened": 3}
#: the deadline key of a line without a next deadline: after every real one
NO_DEADLINE = date(9999, 12, 31)
NAME_KEY_TYPE = String(200).with_variant(String(200, collation="C"), "postgresql")
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def name_key(name: str) -> str:
    """``name`` as the page sorts it (see ``SiteSummary.name_key``)."""
    return name.translate(_ASCII_LOWER)
#: the PostgreSQL advisory lock the writers of lines take in turn (``store``)
WRITERS_LOCK = 0x5175_6D01
#: sites recomputed per batch (statements stay few, memory bounded)
BATCH = 1_000


class SiteSummary(Base):
    """One site's portfolio line, as computed at ``computed_dt``."""

    __tablename__ = "site_summaries"
    #: one index a sort of the page (and one a filter), each ending with the page's tie
    #: breakers (name, id): page 1 of any of them is an index range read up to its LIMIT
    __table_args__ = tuple(Index(f"ix_site_summaries_{name}", *keys, "name_key", "site_id")
                           for name, keys in (("by_name", ()), ("by_health", ("health_rank",)),
                                              ("by_stage", ("stage_index",)), ("by_opening", ("target_opening_on",)),
                                              ("by_deadline", ("deadline_key",)), ("by_region", ("region",)),
                                              ("by_disp", ("disp",)), ("by_stage_id", ("stage",)))) + (
        # the lines marked stale: a few among lines that mostly share one computed_dt (every
        # line is rewritten at once on a new day), so the planner's statistics of the
        # computed_dt index make an IS NULL look like the whole table
        Index("ix_site_summaries_marked", "site_id", sqlite_where=text("computed_dt IS NULL"),
              postgresql_where=text("computed_dt IS NULL")),)

    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), primary_key=True)
    #: the instant it was computed for (its local date is the day the health holds on);
    #: NULL once a change marked it stale
    computed_dt: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    #: moved on by every change that marks the line stale: a reader writes its recomputed
    #: line back only if no change came since it read the site
    generation: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    health: Mapped[str] = mapped_column(String(10))
    #: late 0, at_risk 1, on_track 2, opened 3: the order of the sort by health
    health_rank: Mapped[int] = mapped_column(SmallInteger)
    health_reason: Mapped[str] = mapped_column(String(20))
    stage_index: Mapped[int] = mapped_column(Integer)
    stage_count: Mapped[int] = mapped_column(Integer)
    opening_earliest: Mapped[date | None] = mapped_column(Date)
    opening_latest: Mapped[date | None] = mapped_column(Date)
    deadline_id: Mapped[str | None] = mapped_column(String(60))
    deadline_earliest: Mapped[date | None] = mapped_column(Date)
    deadline_latest: Mapped[date | None] = mapped_column(Date)
    deadline_estimate: Mapped[bool] = mapped_column(Boolean, default=False)
    next_meeting_id: Mapped[int | None] = mapped_column(Integer)
    next_meeting_dt: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    next_meeting_committee: Mapped[str | None] = mapped_column(String(60))
    overdue_actions: Mapped[int] = mapped_column(Integer, default=0)
    #: the stages left whose gate decisions no longer hold (``portfolio.unmet_gates``), their ids
    #: joined by commas, or None (plain text: decoding JSON for every line of the export cost more)
    unmet_gates: Mapped[str | None] = mapped_column(String(600))
    # the site's own columns the page filters and sorts on, copied here so that a filter and
    # a sort read one index (a change to the site marks the line stale, like any other)
    #: the name as the page sorts it: ASCII letters lowered (what SQLite's lower() and
    #: PostgreSQL's lower() under the "C" collation do), compared byte by byte
    name_key: Mapped[str | None] = mapped_column(NAME_KEY_TYPE)
    stage: Mapped[str | None] = mapped_column(String(60))
    region: Mapped[str | None] = mapped_column(String(100))
    disp: Mapped[str | None] = mapped_column(String(100))
    snapshot_id: Mapped[int | None] = mapped_column(Integer)
    target_opening_on: Mapped[date | None] = mapped_column(Date)
    #: the next deadline's earliest day, NO_DEADLINE when there is none (sorted last)
    deadline_key: Mapped[date | None] = mapped_column(Date)


class SiteSummaryCount(Base):
    """How many stored lines have one (health, stage, region, DISP) key: ``user_id`` 0 counts
    every site, a user's id the sites linked to that user (``user_sites``). Kept by triggers
    on ``site_summaries`` and ``user_sites`` (migration f3c8b1d2e7a4; ``id`` only names a row), so that the counts of
    the national, a regional or an account's scope are a sum over a few rows. No region or
    DISP is stored as ''; a line not computed yet has health ''."""

    __tablename__ = "site_summary_counts"
    #: the key, user first: a scope's rows are one range of it
    __table_args__ = (UniqueConstraint("user_id", "region", "disp", "health", "stage", "snapshot_id", "stage_index",
                                       name="uq_site_summary_counts_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(Integer)
    region: Mapped[str] = mapped_column(String(100))
    disp: Mapped[str] = mapped_column(String(100))
    health: Mapped[str] = mapped_column(String(10))
    stage: Mapped[str] = mapped_column(String(60))
    snapshot_id: Mapped[int] = mapped_column(Integer)
    stage_index: Mapped[int] = mapped_column(Integer)
    n: Mapped[int] = mapped_column(Integer)


T = SiteSummary.__table__
C = SiteSummaryCount.__table__
#: the key of a count, in the order of the table's primary key
COUNT_KEY = ("user_id", "region", "disp", "health", "stage", "snapshot_id", "stage_index")
#: the columns compared by ``verify`` (everything but the instant of computation)
COMPARED = tuple(c.name for c in T.columns if c.name not in ("site_id", "computed_dt", "generation"))


# ---- computing -----------------------------------------------------------------------
def day_bounds(today: date) -> tuple[datetime, datetime]:
    """The UTC instants the local day ``today`` starts and ends (the next day's start)."""
    zone = installation_zone()

    def start(day):
        return datetime.combine(day, time(0), zone).astimezone(timezone.utc)
    return start(today), start(today + timedelta(days=1))


def compute(session: Session, site_ids: Iterable[int], now: datetime) -> list[dict]:
    """The summary rows of ``site_ids`` as of ``now`` (7 statements a batch of BATCH sites)."""
    from .portfolio import build_row, unmet_gates
    from .portfolio_columns import loaders
    from .portfolio_sites import load
    from .sites.models import Site

    today = local_date(now)
    ids = sorted(set(site_ids))
    columns = loaders(now)
    out = []
    for lo in range(0, len(ids), BATCH):
        chunk = ids[lo:lo + BATCH]
        datas = load(session, select(Site).where(Site.id.in_(chunk)))
        meetings = columns["next_meeting"](session, chunk)
        overdue = columns["overdue_actions"](session, chunk)
        for data in datas:
            row = build_row(data, today)
            deadline, meeting = row.next_deadline, meetings.get(data.site.id)
            opening = row.opening
            out.append({
                "site_id": data.site.id, "computed_dt": now, "health": row.health,
                "health_rank": HEALTH_RANK[row.health], "health_reason": row.health_reason,
                "stage_index": row.stage_index, "stage_count": row.stage_count,
                "opening_earliest": opening.earliest, "opening_latest": opening.latest,
                "deadline_id": deadline.deadline.id if deadline else None,
                "deadline_earliest": deadline.window.earliest if deadline else None,
                "deadline_latest": deadline.window.latest if deadline else None,
                "deadline_estimate": bool(deadline and deadline.is_estimate),
                "next_meeting_id": meeting["meeting_id"] if meeting else None,
                "next_meeting_dt": meeting["starts_dt"] if meeting else None,
                "next_meeting_committee": meeting["committee"] if meeting else None,
                "overdue_actions": overdue.get(data.site.id, 0),
                "unmet_gates": ",".join(unmet_gates(data.site, data.decisions)) or None,
                "name_key": name_key(data.site.name), "stage": data.site.stage, "region": data.site.region,
                "disp": data.site.disp, "snapshot_id": data.site.snapshot.id,
                "target_opening_on": data.site.target_opening_on,
                "deadline_key": deadline.window.earliest if deadline else NO_DEADLINE})
    return out


def store(session: Session, rows: list[dict], site_ids: Iterable[int], generations: dict[int, int] | None = None) -> None:
    """Write ``rows`` (an upsert: concurrent writers of one line wait for each other rather
    than fail) and delete the lines of the ``site_ids`` that have none (sites gone).
    ``generations`` (a reader's refresh: the generation of each line when the site was read)
    replaces a line only if no change marked it since."""
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as upsert
    else:
        from sqlalchemy.dialects.sqlite import insert as upsert
    statement = upsert(T)
    columns = {c.name: statement.excluded[c.name] for c in T.c if c.name not in ("site_id", "generation")}
    if generations is not None:
        statement = statement.on_conflict_do_update(index_elements=[T.c.site_id], set_=columns,
                                                    where=T.c.generation == statement.excluded.generation)
        rows = [{**r, "generation": generations.get(r["site_id"], 0)} for r in rows]
    else:
        statement = statement.on_conflict_do_update(index_elements=[T.c.site_id], set_=columns)
        rows = [{**r, "generation": 0} for r in rows]
    rows.sort(key=lambda r: r["site_id"])  # one order for every writer: no deadlock between two
    if conn.dialect.name == "postgresql" and (rows or site_ids):
        # the counts' triggers update shared rows (one a key) in no fixed order: writers of
        # lines take turns (a reader's refresh is a few lines; the wait ends at its commit)
        conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({WRITERS_LOCK})")
    for lo in range(0, len(rows), BATCH):
        conn.execute(statement, rows[lo:lo + BATCH])
    gone = sorted(set(site_ids) - {r["site_id"] for r in rows})
    for lo in range(0, len(gone), BATCH):
        conn.execute(delete(T).where(T.c.site_id.in_(gone[lo:lo + BATCH])))


def refresh(session: Session, site_ids, now: datetime, reader: bool = False) -> int:
    """Recompute and store the lines of ``site_ids`` (ids, or {id: generation read} for a
    reader: see ``store``); how many sites were recomputed."""
    ids = set(site_ids)
    if not ids:
        return 0
    generations = dict(site_ids) if reader and isinstance(site_ids, dict) else ({} if reader else None)
    store(session, compute(session, ids, now), ids, generations)
    if len(ids) >= BATCH:
        # many lines rewritten (every site's on a new day, after an import): the planner's
        # statistics are refreshed with them, or they still describe lines not computed yet
        # (all stale) and the probe for stale lines reads the whole table instead of its index
        session.connection().exec_driver_sql("ANALYZE site_summaries")
    return len(ids)


def stale_clause(now: datetime, today: date | None = None):
    """SQL: the rows that no longer say what a recomputation at ``now`` would (another day,
    computed after ``now``, or their next meeting has started); each term can use an index."""
    start, end = day_bounds(today or local_date(now))
    c = T.c
    return or_(c.computed_dt.is_(None), c.computed_dt < start, c.computed_dt >= end, c.computed_dt > now,
               c.next_meeting_dt < now)


def stale_ids(session: Session, now: datetime, today: date | None = None) -> dict[int, int]:
    """{site id: generation} of the lines stale at ``now``: one statement, a UNION of the
    terms of ``stale_clause``, each a range of its index (as one OR, SQLite without the
    table's statistics read every line: 5 ms at 20,000 sites when none was stale)."""
    start, end = day_bounds(today or local_date(now))
    c = T.c
    later = c.computed_dt > now if now < end else c.computed_dt >= end  # (computed after now, or another day)
    terms = (c.computed_dt.is_(None), c.computed_dt < start, later, c.next_meeting_dt < now)
    query = union(*(select(c.site_id, c.generation).where(term) for term in terms))
    return dict(session.connection().execute(query).all())


def missing_ids(session: Session, sites_query) -> list[int]:
    """The sites of ``sites_query`` (a SELECT of sites) that have no row."""
    from .sites.models import Site

    query = (sites_query.with_only_columns(Site.id).order_by(None)
             .outerjoin(T, T.c.site_id == Site.id).where(T.c.site_id.is_(None)))
    return list(session.connection().execute(query).scalars())


def refresh_all(session: Session, now: datetime) -> int:
    """Every site's row as of ``now`` (the worker when the day changes; ``setupflow
    portfolio refresh``); the caller commits."""
    from .sites.models import Site

    ids = list(session.connection().execute(select(Site.id)).scalars())
    gone = list(session.connection().execute(select(T.c.site_id).where(T.c.site_id.not_in(select(Site.id))))
                .scalars())
    return refresh(session, ids + gone, now)


def refresh_day(session: Session, now: datetime) -> int:
    """The rows that are stale at ``now`` and the missing ones: nothing when all are current."""
    from .sites.models import Site

    return refresh(session, {**stale_ids(session, now), **dict.fromkeys(missing_ids(session, select(Site)), 0)},
                   now, reader=True)


@dataclass(frozen=True)
class Difference:
    site_id: int
    column: str
    stored: object
    computed: object


def verify(session: Session, now: datetime) -> tuple[list[Difference], int]:
    """Every site's line recomputed from scratch at ``now`` and compared with the stored one
    that a reader would show (an extra line is a difference), and how many lines a reader
    would recompute first (stale at ``now``, or missing): those are not compared."""
    from .sites.models import Site

    stale = stale_ids(session, now)
    every = list(session.connection().execute(select(Site.id).order_by(Site.id)).scalars())
    stored = {r.site_id: r._mapping for r in session.connection().execute(select(T)) if r.site_id not in stale}
    ids = [i for i in every if i in stored]
    pending = len(every) - len(ids)
    out = []
    for lo in range(0, len(ids), BATCH):
        for row in compute(session, ids[lo:lo + BATCH], now):
            have = stored.pop(row["site_id"])
            for name in COMPARED:
                if _normal(have[name]) != _normal(row[name]):
                    out.append(Difference(row["site_id"], name, have[name], row[name]))
    out += [Difference(site_id, "(row)", "present", None) for site_id in sorted(stored)]
    return out, pending


def _normal(value):
    if isinstance(value, datetime) and value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value


#: the triggers of migration f3c8b1d2e7a4: the counts kept, a new site's stale line
COUNT_TRIGGERS = ("trg_site_summaries_counts_insert", "trg_site_summaries_counts_delete",
                  "trg_site_summaries_counts_update", "trg_user_sites_counts_insert", "trg_user_sites_counts_delete",
                  "trg_user_sites_counts_update", "trg_sites_summary_new")


def trigger_names(dialect: str) -> set[str]:
    """The triggers that mark the lines stale (by the names migration e1a7c3f9b204 gives
    them) and those that keep the counts (f3c8b1d2e7a4)."""
    if dialect == "postgresql":
        return {f"trg_{table}_summary" for table in WATCHED} | set(COUNT_TRIGGERS)
    return {f"trg_{table}_summary_{op}" for table in WATCHED for op in WATCHED_EVENTS.get(table, ALL_EVENTS)} | \
        set(COUNT_TRIGGERS)


def missing_triggers(session: Session) -> list[str]:
    """The marking triggers the database lacks (a later SQLite batch migration that
    recreated a watched table would have dropped its own)."""
    conn = session.connection()
    dialect = conn.dialect.name
    if dialect == "postgresql":
        present = set(conn.exec_driver_sql("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal").scalars())
    else:
        present = set(conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'trigger'").scalars())
    return sorted(trigger_names(dialect) - present)


def counts(session: Session, sites_query):
    """(health, stage, region, disp, count, first snapshot id, stage index) over the sites of
    ``sites_query``, their rows joined (a missing row comes with health None): one statement
    that reads every site of the query (for a scope the kept counts cannot answer)."""
    from .sites.models import Site

    q = (sites_query.with_only_columns(T.c.health, Site.stage, Site.region, Site.disp, func.count(),
                                       func.min(Site.snapshot_id), func.coalesce(func.min(T.c.stage_index), 0))
         .order_by(None).outerjoin(T, T.c.site_id == Site.id)
         .group_by(T.c.health, Site.stage, Site.region, Site.disp))
    return session.connection().execute(q).all()


# ---- the kept counts -------------------------------------------------------------------
def _scope_rows(scope: SiteScope):
    """The condition on the kept count rows of ``scope`` (the keys of the region, or every
    site's, and those of the account's own sites outside it); None when it sees no site."""
    if scope.everything:
        return C.c.user_id == 0
    parts = []
    if scope.region:
        parts.append((C.c.user_id == 0) & (C.c.region == scope.region))
    if scope.user_id is not None:
        own = C.c.user_id == scope.user_id
        parts.append(own & (C.c.region != scope.region) if scope.region else own)
    return or_(*parts) if parts else None


def kept_counts(session: Session, scope: SiteScope):
    """``counts`` for ``scope``, read from the kept counts: a sum over a few rows."""
    where = _scope_rows(scope)
    if where is None:
        return []
    region, disp = func.nullif(C.c.region, ""), func.nullif(C.c.disp, "")
    q = (select(C.c.health, C.c.stage, region, disp, func.sum(C.c.n), func.min(C.c.snapshot_id),
                func.min(C.c.stage_index)).where(where, C.c.n != 0)
         .group_by(C.c.health, C.c.stage, C.c.region, C.c.disp))
    return [tuple(r[:4]) + (int(r[4]),) + tuple(r[5:]) for r in session.connection().execute(q) if r[4]]


@dataclass(frozen=True)
class Totals:
    """What the portfolio shows of a scope's counts: the sites by health and by stage (with
    the stage's first snapshot and order), the regions and DISPs present, and how many
    sites match the page's filters."""

    health: dict[str, int]
    #: stage -> (its order, the first snapshot it is in, sites)
    stages: dict[str, tuple[int, int, int]]
    regions: list[str]
    disps: list[str]
    matching: int


def totals_of(groups, region=None, disp=None, stage=None, health=None) -> Totals:
    """``Totals`` of groups as ``counts`` gives them."""
    by_health: dict[str, int] = {}
    stages: dict[str, list] = {}
    matching = 0
    for h, st, rg, dp, n, snapshot_id, index in groups:
        by_health[h] = by_health.get(h, 0) + n
        found = stages.setdefault(st, [index, snapshot_id, 0])
        found[0], found[1], found[2] = min(found[0], index), min(found[1], snapshot_id), found[2] + n
        if (not region or rg == region) and (not disp or dp == disp) and (not stage or st == stage) \
                and (not health or h == health):
            matching += n
    return Totals(by_health, {k: tuple(v) for k, v in stages.items()}, sorted({g[2] for g in groups if g[2]}),
                  sorted({g[3] for g in groups if g[3]}), matching)


def kept_totals(session: Session, scope: SiteScope, region=None, disp=None, stage=None, health=None) -> Totals:
    """``Totals`` of ``scope`` from the kept counts, summed by the database: one statement
    whose answer has a row per health, stage, region and DISP present (not one per
    combination of them, which grows with the number of sites)."""
    where = _scope_rows(scope)
    if where is None:
        return Totals({}, {}, [], [], 0)
    rows = (C.c.n != 0, C.c.health != "", where)  # '': a new site's line not computed yet
    matched = [column == value for column, value in
               ((C.c.region, region), (C.c.disp, disp), (C.c.stage, stage), (C.c.health, health)) if value]
    none = null()
    parts = [select(literal(kind), key, func.sum(C.c.n), first, order).where(*rows).group_by(key)
             for kind, key, first, order in (
                 ("h", C.c.health, none, none), ("s", C.c.stage, func.min(C.c.snapshot_id), func.min(C.c.stage_index)),
                 ("r", C.c.region, none, none), ("d", C.c.disp, none, none))]
    parts.append(select(literal("m"), none, func.sum(C.c.n), none, none).where(*rows, *matched))
    by_health, stages, regions, disps, matching = {}, {}, [], [], 0
    for kind, key, n, first, order in session.connection().execute(union_all(*parts)):
        n = int(n or 0)
        if not n:
            continue
        if kind == "h":
            by_health[key] = n
        elif kind == "s":
            stages[key] = (order, first, n)
        elif kind == "r" and key:
            regions.append(key)
        elif kind == "d" and key:
            disps.append(key)
        elif kind == "m":
            matching = n
    return Totals(by_health, stages, sorted(regions), sorted(disps), matching)


def _recounted():
    """SELECT of the counts recomputed from the stored lines (what the triggers keep)."""
    from .accounts.models import UserSite

    key = (func.coalesce(T.c.region, ""), func.coalesce(T.c.disp, ""), T.c.health, T.c.stage, T.c.snapshot_id,
           T.c.stage_index)
    every = select(literal(0).label("user_id"), *key, func.count().label("n")).group_by(*key)
    linked = (select(UserSite.user_id, *key, func.count().label("n"))
              .join(UserSite, UserSite.site_id == T.c.site_id).group_by(UserSite.user_id, *key))
    return every.union_all(linked)


def verify_counts(session: Session) -> list[Difference]:
    """The kept counts that differ from a recount of the stored lines: Difference(user id,
    the key joined by '|', stored, recounted)."""
    conn = session.connection()
    stored = {tuple(r[:-1]): r[-1] for r in conn.execute(select(*[C.c[k] for k in COUNT_KEY], C.c.n))
              if r[-1] != 0}
    recounted = {tuple(r[:-1]): r[-1] for r in conn.execute(_recounted())}
    return [Difference(key[0], "|".join(str(k) for k in key[1:]), stored.get(key), recounted.get(key))
            for key in sorted(stored.keys() | recounted.keys(), key=lambda k: tuple(map(str, k)))
            if stored.get(key) != recounted.get(key)]


def recount(session: Session) -> int:
    """Rewrite the kept counts from the stored lines (``setupflow portfolio refresh``);
    how many rows they are now. The caller commits."""
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({WRITERS_LOCK})")
        conn.exec_driver_sql("LOCK TABLE site_summary_counts IN EXCLUSIVE MODE")
    conn.execute(delete(C))
    conn.execute(C.insert().from_select(list(COUNT_KEY) + ["n"], _recounted()))
    return conn.execute(select(func.count()).select_from(C)).scalar_one()

"""Every site a person may see, with a constant number of SQL queries.

``overview()`` is the page: the counts of every visible site by health and stage (one
statement: with the person's ``accounts.access.site_scope``, a sum of the kept counts, else the visible
sites grouped), then one page of rows (one statement: the ids of the page read from the
index of its sort on the stored lines and cut at the LIMIT, joined to the sites) and their
definitions. ``portfolio()`` is every
matching row (the CSV export), read in batches. Extra columns a caller adds are batch
loaders: ``(session, site_ids) -> {site_id: value}``, one statement each for the rows
shown, their result in ``Row.extra``; the stored next meeting, overdue actions and
unmet gates are there too.

Health rule (from the retro-planning and the forecast of ``planning.forecast``):

- ``opened``: the site reached the definition's final state.
- ``late``: the current stage has lasted longer than its hard maximum (its maximum when
  the definition gives no hard maximum), or even the
  earliest forecast opening falls after the target opening date (the target can no
  longer be met at the method's fastest pace).
- ``at_risk``: the latest forecast opening falls after the target (the target holds
  only if the remaining stages go faster than their maximum), or the current stage has
  lasted longer than its usual range but not its hard maximum, or it has
  lasted longer than its minimum duration while its gate is still unmet.
- ``on_track`` otherwise.

A site's assessment (forecast, gate, health, next deadline) is a pure function of its
definition snapshot, stage, dates, ticked gate tasks, decisions, stage moves and the
day. It is stored, one row a site (``portfolio_summary``), recomputed in the transaction
of every change that affects it and when the day changes; the pages count, filter, sort
and page in SQL over those rows, so a request costs the same for 200 sites as for 20,000.
``build_row`` is the computation itself (``portfolio_summary.compute`` and ``verify`` use it).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Callable, Iterator, Sequence

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from .engine import evaluate_gate
from .planning import DeadlinePlan, Progress, Window, add_months, forecast
from .portfolio_sites import SiteData, SiteRecord
from .sites.models import Site, WorkflowSnapshot
from .sites.operations import dated_values, stage_spans
from .sites.runtime import workflow_of

HEALTHS = ("on_track", "at_risk", "late", "opened")
SORTS = ("name", "stage", "health", "opening", "deadline")

BatchLoader = Callable[[Session, "Select | Sequence[int]"], dict[int, Any]]
#: name -> loader; each adds one query, never one per site
EXTRA_LOADERS: dict[str, BatchLoader] = {}


@dataclass(frozen=True, slots=True)
class Row:
    site: SiteRecord
    stage_index: int
    stage_count: int
    health: str
    #: why the health is what it is, as a key: past_max, past_usual, target_missed, target_at_risk, past_min,
    #: opened, ok
    health_reason: str
    #: the forecast opening window (earliest, latest)
    opening: Window
    next_deadline: DeadlinePlan | None
    extra: dict[str, Any]


def health_of(site, prog: Progress, gate_met: bool, today: date) -> tuple[str, str]:
    """(health, reason) by the rule in this module's docstring."""
    workflow = workflow_of(site)
    if site.stage == workflow.final.id:
        return "opened", "opened"
    if prog.is_past_hard_max:
        return "late", "past_max"
    if prog.is_past_max:  # past the usual range, not its hard maximum
        return "at_risk", "past_usual"
    opening = prog.plan.opening
    if opening.earliest > site.target_opening_on:
        return "late", "target_missed"
    if opening.latest > site.target_opening_on:
        return "at_risk", "target_at_risk"
    past_min = today > add_months(site.stage_entered_on, workflow.stage(site.stage).duration.min)
    if past_min and not gate_met:
        return "at_risk", "past_min"
    return "on_track", "ok"


def next_deadline(site, prog: Progress, today: date) -> DeadlinePlan | None:
    """The first deadline not met yet, of the current or a later stage, whose window has
    not closed; else the first such deadline already overdue. None once opened."""
    workflow = workflow_of(site)
    if site.stage == workflow.final.id:
        return None
    current = workflow.stage_index(site.stage)
    later = set(workflow.state_ids[current:])
    open_ = [d for d in prog.plan.deadlines if d.done_on is None
             and (d.deadline.stage is None or d.deadline.stage in later)]
    upcoming = [d for d in open_ if d.window.latest >= today]
    pool = upcoming or open_
    return min(pool, key=lambda d: d.window.earliest) if pool else None


def _assess(site, data: SiteData, spans: dict, today: date) -> tuple:
    workflow = workflow_of(site)
    prog = forecast(workflow, site.stage, site.stage_entered_on, today, spans, dated_values(site, data.decisions))
    gate = evaluate_gate(workflow, site.stage, data.done, data.decisions)
    health, reason = health_of(site, prog, gate.met, today)
    return (workflow.stage_index(site.stage), len(workflow.stages), health, reason, prog.plan.opening,
            next_deadline(site, prog, today))


def build_row(data: SiteData, today: date) -> Row:
    """A site's line computed from its loaded data (``portfolio_sites.load``) on ``today``."""
    site = data.site
    return Row(site, *_assess(site, data, stage_spans(site, data.moves), today), data.extra)


def unmet_gates(site, decisions: dict[str, str]) -> list[str]:
    """The stages ``site`` has left whose gate decisions no longer hold (one was withdrawn,
    or replaced by a value the gate refuses, after the site moved on). Only decisions are
    checked (``sites.decisions.passed_unmet_gates`` checks everything for one site)."""
    workflow = workflow_of(site)
    every_task = {t.id for s in workflow.stages for t in s.tasks}
    return [s for s in workflow.state_ids[:workflow.stage_index(site.stage)]
            if not evaluate_gate(workflow, s, every_task, decisions).met]


@dataclass(frozen=True)
class Summary:
    """Counts over every visible site, whatever the filters and the page."""

    total: int
    by_health: tuple[tuple[str, int], ...]
    #: (stage id, a site on it for its label, count), in the method's order
    by_stage: tuple[tuple[str, Any, int], ...]
    #: the regions, DISPs and stages present, for the filters
    choices: dict[str, list[str]]


@dataclass(frozen=True, slots=True)
class StageOf:
    """What a stage's label needs (``web.labels.stage_label``): a stage and its definition."""

    stage: str
    snapshot: WorkflowSnapshot

    @property
    def workflow_id(self) -> str:
        return self.snapshot.workflow_id


@dataclass(frozen=True)
class Overview:
    """One page of the portfolio and the summary of every visible site."""

    rows: list[Row]
    summary: Summary
    #: the page shown (from 1), how many pages, how many sites match the filters
    page: int
    pages: int
    matching: int
    #: the position (from 1) of the first and last row shown; 0, 0 when none matches
    first: int
    last: int


# ---- reading the stored lines ---------------------------------------------------------
def _summary_table():
    from .portfolio_summary import T
    return T


_SITE_COLUMNS = (Site.id, Site.name, Site.stage, Site.stage_entered_on, Site.start_on, Site.target_opening_on,
                 Site.establishment, Site.region, Site.disp, Site.snapshot_id)


def _now_of(today: date, now: datetime | None) -> datetime:
    """The instant the lines are read at: ``now``, or the start of ``today`` when only the day is given."""
    if now is not None:
        return now
    from .portfolio_summary import day_bounds
    return day_bounds(today)[0]


def _fresh(session: Session, sites_query: Select, today: date, now: datetime) -> None:
    """Recompute the stored lines that are stale at ``now`` (another day, a next meeting
    begun): one indexed statement when all are current (the usual case: the worker
    refreshes them when the day changes). The new lines are written in the caller's
    transaction: reading the portfolio may write, and the caller commits (the web does at
    the end of every request) or rolls back (the lines are then computed again next time)."""
    from .portfolio_summary import refresh, stale_ids

    stale = stale_ids(session, now, today)
    if stale:
        refresh(session, stale, now, reader=True)


def _matching_clause(T, region, disp, stage, health):
    """The filters, on the line's own copies of the site's columns (one index each)."""
    from .portfolio_summary import HEALTH_RANK

    out = []
    if region:
        out.append(T.c.region == region)
    if disp:
        out.append(T.c.disp == disp)
    if stage:
        out.append(T.c.stage == stage)
    if health:
        out.append(T.c.health_rank == HEALTH_RANK.get(health, -1))
    return out


def _order(T, sort: str, descending: bool) -> list:
    """The sort key, then the name (ASCII letters lowered, compared byte by byte: the stored
    ``name_key``), then the id, all in one direction: each sort is the order of one index
    of ``site_summaries``, read forwards or backwards up to the page's LIMIT."""
    keys = {
        "name": [],
        "stage": [T.c.stage_index],
        "health": [T.c.health_rank],
        "opening": [T.c.target_opening_on],
        "deadline": [T.c.deadline_key],  # no deadline: NO_DEADLINE, after every real one
    }[sort if sort in SORTS else "name"] + [T.c.name_key, T.c.site_id]
    return [k.desc() if descending else k.asc() for k in keys]


def _rows(session: Session, query: Select, today: date) -> list[Row]:
    """The lines of ``query`` (site columns then the summary's) as rows, their definitions
    read in one statement."""
    result = session.connection().execute(query).all()
    if not result:
        return []
    snapshot_ids = {r.snapshot_id for r in result}
    snapshots = {s.id: s for s in session.scalars(select(WorkflowSnapshot).where(WorkflowSnapshot.id.in_(snapshot_ids)))}
    return [_row(r, snapshots[r.snapshot_id]) for r in result]


def _row(r, snapshot) -> Row:
    site = SiteRecord(r.id, r.name, r.stage, r.stage_entered_on, r.start_on, r.target_opening_on, r.establishment,
                      r.region, r.disp, snapshot)
    deadline = None
    if r.deadline_id is not None:
        deadline = DeadlinePlan(workflow_of(site).deadline(r.deadline_id), Window(r.deadline_earliest,
                                                                                  r.deadline_latest),
                                r.deadline_estimate)
    extra: dict[str, Any] = {}
    if r.next_meeting_id is not None:
        extra["next_meeting"] = {"committee": r.next_meeting_committee, "starts_dt": _aware(r.next_meeting_dt),
                                 "meeting_id": r.next_meeting_id}
    if r.overdue_actions:
        extra["overdue_actions"] = r.overdue_actions
    if r.unmet_gates:
        extra["unmet_gates"] = r.unmet_gates.split(",")
    return Row(site, r.stage_index, r.stage_count, r.health, r.health_reason,
               Window(r.opening_earliest, r.opening_latest), deadline, extra)


def _aware(value):
    from datetime import timezone
    return value.replace(tzinfo=timezone.utc) if value is not None and value.tzinfo is None else value


#: the line's copies of the site's columns and its sort keys: read from the site, not twice
_COPIES = ("site_id", "computed_dt", "generation", "name_key", "stage", "region", "disp", "snapshot_id",
           "target_opening_on", "deadline_key")


def _scope_clause(T, scope):
    """SQL on the stored lines: the sites of ``scope`` (``accounts.access.site_scope``), each term one row's
    test (its region copy, its link to the person through the unique (user, site) index),
    so that the page reads the lines in the order of a sort's index and stops at its LIMIT."""
    from sqlalchemy import false, or_

    from .accounts.models import UserSite

    if scope.everything:
        return None
    parts = []
    if scope.region:
        parts.append(T.c.region == scope.region)
    if scope.user_id is not None:
        # a correlated scalar subquery, not EXISTS: PostgreSQL would hash every site linked
        # to the person first (20,000 for the national follower), this probes the unique
        # (user, site) index for the lines read only
        parts.append(select(UserSite.id).where(UserSite.user_id == scope.user_id, UserSite.site_id == T.c.site_id)
                     .limit(1).scalar_subquery().is_not(None))
    return or_(*parts) if parts else false()


def _lines(sites_query: Select, criteria: dict) -> Select:
    """The matching lines of the sites of ``sites_query`` joined to their sites, in the page's order."""
    T = _summary_table()
    query = (sites_query.with_only_columns(*_SITE_COLUMNS, *[c for c in T.c if c.name not in _COPIES])
             .order_by(None).join(T, T.c.site_id == Site.id))
    where = _matching_clause(T, criteria.get("region"), criteria.get("disp"), criteria.get("stage"),
                             criteria.get("health"))
    if where:
        query = query.where(*where)
    return query.order_by(*_order(T, criteria.get("sort") or "name", bool(criteria.get("descending"))))


def page_ids(criteria: dict, scope, limit: int, offset: int = 0) -> Select:
    """SELECT of the ids of one page of the lines of ``scope`` (``accounts.access.site_scope``) that match
    ``criteria``, in the page's order: one table, its scope and filters tested on each line
    (the lines refreshed first: their copies of the region... are the site's), so that the
    database reads the index of the sort (``SiteSummary``'s) up to the LIMIT, not every line."""
    T = _summary_table()
    query = select(T.c.site_id)
    where = _matching_clause(T, criteria.get("region"), criteria.get("disp"), criteria.get("stage"),
                             criteria.get("health"))
    clause = _scope_clause(T, scope)
    if clause is not None:
        where.append(clause)
    if where:
        query = query.where(*where)
    order = _order(T, criteria.get("sort") or "name", bool(criteria.get("descending")))
    return query.order_by(*order).limit(limit).offset(offset)


def _page_lines(criteria: dict, scope, limit: int, offset: int) -> Select:
    """One page of lines (``page_ids``, a subquery: the database cuts the page before it
    joins the sites) joined to their sites, in the page's order (a sort of its rows only)."""
    T = _summary_table()
    ids = page_ids(criteria, scope, limit, offset).subquery("page")
    return (select(*_SITE_COLUMNS, *[c for c in T.c if c.name not in _COPIES]).select_from(ids)
            .join(T, T.c.site_id == ids.c.site_id).join(Site, Site.id == T.c.site_id)
            .order_by(*_order(T, criteria.get("sort") or "name", bool(criteria.get("descending")))))


def _add_loaders(session: Session, rows: list[Row], loaders) -> None:
    every = {**EXTRA_LOADERS, **(loaders or {})}
    if not every or not rows:
        return
    by_id = {r.site.id: r for r in rows}
    for name, loader in every.items():
        for site_id, value in loader(session, list(by_id)).items():
            if site_id in by_id:
                by_id[site_id].extra[name] = value


_CRITERIA = {"region": None, "disp": None, "stage": None, "health": None, "sort": "name", "descending": False}


def portfolio(session: Session, sites_query: Select, today: date, *, region: str | None = None,
              disp: str | None = None, stage: str | None = None, health: str | None = None,
              sort: str = "name", descending: bool = False, now: datetime | None = None,
              loaders: dict[str, BatchLoader] | None = None) -> list[Row]:
    """Every row of the sites in ``sites_query`` (already restricted to what the person may
    see) that matches the filters, sorted, with every extra column."""
    return list(each_row(session, sites_query, today, region=region, disp=disp, stage=stage, health=health,
                         sort=sort, descending=descending, now=now, loaders=loaders))


def each_row(session: Session, sites_query: Select, today: date, *, now: datetime | None = None,
             loaders: dict[str, BatchLoader] | None = None, batch: int = 500, **criteria) -> Iterator[Row]:
    """``portfolio``'s rows one by one, for the export of every site with memory flat: the
    stale and missing lines are refreshed and the matching site ids read in order now (one
    statement; the order is fixed then, whatever changes while the rows are read), the lines
    are then read ``batch`` ids at a time as the returned iterator is consumed."""
    from .portfolio_summary import missing_ids, refresh

    now = _now_of(today, now)
    _fresh(session, sites_query, today, now)
    refresh(session, missing_ids(session, sites_query), now, reader=True)  # the export reads every site anyway
    query = _lines(sites_query, {**_CRITERIA, **criteria})
    ids = list(session.connection().execute(query.with_only_columns(Site.id)).scalars())

    def rows() -> Iterator[Row]:
        for lo in range(0, len(ids), batch):
            chunk = ids[lo:lo + batch]
            found = {r.site.id: r for r in _rows(session, query.where(Site.id.in_(chunk)).order_by(None), today)}
            shown = [found[i] for i in chunk if i in found]
            _add_loaders(session, shown, loaders)
            yield from shown
    return rows()


def summary_of(session: Session, sites_query: Select, today: date, now: datetime | None = None,
               scope=None, **criteria) -> tuple[Summary, int]:
    """The counts of every site of ``sites_query`` and how many of them match ``criteria``
    (region, disp, stage, health): one statement. With ``scope`` (``accounts.access.site_scope``
    the person whose sites ``sites_query`` selects, the lines refreshed first), the kept
    counts are read and summed by the database; without, the sites of the query are counted
    one by one."""
    from .portfolio_summary import counts, kept_totals, missing_ids, refresh, totals_of

    wanted = {k: criteria.get(k) for k in ("region", "disp", "stage", "health")}
    if scope is not None:
        totals = kept_totals(session, scope, **wanted)
    else:
        groups = counts(session, sites_query)
        if any(g[0] is None for g in groups):  # sites without a line yet: computed once, here
            refresh(session, missing_ids(session, sites_query), _now_of(today, now), reader=True)
            groups = counts(session, sites_query)
        totals = totals_of(groups, **wanted)
    snapshots = {first for _order, first, _n in totals.stages.values()}
    known = {s.id: s for s in session.scalars(select(WorkflowSnapshot).where(WorkflowSnapshot.id.in_(snapshots)))} \
        if snapshots else {}
    ordered = sorted(totals.stages.items(), key=lambda kv: (kv[1][0], kv[1][1], kv[0]))
    by_stage = tuple((stage, StageOf(stage, known[first]), n) for stage, (_order, first, n) in ordered)
    choices = {"region": totals.regions, "disp": totals.disps, "stage": [s for s, _site, _n in by_stage]}
    total = sum(totals.health.values())
    return (Summary(total, tuple((h, totals.health.get(h, 0)) for h in HEALTHS), by_stage,
                    {k: v for k, v in choices.items() if v}), totals.matching)


def overview(session: Session, sites_query: Select, today: date, *, page: int = 1, per_page: int = 50,
             now: datetime | None = None, loaders: dict[str, BatchLoader] | None = None, scope=None,
             **criteria) -> Overview:
    """Page ``page`` (clipped to the last page) of the matching rows and the counts of all
    visible sites: the freshness probe, the counts (from the kept ones with ``scope``: see
    ``summary_of``), the page's lines, their definitions (4 statements when every line is
    current), plus one per loader."""
    criteria = {**_CRITERIA, **criteria}
    now = _now_of(today, now)
    _fresh(session, sites_query, today, now)
    summary, matching = summary_of(session, sites_query, today, now, scope, **criteria)
    pages = max(1, -(-matching // per_page))
    page = min(max(1, page), pages)
    shown = []
    if matching:
        if scope is not None and (scope.everything or scope.region):
            # the national and regional scopes: an index range of the lines (a person's own
            # few sites are read through their links, below, rather than looked for in it)
            query = _page_lines(criteria, scope, per_page, (page - 1) * per_page)
        else:
            query = _lines(sites_query, criteria).limit(per_page).offset((page - 1) * per_page)
        shown = _rows(session, query, today)
        _add_loaders(session, shown, loaders)
    first = (page - 1) * per_page + 1 if shown else 0
    return Overview(shown, summary, page, pages, matching, first, first + len(shown) - 1 if shown else 0)

"""Every site a person may see, in one table, with a constant number of SQL queries.

``portfolio()`` runs one query for the sites and one per kind of related row (ticked
tasks, current decisions, stage moves), whatever the number of sites; then builds each
row in memory. New columns (next meeting, overdue actions...) come as more batch
loaders in ``EXTRA_LOADERS``: a function ``(session, site_ids_query) -> {site_id: value}``
whose result reaches ``build_row`` through ``SiteData.extra``.

Health rule (from the retro-planning and the forecast of ``planning.forecast``):

- ``opened``: the site reached the definition's final state.
- ``late``: the current stage has lasted longer than its maximum duration, or even the
  earliest forecast opening falls after the target opening date (the target can no
  longer be met at the method's fastest pace).
- ``at_risk``: the latest forecast opening falls after the target (the target holds
  only if the remaining stages go faster than their maximum), or the current stage has
  lasted longer than its minimum duration while its gate is still unmet.
- ``on_track`` otherwise.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Callable

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from .engine import evaluate_gate
from .planning import DeadlinePlan, Progress, add_months, forecast
from .sites.models import Decision, HistoryEntry, Site, SiteTask
from .sites.operations import STAGE_MOVES, dated_values, stage_spans
from .sites.runtime import workflow_of

HEALTHS = ("on_track", "at_risk", "late", "opened")
SORTS = ("name", "stage", "health", "opening", "deadline")
_HEALTH_ORDER = {"late": 0, "at_risk": 1, "on_track": 2, "opened": 3}

BatchLoader = Callable[[Session, Select], dict[int, Any]]
#: name -> loader; each adds one query, never one per site
EXTRA_LOADERS: dict[str, BatchLoader] = {}


@dataclass
class SiteData:
    """What was batch-loaded for one site."""

    site: Site
    done: set[str] = field(default_factory=set)
    decisions: dict[str, str] = field(default_factory=dict)
    #: the site's stage moves (rows with action, stage, at_dt, detail), oldest first
    moves: list = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Row:
    site: Site
    stage_index: int
    stage_count: int
    health: str
    #: why the health is what it is, as a key: past_max, target_missed, target_at_risk, past_min, opened, ok
    health_reason: str
    progress: Progress
    next_deadline: DeadlinePlan | None
    extra: dict[str, Any]


def load(session: Session, sites_query: Select, loaders: dict[str, BatchLoader] | None = None) -> list[SiteData]:
    """The sites of ``sites_query`` and their related rows: 4 queries plus one per loader."""
    sites = list(session.scalars(sites_query.order_by(Site.id)).unique())
    ids = sites_query.with_only_columns(Site.id).order_by(None)
    data = {s.id: SiteData(s) for s in sites}
    if not data:
        return []
    for site_id, key in session.execute(select(SiteTask.site_id, SiteTask.task_key).where(
            SiteTask.site_id.in_(ids), SiteTask.is_done)):
        data[site_id].done.add(key)
    for site_id, key, value in session.execute(select(Decision.site_id, Decision.key, Decision.value).where(
            Decision.site_id.in_(ids), Decision.key.is_not(None), Decision.superseded_by_id.is_(None))
            .order_by(Decision.id)):
        data[site_id].decisions[key] = value
    # plain rows, not ORM objects: the forecast only reads them (2,000 sites: ~6,000 entries)
    for entry in session.execute(select(HistoryEntry.site_id, HistoryEntry.action, HistoryEntry.stage,
                                        HistoryEntry.at_dt, HistoryEntry.detail).where(
            HistoryEntry.site_id.in_(ids), HistoryEntry.action.in_(STAGE_MOVES)).order_by(HistoryEntry.id)):
        data[entry.site_id].moves.append(entry)
    for name, loader in {**EXTRA_LOADERS, **(loaders or {})}.items():
        for site_id, value in loader(session, ids).items():
            if site_id in data:
                data[site_id].extra[name] = value
    return list(data.values())


def health_of(site: Site, prog: Progress, gate_met: bool, today: date) -> tuple[str, str]:
    """(health, reason) by the rule in this module's docstring."""
    workflow = workflow_of(site)
    if site.stage == workflow.final.id:
        return "opened", "opened"
    if prog.is_past_max:
        return "late", "past_max"
    opening = prog.plan.opening
    if opening.earliest > site.target_opening_on:
        return "late", "target_missed"
    if opening.latest > site.target_opening_on:
        return "at_risk", "target_at_risk"
    past_min = today > add_months(site.stage_entered_on, workflow.stage(site.stage).duration.min)
    if past_min and not gate_met:
        return "at_risk", "past_min"
    return "on_track", "ok"


def next_deadline(site: Site, prog: Progress, today: date) -> DeadlinePlan | None:
    """The first deadline not met yet, of the current or a later stage, whose window has
    not closed; else the first such deadline already overdue. None once opened."""
    workflow = workflow_of(site)
    current = workflow.stage_index(site.stage)
    if site.stage == workflow.final.id:
        return None
    open_ = [d for d in prog.plan.deadlines if d.done_on is None
             and (d.deadline.stage is None or workflow.stage_index(d.deadline.stage) >= current)]
    upcoming = [d for d in open_ if d.window.latest >= today]
    pool = upcoming or open_
    return min(pool, key=lambda d: d.window.earliest) if pool else None


def build_row(data: SiteData, today: date) -> Row:
    site = data.site
    workflow = workflow_of(site)
    prog = forecast(workflow, site.stage, site.stage_entered_on, today, stage_spans(site, data.moves),
                    dated_values(site, data.decisions))
    gate = evaluate_gate(workflow, site.stage, data.done, data.decisions)
    health, reason = health_of(site, prog, gate.met, today)
    return Row(site, workflow.stage_index(site.stage), len(workflow.stages), health, reason, prog,
               next_deadline(site, prog, today), data.extra)


def _sort_key(sort: str):
    far = date.max
    return {
        "name": lambda r: r.site.name.lower(),
        "stage": lambda r: (r.stage_index, r.site.name.lower()),
        "health": lambda r: (_HEALTH_ORDER[r.health], r.site.name.lower()),
        "opening": lambda r: (r.site.target_opening_on, r.site.name.lower()),
        "deadline": lambda r: (r.next_deadline.window.earliest if r.next_deadline else far, r.site.name.lower()),
    }[sort]


def portfolio(session: Session, sites_query: Select, today: date, *, region: str | None = None,
              disp: str | None = None, stage: str | None = None, health: str | None = None,
              sort: str = "name", descending: bool = False,
              loaders: dict[str, BatchLoader] | None = None) -> list[Row]:
    """The rows of the sites in ``sites_query`` (already restricted to what the person may see)."""
    query = sites_query
    if region:
        query = query.where(Site.region == region)
    if disp:
        query = query.where(Site.disp == disp)
    if stage:
        query = query.where(Site.stage == stage)
    rows = [build_row(d, today) for d in load(session, query, loaders)]
    if health:
        rows = [r for r in rows if r.health == health]
    rows.sort(key=_sort_key(sort if sort in SORTS else "name"), reverse=descending)
    return rows


def filter_choices(session: Session, sites_query: Select) -> dict[str, list[str]]:
    """The regions, DISPs and stages present among the visible sites (one query)."""
    sub = sites_query.subquery()
    found = defaultdict(set)
    for region, disp, stage in session.execute(select(sub.c.region, sub.c.disp, sub.c.stage).distinct()):
        if region:
            found["region"].add(region)
        if disp:
            found["disp"].add(disp)
        found["stage"].add(stage)
    return {k: sorted(v) for k, v in found.items()}

"""Every site a person may see, with a constant number of SQL queries.

``overview()`` is the page: the health of every visible site (so that sorting, filtering
and the summary counts cover all of them), then one page of rows with their extra
columns. ``portfolio()`` is every matching row with its columns (the CSV export).
Loading is ``portfolio_sites.load`` (5 statements); the extra columns (next meeting,
overdue actions...) are batch loaders: ``(session, site_ids) -> {site_id: value}``, one
statement each, run for the rows shown only, their result in ``Row.extra``.

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
day: it is memoised on exactly those inputs (``ASSESSMENTS``), never on less.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date
from typing import Any, Callable, Sequence

from sqlalchemy import Select
from sqlalchemy.orm import Session

from .engine import evaluate_gate
from .memo import Memo
from .planning import DeadlinePlan, Progress, add_months, forecast
from .portfolio_sites import SiteData, SiteRecord, load
from .sites.models import Site
from .sites.operations import dated_values, stage_spans
from .sites.runtime import snapshot_key, workflow_of

HEALTHS = ("on_track", "at_risk", "late", "opened")
SORTS = ("name", "stage", "health", "opening", "deadline")
_HEALTH_ORDER = {"late": 0, "at_risk": 1, "on_track": 2, "opened": 3}

BatchLoader = Callable[[Session, "Select | Sequence[int]"], dict[int, Any]]
#: name -> loader; each adds one query, never one per site
EXTRA_LOADERS: dict[str, BatchLoader] = {}
#: ~3.2 KB each: 5,000 (16 MB a process) hold a national portfolio of 2,000 sites on two days
ASSESSMENTS = Memo(5_000)
UNMET_GATES = Memo(5_000)


@dataclass(frozen=True, slots=True)
class Row:
    site: SiteRecord
    stage_index: int
    stage_count: int
    health: str
    #: why the health is what it is, as a key: past_max, past_usual, target_missed, target_at_risk, past_min,
    #: opened, ok
    health_reason: str
    progress: Progress
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
    return (workflow.stage_index(site.stage), len(workflow.stages), health, reason, prog,
            next_deadline(site, prog, today))


def build_row(data: SiteData, today: date) -> Row:
    site = data.site
    spans = stage_spans(site, data.moves)
    key = (snapshot_key(site.snapshot), site.stage, site.stage_entered_on, site.start_on, site.target_opening_on,
           today, frozenset(data.done), tuple(data.decisions.items()), tuple(spans.items()))
    return Row(site, *ASSESSMENTS.get(key, lambda: _assess(site, data, spans, today)), data.extra)


def unmet_gates(site, decisions: dict[str, str]) -> list[str]:
    """The stages ``site`` has left whose gate decisions no longer hold (one was withdrawn,
    or replaced by a value the gate refuses, after the site moved on). Only decisions are
    checked (``sites.decisions.passed_unmet_gates`` checks everything for one site)."""
    def compute():
        workflow = workflow_of(site)
        every_task = {t.id for s in workflow.stages for t in s.tasks}
        return [s for s in workflow.state_ids[:workflow.stage_index(site.stage)]
                if not evaluate_gate(workflow, s, every_task, decisions).met]
    return UNMET_GATES.get((snapshot_key(site.snapshot), site.stage, tuple(sorted(decisions.items()))), compute)


def _sort_key(sort: str):
    far = date.max
    return {
        "name": lambda r: r.site.name.lower(),
        "stage": lambda r: (r.stage_index, r.site.name.lower()),
        "health": lambda r: (_HEALTH_ORDER[r.health], r.site.name.lower()),
        "opening": lambda r: (r.site.target_opening_on, r.site.name.lower()),
        "deadline": lambda r: (r.next_deadline.window.earliest if r.next_deadline else far, r.site.name.lower()),
    }[sort]


@dataclass(frozen=True)
class Summary:
    """Counts over every visible site, whatever the filters and the page."""

    total: int
    by_health: tuple[tuple[str, int], ...]
    #: (stage id, a site on it for its label, count), in the method's order
    by_stage: tuple[tuple[str, SiteRecord, int], ...]
    #: the regions, DISPs and stages present, for the filters
    choices: dict[str, list[str]]


def summary_of(rows: list[Row]) -> Summary:
    health = Counter(r.health for r in rows)
    stages: dict[str, list] = {}
    for r in sorted(rows, key=lambda r: r.stage_index):
        found = stages.setdefault(r.site.stage, [r.site.stage, r.site, 0])
        found[2] += 1
    choices = {"region": sorted({r.site.region for r in rows if r.site.region}),
               "disp": sorted({r.site.disp for r in rows if r.site.disp}), "stage": list(stages)}
    return Summary(len(rows), tuple((h, health[h]) for h in HEALTHS),
                   tuple(tuple(s) for s in stages.values()), {k: v for k, v in choices.items() if v})


def _matching(rows: list[Row], region, disp, stage, health, sort, descending, only=None) -> list[Row]:
    """The rows that match the filters; ``only``: a set of site ids to keep (None: all),
    e.g. the sites whose record has inconsistencies (``sites.decisions.inconsistent_sites``)."""
    out = [r for r in rows if (not region or r.site.region == region) and (not disp or r.site.disp == disp)
           and (not stage or r.site.stage == stage) and (not health or r.health == health)
           and (only is None or r.site.id in only)]
    out.sort(key=_sort_key(sort if sort in SORTS else "name"), reverse=descending)
    return out


def _add_columns(session: Session, data: dict[int, SiteData], rows: list[Row], ids, loaders) -> None:
    for name, loader in {**EXTRA_LOADERS, **(loaders or {})}.items():
        for site_id, value in loader(session, ids).items():
            if site_id in data:
                data[site_id].extra[name] = value
    for r in rows:
        unmet = unmet_gates(r.site, data[r.site.id].decisions)
        if unmet:
            r.extra["unmet_gates"] = unmet


def portfolio(session: Session, sites_query: Select, today: date, *, region: str | None = None,
              disp: str | None = None, stage: str | None = None, health: str | None = None,
              sort: str = "name", descending: bool = False,
              loaders: dict[str, BatchLoader] | None = None, only=None) -> list[Row]:
    """Every row of the sites in ``sites_query`` (already restricted to what the person may
    see) that matches the filters, sorted, with every extra column."""
    datas = load(session, sites_query)
    rows = _matching([build_row(d, today) for d in datas], region, disp, stage, health, sort, descending, only)
    ids = sites_query.with_only_columns(Site.id).order_by(None)
    _add_columns(session, {d.site.id: d for d in datas}, rows, ids, loaders)
    return rows


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


def overview(session: Session, sites_query: Select, today: date, *, page: int = 1, per_page: int = 50,
             loaders: dict[str, BatchLoader] | None = None, **criteria) -> Overview:
    """Page ``page`` (clipped to the last page) of the matching rows, with their extra
    columns, and the counts of all visible sites: 5 statements plus one per loader."""
    datas = load(session, sites_query)
    every = [build_row(d, today) for d in datas]
    rows = _matching(every, **{"region": None, "disp": None, "stage": None, "health": None, "sort": "name",
                               "descending": False, "only": None, **criteria})
    pages = max(1, -(-len(rows) // per_page))
    page = min(max(1, page), pages)
    shown = rows[(page - 1) * per_page:page * per_page]
    if shown:
        _add_columns(session, {d.site.id: d for d in datas}, shown, [r.site.id for r in shown], loaders)
    first = (page - 1) * per_page + 1 if shown else 0
    return Overview(shown, summary_of(every), page, pages, len(rows), first, first + len(shown) - 1 if shown else 0)

"""What the portfolio reads of every visible site: five statements whatever their number.

The rows are only read, so they come as plain Core rows, never ORM objects, and only the
columns the portfolio needs:

1. the sites (``SiteRecord``: the columns of the table, no identity map, no flush);
2. the definitions they run on (a handful of ``WorkflowSnapshot`` rows, their document
   deferred: the runtime cache reads it once per process);
3. the ticked tasks of each site's *current* gate only (the health rule looks at no
   other), matched in SQL against the gate of the site's own definition;
4. the current keyed decisions;
5. the stage moves (created, advanced, reopened), read through the (site_id, action) index.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import NamedTuple

from sqlalchemy import Integer, Select, String, column, select, values
from sqlalchemy.orm import Session

from .sites.gates import current_values
from .sites.models import HistoryEntry, Site, SiteTask, WorkflowSnapshot
from .sites.operations import STAGE_MOVES
from .sites.runtime import workflow_of_snapshot


@dataclass(slots=True, eq=False)
class SiteRecord:
    """A site as the portfolio reads it: what ``Site`` has, minus the ORM. ``snapshot`` is
    the definition's row, so ``workflow_of`` and the page labels work on it as on a ``Site``."""

    id: int
    name: str
    stage: str
    stage_entered_on: date
    start_on: date
    target_opening_on: date
    establishment: str | None
    region: str | None
    disp: str | None
    snapshot: WorkflowSnapshot

    @property
    def workflow_id(self) -> str:
        return self.snapshot.workflow_id


@dataclass(slots=True, eq=False)
class SiteData:
    """What was batch-loaded for one site."""

    site: SiteRecord
    #: the ticked tasks of the gate of the site's current stage (no other task is loaded)
    done: set[str] = field(default_factory=set)
    decisions: dict[str, str] = field(default_factory=dict)
    #: the site's stage moves, oldest first
    moves: list = field(default_factory=list)
    extra: dict = field(default_factory=dict)


_COLUMNS = (Site.id, Site.name, Site.stage, Site.stage_entered_on, Site.start_on, Site.target_opening_on,
            Site.establishment, Site.region, Site.disp, Site.snapshot_id)


def load(session: Session, sites_query: Select) -> list[SiteData]:
    """Every site of ``sites_query`` (in id order) and its related rows: 5 statements."""
    # Core on the session's connection: the ORM's result machinery costs more than the rows
    conn = session.connection()
    site_rows = conn.execute(sites_query.with_only_columns(*_COLUMNS).order_by(Site.id)).all()
    if not site_rows:
        return []
    snapshot_ids = {row[-1] for row in site_rows}
    snapshots = {s.id: s for s in session.scalars(select(WorkflowSnapshot)
                                                   .where(WorkflowSnapshot.id.in_(snapshot_ids)))}
    data = {row[0]: SiteData(SiteRecord(*row[:-1], snapshots[row[-1]])) for row in site_rows}
    ids = sites_query.with_only_columns(Site.id).order_by(None)
    for site_id, key in conn.execute(_current_gate_tasks(sites_query, snapshots.values())):
        data[site_id].done.add(key)
    for site_id, decisions in current_values(session, ids).items():
        data[site_id].decisions = decisions
    # the two keys of the detail the stage moves need, extracted by the database: parsing
    # each entry's whole JSON cost a third of this query
    for site_id, action, stage, at_dt, source, target in conn.execute(select(
            HistoryEntry.site_id, HistoryEntry.action, HistoryEntry.stage, HistoryEntry.at_dt,
            HistoryEntry.detail["source"].as_string(), HistoryEntry.detail["target"].as_string()).where(
            HistoryEntry.site_id.in_(ids), HistoryEntry.action.in_(STAGE_MOVES)).order_by(HistoryEntry.id)):
        data[site_id].moves.append(StageMove(action, stage, at_dt, {"source": source, "target": target}))
    return list(data.values())


class StageMove(NamedTuple):
    """A stage move of the history as ``sites.operations.stage_spans`` reads it."""

    action: str
    stage: str
    at_dt: datetime
    detail: dict


def _current_gate_tasks(sites_query: Select, snapshots) -> Select:
    """(site_id, task_key) of the ticked tasks that belong to the gate of the site's
    current stage, in the site's own definition: the visible sites joined to a VALUES
    list of (snapshot, stage, task) (a CTE: SQLite names no columns of a bare VALUES),
    so 2,000 sites bring ~1,200 rows instead of every tick (~20,000). The sites drive
    the join with their own scope: ``site_id IN (visible ids)`` made SQLite look up each
    id for each gate task (18 ms instead of 6)."""
    gates = [(snapshot.id, stage.id, task)
             for snapshot in snapshots
             for stage in workflow_of_snapshot(snapshot).stages for task in stage.gate.tasks]
    if not gates:
        return select(SiteTask.site_id, SiteTask.task_key).where(False)
    gate = values(column("snapshot_id", Integer), column("stage", String), column("task_key", String),
                  name="gate_tasks").data(gates).cte("gate_tasks")
    return (sites_query.with_only_columns(SiteTask.site_id, SiteTask.task_key).order_by(None).select_from(Site)
            .join(gate, (gate.c.snapshot_id == Site.snapshot_id) & (gate.c.stage == Site.stage))
            .join(SiteTask, (SiteTask.site_id == Site.id) & (SiteTask.task_key == gate.c.task_key))
            .where(SiteTask.is_done))

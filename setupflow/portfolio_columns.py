"""Portfolio columns from the committees and the decision log, as batch loaders: each is
one SQL statement for all the sites of the portfolio, never one per site.

- ``next_meeting``: the next scheduled meeting (committee id, aware UTC start) from ``now``;
- ``overdue_actions``: how many open action items are past their due date on ``today``;
- ``unmet_gates``: the stages a site has left whose gate decisions no longer hold (one
  was withdrawn, or replaced by a value the gate refuses, after the site moved on), as
  stage ids. Only decisions are checked here: tasks met by evidence cost a query per
  site (``sites.decisions.passed_unmet_gates`` checks everything for one site).
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Select, String, func, literal, select, union_all
from sqlalchemy.orm import Session

from .clock import local_date
from .committees.actions import overdue_clause
from .committees.models import ActionItem, Meeting
from .engine import evaluate_gate
from .portfolio import BatchLoader
from .sites.models import Decision, Site
from .sites.runtime import workflow_of


def loaders(now: datetime) -> dict[str, BatchLoader]:
    today = local_date(now)

    def next_meeting(session: Session, ids: Select) -> dict:
        first = (select(Meeting.site_id, func.min(Meeting.starts_dt).label("starts"))
                 .where(Meeting.site_id.in_(ids), Meeting.status == "scheduled", Meeting.starts_dt >= now)
                 .group_by(Meeting.site_id).subquery())
        rows = session.execute(select(Meeting.site_id, Meeting.committee_id, Meeting.starts_dt, Meeting.id)
                               .join(first, (first.c.site_id == Meeting.site_id) & (first.c.starts == Meeting.starts_dt))
                               .where(Meeting.status == "scheduled").order_by(Meeting.id))
        out = {}
        for site_id, committee_id, starts_dt, meeting_id in rows:
            out.setdefault(site_id, {"committee": committee_id, "starts_dt": starts_dt, "meeting_id": meeting_id})
        return out

    def overdue_actions(session: Session, ids: Select) -> dict:
        return dict(session.execute(select(ActionItem.site_id, func.count()).where(
            ActionItem.site_id.in_(ids), overdue_clause(today)).group_by(ActionItem.site_id)).all())

    return {"next_meeting": next_meeting, "overdue_actions": overdue_actions, "unmet_gates": unmet_gates}


def unmet_gates(session: Session, ids: Select) -> dict[int, list[str]]:
    """One statement: each site's stage and current keyed decisions. The sites themselves
    come from the session (the portfolio loaded them just before)."""
    rows = session.execute(union_all(
        select(Site.id, Site.stage.label("key"), literal(None, String).label("value"), literal(True).label("is_stage"))
        .where(Site.id.in_(ids)),
        select(Decision.site_id, Decision.key, Decision.value, literal(False)).where(
            Decision.site_id.in_(ids), Decision.key.is_not(None), Decision.superseded_by_id.is_(None))))
    stages, decisions = {}, {}
    for site_id, key, value, is_stage in rows:
        if is_stage:
            stages[site_id] = key
        else:
            decisions.setdefault(site_id, {})[key] = value
    out = {}
    for site_id, stage in stages.items():
        workflow = workflow_of(session.get(Site, site_id))
        passed = workflow.state_ids[:workflow.stage_index(stage)]
        every_task = {t.id for s in workflow.stages for t in s.tasks}
        unmet = [s for s in passed if not evaluate_gate(workflow, s, every_task, decisions.get(site_id, {})).met]
        if unmet:
            out[site_id] = unmet
    return out

"""Portfolio columns from the committees, as batch loaders: each is one SQL statement for
the sites shown (the ids of one page, or the query of every visible site for the
export), never one per site.

- ``next_meeting``: the next scheduled meeting (committee id, aware UTC start) from ``now``;
- ``overdue_actions``: how many open action items are past their due date on ``today``.

The stages left with a gate decision that no longer holds (``unmet_gates``) need no
query: ``portfolio.unmet_gates`` reads the decisions the portfolio already loaded.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from .clock import local_date
from .committees.actions import overdue_clause
from .committees.models import ActionItem, Meeting
from .portfolio import BatchLoader


def loaders(now: datetime) -> dict[str, BatchLoader]:
    today = local_date(now)

    def next_meeting(session: Session, ids: Select | list[int]) -> dict:
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

    def overdue_actions(session: Session, ids: Select | list[int]) -> dict:
        return dict(session.execute(select(ActionItem.site_id, func.count()).where(
            ActionItem.site_id.in_(ids), overdue_clause(today)).group_by(ActionItem.site_id)).all())

    return {"next_meeting": next_meeting, "overdue_actions": overdue_actions}

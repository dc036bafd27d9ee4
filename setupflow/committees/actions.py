"""Action items decided in meetings. Overdue is computed from ``today``, never stored.

Lifecycle: ``action_item`` in setupflow/lifecycles.yaml (open -> done or dropped -> open
again), run by ``ACTION_ITEMS`` with the history bound below."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from ..db import row_id
from ..errors import InputError, NotFound
from ..lifecycles import ACTION_ITEMS, MEETINGS
from ..sites.models import Site
from .. import inputs
from ..sites.operations import Actor, record
from ..team.models import Person
from . import operations  # noqa: F401  (binds the meeting lifecycle)
from .models import ACTION_STATUSES, ActionItem, Meeting


def overdue_clause(today: date):
    """SQL condition: open, with a due date before ``today``."""
    return and_(ActionItem.status == "open", ActionItem.due_on.is_not(None), ActionItem.due_on < today)


def add_action(session: Session, meeting: Meeting, text: str, owner: Person, actor: Actor, now: datetime,
               due_on=None) -> ActionItem:
    MEETINGS.fire(meeting, "add_action")
    text = (text or "").strip()
    if not text:
        raise InputError(code="action.text_required", field="text")
    if owner.site_id != meeting.site_id or not owner.is_active:
        raise InputError(code="action.owner_not_in_team", field="owner", person=owner.id)
    due = inputs.day(due_on, "due") if due_on is not None else None
    item = ActionItem(site_id=meeting.site_id, meeting_id=meeting.id, text=text, owner=owner, due_on=due,
                      status="open", created_dt=now)
    session.add(item)
    session.flush()
    record(session, meeting.site, actor, now, "action_added", action_id=item.id, meeting_id=meeting.id,
           owner_id=owner.id, due_on=due.isoformat() if due else None)
    session.flush()
    return item


def get_action(session: Session, action_id) -> ActionItem:
    number = row_id(action_id)
    item = session.get(ActionItem, number) if number else None
    if item is None:
        raise NotFound(code="action.not_found", field="action", action=action_id)
    return item


#: the status a person asks for, and the action of the lifecycle that reaches it
TRIGGERS = {"done": "complete", "dropped": "drop", "open": "reopen"}


def _history(item: ActionItem, action: str, *, session: Session, actor: Actor, now: datetime, **_) -> None:
    record(session, session.get(Site, item.site_id), actor, now, action, action_id=item.id)


ACTION_ITEMS.bind(history=_history, params=lambda item: {"action_item": item.id})


def set_action_status(session: Session, item: ActionItem, status: str, actor: Actor, now: datetime) -> ActionItem:
    """Mark an action item done or dropped, or open it again. Asking for the status it already
    has changes nothing (a form sent twice); any other move goes through its lifecycle."""
    if status not in ACTION_STATUSES:
        raise InputError(code="choice.invalid", field="status", value=status, allowed=list(ACTION_STATUSES))
    if item.status != status:
        ACTION_ITEMS.fire(item, TRIGGERS[status], session=session, actor=actor, now=now)
        item.closed_dt = None if status == "open" else now
    session.flush()
    return item


def actions_of(session: Session, site: Site, *, status: str | None = None, overdue_on: date | None = None,
               owner: Person | None = None) -> list[ActionItem]:
    query = select(ActionItem).where(ActionItem.site_id == site.id)
    if status:
        query = query.where(ActionItem.status == status)
    if overdue_on is not None:
        query = query.where(overdue_clause(overdue_on))
    if owner is not None:
        query = query.where(ActionItem.owner_id == owner.id)
    return list(session.scalars(query.order_by(ActionItem.due_on.is_(None), ActionItem.due_on, ActionItem.id)))

"""Minutes of a meeting and the decisions they record.

Minutes are Markdown, kept with every version. A save names the version it was based
on; if someone saved in between, ``StaleEdit`` is raised and nothing is overwritten.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..clock import local_date
from ..documents.markdown import checked_tables
from ..errors import InputError, NotAllowed, StaleEdit
from ..lifecycles import MEETINGS
from ..revisions import append_revision
from ..sites.models import Decision
from ..sites.operations import Actor, record, record_decision
from ..sites.runtime import workflow_of
from . import operations  # noqa: F401  (binds the meeting lifecycle)
from .models import Meeting, MinutesRevision

MAX_MINUTES = 200_000


def checked_minutes(body_md: str | None) -> str:
    """The minutes' text with its length and its tables' size checked, before anything
    renders or stores it (a preview renders only a text that could be saved)."""
    body_md = (body_md or "").replace("\r\n", "\n")
    if len(body_md) > MAX_MINUTES:
        raise InputError(code="text.too_long", field="minutes", length=len(body_md), limit=MAX_MINUTES)
    return checked_tables(body_md, "minutes")


def current_minutes(session: Session, meeting: Meeting) -> MinutesRevision | None:
    return session.scalar(select(MinutesRevision).where(MinutesRevision.meeting_id == meeting.id)
                          .order_by(MinutesRevision.version.desc()).limit(1))


def minutes_version(session: Session, meeting: Meeting) -> int:
    """The current version of the minutes; 0 before anything is written."""
    return session.scalar(select(func.coalesce(func.max(MinutesRevision.version), 0))
                          .where(MinutesRevision.meeting_id == meeting.id))


def save_minutes(session: Session, meeting: Meeting, body_md: str, based_on: int, actor: Actor,
                 now: datetime) -> MinutesRevision:
    """Save a new version of the minutes, written from version ``based_on`` (0 for the first)."""
    MEETINGS.fire(meeting, "write_minutes", now=now)
    body_md = checked_minutes(body_md)
    if not body_md.strip():
        raise InputError(code="minutes.empty", field="minutes")
    current = minutes_version(session, meeting)
    revision = MinutesRevision(meeting_id=meeting.id, version=current + 1, body_md=body_md,
                               saved_by=actor.name, saved_dt=now)
    append_revision(session, revision, based_on, current, "minutes")
    record(session, meeting.site, actor, now, "minutes_saved", meeting_id=meeting.id, version=revision.version)
    session.flush()
    return revision


def approve_minutes(session: Session, meeting: Meeting, version: int, actor: Actor, now: datetime) -> Meeting:
    """The committee approves the minutes as they stand at ``version``."""
    MEETINGS.check(meeting, "approve_minutes", session=session)
    current = minutes_version(session, meeting)
    if version != current:
        raise StaleEdit(code="minutes.stale_approval", field="version", meeting=meeting.id, version=version,
                        current=current)
    MEETINGS.fire(meeting, "approve_minutes", session=session, actor=actor, now=now, detail={"version": version})
    meeting.updated_dt = now
    session.flush()
    return meeting


def record_meeting_decision(session: Session, meeting: Meeting, key: str | None, value: str | None,
                            text: str | None, actor: Actor, now: datetime,
                            supersede_reason: str | None = None) -> Decision:
    """A decision written in a meeting's minutes. A gate decision whose definition names a
    committee may only be taken by a meeting of that committee."""
    MEETINGS.fire(meeting, "take_decision", now=now)
    workflow = workflow_of(meeting.site)
    if key is not None:
        try:
            kind = workflow.decision(key)
        except KeyError:
            kind = None  # record_decision says which keys exist
        if kind is not None and kind.committee and kind.committee != meeting.committee_id:
            raise NotAllowed(code="decision.other_committee", field="decision", decision=key,
                             committee=kind.committee, meeting_committee=meeting.committee_id, meeting=meeting.id)
    return record_decision(session, meeting.site, key=key, value=value, text=text, actor=actor, now=now,
                           decided_on=local_date(meeting.starts_dt), supersede_reason=supersede_reason,
                           meeting=meeting)

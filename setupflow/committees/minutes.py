"""Minutes of a meeting and the decisions they record.

Minutes are Markdown, kept with every version. A save names the version it was based
on; if someone saved in between, ``StaleEdit`` is raised and nothing is overwritten.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..clock import local_date
from ..errors import InputError, NotAllowed, StaleEdit
from ..revisions import append_revision
from ..sites.models import Decision
from ..sites.operations import Actor, record, record_decision
from ..sites.runtime import workflow_of
from .models import Meeting, MinutesRevision

MAX_MINUTES = 200_000


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
    if meeting.status not in ("scheduled", "held"):
        raise InputError(f"meeting {meeting.id}: minutes are written for a scheduled or held meeting, "
                         f"not a {meeting.status} one")
    body_md = (body_md or "").replace("\r\n", "\n")
    if not body_md.strip():
        raise InputError("minutes: empty")
    if len(body_md) > MAX_MINUTES:
        raise InputError(f"minutes: at most {MAX_MINUTES} characters")
    current = minutes_version(session, meeting)
    revision = MinutesRevision(meeting_id=meeting.id, version=current + 1, body_md=body_md,
                               saved_by=actor.name, saved_dt=now)
    append_revision(session, revision, based_on, current, f"meeting {meeting.id}, the minutes")
    record(session, meeting.site, actor, now, "minutes_saved", meeting_id=meeting.id, version=revision.version)
    session.flush()
    return revision


def approve_minutes(session: Session, meeting: Meeting, version: int, actor: Actor, now: datetime) -> Meeting:
    """The committee approves the minutes as they stand at ``version``."""
    if meeting.status != "held":
        raise InputError(f"meeting {meeting.id}: only the minutes of a held meeting are approved "
                         f"(it is {meeting.status})")
    current = minutes_version(session, meeting)
    if current == 0:
        raise InputError(f"meeting {meeting.id}: there are no minutes to approve")
    if version != current:
        raise StaleEdit(f"meeting {meeting.id}: you approve version {version} but the minutes are at "
                        f"version {current}; read the latest version first")
    meeting.status = "minutes_approved"
    meeting.updated_dt = now
    record(session, meeting.site, actor, now, "minutes_approved", meeting_id=meeting.id, version=version)
    session.flush()
    return meeting


def record_meeting_decision(session: Session, meeting: Meeting, key: str | None, value: str | None,
                            text: str | None, actor: Actor, now: datetime,
                            supersede_reason: str | None = None) -> Decision:
    """A decision written in a meeting's minutes. A gate decision whose definition names a
    committee may only be taken by a meeting of that committee."""
    if meeting.status not in ("scheduled", "held", "minutes_approved"):
        raise InputError(f"meeting {meeting.id}: a {meeting.status} meeting takes no decision")
    if meeting.starts_dt > now:
        raise InputError(f"meeting {meeting.id}: it has not taken place yet ({meeting.starts_dt.isoformat()})")
    workflow = workflow_of(meeting.site)
    if key is not None:
        try:
            kind = workflow.decision(key)
        except KeyError:
            kind = None  # record_decision says which keys exist
        if kind is not None and kind.committee and kind.committee != meeting.committee_id:
            raise NotAllowed(f"decision '{key}' is taken by the {kind.committee} committee, "
                             f"not the {meeting.committee_id} committee (meeting {meeting.id})")
    return record_decision(session, meeting.site, key=key, value=value, text=text, actor=actor, now=now,
                           decided_on=local_date(meeting.starts_dt), supersede_reason=supersede_reason,
                           meeting=meeting)

"""State changes of meetings: confirm, schedule, move, cancel, agenda (roles, invitations
and attendance are in ``attendance``). Each records history and flushes; the caller commits.

Lifecycle: ``meeting`` in setupflow/lifecycles.yaml (proposed -> scheduled -> held ->
minutes_approved; proposed or scheduled -> cancelled), run by ``MEETINGS`` with the guards,
history and refusal params bound below: every operation on a meeting fires it, and the
machine refuses what the meeting's status does not allow. ``sequence`` goes up on every
move and cancellation (iCalendar SEQUENCE).
"""
from __future__ import annotations

from datetime import datetime
from urllib.parse import urlparse

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .. import inputs
from ..clock import department_zone, local_date
from ..db import row_id
from ..errors import InputError, NotFound
from ..lifecycles import MEETINGS
from ..sites.models import Site
from ..sites.operations import Actor, record
from ..sites.runtime import workflow_of
from ..team.operations import committee_members
from ..workdays import is_working_day
from .models import AgendaItem, Attendee, Meeting, MinutesRevision
from .proposals import new_meeting

#: the statuses a meeting can still be moved, changed or cancelled in
OPEN = MEETINGS.sources("cancel")


def _started(meeting: Meeting, *, now: datetime, **_) -> bool:
    return meeting.starts_dt <= now


def _minutes_written(meeting: Meeting, *, session: Session, **_) -> bool:
    return bool(session.scalar(select(func.count()).where(MinutesRevision.meeting_id == meeting.id)))


def _history(meeting: Meeting, action: str, *, session: Session, actor: Actor, now: datetime,
             reason: str | None = None, detail: dict | None = None, **_) -> None:
    """The meeting's history callback: an entry in its site's history."""
    record(session, meeting.site, actor, now, action, reason=reason, meeting_id=meeting.id, **(detail or {}))


MEETINGS.bind(guards={"started": _started, "taken_place": _started, "after_start": _started,
                      "minutes_written": _minutes_written},
              history=_history, params=lambda m: {"meeting": m.id, "starts": m.starts_dt, "field": "meeting"})


def get_meeting(session: Session, meeting_id, site: Site | None = None) -> Meeting:
    number = row_id(meeting_id)
    meeting = session.get(Meeting, number) if number else None
    if meeting is None or (site is not None and meeting.site_id != site.id):
        raise NotFound(code="meeting.not_found", field="meeting", meeting=meeting_id)
    return meeting


def meetings_of(session: Session, site: Site, *, committee_id: str | None = None,
                statuses: tuple[str, ...] | None = None) -> list[Meeting]:
    query = select(Meeting).where(Meeting.site_id == site.id)
    if committee_id:
        query = query.where(Meeting.committee_id == committee_id)
    if statuses:
        query = query.where(Meeting.status.in_(statuses))
    return list(session.scalars(query.order_by(Meeting.starts_dt, Meeting.id)))


def _instant(value, site: Site, field: str = "at") -> datetime:
    """An aware date-time; one without an offset is the site's local time."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise InputError(code="datetime.no_time_zone", field=field)
        return value
    return inputs.instant(value, field, department_zone(site.department))


def _check_day(site: Site, starts_dt: datetime) -> None:
    day = local_date(starts_dt, department_zone(site.department))
    if not is_working_day(day, site.department):
        raise InputError(code="meeting.not_a_working_day", field="at", day=day, department=site.department or "-")


def checked_place(place: str | None, video_url: str | None) -> tuple[str | None, str | None]:
    """A meeting's place and video link, cleaned; a link that is not http(s) is refused."""
    place = (place or "").strip() or None
    video_url = (video_url or "").strip() or None
    if place and len(place) > 300:
        raise InputError(code="text.too_long", field="place", length=len(place), limit=300)
    if video_url and (urlparse(video_url).scheme not in ("https", "http") or len(video_url) > 500
                      or any(c.isspace() for c in video_url)):
        raise InputError(code="meeting.video_link_invalid", field="video", value=video_url)
    return place, video_url


def invite_members(session: Session, meeting: Meeting) -> list[Attendee]:
    """Invite every current member of the meeting's committee who is not invited yet."""
    invited = {a.person_id for a in meeting.attendees}
    added = []
    for person in committee_members(session, meeting.site, meeting.committee_id, local_date(meeting.starts_dt)):
        if person.id not in invited:
            added.append(Attendee(person=person))
            meeting.attendees.append(added[-1])
    session.flush()
    return added


def confirm(session: Session, meeting: Meeting, actor: Actor, now: datetime) -> Meeting:
    """A person confirms a proposal: it becomes a scheduled meeting and members are invited."""
    MEETINGS.fire(meeting, "confirm", session=session, actor=actor, now=now,
                  detail={"committee": meeting.committee_id, "at": meeting.starts_dt.isoformat()})
    meeting.updated_dt = now
    invite_members(session, meeting)
    return meeting


def schedule(session: Session, site: Site, committee_id: str, at, actor: Actor, now: datetime, *,
             duration_minutes: int | None = None, place: str | None = None,
             video_url: str | None = None) -> Meeting:
    """Schedule a meeting by hand (already confirmed), with its members invited."""
    workflow = workflow_of(site)
    committee_id = (committee_id or "").strip().lower()  # typed in any case: Technical is technical
    if committee_id not in {c.id for c in workflow.committees}:
        raise InputError(code="choice.invalid", field="committee", value=committee_id,
                         allowed=[c.id for c in workflow.committees])
    starts_dt = _instant(at, site)
    _check_day(site, starts_dt)
    if duration_minutes is not None and not 15 <= duration_minutes <= 600:
        raise InputError(code="meeting.duration_range", field="duration", low=15, high=600)
    place, video_url = checked_place(place, video_url)
    meeting = new_meeting(session, site, committee_id, starts_dt, "scheduled", now, duration_minutes,
                          place=place, video_url=video_url)
    session.flush()
    record(session, site, actor, now, "meeting_scheduled", meeting_id=meeting.id, committee=committee_id,
           at=starts_dt.isoformat())
    invite_members(session, meeting)
    return meeting


def move(session: Session, meeting: Meeting, at, actor: Actor, now: datetime, reason: str | None = None) -> Meeting:
    """Move a meeting. A moved proposal counts as confirmed: a person chose its date."""
    MEETINGS.check(meeting, "move")
    starts_dt = _instant(at, meeting.site)
    _check_day(meeting.site, starts_dt)
    previous, was_proposed = meeting.starts_dt, meeting.status == "proposed"
    meeting.starts_dt = starts_dt
    meeting.sequence += 1
    meeting.updated_dt = now
    MEETINGS.fire(meeting, "move", session=session, actor=actor, now=now, reason=reason,
                  detail={"previous": previous.isoformat(), "at": starts_dt.isoformat(), "sequence": meeting.sequence})
    if was_proposed:
        invite_members(session, meeting)
    session.flush()
    return meeting


def update_place(session: Session, meeting: Meeting, actor: Actor, now: datetime, *, place: str | None = None,
                 video_url: str | None = None, duration_minutes: int | None = None) -> Meeting:
    MEETINGS.check(meeting, "change")
    place, video_url = checked_place(place, video_url)
    if duration_minutes is not None and not 15 <= duration_minutes <= 600:
        raise InputError(code="meeting.duration_range", field="duration", low=15, high=600)
    meeting.place, meeting.video_url = place, video_url
    if duration_minutes is not None:
        meeting.duration_minutes = duration_minutes
    meeting.sequence += 1
    meeting.updated_dt = now
    MEETINGS.fire(meeting, "change", session=session, actor=actor, now=now,
                  detail={"place": meeting.place, "video_url": meeting.video_url, "sequence": meeting.sequence})
    session.flush()
    return meeting


def cancel(session: Session, meeting: Meeting, actor: Actor, now: datetime, reason: str | None = None) -> Meeting:
    reason = (reason or "").strip() or None
    MEETINGS.fire(meeting, "cancel", session=session, actor=actor, now=now, reason=reason,
                  detail={"sequence": meeting.sequence + 1})
    meeting.cancelled_reason = reason
    meeting.sequence += 1
    meeting.updated_dt = now
    session.flush()
    return meeting


def set_agenda(session: Session, meeting: Meeting, titles: list[str], actor: Actor, now: datetime) -> None:
    MEETINGS.check(meeting, "change_agenda")
    cleaned = [(t or "").strip() for t in titles]
    for i, t in enumerate(cleaned, start=1):
        if not t or len(t) > 300:
            raise InputError(code="meeting.agenda_title", field=f"agenda[{i}]", limit=300)
    meeting.agenda.clear()
    session.flush()
    meeting.agenda.extend(AgendaItem(position=i, title=t) for i, t in enumerate(cleaned, start=1))
    MEETINGS.fire(meeting, "change_agenda", session=session, actor=actor, now=now, detail={"items": len(cleaned)})
    session.flush()

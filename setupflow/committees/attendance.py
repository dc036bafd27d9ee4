"""Who does what around a meeting: the four roles, the invitations beyond the committee's
members, and attendance once it is held. Each records history and flushes."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from ..errors import InputError
from ..sites.models import Site
from ..sites.operations import Actor, record
from ..team.models import Person
from .models import ATTENDANCE, MEETING_ROLES, Attendee, Meeting, MeetingRole
from ..lifecycles import MEETINGS
from . import operations  # noqa: F401  (binds the meeting lifecycle)


def _same_site(meeting: Meeting, person: Person) -> None:
    if person.site_id != meeting.site_id:
        raise InputError(code="meeting.person_not_in_team", field="person", person=person.id)
    if not person.is_active:
        raise InputError(code="team.person_left", field="person", person=person.name, left_on=person.left_on)


def assign_role(session: Session, meeting: Meeting, role: str, person: Person, actor: Actor,
                now: datetime) -> MeetingRole:
    """Give one of the four jobs (agenda, invitations, facilitation, logistics) to a person."""
    if role not in MEETING_ROLES:
        raise InputError(code="choice.invalid", field="role", value=role, allowed=list(MEETING_ROLES))
    MEETINGS.fire(meeting, "share_roles")
    _same_site(meeting, person)
    held = next((r for r in meeting.roles if r.role == role), None)
    if held is None:
        held = MeetingRole(role=role, person=person)
        meeting.roles.append(held)
    else:
        held.person = person
    record(session, meeting.site, actor, now, "meeting_role", meeting_id=meeting.id, role=role, person_id=person.id)
    session.flush()
    return held


def invite(session: Session, meeting: Meeting, person: Person, actor: Actor, now: datetime) -> Attendee:
    """Invite someone from the team file who is not a member of the committee."""
    MEETINGS.fire(meeting, "invite")
    _same_site(meeting, person)
    found = next((a for a in meeting.attendees if a.person_id == person.id), None)
    if found is None:
        found = Attendee(person=person)
        meeting.attendees.append(found)
        record(session, meeting.site, actor, now, "meeting_invited", meeting_id=meeting.id, person_id=person.id)
    session.flush()
    return found


def mark_held(session: Session, meeting: Meeting, attendance: dict[int, str], actor: Actor,
              now: datetime) -> Meeting:
    """The meeting took place; ``attendance`` maps invited people's ids to present/excused/absent."""
    MEETINGS.check(meeting, "hold", now=now)
    by_person = {a.person_id: a for a in meeting.attendees}
    for person_id, status in attendance.items():
        if status not in ATTENDANCE:
            raise InputError(code="choice.invalid", field="attendance", value=status, allowed=list(ATTENDANCE))
        if person_id not in by_person:
            raise InputError(code="meeting.not_invited", field="attendance", person=person_id, meeting=meeting.id)
    for person_id, status in attendance.items():
        by_person[person_id].attendance = status
    meeting.updated_dt = now
    MEETINGS.fire(meeting, "hold", session=session, actor=actor, now=now,
                  detail={"present": sum(1 for s in attendance.values() if s == "present")})
    session.flush()
    return meeting


def held_meetings(session: Session, site: Site, committee_id: str) -> list[Meeting]:
    """The meetings of a site's committee that took place with their attendance recorded,
    newest first: the meetings a decision that committee takes may be recorded in."""
    from sqlalchemy import select

    from ..decision_rules import HELD, meeting_is_held

    rows = session.scalars(select(Meeting).where(Meeting.site_id == site.id, Meeting.committee_id == committee_id,
                                                 Meeting.status.in_(HELD)).order_by(Meeting.starts_dt.desc()))
    return [m for m in rows if meeting_is_held(m)]

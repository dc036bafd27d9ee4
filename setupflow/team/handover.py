"""When someone leaves the project: their open action items, their roles and invitations
in meetings not yet held, and their committee seats go to a named successor; the
handover is written into the site history. Nobody's history disappears."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..clock import local_date
from ..errors import InputError
from ..sites.models import Site
from ..sites.operations import Actor, record
from .models import Person
from .operations import join_committee

#: meeting statuses whose roles and invitations still change hands when someone leaves
NOT_HELD = ("proposed", "scheduled")


def _revoke_their_feeds(session: Session, site: Site, person: Person, now: datetime) -> int:
    """Someone who leaves the site's team takes no calendar of it along: the site feeds
    their account created are revoked (their personal feed stops showing the site)."""
    from ..accounts.models import User
    from ..reminders.feeds import revoke_feeds_of

    user = session.scalar(select(User).where(User.email == (person.email or "").strip().lower()))
    return revoke_feeds_of(session, user, now, site_id=site.id) if user is not None else 0


def person_leaves(session: Session, site: Site, person: Person, successor: Person, actor: Actor, now: datetime,
                  left_on: date | None = None) -> dict:
    """Record that ``person`` left; ``successor`` takes their open action items, their roles
    and invitations in meetings not yet held, and their committee seats."""
    from ..committees.models import ActionItem, Attendee, Meeting, MeetingRole

    if person.site_id != site.id or successor.site_id != site.id:
        raise InputError(code="handover.other_site", field="successor")
    if successor.id == person.id:
        raise InputError(code="handover.self", field="successor")
    if not person.is_active:
        raise InputError(code="handover.already_left", field="person", person=person.name, left_on=person.left_on)
    if not successor.is_active:
        raise InputError(code="team.person_left", field="successor", person=successor.name, left_on=successor.left_on)
    day = left_on or local_date(now)
    actions = list(session.scalars(select(ActionItem).where(ActionItem.owner_id == person.id,
                                                            ActionItem.status == "open")))
    for item in actions:
        item.owner = successor
    not_held = select(Meeting.id).where(Meeting.site_id == site.id, Meeting.status.in_(NOT_HELD))
    roles = list(session.scalars(select(MeetingRole).where(MeetingRole.person_id == person.id,
                                                           MeetingRole.meeting_id.in_(not_held))))
    for role in roles:
        role.person = successor
    invited = list(session.scalars(select(Attendee).where(Attendee.person_id == person.id,
                                                          Attendee.meeting_id.in_(not_held))))
    already = set(session.scalars(select(Attendee.meeting_id).where(Attendee.person_id == successor.id)))
    for attendee in invited:
        if attendee.meeting_id in already:
            attendee.meeting.attendees.remove(attendee)  # delete-orphan
        else:
            attendee.person = successor
    seats = []
    for m in person.memberships:
        if m.end_on is None or m.end_on >= day:
            m.end_on = day
            seats.append(m.committee_id)
            join_committee(session, site, successor, m.committee_id, actor, now, start_on=day)
    person.left_on = day
    person.successor_id = successor.id
    _revoke_their_feeds(session, site, person, now)
    detail = {"person_id": person.id, "successor_id": successor.id, "action_items": [a.id for a in actions],
              "meeting_roles": [r.id for r in roles], "invitations": len(invited), "committees": seats}
    record(session, site, actor, now, "person_left", reason=f"{person.name} -> {successor.name}", **detail)
    session.flush()
    return detail

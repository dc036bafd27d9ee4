"""The meetings of a programme's edition: its selection committee, the collective days,
the co-development sessions, the events (funders, closing) and each laureate's follow-ups.

They are ``committees.models.Meeting`` rows with the edition's ``edition_id`` (and, for a
follow-up, its ``laureate_id``): the same iCalendar UID and SEQUENCE, agenda, attendance
and minutes as a site's committee meeting, and the reminders of
``reminders.programme_meetings`` (invitation with its calendar, day before, update,
cancellation, minutes missing). ``committee_id`` holds the kind; ``topic`` the collective
day's or event's id in the definition. The invitees are accounts (``Attendee.user_id``):

- the selection committee: the edition's committee members and the programme's staff;
- a collective day, co-development session or event: every laureate account of the edition
  and the staff;
- a follow-up: the laureate's own accounts and the staff.

Lifecycle: scheduled -> held -> minutes_approved; scheduled -> cancelled; a follow-up
scheduled -> missed. ``sequence`` goes up on every move and cancellation. Each function
validates before it writes and flushes; the caller commits.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import inputs
from ..clock import installation_timezone, installation_zone
from ..committees.minutes import checked_minutes, minutes_version
from ..committees.operations import checked_place
from ..committees.models import ATTENDANCE, AgendaItem, Attendee, Meeting, MinutesRevision
from ..db import row_id
from ..definitions.programme import Programme
from ..errors import InputError, NotFound, StaleEdit
from ..lifecycles import PROGRAMME_MEETINGS
from ..revisions import append_revision
from ..sites.records import Actor
from .models import Edition, Laureate, ProgrammeMember

MEETING_KINDS = ("selection", "collective_day", "co_development", "event", "follow_up")
#: how long each kind lasts by default, in minutes
DURATIONS = {"selection": 180, "collective_day": 360, "co_development": 180, "event": 180, "follow_up": 60}
HELD = ("held", "minutes_approved")


def get_meeting(session: Session, edition: Edition, meeting_id) -> Meeting:
    number = row_id(meeting_id)
    meeting = session.get(Meeting, number) if number else None
    if meeting is None or meeting.edition_id != edition.id:
        raise NotFound(code="meeting.not_found", field="meeting", meeting=meeting_id)
    return meeting


def meetings_of(session: Session, edition: Edition, *, kind: str | None = None,
                laureate: Laureate | None = None) -> list[Meeting]:
    query = select(Meeting).where(Meeting.edition_id == edition.id)
    if kind:
        query = query.where(Meeting.committee_id == kind)
    if laureate is not None:
        query = query.where(Meeting.laureate_id == laureate.id)
    return list(session.scalars(query.order_by(Meeting.starts_dt, Meeting.id)))


def title(programme: Programme, meeting: Meeting, lang: str, laureate_name: str | None = None) -> str:
    """What a programme meeting is called in an e-mail, a calendar or a page."""
    acc = programme.accompaniment
    kind = meeting.committee_id
    if kind == "selection":
        label = programme.committee.label.get(lang)
    elif kind == "collective_day":
        day = next((d for d in acc.collective_days if d.id == meeting.topic), None)
        label = (("Collective day: " if lang == "en" else "Journée collective : ")
                 + (day.theme.get(lang) if day else meeting.topic or ""))
    elif kind == "event":
        event = next((e for e in acc.events if e.id == meeting.topic), None)
        label = event.label.get(lang) if event else meeting.topic or ""
    elif kind == "co_development":
        label = "Co-development session" if lang == "en" else "Séance de co-développement"
    else:
        label = "Follow-up" if lang == "en" else "Suivi individuel"
        if laureate_name:
            label += f" - {laureate_name}"
    return label


def invitees(session: Session, programme: Programme, edition: Edition, kind: str,
             laureate: Laureate | None = None) -> list[int]:
    """The accounts a meeting of ``kind`` invites (ids, in a stable order)."""
    m = ProgrammeMember
    staff = select(m.user_id).where(m.programme_id == programme.id, m.role == "staff")
    if kind == "selection":
        others = select(m.user_id).where(m.programme_id == programme.id, m.role == "committee",
                                         m.edition_id == edition.id)
    elif kind == "follow_up":
        others = select(m.user_id).where(m.role == "laureate", m.laureate_id == (laureate.id if laureate else -1))
    else:
        others = select(m.user_id).where(m.programme_id == programme.id, m.role == "laureate",
                                         m.edition_id == edition.id)
    ids = list(session.scalars(others.order_by(m.id))) + list(session.scalars(staff.order_by(m.id)))
    return list(dict.fromkeys(ids))


def invite_members(session: Session, programme: Programme, edition: Edition, meeting: Meeting) -> list[Attendee]:
    """Invite every account the meeting's kind invites that is not invited yet."""
    laureate = session.get(Laureate, meeting.laureate_id) if meeting.laureate_id else None
    invited = {a.user_id for a in meeting.attendees}
    added = []
    for user_id in invitees(session, programme, edition, meeting.committee_id, laureate):
        if user_id not in invited:
            added.append(Attendee(user_id=user_id))
            meeting.attendees.append(added[-1])
    session.flush()
    return added


def _instant(value, field: str = "at") -> datetime:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise InputError(code="datetime.no_time_zone", field=field)
        return value
    return inputs.instant(value, field, installation_zone())


def new_meeting(programme: Programme, edition: Edition, kind: str, starts_dt: datetime, now: datetime, *,
                topic: str | None = None, laureate: Laureate | None = None, place: str | None = None,
                video_url: str | None = None, duration_minutes: int | None = None) -> Meeting:
    """An unsaved, checked meeting of the edition (``plan_accompaniment`` adds many at once)."""
    if kind not in MEETING_KINDS:
        raise InputError(code="programme.meeting_kind", field="kind", kind=kind, known=", ".join(MEETING_KINDS))
    if kind in ("collective_day", "event"):
        items = programme.accompaniment.collective_days if kind == "collective_day" else programme.accompaniment.events
        known = [i.id for i in items]
        if topic not in known:
            raise InputError(code="programme.unknown_day", field="key", key=topic or "", known=", ".join(known))
    else:
        topic = None
    if kind == "follow_up" and (laureate is None or laureate.edition_id != edition.id):
        raise InputError(code="required", field="laureate")
    if duration_minutes is not None and not 15 <= duration_minutes <= 600:
        raise InputError(code="meeting.duration_range", field="duration", low=15, high=600)
    place, video_url = checked_place(place, video_url)
    return Meeting(edition_id=edition.id, site_id=None, committee_id=kind, topic=topic,
                   laureate_id=laureate.id if kind == "follow_up" else None,
                   seats_present=[] if kind == "selection" else None, status="scheduled", starts_dt=starts_dt,
                   duration_minutes=duration_minutes or DURATIONS[kind], timezone=installation_timezone(),
                   place=place, video_url=video_url, created_dt=now, updated_dt=now)


def schedule_meeting(session: Session, programme: Programme, edition: Edition, *, kind: str, starts_dt, now: datetime,
                     key: str | None = None, laureate: Laureate | None = None, place: str | None = None,
                     video_url: str | None = None, duration_minutes: int | None = None) -> Meeting:
    """Schedule one meeting of the edition, with its invitees invited (they get the invitation
    and its calendar from the reminders)."""
    starts_dt = _instant(starts_dt, "starts")
    meeting = new_meeting(programme, edition, kind, starts_dt, now, topic=key, laureate=laureate, place=place,
                          video_url=video_url, duration_minutes=duration_minutes)
    session.add(meeting)
    session.flush()
    invite_members(session, programme, edition, meeting)
    return meeting


def _started(meeting: Meeting, *, now: datetime, **_) -> bool:
    return meeting.starts_dt <= now


def _minutes_written(meeting: Meeting, *, session: Session, **_) -> bool:
    return minutes_version(session, meeting) > 0


PROGRAMME_MEETINGS.bind(guards={"started": _started, "after_start": _started, "minutes_written": _minutes_written},
                        params=lambda m: {"meeting": m.id, "starts": m.starts_dt, "field": "meeting"})


def move(session: Session, meeting: Meeting, at, now: datetime) -> Meeting:
    """A new date: everyone already invited gets the update (same UID, next SEQUENCE)."""
    PROGRAMME_MEETINGS.fire(meeting, "move")
    meeting.starts_dt = _instant(at)
    meeting.sequence += 1
    meeting.updated_dt = now
    session.flush()
    return meeting


def update_place(session: Session, meeting: Meeting, now: datetime, *, place: str | None = None,
                 video_url: str | None = None) -> Meeting:
    PROGRAMME_MEETINGS.fire(meeting, "change")
    meeting.place, meeting.video_url = checked_place(place, video_url)
    meeting.sequence += 1
    meeting.updated_dt = now
    session.flush()
    return meeting


def cancel(session: Session, meeting: Meeting, now: datetime, reason: str | None = None) -> Meeting:
    """Called off: those invited get a cancellation (METHOD:CANCEL)."""
    PROGRAMME_MEETINGS.fire(meeting, "cancel")
    meeting.cancelled_reason = (reason or "").strip()[:2000] or None
    meeting.sequence += 1
    meeting.updated_dt = now
    session.flush()
    return meeting


def set_agenda(session: Session, meeting: Meeting, titles: list[str], now: datetime) -> None:
    PROGRAMME_MEETINGS.fire(meeting, "change_agenda")
    cleaned = [(t or "").strip() for t in titles]
    for i, t in enumerate(cleaned, start=1):
        if not t or len(t) > 300:
            raise InputError(code="meeting.agenda_title", field=f"agenda[{i}]", limit=300)
    meeting.agenda.clear()
    session.flush()
    meeting.agenda.extend(AgendaItem(position=i, title=t) for i, t in enumerate(cleaned, start=1))
    meeting.updated_dt = now
    session.flush()


def mark_held(session: Session, programme: Programme, meeting: Meeting, *, now: datetime, present=(),
              attendance: dict | None = None, missed: bool = False) -> Meeting:
    """The meeting took place: the invitees' attendance (account id -> present, excused or
    absent) and, for the selection committee, the seats present. A follow-up the laureate
    did not come to is ``missed`` instead (its accounts are marked absent). Recorded again
    (until its minutes are approved), it corrects the attendance and seats."""
    PROGRAMME_MEETINGS.check(meeting, "hold", now=now)
    seats = [s.id for s in programme.committee.seats]
    present = list(dict.fromkeys(p.strip() for p in present if p and p.strip()))
    for seat in present:
        if seat not in seats:
            raise InputError(code="programme.unknown_seat", field="present", seat=seat, known=", ".join(seats))
    by_user = {a.user_id: a for a in meeting.attendees}
    attendance = {row_id(k) or k: v for k, v in (attendance or {}).items()}
    for user_id, status in attendance.items():
        if status not in ATTENDANCE:
            raise InputError(code="choice.invalid", field="attendance", value=status, allowed=list(ATTENDANCE))
        if user_id not in by_user:
            raise InputError(code="meeting.not_invited", field="attendance", person=user_id, meeting=meeting.id)
    missed = missed and meeting.committee_id == "follow_up"
    if missed and meeting.laureate_id:
        laureate_users = set(session.scalars(select(ProgrammeMember.user_id).where(
            ProgrammeMember.role == "laureate", ProgrammeMember.laureate_id == meeting.laureate_id)))
        for user_id in laureate_users & set(by_user):
            attendance.setdefault(user_id, "absent")
    for user_id, status in attendance.items():
        by_user[user_id].attendance = status
    PROGRAMME_MEETINGS.fire(meeting, "miss" if missed else "hold", now=now)
    if meeting.committee_id == "selection":
        meeting.seats_present = present
    meeting.updated_dt = now
    session.flush()
    return meeting


def save_minutes(session: Session, meeting: Meeting, body_md: str, based_on: int, actor: Actor,
                 now: datetime) -> MinutesRevision:
    """A new version of the minutes of a programme meeting (``based_on``: the version it
    was written from, 0 for the first); a concurrent save is refused, nothing is lost."""
    PROGRAMME_MEETINGS.fire(meeting, "write_minutes", now=now)
    body_md = checked_minutes(body_md)
    if not body_md.strip():
        raise InputError(code="minutes.empty", field="minutes")
    current = minutes_version(session, meeting)
    revision = MinutesRevision(meeting_id=meeting.id, version=current + 1, body_md=body_md, saved_by=actor.name,
                               saved_dt=now)
    append_revision(session, revision, based_on, current, "minutes")
    meeting.updated_dt = now
    session.flush()
    return revision


def approve_minutes(session: Session, meeting: Meeting, version: int, now: datetime) -> Meeting:
    PROGRAMME_MEETINGS.check(meeting, "approve_minutes", session=session)
    current = minutes_version(session, meeting)
    if version != current:
        raise StaleEdit(code="minutes.stale_approval", field="version", meeting=meeting.id, version=version,
                        current=current)
    PROGRAMME_MEETINGS.fire(meeting, "approve_minutes", session=session)
    meeting.updated_dt = now
    session.flush()
    return meeting


def spread(start, months: float, at: tuple[int, int]) -> datetime:
    """A working day ``months`` after ``start`` at ``at`` (hour, minute), installation time."""
    from .operations import add_months

    day = add_months(start, int(months)) + timedelta(days=round((months % 1) * 30))
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return datetime(day.year, day.month, day.day, at[0], at[1], tzinfo=installation_zone())

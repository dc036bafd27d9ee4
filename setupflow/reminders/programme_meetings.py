"""Reminders about the meetings of programme editions (``setupflow.programmes.meetings``):
the same e-mails and calendars as a site's committee meetings, from the same templates.

- an invitation with its calendar (METHOD:REQUEST) ``INVITATION_DAYS`` ahead of a
  scheduled meeting (at once when it is scheduled later than that);
- a day-before reminder to the invitees; for a laureate's follow-up this is the series'
  own reminder, to the laureate's accounts and the staff invited;
- a moved meeting: an update (same UID, new SEQUENCE) to everyone who got it; a cancelled
  one: a cancellation (METHOD:CANCEL) to the same people;
- minutes still missing ``MINUTES_DAYS`` after a held collective time (not a follow-up),
  to the programme's staff invited.

The invitees are the meeting's accounts (``Attendee.user``). Every programme meeting is
planned in one pass (``plan_programmes``), kept apart from the sites' rows: their rules
are the ``RULES`` below and their ``site_id`` is None.
"""
from __future__ import annotations

import logging
from datetime import datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from ..clock import local_date, zone
from ..committees.models import Meeting, MinutesRevision
from ..ics import meeting_fields
from ..programmes.models import Edition, Laureate, ProgrammeMember
from .operations import SyncResult, sync
from .planned import Planned, Recipient

INVITATION, DAY_BEFORE, MINUTES_MISSING = ("programme_meeting_invitation", "programme_meeting_day_before",
                                           "programme_minutes_missing")
UPDATE, CANCEL = "programme_meeting_update", "programme_meeting_cancel"
RULES = {INVITATION, DAY_BEFORE, MINUTES_MISSING, UPDATE, CANCEL}
#: how many days ahead the invitation leaves, and when the missing minutes are asked for
INVITATION_DAYS, MINUTES_DAYS = 21, 3
#: the hour (local) the reminders leave
AT = time(9, 0)
LOOKBACK = timedelta(days=120)

log = logging.getLogger(__name__)


def _at(day, tz) -> datetime:
    return datetime.combine(day, AT, tz)


def meeting_path(meeting: Meeting, programme_id: str) -> str:
    return f"/programmes/{programme_id}/editions/{meeting.edition_id}/meetings/{meeting.id}"


def plan_programmes(session: Session, now: datetime, catalog) -> SyncResult:
    """Bring the outbox of every programme meeting up to date (one transaction)."""
    return sync(session, programme_reminders(session, now, catalog), now, site_id=None, rules=RULES)


def programme_reminders(session: Session, now: datetime, catalog) -> list[Planned]:  # noqa: C901  (the reminders of each meeting kind and status side by side, as meeting_rules does for sites)
    from ..programmes.meetings import title

    # the invitees and agendas come with the meetings: a few statements whatever their number
    meetings = list(session.scalars(select(Meeting).where(Meeting.edition_id.is_not(None),
                                                          Meeting.starts_dt >= now - LOOKBACK)
                                    .options(selectinload(Meeting.attendees), selectinload(Meeting.agenda))
                                    .order_by(Meeting.edition_id, Meeting.starts_dt)))
    if not meetings:
        return []
    with_minutes = set()
    for chunk in _chunks([m.id for m in meetings]):
        with_minutes.update(session.scalars(select(MinutesRevision.meeting_id)
                                            .where(MinutesRevision.meeting_id.in_(chunk)).distinct()))
    editions = {e.id: e for e in session.scalars(select(Edition).where(
        Edition.id.in_({m.edition_id for m in meetings})))}
    laureate_ids = {m.laureate_id for m in meetings if m.laureate_id}
    names = dict(session.execute(select(Laureate.id, Laureate.project).where(
        Laureate.id.in_(laureate_ids))).all()) if laureate_ids else {}
    staff = {(pid, uid) for pid, uid in session.execute(select(ProgrammeMember.programme_id, ProgrammeMember.user_id)
                                                       .where(ProgrammeMember.role == "staff"))}
    received = _received(session, meetings)
    out: list[Planned] = []
    for meeting in meetings:
        edition = editions[meeting.edition_id]
        try:
            programme = catalog.get(edition.programme_id)
        except LookupError:
            continue  # a programme no longer defined: its meetings stay as they are
        mark = len(out)
        try:
            tz = zone(meeting.timezone)
            subject = f"meeting:{meeting.id}"
            context_of = {}

            def plan(rule, subj, due, user_or_recipient, template, expires, once, **extra):
                to = user_or_recipient if isinstance(user_or_recipient, Recipient) else Recipient(
                    user_or_recipient.email.strip().lower(), user_or_recipient.display_name,
                    user_or_recipient.language or "fr")
                if to.language not in context_of:
                    context_of[to.language] = meeting_fields(
                        meeting, title(programme, meeting, to.language, names.get(meeting.laureate_id)),
                        "\n".join(f"{i}. {a.title}" for i, a in enumerate(meeting.agenda, 1)) or None)
                context = {"site": {"id": None, "name": f"{programme.title.get(to.language)} - {edition.label}"},
                           "path": meeting_path(meeting, edition.programme_id), "name": to.name,
                           "meeting": context_of[to.language], **extra}
                out.append(Planned(rule, subj, due, to, template, context, None, expires, once,
                                   is_late_resent=False))

            users = [a.user for a in meeting.attendees if a.user is not None and a.user.is_active]
            if meeting.status == "cancelled":
                for _seq, to in received.get(meeting.id, {}).values():
                    plan(CANCEL, subject, meeting.updated_dt, to, "meeting_cancel", None, True,
                         reason=meeting.cancelled_reason)
                continue
            day = local_date(meeting.starts_dt, tz)
            if meeting.status == "scheduled":
                for user in users:
                    plan(INVITATION, subject, _at(day - timedelta(days=INVITATION_DAYS), tz), user,
                         "meeting_invitation", meeting.starts_dt, True)
                    plan(DAY_BEFORE, subject, _at(day - timedelta(days=1), tz), user, "meeting_tomorrow",
                         meeting.starts_dt, False)
                if meeting.sequence > 0:
                    for seq, to in received.get(meeting.id, {}).values():
                        if seq < meeting.sequence:
                            plan(UPDATE, f"{subject}#{meeting.sequence}", meeting.updated_dt, to, "meeting_update",
                                 meeting.starts_dt, True)
            if meeting.status in ("scheduled", "held") and meeting.committee_id != "follow_up":
                if meeting.id not in with_minutes:
                    due = _at(local_date(meeting.ends_dt, tz) + timedelta(days=MINUTES_DAYS), tz)
                    for user in users:
                        if (edition.programme_id, user.id) in staff:
                            plan(MINUTES_MISSING, subject, due, user, "minutes_missing", None, True)
        except (OverflowError, ValueError) as exc:  # one meeting at an impossible date: the others go on
            del out[mark:]
            log.warning("programme meeting %s: not planned (%s: %s)", meeting.id, type(exc).__name__, exc)
    return out


def _chunks(items: list, size: int = 500):
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _received(session: Session, meetings: list[Meeting]) -> dict[int, dict[str, tuple[int, Recipient]]]:
    """Per meeting, who already got it in their calendar, and at which SEQUENCE: the sent
    invitations (subject ``meeting:<id>``) and updates (``meeting:<id>#<sequence>``)."""
    from .models import Reminder

    subjects = {}
    for m in meetings:
        subjects[f"meeting:{m.id}"] = m.id
        subjects.update({f"meeting:{m.id}#{n}": m.id for n in range(1, m.sequence + 1)})
    out: dict[int, dict[str, tuple[int, Recipient]]] = {}
    for chunk in _chunks(list(subjects)):
        rows = session.scalars(select(Reminder).where(Reminder.subject.in_(chunk), Reminder.site_id.is_(None),
                                                      Reminder.rule.in_((INVITATION, UPDATE)),
                                                      Reminder.state.in_(("sending", "sent"))))
        for row in rows:
            seq = int(row.context.get("meeting", {}).get("sequence", 0))
            mine = out.setdefault(subjects[row.subject], {})
            if row.recipient not in mine or mine[row.recipient][0] < seq:
                mine[row.recipient] = (seq, Recipient(row.recipient, row.recipient_name, row.language))
    return out

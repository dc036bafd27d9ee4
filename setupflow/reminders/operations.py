"""State changes of the outbox: plan, reschedule and withdraw reminders. Flush, never commit.

Planning is idempotent: the rules compute the reminders that *should* exist for a site
at ``now`` (``Planned``), and ``sync`` makes the outbox agree with them:

- a row with the same key (rule, subject, due instant, recipient) is refreshed;
- an unsent row of the same rule, subject and recipient but another due instant is
  rescheduled (the meeting moved, the deadline window shifted);
- a rule marked ``is_once`` is sent once per subject and recipient, whatever its instant;
- unsent rows of the site that no rule asks for any more are withdrawn (the meeting was
  cancelled, the action item is done, the DUI is signed).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import inputs
from ..clock import installation_zone
from ..inputs import email_key
from ..errors import InputError
from ..lifecycles import REMINDERS
from .messages import CALENDAR_METHODS
from .models import MailPreference, Reminder
from .planned import Planned

#: the unsent states planning may still move or refresh (those a person may hold a reminder in)
UNSENT_EDITABLE = REMINDERS.sources("hold")
#: states a person put a reminder in (``holds.py``); planning keeps its hands off them
BY_A_PERSON = REMINDERS.destinations("hold") + REMINDERS.destinations("cancel")


log = logging.getLogger(__name__)

@dataclass
class SyncResult:
    created: int = 0
    rescheduled: int = 0
    refreshed: int = 0
    withdrawn: int = 0
    rows: list[Reminder] = field(default_factory=list)


def digest_instant(due: datetime, digest_at: str) -> datetime:
    """The first daily digest time (local) at or after ``due``."""
    hour, minute = (int(p) for p in digest_at.split(":"))
    tz = installation_zone()
    local = due.astimezone(tz)
    candidate = datetime.combine(local.date(), time(hour, minute), tz)
    if candidate < local:
        candidate = datetime.combine(local.date() + timedelta(days=1), time(hour, minute), tz)
    return candidate.astimezone(due.tzinfo)


def _timing(planned: Planned, preferences: dict[str, MailPreference]) -> tuple[bool, datetime]:
    pref = preferences.get(planned.recipient.email.lower())
    if pref is not None and pref.is_digest and planned.template not in CALENDAR_METHODS:
        return True, digest_instant(planned.due_dt, pref.digest_at)
    return False, planned.due_dt


def _apply(row: Reminder, planned: Planned, is_digest: bool, send_after, now: datetime) -> None:
    row.recipient_name = planned.recipient.name
    row.language = planned.recipient.language
    row.template = planned.template
    row.context = planned.context
    row.expires_dt = planned.expires_dt
    row.is_digest = is_digest
    if row.state == "pending" or row.state == "withdrawn":
        row.send_after_dt = send_after
    row.updated_dt = now


def sync(session: Session, planned: list[Planned], now: datetime, *, site_id: int | None,  # noqa: C901  (the outbox's reconcile rules, kept together: see the module docstring)
         rules: set[str]) -> SyncResult:
    """Make the unsent reminders of ``site_id`` for ``rules`` agree with ``planned``."""
    result = SyncResult()
    existing: dict[tuple, list[Reminder]] = {}
    query = select(Reminder).where(Reminder.rule.in_(rules))
    query = query.where(Reminder.site_id == site_id) if site_id is not None else query.where(
        Reminder.site_id.is_(None))
    for row in session.scalars(query):
        existing.setdefault((row.rule, row.subject, row.recipient), []).append(row)
    emails = {p.recipient.email.lower() for p in planned}
    preferences = {p.email: p for p in session.scalars(
        select(MailPreference).where(MailPreference.email.in_(emails)))} if emails else {}
    wanted: set[int] = set()
    for p in planned:
        if p.due_dt.tzinfo is None:
            raise InputError(code="datetime.no_time_zone", field=f"reminder {p.rule}")
        if p.expires_dt is not None and p.expires_dt <= now:
            continue  # too late to be of use (the meeting has started...)
        pref = preferences.get(p.recipient.email.lower())
        if pref is not None and p.template in (pref.stopped or ()):
            continue  # the person stopped this kind of reminder (their mail preferences)
        rows = existing.get(p.loose_key, [])
        is_digest, send_after = _timing(p, preferences)
        kept = [r for r in rows if r.state in BY_A_PERSON]
        if kept:  # a person held or cancelled it: planning leaves it to them
            wanted.update(r.id for r in kept)
            continue
        same = next((r for r in rows if r.due_dt == p.due_dt), None)
        if same is not None:
            wanted.add(same.id)
            if same.state in UNSENT_EDITABLE or same.state == "withdrawn":
                if same.state == "withdrawn":
                    REMINDERS.fire(same, "revive")
                    same.last_error = None
                _apply(same, p, is_digest, send_after, now)
                result.refreshed += 1
            continue
        if p.is_once and any(r.state in ("sending", "sent", "dead") for r in rows):
            continue
        if not p.is_late_resent and p.due_dt <= now and any(r.state in ("sending", "sent") for r in rows):
            continue
        movable = next((r for r in rows if r.state in UNSENT_EDITABLE), None)
        if movable is not None:
            movable.due_dt = p.due_dt
            _apply(movable, p, is_digest, send_after, now)
            movable.send_after_dt = send_after
            wanted.add(movable.id)
            result.rescheduled += 1
            continue
        row = Reminder(rule=p.rule, subject=p.subject, due_dt=p.due_dt, recipient=p.recipient.email.lower(),
                       recipient_name=p.recipient.name, language=p.recipient.language, site_id=site_id,
                       template=p.template, context=p.context, state="pending", send_after_dt=send_after,
                       expires_dt=p.expires_dt, is_digest=is_digest, attempts=0, created_dt=now, updated_dt=now)
        session.add(row)
        existing.setdefault(p.loose_key, []).append(row)
        result.rows.append(row)
        result.created += 1
    session.flush()
    wanted.update(r.id for r in result.rows)
    for rows in existing.values():
        for row in rows:
            if row.id not in wanted and REMINDERS.may(row, "withdraw"):  # no longer needed, held or not
                withdraw(session, row, "no longer needed", now)
                result.withdrawn += 1
    session.flush()
    return result


def plan_site(session: Session, site, now: datetime) -> SyncResult:
    """Bring the outbox of one site up to date with its rules, meetings and action items.

    Called by the worker's planning job for every site, and by whoever changes a meeting
    (move, cancel) so the next sweep already sends the update.
    """
    from ..sites.runtime import workflow_of
    from .meeting_rules import SYSTEM_RULES, action_reminders, meeting_reminders
    from .rules import site_reminders

    from ..after_opening.reminders import RULE as WORKSHOP_RULE, workshop_reminders

    rules = {r.id for r in workflow_of(site).reminders} | set(SYSTEM_RULES) | {WORKSHOP_RULE}
    try:
        planned = site_reminders(session, site, now)
    except (OverflowError, ValueError) as exc:
        # the site's own dates are impossible (stored before the input edge's bounds): its
        # deadline reminders stay as they are, its meetings and actions are planned as usual
        log.warning("site %s: deadlines not planned (%s: %s)", site.id, type(exc).__name__, exc)
        planned = []
        rules -= {r.id for r in workflow_of(site).reminders if r.event in SITE_EVENTS}
    planned += meeting_reminders(session, site, now) + action_reminders(session, site, now) \
        + workshop_reminders(session, site, now)
    return sync(session, planned, now, site_id=site.id, rules=rules)


#: the events of the site-level rules (``rules.site_reminders``)
SITE_EVENTS = ("deadline_opens", "deadline_closing", "deadline_missed", "stage_past_max")


def withdraw(session: Session, reminder: Reminder, reason: str, now: datetime) -> None:
    """Take an unsent reminder out of the outbox for good (it stays as a record)."""
    REMINDERS.fire(reminder, "withdraw")
    reminder.last_error = reason
    reminder.updated_dt = now
    session.flush()


def set_digest(session: Session, email: str, is_digest: bool, now: datetime, digest_at: str = "08:00") -> MailPreference:
    """Choose one digest a day (at ``digest_at``, local time) or one e-mail per reminder.

    Applies to the reminders planned from now on (the next planning pass re-times the pending ones).
    """
    email = email_key(inputs.email(email))
    hour, minute = (lambda t: (t.hour, t.minute))(inputs.clock_time(digest_at, "digest_at"))
    pref = session.scalar(select(MailPreference).where(MailPreference.email == email))
    if pref is None:
        pref = MailPreference(email=email)
        session.add(pref)
    pref.is_digest, pref.digest_at, pref.updated_dt = is_digest, f"{hour:02d}:{minute:02d}", now
    session.flush()
    return pref

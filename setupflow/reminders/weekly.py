"""The weekly digest: on Monday morning, each person of a site's team who wants it gets one
e-mail with the next steps (``setupflow.next_steps``) of each of their sites, whatever
their number; nobody gets one when nothing is due.

The worker's full planning pass calls ``plan_weekly``: from Monday ``SEND_AT`` (local time)
until the end of that Monday it writes one outbox row per person for the week (its key,
``weekly_digest`` + the ISO week + the address, makes a second pass a no-op), due at
Monday ``SEND_AT``; the sweep sends it like any reminder. Who wants it: the person's
preference (``MailPreference.weekly_digest``); by default the project leads (an active
account with the ``lead`` role), and nobody who stopped it (``MailPreference.stopped``).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..accounts.models import User
from ..clock import installation_zone
from ..next_steps import next_steps
from ..sites.models import Site
from ..team.models import Person
from .models import MailPreference, Reminder

RULE = TEMPLATE = "weekly_digest"
SEND_AT = time(8, 0)
#: the roles whose members get the digest unless they said otherwise
DEFAULT_ROLES = ("lead",)


@dataclass
class WeeklyResult:
    created: int = 0
    #: people who want it but had nothing due on any of their sites
    nothing_due: int = 0


def send_instant(now: datetime) -> datetime | None:
    """This week's digest instant (Monday ``SEND_AT``, Paris time) when ``now`` is on a Monday
    at or after it; None on any other day or earlier that Monday."""
    local = now.astimezone(installation_zone())
    if local.weekday() != 0 or local.time() < SEND_AT:
        return None
    return datetime.combine(local.date(), SEND_AT, installation_zone()).astimezone(now.tzinfo)


def wants_weekly(pref: MailPreference | None, role: str | None) -> bool:
    if pref is not None and TEMPLATE in (pref.stopped or ()):
        return False
    if pref is not None and pref.weekly_digest is not None:
        return pref.weekly_digest
    return role in DEFAULT_ROLES


def site_digest(session: Session, site: Site, now: datetime, lang: str) -> dict | None:
    """One site's part of the e-mail, or None when nothing is due there."""
    steps = next_steps(session, site, now, lang)
    if not steps:
        return None
    return {"id": site.id, "name": site.name, "path": f"/sites/{site.id}",
            "steps": [s.as_dict() for s in steps.steps]}


def plan_weekly(session: Session, now: datetime) -> WeeklyResult:
    """Write this week's digests (see the module docstring); flush, never commit."""
    result = WeeklyResult()
    due = send_instant(now)
    if due is None:
        return result
    week = due.astimezone(installation_zone()).isocalendar()
    subject = f"weekly:{week.year}-W{week.week:02d}"
    people: dict[str, list[Person]] = {}
    for person in session.scalars(select(Person).where(Person.left_on.is_(None)).order_by(Person.id)):
        people.setdefault(person.email.strip().lower(), []).append(person)
    if not people:
        return result
    prefs = {p.email: p for p in session.scalars(select(MailPreference).where(MailPreference.email.in_(people)))}
    roles = dict(session.execute(select(User.email, User.role).where(User.email.in_(people), User.is_active)).all())
    done = set(session.scalars(select(Reminder.recipient).where(Reminder.rule == RULE, Reminder.subject == subject)))
    for email, persons in people.items():
        if email in done or not wants_weekly(prefs.get(email), roles.get(email)):
            continue
        lang = persons[0].language or "fr"
        sites = [part for part in (site_digest(session, session.get(Site, p.site_id), now, lang)
                                   for p in sorted(persons, key=lambda p: p.site_id)) if part]
        if not sites:
            result.nothing_due += 1
            continue
        session.add(Reminder(rule=RULE, subject=subject, due_dt=due, recipient=email, recipient_name=persons[0].name,
                             language="en" if lang == "en" else "fr", site_id=None, template=TEMPLATE,
                             context={"name": persons[0].name, "sites": sites, "path": "/notifications",
                                      "today": now.astimezone(installation_zone()).date().isoformat()},
                             state="pending", send_after_dt=due, expires_dt=due + timedelta(days=7),
                             is_digest=False, attempts=0, created_dt=now, updated_dt=now))
        result.created += 1
    session.flush()
    return result

"""Retention: people of a finished project are anonymised after a period, and links that
can no longer open anything are erased.

A site in its workflow's final state is over. Each person of it left on their ``left_on``
day, or on the day the site reached the final state if they stayed to the end; once
``retention_days`` have passed since then they are anonymised (``personal_data``).

A secret link lives as long as the data register says (``data_register.LIFETIMES``): a
password-reset token row until its expiry (two hours), used or not; the link an account
e-mail carries in the outbox (a reset link, sealed; an invitation link) until the row's
expiry (two hours, five days). ``erase_expired_links`` erases what has outlived it;
``setupflow retention run`` does both. Running the job again changes nothing.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from .accounts.mail import RULE as ACCOUNT_MAIL
from .accounts.models import PasswordResetToken
from .clock import local_date
from .personal_data import ANONYMISED, anonymise_person
from .reminders.models import Reminder
from .sites.models import Site
from .sites.operations import Actor
from .sites.runtime import workflow_of
from .team.models import Person

DEFAULT_DAYS = 730
#: the context keys of an account e-mail that hold its link (a reset link is sealed)
LINK_KEYS = ("path", "path_sealed")
RETENTION_ACTOR = Actor("setupflow (retention)")


@dataclass(frozen=True)
class Due:
    person_id: int
    site_id: int
    since_on: date


def due(session: Session, today: date, retention_days: int) -> list[Due]:
    """People whose project ended, or who left a finished project, more than the period ago."""
    if retention_days < 1:
        raise ValueError("retention_days: at least one day")
    out = []
    for site in session.scalars(select(Site).order_by(Site.id)):
        if site.stage != workflow_of(site).final.id:
            continue
        for person in session.scalars(select(Person).where(Person.site_id == site.id).order_by(Person.id)):
            if person.name == ANONYMISED:
                continue
            since = min(person.left_on or site.stage_entered_on, site.stage_entered_on)
            if since + timedelta(days=retention_days) <= today:
                out.append(Due(person.id, site.id, since))
    return out


def run(session: Session, now: datetime, retention_days: int = DEFAULT_DAYS) -> list[Due]:
    """Anonymise everyone due; returns who was. Flushes only."""
    done = []
    for item in due(session, local_date(now), retention_days):
        if anonymise_person(session, session.get(Person, item.person_id), RETENTION_ACTOR, now):
            done.append(item)
    return done


def erase_expired_links(session: Session, now: datetime) -> int:
    """Erase the password-reset tokens past their expiry, used or not (an expired token
    opens nothing), and the link of every account e-mail past its expiry still in the
    outbox (sent, withdrawn or dead); returns how many were erased. Flushes only."""
    erased = session.execute(delete(PasswordResetToken).where(PasswordResetToken.expires_dt <= now)
                             .execution_options(synchronize_session="fetch")).rowcount
    for row in session.scalars(select(Reminder).where(Reminder.rule == ACCOUNT_MAIL, Reminder.expires_dt <= now,
                                                      Reminder.state != "sending").order_by(Reminder.id)):
        if any(key in (row.context or {}) for key in LINK_KEYS):
            row.context = {k: v for k, v in row.context.items() if k not in LINK_KEYS}
            erased += 1
    session.flush()
    return erased

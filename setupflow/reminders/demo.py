"""Demo reminders: plan the outbox of every demo site, and let one fictional person
prefer a daily digest, so `setupflow outbox list` shows a product already in use."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..team.models import Person
from .operations import plan_site, set_digest


def build_reminders_demo(session: Session, sites, now: datetime) -> int:
    first = session.scalar(select(Person).where(Person.left_on.is_(None)).order_by(Person.id))
    if first is not None:
        set_digest(session, first.email, True, now, "07:30")
    return sum(plan_site(session, site, now).created for site in sites)

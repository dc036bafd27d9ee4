"""Calendar feeds (iCalendar) behind unguessable, revocable tokens.

A person's feed holds the meetings and deadlines of every site whose team lists their
address; a site's feed those of one site. Only the SHA-256 of a token is stored.
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import InputError, NotFound
from ..sites.models import Site
from ..sites.operations import dated_decisions, get_site, planned
from ..sites.runtime import workflow_of
from ..team.models import Person
from . import ics
from .meeting_rules import meeting_context
from .models import FeedToken

#: meetings in a feed: everything but mere proposals
FEED_STATUSES = ("scheduled", "held", "minutes_approved", "cancelled")


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_feed(session: Session, now: datetime, *, email: str | None = None, site: Site | None = None) -> str:
    """Create a feed and return its token (shown once; only its hash is kept)."""
    if (email is None) == (site is None):
        raise InputError("feed: give either a person or a site")
    if email is not None:
        email = email.strip().lower()
        if not session.scalar(select(Person.id).where(Person.email.ilike(email)).limit(1)):
            raise NotFound(f"person: nobody with the address '{email}' in any site's team")
    token = secrets.token_urlsafe(32)
    session.add(FeedToken(token_hash=token_hash(token), email=email, site_id=site.id if site else None,
                          created_dt=now))
    session.flush()
    return token


def _live(session: Session, token: str) -> FeedToken:
    row = session.scalar(select(FeedToken).where(FeedToken.token_hash == token_hash(token or "")))
    if row is None or row.is_revoked:
        raise NotFound("feed: no such feed, or it was revoked")
    return row


def revoke_feed(session: Session, token: str, now: datetime) -> FeedToken:
    row = _live(session, token)
    row.revoked_dt = now
    session.flush()
    return row


def site_events(session: Session, site: Site, now: datetime, lang: str) -> list:
    from ..committees.models import Meeting

    events = []
    meetings = session.scalars(select(Meeting).where(Meeting.site_id == site.id,
                                                     Meeting.status.in_(FEED_STATUSES)).order_by(Meeting.starts_dt))
    for meeting in meetings:
        context = meeting_context(meeting, site, lang)
        context["title"] = f"{context['title']} - {site.name}"
        events.append(ics.meeting_event(context, stamp=now, cancelled=meeting.status == "cancelled"))
    workflow = workflow_of(site)
    if site.stage != workflow.final.id:
        for dp in planned(site, dated_decisions(session, site)).deadlines:
            if dp.done_on is not None:
                continue
            label = dp.deadline.label.get(lang) + (" (estimation)" if dp.is_estimate and lang == "fr" else
                                                   " (estimate)" if dp.is_estimate else "")
            days = (dp.window.latest - dp.window.earliest).days + 1
            events.append(ics.all_day_event(f"deadline-{site.id}-{dp.deadline.id}@setupflow", dp.window.earliest,
                                            f"{label} - {site.name}", stamp=now, days=days))
    return events


def feed_for_token(session: Session, token: str, now: datetime) -> bytes:
    """The .ics bytes behind a token; ``NotFound`` for an unknown or revoked one."""
    row = _live(session, token)
    if row.site_id is not None:
        site = get_site(session, row.site_id)
        return ics.feed(f"setupflow - {site.name}", site_events(session, site, now, "fr"))
    people = list(session.scalars(select(Person).where(Person.email.ilike(row.email), Person.left_on.is_(None))))
    events = []
    for site_id in sorted({p.site_id for p in people}):
        lang = next(p.language for p in people if p.site_id == site_id)
        events += site_events(session, get_site(session, site_id), now, lang)
    return ics.feed("setupflow", events)

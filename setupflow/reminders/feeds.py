"""Calendar feeds (iCalendar) behind unguessable, revocable tokens.

A person's feed holds the meetings and deadlines of every site whose team lists their
address; a site's feed those of one site. Only the SHA-256 of a token is stored.

A feed is bounded in time: meetings that started more than ``PAST`` (12 months) ago
are left out (calendar apps do not need years of past meetings; they keep what they
already showed); every later meeting and every open deadline is in. The text is written
directly (``ics_text``), and rebuilt on every request: nothing is cached.
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import InputError, NotFound
from ..sites.models import Site
from ..sites.operations import get_site
from ..team.models import Person
from . import ics_text as ics
from .feed_events import feed_events
from .models import FeedToken



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


def site_events(session: Session, site: Site, now: datetime, lang: str) -> list[str]:
    return feed_events(session, [site], {site.id: lang}, now)


def feed_for_token(session: Session, token: str, now: datetime) -> bytes:
    """The .ics bytes behind a token; ``NotFound`` for an unknown or revoked one."""
    row = _live(session, token)
    if row.site_id is not None:
        site = get_site(session, row.site_id)
        return ics.feed(f"setupflow - {site.name}", site_events(session, site, now, "fr"))
    langs: dict[int, str] = {}
    for site_id, lang in session.execute(select(Person.site_id, Person.language).where(
            Person.email.ilike(row.email), Person.left_on.is_(None)).order_by(Person.id)):
        langs.setdefault(site_id, lang)
    sites = list(session.scalars(select(Site).where(Site.id.in_(sorted(langs))).order_by(Site.id)))
    return ics.feed("setupflow", feed_events(session, sites, langs, now))

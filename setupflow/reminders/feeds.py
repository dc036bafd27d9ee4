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
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import InputError, NotFound
from ..sites.models import Site
from ..sites.operations import dated_values, get_site, planned
from ..sites.runtime import workflow_of
from ..team.models import Person
from . import ics_text as ics
from .meeting_rules import agenda_text, committee_title
from .models import FeedToken

#: meetings in a feed: everything but mere proposals
FEED_STATUSES = ("scheduled", "held", "minutes_approved", "cancelled")
#: how far back a feed goes: meetings that started before ``now - PAST`` are left out
PAST = timedelta(days=365)


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


def _events(session: Session, sites: list[Site], langs: dict[int, str], now: datetime) -> list[str]:
    """The VEVENT texts of ``sites`` (each in its reader's language), in three queries
    whatever the number of sites: meetings since ``now - PAST``, their agenda items, and
    the current decisions."""
    from ..committees.models import AgendaItem, Meeting
    from ..sites.models import Decision

    if not sites:
        return []
    ids = [s.id for s in sites]
    since = now - PAST
    stamp = ics.utc(now)
    m = Meeting.__table__.c
    meetings = session.execute(select(m.id, m.site_id, m.committee_id, m.status, m.starts_dt, m.duration_minutes,
                                      m.uid, m.sequence, m.place, m.video_url).where(
        m.site_id.in_(ids), m.status.in_(FEED_STATUSES), m.starts_dt >= since)
        .order_by(m.site_id, m.starts_dt)).all()
    agenda: dict[int, list[str]] = {}
    for meeting_id, title in session.execute(
            select(AgendaItem.meeting_id, AgendaItem.title).join(Meeting, Meeting.id == AgendaItem.meeting_id)
            .where(Meeting.site_id.in_(ids), Meeting.status.in_(FEED_STATUSES), Meeting.starts_dt >= since)
            .order_by(AgendaItem.meeting_id, AgendaItem.position)):
        agenda.setdefault(meeting_id, []).append(title)
    values: dict[int, dict[str, str]] = {}
    for site_id, key, value in session.execute(select(Decision.site_id, Decision.key, Decision.value).where(
            Decision.site_id.in_(ids), Decision.key.is_not(None), Decision.superseded_by_id.is_(None))
            .order_by(Decision.id)):
        values.setdefault(site_id, {})[key] = value
    by_site: dict[int, list] = {}
    for meeting in meetings:
        by_site.setdefault(meeting.site_id, []).append(meeting)
    events = []
    for site in sites:
        lang = langs[site.id]
        workflow = workflow_of(site)
        titles: dict[str, str] = {}  # this request's titles by committee: sites have a handful of committees
        for meeting in by_site.get(site.id, ()):
            title = titles.get(meeting.committee_id)
            if title is None:
                title = titles[meeting.committee_id] = (
                    f"{committee_title(workflow, meeting.committee_id, lang)} - {site.name}")
            where = ", ".join(p for p in (meeting.place, meeting.video_url) if p)
            events.append(ics.meeting_event(
                uid=meeting.uid, sequence=meeting.sequence, starts=meeting.starts_dt,
                ends=meeting.starts_dt + timedelta(minutes=meeting.duration_minutes), summary=title,
                description=agenda_text(agenda.get(meeting.id, ())), location=where, stamp=stamp,
                cancelled=meeting.status == "cancelled"))
        if site.stage != workflow.final.id:
            for dp in planned(site, dated_values(site, values.get(site.id, {}))).deadlines:
                if dp.done_on is not None:
                    continue
                label = dp.deadline.label.get(lang) + (" (estimation)" if dp.is_estimate and lang == "fr" else
                                                       " (estimate)" if dp.is_estimate else "")
                days = (dp.window.latest - dp.window.earliest).days + 1
                events.append(ics.all_day_event(f"deadline-{site.id}-{dp.deadline.id}@setupflow",
                                                dp.window.earliest, f"{label} - {site.name}", stamp=stamp, days=days))
    return events


def site_events(session: Session, site: Site, now: datetime, lang: str) -> list[str]:
    return _events(session, [site], {site.id: lang}, now)


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
    return ics.feed("setupflow", _events(session, sites, langs, now))

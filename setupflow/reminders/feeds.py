"""Calendar feeds (iCalendar) behind unguessable, revocable tokens.

A person's feed holds the meetings and deadlines of every site whose team lists their
address; a site's feed those of one site. Only the SHA-256 of a token is stored.
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


def _events(session: Session, sites: list[Site], langs: dict[int, str], now: datetime) -> list:
    """The events of ``sites`` (each in its reader's language), in four queries whatever
    the number of sites: meetings, their agenda items, and the current decisions."""
    from ..committees.models import AgendaItem, Meeting
    from ..sites.models import Decision

    if not sites:
        return []
    ids = [s.id for s in sites]
    meetings = session.execute(select(Meeting.__table__).where(
        Meeting.site_id.in_(ids), Meeting.status.in_(FEED_STATUSES))
        .order_by(Meeting.site_id, Meeting.starts_dt)).mappings().all()
    agenda: dict[int, list[str]] = {}
    for meeting_id, title in session.execute(
            select(AgendaItem.meeting_id, AgendaItem.title).join(Meeting, Meeting.id == AgendaItem.meeting_id)
            .where(Meeting.site_id.in_(ids), Meeting.status.in_(FEED_STATUSES))
            .order_by(AgendaItem.meeting_id, AgendaItem.position)):
        agenda.setdefault(meeting_id, []).append(title)
    values: dict[int, dict[str, str]] = {}
    for site_id, key, value in session.execute(select(Decision.site_id, Decision.key, Decision.value).where(
            Decision.site_id.in_(ids), Decision.key.is_not(None), Decision.superseded_by_id.is_(None))
            .order_by(Decision.id)):
        values.setdefault(site_id, {})[key] = value
    by_site: dict[int, list] = {}
    for meeting in meetings:
        by_site.setdefault(meeting["site_id"], []).append(meeting)
    events = []
    for site in sites:
        lang = langs[site.id]
        for meeting in by_site.get(site.id, ()):
            context = meeting_context(_MeetingRow(meeting, agenda.get(meeting["id"], ())), site, lang)
            context["title"] = f"{context['title']} - {site.name}"
            events.append(ics.meeting_event(context, stamp=now, cancelled=meeting["status"] == "cancelled"))
        workflow = workflow_of(site)
        if site.stage != workflow.final.id:
            for dp in planned(site, dated_values(site, values.get(site.id, {}))).deadlines:
                if dp.done_on is not None:
                    continue
                label = dp.deadline.label.get(lang) + (" (estimation)" if dp.is_estimate and lang == "fr" else
                                                       " (estimate)" if dp.is_estimate else "")
                days = (dp.window.latest - dp.window.earliest).days + 1
                events.append(ics.all_day_event(f"deadline-{site.id}-{dp.deadline.id}@setupflow",
                                                dp.window.earliest, f"{label} - {site.name}", stamp=now, days=days))
    return events


class _MeetingRow:
    """A meeting row read with Core, with what ``meeting_context`` reads of a Meeting."""

    def __init__(self, row, agenda_titles):
        self.__dict__.update(row)
        self.agenda = [_Titled(t) for t in agenda_titles]

    @property
    def ends_dt(self) -> datetime:
        return self.starts_dt + timedelta(minutes=self.duration_minutes)


class _Titled:
    def __init__(self, title: str):
        self.title = title


def site_events(session: Session, site: Site, now: datetime, lang: str) -> list:
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

"""Calendar feeds (iCalendar) behind unguessable, revocable tokens.

A person's feed holds the meetings and deadlines of every site whose team lists their
address; a site's feed those of one site. Only the SHA-256 of a token is stored.

A feed is bounded in time: meetings that started more than ``PAST`` (12 months) ago
are left out (calendar apps do not need years of past meetings; they keep what they
already showed); every later meeting and every open deadline is in. The text is written
directly (``setupflow.ics.feed_text``).

Each site's part of a feed has a version, read for all the reader's sites in five small
statements: the reader's language there, the site's row (name, stage, dates, definition,
and ``version_id``), its current decisions, and how many meetings it has in the window
and when the last of them changed. Every change to a site's meetings and agendas is
recorded in its history, and ``record`` bumps the site's ``version_id`` (a meeting's own
``updated_dt`` covers its changes a second time); as time passes, meetings only leave the
window, which lowers the count. A site's part is written again only when its version changed (kept in
memory, ``feed_cache``, and in the database, ``FeedPart``, so that a new process or a new
day starts from the written parts; the worker's planning pass writes ahead of time the
parts of live feeds that are missing or stale, ``warm_feeds``); the digest of all the versions is the feed's ETag, so calendar
apps that poll every few minutes get "304 Not Modified" until something changes. DTSTAMP
is the time a part was written, outside the version: the ETag is a weak one.
"""
from __future__ import annotations

import hashlib
import secrets
import sys
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from .. import ics as _ics_package, planning
from ..accounts.models import User
from ..db import among
from ..errors import InputError, NotFound
from ..inputs import email_key
from ..sites.models import Site
from ..sites.operations import get_site
from ..team.models import Person
from ..ics import feed_text as ics
from . import feed_cache, feed_events as _events_module, meeting_rules
from ..sites.gates import current_values
from .feed_events import meetings_in_window, site_texts
from .models import FeedPart, FeedToken

#: the code that writes a feed's text: a new release that writes it otherwise is a new version
_CODE = hashlib.sha256(b"".join(Path(m.__file__).read_bytes() for m in (
    planning, meeting_rules, _ics_package, ics, _events_module, sys.modules[__name__]))).hexdigest()


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_feed(session: Session, now: datetime, *, email: str | None = None, site: Site | None = None,
                creator: User | None = None) -> str:
    """Create a feed and return its token (shown once; only its hash is kept). ``creator``
    is the account asking (None from the command line): the feed dies with it."""
    if (email is None) == (site is None):
        raise InputError(code="feed.person_or_site", field="feed")
    if email is not None:
        # exact, case-folded: never a LIKE pattern ('%@%.%' is an address, not every address)
        email = email_key(email)
        if not session.scalar(select(Person.id).where(func.lower(Person.email) == email).limit(1)) \
                and not _in_a_programme(session, email):
            raise NotFound(code="feed.nobody_with_email", field="person", email=email)
    token = secrets.token_urlsafe(32)
    while token.startswith("-"):  # an operator types it after `feeds revoke`: not an option
        token = secrets.token_urlsafe(32)
    session.add(FeedToken(token_hash=token_hash(token), email=email, site_id=site.id if site else None,
                          created_dt=now, created_by_user_id=creator.id if creator else None))
    session.flush()
    return token


def _in_a_programme(session: Session, email: str) -> bool:
    """Whether the account with ``email`` has a part in a programme (its meetings make a feed)."""
    from ..programmes.models import ProgrammeMember

    return bool(session.scalar(select(ProgrammeMember.id).join(User, User.id == ProgrammeMember.user_id)
                               .where(func.lower(User.email) == email).limit(1)))


def _live(session: Session, token: str, now: datetime | None = None):
    """The live feed behind a token, in one statement; a feed whose creator's account is
    disabled is dead even if its revocation was missed. With ``now``: also, for a personal
    feed, its programme meetings' version (``feed_programmes.window_columns``) in the same
    statement, returned as ``(token row, (language, count, last change))``."""
    columns = [FeedToken, User.is_active]
    if now is not None:
        from .feed_programmes import window_columns

        columns += window_columns(FeedToken.email, now)
    found = session.execute(select(*columns).outerjoin(User, User.id == FeedToken.created_by_user_id)
                            .where(FeedToken.token_hash == token_hash(token or ""))).first()
    if found is None or found[0].is_revoked or found[1] is False:
        raise NotFound(code="feed.not_found", field="feed")
    return found[0] if now is None else (found[0], tuple(found[2:]))


def revoke_feeds_of(session: Session, user: User, now: datetime, *, site_id: int | None = None) -> int:
    """Revoke the live feeds that die with an account: those it created and its personal
    feed (by address), or, with ``site_id``, those it created for that site (it left the
    site's team). Returns how many were revoked."""
    mine = FeedToken.created_by_user_id == user.id
    query = update(FeedToken).where(FeedToken.revoked_dt.is_(None))
    if site_id is None:
        query = query.where(or_(mine, func.lower(FeedToken.email) == email_key(user.email)))
    else:
        query = query.where(mine, FeedToken.site_id == site_id)
    return session.execute(query.values(revoked_dt=now).execution_options(synchronize_session="fetch")).rowcount


def revoke_feed(session: Session, token: str, now: datetime) -> FeedToken:
    row = _live(session, token)
    row.revoked_dt = now
    session.flush()
    return row


@dataclass(frozen=True)
class Feed:
    """What a token's feed is made of, and its version: a digest of each site's version,
    which holds every input of the site's part of the text (see the module)."""

    name: str
    sites: list[Site]
    langs: dict[int, str]
    values: dict[int, dict[str, str]]
    site_versions: dict[int, tuple]
    version: str
    #: for a personal feed invited to programme meetings: its address and reader's language
    #: (``feed_programmes``); None when it has none
    programme_email: str | None = None
    programme_lang: str = "fr"


def open_feed(session: Session, token: str, now: datetime) -> Feed:
    """The feed behind a token, and its version, in five small statements; ``NotFound``
    for an unknown or revoked token. Reads only: nothing is written."""
    row, (programme_lang, programme_count, programme_changed) = _live(session, token, now)
    if row.site_id is not None:
        site = get_site(session, row.site_id)
        name, sites, langs = f"setupflow - {site.name}", [site], {site.id: "fr"}
    else:
        langs = {}
        for site_id, lang in session.execute(select(Person.site_id, Person.language).where(
                func.lower(Person.email) == email_key(row.email), Person.left_on.is_(None)).order_by(Person.id)):
            langs.setdefault(site_id, lang)
        name, sites = "setupflow", list(session.scalars(select(Site).where(among(session, Site.id, sorted(langs)))
                                                        .order_by(Site.id)))
    values, versions = _site_versions(session, sites, langs, now)
    # a personal feed's programme meetings: their count and last change came with the token
    programme_version = (programme_lang or "fr", programme_count, programme_changed) if programme_count else None
    digest = hashlib.sha256(repr((_CODE, name, sorted(versions.items()), programme_version)).encode()
                            ).hexdigest()[:32]
    return Feed(name, sites, langs, values, versions, digest,
                programme_email=email_key(row.email) if programme_count else None,
                programme_lang=programme_lang or "fr")


def _site_versions(session: Session, sites: list[Site], langs: dict[int, str], now: datetime):
    """The sites' current values and the version of each one's part (every input of its
    text), in two statements: ``(values, versions)``."""
    ids = [s.id for s in sites]
    values = current_values(session, ids)
    counts = meetings_in_window(session, ids, now)
    versions = {s.id: (s.version_id, langs[s.id], s.name, s.stage, s.start_on, s.target_opening_on,
                       s.snapshot.digest, counts.get(s.id), sorted(values.get(s.id, {}).items()))
                for s in sites}
    return values, versions


def part_version(feed: Feed, site_id: int) -> str:
    """The version of a site's part as stored: a digest of its inputs and of the code."""
    return hashlib.sha256(repr((_CODE, feed.site_versions[site_id])).encode()).hexdigest()


_PART = FeedPart.__table__.c


def _stored_parts(session: Session, feed: Feed, sites: list[Site]) -> dict[int, bytes]:
    """The parts of ``sites`` kept in the database at their current version, in one statement."""
    if not sites:
        return {}
    wanted = {(s.id, feed.langs[s.id]): part_version(feed, s.id) for s in sites}
    found = {}
    for site_id, lang, version, body in session.connection().execute(
            select(_PART.site_id, _PART.lang, _PART.version, _PART.body).where(
                among(session, _PART.site_id, [s.id for s in sites]))):
        if wanted.get((site_id, lang)) == version:
            found[site_id] = body.encode()
    return found


def _store_parts(session: Session, feed: Feed, texts: dict[int, bytes], now: datetime) -> None:
    """Keep the parts just written, replacing older versions, in one statement."""
    if not texts:
        return
    dialect = session.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    statement = insert(FeedPart.__table__)
    session.connection().execute(
        statement.on_conflict_do_update(index_elements=["site_id", "lang"], set_={
            "version": statement.excluded.version, "body": statement.excluded.body,
            "written_dt": statement.excluded.written_dt}),
        [{"site_id": site_id, "lang": feed.langs[site_id], "version": part_version(feed, site_id),
          "body": text.decode(), "written_dt": now} for site_id, text in sorted(texts.items())])


def write_feed(session: Session, feed: Feed, now: datetime, programmes=None, *, keep: bool = False) -> bytes:
    """The .ics bytes of an opened feed: each site's part as kept in this process, else as
    kept in the database (``FeedPart``), unless its version changed since it was written;
    the parts to write are written in one go and kept in this process, and, with ``keep``,
    in the database too: a caller that commits at once says so (the feed route), so that
    a mere reader never holds a write (SQLite's lock) in a transaction it leaves open.
    Then the programme meetings (titled from the ``programmes`` catalog when given)."""
    database = session.get_bind().url.render_as_string(hide_password=True)
    parts = {s.id: feed_cache.get((database, s.id, feed.langs[s.id]), feed.site_versions[s.id]) for s in feed.sites}
    missing = [s for s in feed.sites if parts[s.id] is None]
    for site_id, text in _stored_parts(session, feed, missing).items():
        parts[site_id] = text
        feed_cache.put((database, site_id, feed.langs[site_id]), feed.site_versions[site_id], text)
    stale = [s for s in missing if parts[s.id] is None]
    written = site_texts(session, stale, feed.langs, feed.values, now)
    for site_id, text in written.items():
        parts[site_id] = text
        feed_cache.put((database, site_id, feed.langs[site_id]), feed.site_versions[site_id], text)
    if keep:
        _store_parts(session, feed, written, now)
    events = [parts[s.id] for s in feed.sites]
    if feed.programme_email is not None:
        from .feed_programmes import invited_meetings, text as programme_text

        rows = invited_meetings(session, feed.programme_email, now)
        events.append(programme_text(session, rows, feed.programme_lang, now, programmes))
    return ics.feed(feed.name, events)


def feed_for_token(session: Session, token: str, now: datetime) -> bytes:
    """The .ics bytes behind a token; ``NotFound`` for an unknown or revoked one."""
    return write_feed(session, open_feed(session, token, now), now)


#: how many sites' parts one transaction of ``warm_feeds`` writes (about 0.5 ms of CPU a
#: site on the development machine; 2,000 sites written from nothing took 759 ms)
WARM_CHUNK = 250


def live_parts(session: Session) -> dict[str, set[int]]:
    """The parts the live feeds are made of: per reader's language, the sites (a site's
    feed is French; a person's feed takes, for each site, the language of their first
    row in its team, as ``open_feed`` does)."""
    live = (select(FeedToken.site_id, FeedToken.email).outerjoin(User, User.id == FeedToken.created_by_user_id)
            .where(FeedToken.revoked_dt.is_(None), or_(User.id.is_(None), User.is_active.is_(True))))
    wanted: dict[str, set[int]] = {}
    emails = set()
    for site_id, email in session.execute(live):
        if site_id is not None:
            wanted.setdefault("fr", set()).add(site_id)
        elif email is not None:
            emails.add(email)
    if emails:
        first: dict[tuple[str, int], str] = {}
        for email, site_id, lang in session.execute(
                select(func.lower(Person.email), Person.site_id, Person.language)
                .where(func.lower(Person.email).in_(sorted(emails)), Person.left_on.is_(None)).order_by(Person.id)):
            first.setdefault((email, site_id), lang)
        for (_, site_id), lang in first.items():
            wanted.setdefault(lang, set()).add(site_id)
    return wanted


def _stale_in(session: Session, lang: str, ids, now: datetime) -> tuple[Feed, list[Site]]:
    """The part of each of the sites ``ids`` in ``lang``: a feed of them, and those whose
    kept part is missing or not at the current version (bodies are not read)."""
    sites = list(session.scalars(select(Site).where(Site.id.in_(sorted(ids))).order_by(Site.id)))
    langs = {s.id: lang for s in sites}
    values, versions = _site_versions(session, sites, langs, now)
    feed = Feed("", sites, langs, values, versions, "")
    kept = dict(session.connection().execute(
        select(_PART.site_id, _PART.version).where(_PART.lang == lang, _PART.site_id.in_(sorted(ids)))).all())
    return feed, [s for s in sites if kept.get(s.id) != part_version(feed, s.id)]


def stale_parts(session: Session, now: datetime) -> dict[str, list[int]]:
    """Per language, the sites whose part of a live feed is missing from the database or
    stale there (the site changed, a meeting left the window as days passed, a new
    release writes the text otherwise). Reads only."""
    found = {}
    for lang, ids in sorted(live_parts(session).items()):
        stale = _stale_in(session, lang, ids, now)[1]
        if stale:
            found[lang] = [s.id for s in stale]
    return found


def warm_parts(session: Session, now: datetime, lang: str, site_ids: list[int]) -> int:
    """Write and keep in the database the parts in ``lang`` of those of ``site_ids`` that
    are still missing or stale; returns how many were written. Flushes; the caller
    commits (a request that meets a part written meanwhile just reads it; one that wrote
    the same part first is overwritten with the same text)."""
    feed, stale = _stale_in(session, lang, site_ids, now)
    written = site_texts(session, stale, feed.langs, feed.values, now)
    _store_parts(session, feed, written, now)
    return len(written)


def warm_feeds(factory, now: datetime, stop=None) -> int:
    """Write ahead of time the parts of the live feeds that are missing or stale, ``WARM_CHUNK``
    sites a transaction (until ``stop``, a ``threading.Event``, is set), so that the first
    request of a new server process, or of a new day, writes none; returns how many parts
    were written (0: every live feed is served from kept parts)."""
    from ..db import transaction

    with transaction(factory) as session:
        stale = stale_parts(session, now)
    total = 0
    for lang, ids in stale.items():
        for i in range(0, len(ids), WARM_CHUNK):
            if stop is not None and stop.is_set():
                return total
            with transaction(factory) as session:
                total += warm_parts(session, now, lang, ids[i:i + WARM_CHUNK])
    return total

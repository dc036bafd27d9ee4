"""The events of a calendar feed: the meetings of a set of sites since ``now - PAST`` and
their open deadlines, as VEVENT texts, in two queries whatever the number of sites (the
sites' decisions are read with the feed's version, ``feeds.open_feed``).

A person's feed can cover 2,000 sites (a Cress coordinator sits in every team): tens of
thousands of meetings. So the queries read only the columns written, as plain rows; an
agenda is turned into its description in the pass that reads it; what repeats is written
once per request (a site's meeting titles, the instants many meetings share, a plan
shared by every site with the same definition, target opening and dated decisions).
Everything here is recomputed from the database on every call; ``feeds`` keeps what it
returns per site and version (``feed_cache``).
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..committees.models import AgendaItem, Meeting
from ..db import among
from ..ics import feed_text as ics
from ..planning import backward
from ..sites.models import Site
from ..sites.operations import dated_values
from ..sites.runtime import workflow_of
from .. import inputs
from .meeting_rules import committee_title

#: meetings in a feed: everything but mere proposals
FEED_STATUSES = ("scheduled", "held", "minutes_approved", "cancelled")
#: how far back a feed goes: meetings that started before ``now - PAST`` are left out
PAST = timedelta(days=365)


def _window(session: Session, site_ids: list[int], now: datetime) -> tuple:
    m = Meeting.__table__.c
    # a meeting stored beyond the input edge's years (by an older release) is left out:
    # no calendar can show it, and its end would overflow the writer's arithmetic
    return (among(session, m.site_id, site_ids), m.status.in_(FEED_STATUSES), m.starts_dt >= now - PAST,
            m.starts_dt < inputs.LATEST_INSTANT)


def meetings_in_window(session: Session, site_ids: list[int], now: datetime) -> dict[int, tuple]:
    """Per site, how many meetings it has in the feed (as time passes, meetings only leave
    the window) and when the last of them changed; a site with none is left out."""
    if not site_ids:
        return {}
    m = Meeting.__table__.c
    return {site_id: (count, last) for site_id, count, last in session.connection().execute(
        select(m.site_id, func.count(), func.max(m.updated_dt)).where(*_window(session, site_ids, now)).group_by(m.site_id))}


def site_texts(session: Session, sites: list[Site], langs: dict[int, str], values: dict[int, dict[str, str]],
               now: datetime) -> dict[int, bytes]:
    """The VEVENTs of each of ``sites`` as one encoded text, in its reader's language
    ``langs[site.id]``; ``values`` are the sites' ``current_values``."""
    if not sites:
        return {}
    conn = session.connection()
    m, a = Meeting.__table__.c, AgendaItem.__table__.c
    window = _window(session, [s.id for s in sites], now)
    # the same order for meetings and their agenda items: site, start, meeting, position
    order = (m.site_id, m.starts_dt, m.id)
    meetings = conn.execute(select(m.site_id, m.id, m.committee_id, m.status, m.starts_dt, m.duration_minutes,
                                   m.uid, m.sequence, m.place, m.video_url).where(*window).order_by(*order))
    agendas = _agendas(conn.execute(select(a.meeting_id, a.title).join(Meeting.__table__, m.id == a.meeting_id)
                                    .where(*window).order_by(*order, a.position)))

    stamp = ics.utc(now)
    instants: dict = {}  # start -> its UTC text; (start, minutes) -> the end's
    plans: dict = {}     # (definition, dated values) -> its open deadlines
    site_by_id = {s.id: s for s in sites}
    by_site: dict[int, list] = {s.id: [] for s in sites}
    titles: dict = {}    # (site, committee) -> the folded SUMMARY line
    for site_id, meeting_id, committee_id, status, starts, minutes, uid, sequence, place, video in meetings:
        summary = titles.get((site_id, committee_id))
        if summary is None:
            site = site_by_id[site_id]
            summary = titles[site_id, committee_id] = ics.fold("SUMMARY:" + ics.escape(
                f"{committee_title(workflow_of(site), committee_id, langs[site_id])} - {site.name}"))
        start = instants.get(starts)
        if start is None:
            start = instants[starts] = ics.utc(starts)
        end = instants.get((starts, minutes))
        if end is None:
            end = instants[starts, minutes] = ics.utc(starts + timedelta(minutes=minutes))
        where = ics.escape(f"{place}, {video}" if place and video else place or video or "") or None
        by_site[site_id].append(ics.meeting_event(summary, start, end, stamp, uid, sequence,
                                                  agendas.get(meeting_id), where, status == "cancelled"))
    return {site.id: "".join(by_site[site.id] + _deadline_events(site, langs[site.id], values.get(site.id, {}),
                                                                 stamp, plans)).encode()
            for site in sites}


def _agendas(rows) -> dict[int, str]:
    """Each meeting's agenda as its escaped description, from (meeting, title) rows in
    meeting and position order: one pass, no per-meeting list kept."""
    out: dict[int, str] = {}
    current, number, parts = None, 0, []
    for meeting_id, title in rows:
        if meeting_id != current:
            if parts:
                out[current] = "\\n".join(parts)
            current, number, parts = meeting_id, 0, []
        number += 1
        parts.append(f"{number}. {ics.escape(title)}")
    if parts:
        out[current] = "\\n".join(parts)
    return out


def _deadline_events(site: Site, lang: str, values: dict[str, str], stamp: str, plans: dict) -> list[str]:
    """The open deadlines of a site not yet at its final stage, as all-day events."""
    workflow = workflow_of(site)
    if site.stage == workflow.final.id:
        return []
    dated = dated_values(site, values)
    key = (id(workflow), site.target_opening_on, tuple(sorted(dated.items())))
    plan = plans.get(key)
    if plan is None:  # every input of the plan is in the key: sites sharing them share it
        plan = plans[key] = [dp for dp in backward(workflow, site.target_opening_on, dated).deadlines
                             if dp.done_on is None]
    events = []
    for dp in plan:
        label = dp.deadline.label.get(lang) + (" (estimation)" if dp.is_estimate and lang == "fr" else
                                               " (estimate)" if dp.is_estimate else "")
        days = (dp.window.latest - dp.window.earliest).days + 1
        events.append(ics.all_day_event(f"deadline-{site.id}-{dp.deadline.id}@setupflow", dp.window.earliest,
                                        f"{label} - {site.name}", stamp=stamp, days=days))
    return events

"""Meeting proposals from the committees' cadence and the site's retro-planning.

Proposals are meetings with status ``proposed``: people confirm, move or cancel them;
nothing is fixed silently. Proposing again (or moving the target opening) replaces the
proposals nobody confirmed and leaves every confirmed meeting where it is.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..clock import department_timezone, department_zone, local_date
from ..errors import InputError
from ..sites.models import Site
from .. import inputs
from ..sites.operations import Actor, record
from ..sites.runtime import workflow_of
from .cadence import meeting_dates
from .models import AgendaItem, Meeting

SYSTEM = Actor("setupflow")
#: a proposal this close to a confirmed meeting of the same committee is not made
NEAR = timedelta(days=14)


def new_meeting(session: Session, site: Site, committee_id: str, starts_dt: datetime, status: str, now: datetime,
                duration_minutes: int | None = None, is_working_meeting: bool = False, place: str | None = None,
                video_url: str | None = None) -> Meeting:
    """A meeting with its committee's standard agenda already in place."""
    committee = workflow_of(site).committee(committee_id)
    meeting = Meeting(site=site, committee_id=committee_id, status=status, starts_dt=starts_dt,
                      duration_minutes=duration_minutes or committee.cadence.duration_minutes,
                      is_working_meeting=is_working_meeting, place=place, video_url=video_url,
                      timezone=department_timezone(site.department), created_dt=now, updated_dt=now)
    for i, item in enumerate(committee.standard_agenda, start=1):
        meeting.agenda.append(AgendaItem(position=i, title=item.get("fr")))
    session.add(meeting)
    return meeting


def propose(session: Session, site: Site, now: datetime, actor: Actor = SYSTEM) -> list[Meeting]:
    """(Re)generate the proposed meetings of every committee of the site, from today to
    the target opening. Returns the new proposals, earliest first."""
    today = local_date(now, department_zone(site.department))
    workflow = workflow_of(site)
    existing = list(session.scalars(select(Meeting).where(Meeting.site_id == site.id)))
    replaced = [m for m in existing if m.status == "proposed"]
    for m in replaced:
        session.delete(m)
    session.flush()
    fixed = [m for m in existing if m.status not in ("proposed", "cancelled")]
    created = []
    for committee in workflow.committees:
        taken = [m.starts_dt for m in fixed if m.committee_id == committee.id]
        for p in meeting_dates(committee, site.start_on, site.target_opening_on, site.department):
            if p.local_day <= today or any(abs(p.starts_dt - t) < NEAR for t in taken):
                continue
            created.append(new_meeting(session, site, committee.id, p.starts_dt, "proposed", now,
                                       p.duration_minutes, p.is_working_meeting))
    session.flush()
    record(session, site, actor, now, "meetings_proposed", proposed=len(created), replaced=len(replaced),
           until=site.target_opening_on.isoformat())
    session.flush()
    return sorted(created, key=lambda m: m.starts_dt)


def change_target_opening(session: Session, site: Site, opening_on, actor: Actor, now: datetime,
                          reason: str | None = None, confirmed: bool = True) -> list[Meeting]:
    """Move the site's target opening; the proposals nobody confirmed follow the new plan.

    Re-planning is asked about like the initial planning: a target before the earliest
    opening the method allows from where the site stands is not refused (durations are
    guidance), but with ``confirmed`` False it raises ``site.replan_before_earliest`` saying
    by how much, so that a face can ask and call again; the history records the shortfall."""
    from ..sites.operations import opening_shortfall

    opening: date = inputs.day(opening_on, "opening")
    if opening <= site.start_on:
        raise InputError(code="site.opening_before_start", field="opening", opening=opening, start=site.start_on)
    previous = site.target_opening_on
    if opening == previous:
        return []
    short = opening_shortfall(session, site, opening, local_date(now))
    if short and not confirmed:
        raise InputError(code="site.replan_before_earliest", field="opening", value=opening, earliest=short[0],
                         days=short[1])
    extra = {"target_before_earliest": {"earliest": short[0].isoformat(), "days": short[1]}} if short else {}
    site.target_opening_on = opening
    record(session, site, actor, now, "target_opening_changed", reason=(reason or "").strip() or None,
           previous=previous.isoformat(), target=opening.isoformat(), **extra)
    session.flush()
    return propose(session, site, now, actor)

"""Which calls a person reviews, and under which name they score.

A site's call is reviewed by the members of the committee that takes its selection (the
``taken_in`` committee of the call's selection decision), as the site's team file lists
them: an active person whose e-mail is the account's, with a current seat on that
committee; they score under their name in the team file. A programme edition's call is
reviewed by the committee members of that edition (``ProgrammeMember``), under their
account's display name (as the programme pages record it).
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..calls.models import Call
from ..calls.operations import spec_of
from ..clock import local_date
from ..programmes.models import Edition, ProgrammeMember
from ..sites.models import Site
from ..sites.runtime import workflow_of
from ..team.models import Person


def selecting_committee(site: Site, call: Call) -> str | None:
    spec = spec_of(site, call.call_key)
    return workflow_of(site).decision(spec.selection_decision).taken_in


def site_reviewer_name(session: Session, user, site: Site, call: Call, now: datetime) -> str | None:
    """The person's name on the call's selecting committee, or None when they hold no seat on it."""
    committee = selecting_committee(site, call)
    if committee is None or not user.is_active:
        return None
    today = local_date(now)
    people = session.scalars(select(Person).where(Person.site_id == site.id, Person.left_on.is_(None),
                                                  func.lower(Person.email) == user.email.lower()))
    for person in people:
        if any(m.committee_id == committee and m.is_current(today) for m in person.memberships):
            return person.name
    return None


def reviewed_site_calls(session: Session, user, now: datetime) -> list[tuple[Site, Call, str]]:
    """The published site calls the person reviews, with the name they score under."""
    site_ids = select(Person.site_id).where(func.lower(Person.email) == user.email.lower(), Person.left_on.is_(None))
    out = []
    calls = session.scalars(select(Call).where(Call.site_id.in_(site_ids), Call.published_on.is_not(None))
                            .order_by(Call.id))
    for call in calls:
        site = session.get(Site, call.site_id)
        name = site_reviewer_name(session, user, site, call, now)
        if name is not None:
            out.append((site, call, name))
    return out


def reviewed_editions(session: Session, user) -> list[Edition]:
    if not user.is_active:
        return []
    ids = select(ProgrammeMember.edition_id).where(ProgrammeMember.user_id == user.id,
                                                   ProgrammeMember.role == "committee")
    return list(session.scalars(select(Edition).where(Edition.id.in_(ids)).order_by(Edition.id)))

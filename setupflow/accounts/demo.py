"""Fictional demo accounts, all with one printed password."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from ..sites.models import Site
from .operations import create_user

DEMO_PASSWORD = "demo-atelier-2027"

#: (e-mail, display name, role, region, index of the site in the demo list or None)
DEMO_USERS = (
    ("admin@demo.setupflow.test", "Dominique Admin (fictive)", "admin", None, None),
    ("cress.bretagne@demo.setupflow.test", "Camille Le Goff (Cress, fictive)", "cress", "Bretagne", None),
    ("lead@demo.setupflow.test", "Yannick Morvan (EP, fictif)", "lead", None, 1),
    ("sponsor@demo.setupflow.test", "Sacha Riou (structure porteuse, fictive)", "sponsor", None, 4),
    ("partner@demo.setupflow.test", "Maël Guivarc'h (partenaire, fictif)", "partner", None, 1),
    # programme parts (setupflow/programmes/demo.py): staff, a laureate's account, a funder
    ("programmes@demo.setupflow.test", "Alix Programme (équipe, fictive)", "partner", None, None),
    ("laureat@demo.setupflow.test", "Noé Lauréat (porteur de projet, fictif)", "partner", None, None),
    ("mecene@demo.setupflow.test", "Jo Mécène (fondation, fictive)", "partner", None, None),
)


def build_demo_users(session: Session, sites: list[Site], now: datetime) -> list[tuple[str, str]]:
    """Create the demo accounts; returns (e-mail, role) pairs for printing."""
    out = []
    for email, name, role, region, site_index in DEMO_USERS:
        site_ids = (sites[site_index].id,) if site_index is not None and site_index < len(sites) else ()
        create_user(session, email=email, role=role, password=DEMO_PASSWORD, now=now, display_name=name,
                    region=region, site_ids=site_ids)
        out.append((email, role))
    join_demo_teams(session, sites, now)
    return out


#: the demo accounts that sit in a site's team file: (e-mail, organisation category,
#: committees, meeting role on the site's coming meetings or None). The lead holds the
#: invitations of their site's meetings (replies to an invitation go to them); the Cress
#: user sits in the team of every site of their region.
DEMO_SEATS = (
    ("lead@demo.setupflow.test", "ep", ("technical", "partnership"), "invitations"),
    ("sponsor@demo.setupflow.test", "sponsor", ("technical",), None),
    ("partner@demo.setupflow.test", "ddets", ("partnership",), None),
    ("cress.bretagne@demo.setupflow.test", "cress", ("technical", "partnership"), None),
)


def join_demo_teams(session: Session, sites: list[Site], now: datetime) -> None:
    """Put the demo accounts in the team file of their sites, with committee seats, invited
    to the meetings still to come: they then see their own reminders and calendar."""
    from sqlalchemy import select

    from ..committees import attendance
    from ..committees.models import Meeting
    from ..sites.runtime import workflow_of
    from ..team import operations as team
    from .access import visible_sites_query
    from .operations import user_by_email

    from ..sites.operations import Actor

    actor = Actor("Camille Demo (Cress, fictive)", is_manager=True)
    for email, category, committees, meeting_role in DEMO_SEATS:
        user = user_by_email(session, email)
        if user is None:
            continue
        ids = {s.id for s in sites}
        for site in session.scalars(visible_sites_query(user).order_by(Site.id)):
            if site.id not in ids:
                continue
            seats = [c for c in committees if c in {c.id for c in workflow_of(site).committees}]
            org = team.organisation_for(session, site, category, actor, now)
            person = team.add_person(session, site, name=user.display_name, email=email, organisation=org, actor=actor,
                                     now=now, committees=seats, start_on=site.start_on)
            for meeting in session.scalars(select(Meeting).where(
                    Meeting.site_id == site.id, Meeting.status == "scheduled", Meeting.starts_dt > now,
                    Meeting.committee_id.in_(seats))):
                attendance.invite(session, meeting, person, actor, now)
                if meeting_role:
                    attendance.assign_role(session, meeting, meeting_role, person, actor, now)

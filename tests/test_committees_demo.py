"""The demo shows committees already at work: a team file, held meetings with minutes
and decisions, and confirmed meetings ahead."""
from datetime import datetime, timezone

import pytest
from sqlalchemy import func, select

from setupflow.committees.models import Meeting, MinutesRevision
from setupflow.demo import build_demo
from setupflow.sites.models import Decision
from setupflow.team.models import Person


@pytest.mark.slow  # builds the whole demo
def test_the_demo_has_people_meetings_minutes_and_decisions(sqlite_db, catalog):
    now = datetime(2027, 3, 15, 10, 0, tzinfo=timezone.utc)
    with sqlite_db.factory() as session:
        sites = build_demo(session, catalog, now)
        session.commit()
        people = list(session.scalars(select(Person)))
        # invented addresses only: example.org, and the demo's own accounts
        assert people and all(p.email.endswith(("@example.org", "@demo.setupflow.test")) for p in people)
        statuses = dict(session.execute(select(Meeting.status, func.count()).group_by(Meeting.status)).all())
        assert statuses["minutes_approved"] and statuses["held"] and statuses["scheduled"] and statuses["proposed"]
        assert session.scalar(select(func.count()).select_from(MinutesRevision)) >= len(sites)
        assert session.scalar(select(func.count()).select_from(Decision).where(Decision.meeting_id.is_not(None)))
        upcoming = session.scalars(select(Meeting).where(Meeting.site_id.is_not(None), Meeting.status == "scheduled",
                                                         Meeting.starts_dt > now))
        assert all(len(m.roles) == 4 for m in upcoming)


@pytest.mark.slow  # builds the whole demo
def test_the_demo_accounts_sit_in_their_sites_teams_and_read_their_own_reminders(sqlite_db, catalog):
    from setupflow.accounts.access import visible_sites_query
    from setupflow.accounts.demo import DEMO_SEATS
    from setupflow.accounts.operations import user_by_email
    from setupflow.reminders.personal import upcoming
    from setupflow.sites.models import Site
    from setupflow.team.models import Membership

    now = datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)
    with sqlite_db.factory() as session:
        build_demo(session, catalog, now)
        session.commit()
        for email, _category, committees, role in DEMO_SEATS:
            sites = list(session.scalars(visible_sites_query(user_by_email(session, email)).order_by(Site.id)))
            assert sites, email
            for site in sites:
                person = session.scalar(select(Person).where(Person.site_id == site.id, Person.email == email))
                assert person is not None, (email, site.name)
                seats = set(session.scalars(select(Membership.committee_id).where(Membership.person_id == person.id)))
                assert seats == set(committees) & {"technical", "partnership"}
            assert upcoming(session, email), f"{email} has no reminder of their own"
        lead = session.scalar(select(Person).where(Person.email == "lead@demo.setupflow.test"))
        coming = session.scalars(select(Meeting).where(Meeting.site_id == lead.site_id, Meeting.status == "scheduled",
                                                       Meeting.starts_dt > now)).all()
        assert coming and all(any(r.role == "invitations" and r.person_id == lead.id for r in m.roles) for m in coming)

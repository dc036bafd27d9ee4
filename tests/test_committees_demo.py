"""The demo shows committees already at work: a team file, held meetings with minutes
and decisions, and confirmed meetings ahead."""
from datetime import datetime, timezone

from sqlalchemy import func, select

from setupflow.committees.models import Meeting, MinutesRevision
from setupflow.demo import build_demo
from setupflow.sites.models import Decision
from setupflow.team.models import Person


def test_the_demo_has_people_meetings_minutes_and_decisions(sqlite_db, catalog):
    now = datetime(2027, 3, 15, 10, 0, tzinfo=timezone.utc)
    with sqlite_db.factory() as session:
        sites = build_demo(session, catalog, now)
        session.commit()
        people = list(session.scalars(select(Person)))
        assert people and all(p.email.endswith("@example.org") for p in people)
        statuses = dict(session.execute(select(Meeting.status, func.count()).group_by(Meeting.status)).all())
        assert statuses["minutes_approved"] and statuses["held"] and statuses["scheduled"] and statuses["proposed"]
        assert session.scalar(select(func.count()).select_from(MinutesRevision)) >= len(sites)
        assert session.scalar(select(func.count()).select_from(Decision).where(Decision.meeting_id.is_not(None)))
        upcoming = session.scalars(select(Meeting).where(Meeting.status == "scheduled", Meeting.starts_dt > now))
        assert all(len(m.roles) == 4 for m in upcoming)

"""A real SMTP server on loopback (aiosmtpd) and factories for teams and meetings.

The SMTP tests never skip: aiosmtpd is in the ``test`` extra, so a missing one fails.
"""
from __future__ import annotations

import pytest
from aiosmtpd.controller import Controller

from setupflow.clock import parse_instant

from mailtools import Collector, free_port


@pytest.fixture
def smtp():
    """An SMTP server on 127.0.0.1 collecting messages: ``smtp.messages``, ``smtp.port``."""
    collector = Collector()
    controller = Controller(collector, hostname="127.0.0.1", port=free_port())
    controller.start()
    collector.port = controller.port
    collector.controller = controller
    yield collector
    controller.stop()


@pytest.fixture
def db(sqlite_db):
    """Reminder rules are not about the backend: SQLite (the PostgreSQL race has its own test)."""
    return sqlite_db


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def any_db(request):
    """SQLite and PostgreSQL, for the tests whose subject is the backend too (crashes, retries)."""
    return request.getfixturevalue(f"{request.param}_db")


@pytest.fixture
def mail_settings(sqlite_db, smtp):
    return sqlite_db.settings(smtp_host="127.0.0.1", smtp_port=smtp.port,
                              mail_sender="setupflow <rappels@setupflow.test>", base_url="https://setupflow.test")


@pytest.fixture
def paris():
    return parse_instant


def first_committee(site):
    from setupflow.sites.runtime import workflow_of

    return workflow_of(site).committees[0].id


@pytest.fixture
def team(session, now):
    """Factory: a fictional person in a site's team, in an organisation of a category, on the
    committees given (by default the first committee of the site's definition: the board of
    tests/definitions/committees.yaml, the technical committee of the shipped method)."""
    from setupflow.team.models import Membership, Organisation, Person

    organisations = {}

    def person(site, name, email, category="ep", language="fr", committees=None):
        key = (site.id, category)
        if key not in organisations:
            organisations[key] = Organisation(site_id=site.id, name=f"{category.upper()} fictif", category=category,
                                              created_dt=now)
            session.add(organisations[key])
            session.flush()
        p = Person(site_id=site.id, organisation_id=organisations[key].id, name=name, email=email,
                   language=language, created_dt=now)
        session.add(p)
        session.flush()
        for committee in (first_committee(site),) if committees is None else committees:
            session.add(Membership(person_id=p.id, committee_id=committee, start_on=site.start_on))
        session.commit()
        return p

    return person


@pytest.fixture
def meeting(session, now):
    """Factory: a scheduled meeting of a committee (by default the first of the site's
    definition) at a local (Paris) time, with roles."""
    from setupflow.committees.models import Meeting, MeetingRole

    def make(site, starts: str, committee=None, status="scheduled", roles=None, **kw):
        m = Meeting(site_id=site.id, committee_id=committee or first_committee(site), status=status, starts_dt=parse_instant(starts),
                    duration_minutes=120, created_dt=now, updated_dt=now, **kw)
        session.add(m)
        session.flush()
        for role, person in (roles or {}).items():
            session.add(MeetingRole(meeting_id=m.id, role=role, person_id=person.id))
        session.commit()
        return m

    return make



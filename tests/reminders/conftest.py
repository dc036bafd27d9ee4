"""A real SMTP server on loopback (aiosmtpd) and factories for teams and meetings.

The SMTP tests never skip: aiosmtpd is in the ``test`` extra, so a missing one fails.
"""
from __future__ import annotations

import asyncio
import email
import email.policy
import socket
import threading
from datetime import datetime, timedelta, timezone

import pytest
from aiosmtpd.controller import Controller

from setupflow.clock import parse_instant


class Collector:
    """Keeps every message it receives; ``delay`` slows each one down."""

    def __init__(self, delay: float = 0.0):
        self.delay = delay
        self.messages: list = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            await asyncio.sleep(self.delay)
        msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            self.messages.append(msg)
        return "250 OK"

    def message_ids(self) -> list[str]:
        with self.lock:
            return [m["Message-ID"] for m in self.messages]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


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


def smtp_env(db, smtp_port: int | None) -> dict:
    env = {**db.env(), "SETUPFLOW_MAIL_SENDER": "setupflow <rappels@setupflow.test>",
           "SETUPFLOW_BASE_URL": "https://setupflow.test"}
    if smtp_port is not None:
        env.update({"SETUPFLOW_SMTP_HOST": "127.0.0.1", "SETUPFLOW_SMTP_PORT": str(smtp_port)})
    return env


@pytest.fixture
def db(sqlite_db):
    """Reminder rules are not about the backend: SQLite (the PostgreSQL race has its own test)."""
    return sqlite_db


@pytest.fixture
def mail_settings(sqlite_db, smtp):
    return sqlite_db.settings(smtp_host="127.0.0.1", smtp_port=smtp.port,
                              mail_sender="setupflow <rappels@setupflow.test>", base_url="https://setupflow.test")


@pytest.fixture
def paris():
    return parse_instant


@pytest.fixture
def team(session, now):
    """Factory: a fictional person in a site's team, in an organisation of a category."""
    from setupflow.team.models import Membership, Organisation, Person

    organisations = {}

    def person(site, name, email, category="ep", language="fr", committees=("technical",)):
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
        for committee in committees:
            session.add(Membership(person_id=p.id, committee_id=committee, start_on=site.start_on))
        session.commit()
        return p

    return person


@pytest.fixture
def meeting(session, now):
    """Factory: a scheduled meeting of a committee at a local (Paris) time, with roles."""
    from setupflow.committees.models import Meeting, MeetingRole

    def make(site, starts: str, committee="technical", status="scheduled", roles=None, **kw):
        m = Meeting(site_id=site.id, committee_id=committee, status=status, starts_dt=parse_instant(starts),
                    duration_minutes=120, created_dt=now, updated_dt=now, **kw)
        session.add(m)
        session.flush()
        for role, person in (roles or {}).items():
            session.add(MeetingRole(meeting_id=m.id, role=role, person_id=person.id))
        session.commit()
        return m

    return make


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


__all__ = ["Collector", "free_port", "smtp_env", "utc", "timedelta"]

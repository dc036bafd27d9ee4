"""A feed's written parts are kept in the database under their version: a new server
process (its memory empty), or the next day, serves a person's feed from them instead of
writing every site again; a site that changed is written again, alone. SQLite and
PostgreSQL. On tests/definitions/committees.yaml (a meeting of its board on each site)."""
from __future__ import annotations

from contextlib import contextmanager
from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import event, func, select

from setupflow.committees import operations as committees
from setupflow.reminders import feed_cache
from setupflow.reminders.feeds import create_feed
from setupflow.reminders.models import FeedPart
from web.feeds import feeds_blueprint


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db(request):
    return request.getfixturevalue(f"{request.param}_db")


@contextmanager
def tables_read(engine):
    """The SQL statements run inside the block."""
    seen: list[str] = []

    def before(_conn, _cursor, statement, *_):
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", before)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", before)


@pytest.fixture
def feed(db, session, make_site, team, meeting, manager, now):
    """Ana (EP) in the teams of two sites, each with a meeting, and a client of the feed route."""
    sites = []
    for name, place in (("Atelier fictif A", "Salle A"), ("Atelier fictif B", "Salle B")):
        site = make_site(name=name, workflow="committees")
        team(site, "Ana Fictive", "ana@ep.test", "ep")
        sites.append((site, meeting(site, "2027-03-10T14:00", place=place)))
    token = create_feed(session, now, email="ana@ep.test")
    session.commit()
    app = Flask(__name__)
    app.register_blueprint(feeds_blueprint(db.factory))
    return {"client": app.test_client(), "url": f"/feeds/{token}.ics", "sites": sites}


def test_a_new_process_serves_the_feed_from_the_parts_kept_in_the_database(feed, db, session):
    feed_cache.clear()
    first = feed["client"].get(feed["url"])
    assert first.status_code == 200 and b"Salle A" in first.data and b"Salle B" in first.data
    assert session.scalar(select(func.count()).select_from(FeedPart)) == 2
    feed_cache.clear()  # what a new server process, or one restarted overnight, holds
    with tables_read(db.engine) as statements:
        again = feed["client"].get(feed["url"])
    assert again.status_code == 200 and again.data == first.data
    # the feed's version (token, sites, decisions, meetings in the window: five statements),
    # then the kept parts: no meeting or agenda read to write a text, nothing written
    assert len(statements) == 6 and "FROM feed_parts" in statements[-1], statements
    assert not any("agenda_items" in s or s.split()[0].upper() in ("INSERT", "UPDATE") for s in statements)


def test_a_site_that_changed_is_written_again_alone_and_its_kept_part_replaced(feed, db, session, manager, now):
    feed_cache.clear()
    feed["client"].get(feed["url"])
    (_, changed), _ = feed["sites"]
    committees.update_place(session, changed, manager, now + timedelta(minutes=1), place="Salle C")
    session.commit()
    feed_cache.clear()
    with tables_read(db.engine) as statements:
        response = feed["client"].get(feed["url"])
    assert b"Salle C" in response.data and b"Salle B" in response.data and b"Salle A" not in response.data
    assert [s.split()[0].upper() for s in statements].count("INSERT") == 1
    session.expire_all()
    bodies = {p.site_id: p.body for p in session.scalars(select(FeedPart))}
    assert "Salle C" in bodies[changed.site_id] and len(bodies) == 2
    feed_cache.clear()
    assert feed["client"].get(feed["url"]).data == response.data


def _parts(session):
    session.expire_all()
    return {(p.site_id, p.lang): (p.version, p.written_dt) for p in session.scalars(select(FeedPart))}


def test_after_the_workers_pass_a_new_process_writes_no_part_of_a_live_feed(feed, db, session, team, now):
    from setupflow.reminders.worker import Worker

    (site_a, _), (site_b, _) = feed["sites"]
    team(site_a, "Bob Fictif", "bob@spip.test", "spip", language="en")
    create_feed(session, now, email="bob@spip.test")
    revoked = create_feed(session, now, email="ana@ep.test")
    from setupflow.reminders.feeds import revoke_feed

    revoke_feed(session, revoked, now)
    session.commit()
    assert _parts(session) == {}
    with Worker(db.settings()) as worker:
        result = worker.plan(now)
    # Ana's two sites in French, Bob's site in English: written ahead of time, each once
    assert result.feed_parts == 3 and set(_parts(session)) == {(site_a.id, "fr"), (site_b.id, "fr"), (site_a.id, "en")}
    kept = _parts(session)
    feed_cache.clear()  # a new server process
    with tables_read(db.engine) as statements:
        response = feed["client"].get(feed["url"])
    assert response.status_code == 200 and b"Salle A" in response.data and b"Salle B" in response.data
    # its version, then the kept parts: no meeting read to write a text, no part written
    assert len(statements) == 6 and "FROM feed_parts" in statements[-1], statements
    assert not any("agenda_items" in s or s.split()[0].upper() in ("INSERT", "UPDATE") for s in statements)
    assert _parts(session) == kept
    with Worker(db.settings()) as worker:  # nothing stale: the next pass writes nothing
        assert worker.plan(now).feed_parts == 0


def test_the_worker_writes_again_the_part_of_a_site_that_changed_and_only_it(feed, db, session, manager, now):
    from setupflow.reminders.worker import Worker

    with Worker(db.settings()) as worker:
        assert worker.plan(now).feed_parts == 2
    before = _parts(session)
    (_, changed), (other, _) = feed["sites"]
    committees.update_place(session, changed, manager, now + timedelta(minutes=1), place="Salle C")
    session.commit()
    with Worker(db.settings()) as worker:
        assert worker.plan(now + timedelta(minutes=20)).feed_parts == 1
    after = _parts(session)
    assert after[(other.id, "fr")] == before[(other.id, "fr")]
    assert after[(changed.site_id, "fr")][0] != before[(changed.site_id, "fr")][0]
    feed_cache.clear()
    with tables_read(db.engine) as statements:
        response = feed["client"].get(feed["url"])
    assert b"Salle C" in response.data and not any(s.split()[0].upper() == "INSERT" for s in statements)

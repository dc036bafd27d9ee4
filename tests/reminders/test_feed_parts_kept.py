"""A feed's written parts are kept in the database under their version: a new server
process (its memory empty), or the next day, serves a person's feed from them instead of
writing every site again; a site that changed is written again, alone. SQLite and
PostgreSQL."""
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
        site = make_site(name=name)
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

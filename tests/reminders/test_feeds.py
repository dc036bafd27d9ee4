"""Calendar feeds: a person's feed covers every site they are in, a site's feed one site;
both parse as iCalendar, and a revoked token is gone. The feed is written from rows and
shared intermediate results, so these tests run on SQLite and PostgreSQL alike. On
tests/definitions/work.yaml: its board and council meet, its agreement signature is a
deadline one to two months before the opening that its signature circuit settles."""
from __future__ import annotations

import icalendar
import pytest
from sqlalchemy import select

from setupflow.errors import NotFound
from setupflow.reminders.feeds import create_feed, feed_for_token, revoke_feed, token_hash
from setupflow.reminders.models import FeedToken
from tests.refused import refused


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db(request):
    """Both backends (the reminders folder defaults to SQLite): the feed's queries order
    and group rows, which each backend must do alike."""
    return request.getfixturevalue(f"{request.param}_db")


def events(data: bytes):
    return icalendar.Calendar.from_ical(data).walk("VEVENT")


def test_a_person_feed_has_the_meetings_and_deadlines_of_every_site_they_are_in(
        session, make_site, team, meeting, walk, now):
    first = make_site(name="Atelier fictif A", workflow="work")
    second = make_site(name="Atelier fictif B", workflow="work", start="2027-01-04", opening="2029-01-01")
    other = make_site(name="Atelier fictif C", workflow="work")
    team(first, "Ana Fictive", "Ana@EP.test", "ep")
    team(second, "Ana Fictive", "ana@ep.test", "ep")
    m1 = meeting(first, "2027-03-10T14:00")
    m2 = meeting(second, "2027-04-14T10:00", committee="council")
    meeting(other, "2027-03-11T14:00")
    meeting(first, "2027-05-10T14:00", status="proposed")
    walk(second, "prepare", values={"form": "small", "partner": "Association fictive"})
    token = create_feed(session, now, email="ana@ep.test")
    session.commit()
    found = events(feed_for_token(session, token, now))
    uids = {str(e["UID"]) for e in found}
    # and the board meeting held on the second site to choose its form and its partner
    assert {m1.uid, m2.uid} <= uids and len([u for u in uids if not u.startswith("deadline")]) == 3
    signature = next(e for e in found if str(e["UID"]) == f"deadline-{second.id}-signature@setupflow")
    assert str(signature["SUMMARY"]).startswith("Signature de la convention")
    meeting_event = next(e for e in found if str(e["UID"]) == m1.uid)
    assert "Atelier fictif A" in str(meeting_event["SUMMARY"])


def test_a_site_feed_and_its_revocation(session, make_site, meeting, now):
    site = make_site(workflow="work")
    m = meeting(site, "2027-03-10T14:00")
    token = create_feed(session, now, site=site)
    session.commit()
    assert len(token) >= 43
    stored = session.scalar(select(FeedToken))
    assert stored.token_hash == token_hash(token) and token not in (stored.token_hash, stored.email or "")
    assert [str(e["UID"]) for e in events(feed_for_token(session, token, now)) if "deadline" not in str(e["UID"])] \
        == [m.uid]
    revoke_feed(session, token, now)
    session.commit()
    with pytest.raises(NotFound):
        feed_for_token(session, token, now)
    with pytest.raises(NotFound):
        feed_for_token(session, "not-a-token", now)


def test_a_cancelled_meeting_stays_in_the_feed_as_cancelled(session, make_site, meeting, now):
    site = make_site(workflow="work")
    m = meeting(site, "2027-03-10T14:00", status="cancelled", sequence=1)
    token = create_feed(session, now, site=site)
    event = next(e for e in events(feed_for_token(session, token, now)) if str(e["UID"]) == m.uid)
    assert str(event["STATUS"]) == "CANCELLED" and int(event["SEQUENCE"]) == 1


def test_a_feed_needs_a_known_person_or_a_site(session, now):
    with refused("feed.nobody_with_email", field="person", error=NotFound):
        create_feed(session, now, email="nobody@example.test")
    with refused("feed.person_or_site", field="feed"):
        create_feed(session, now)


def test_the_feed_route_serves_ics_and_404_once_revoked(db, session, make_site, meeting, now):
    from flask import Flask

    from web.feeds import feeds_blueprint

    site = make_site(workflow="work")
    meeting(site, "2027-03-10T14:00")
    token = create_feed(session, now, site=site)
    session.commit()
    app = Flask(__name__)
    app.register_blueprint(feeds_blueprint(db.factory))
    client = app.test_client()
    response = client.get(f"/feeds/{token}.ics")
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    assert events(response.data)
    revoke_feed(session, token, now)
    session.commit()
    assert client.get(f"/feeds/{token}.ics").status_code == 404


def test_a_feed_leaves_out_meetings_older_than_twelve_months(session, make_site, meeting, now):
    site = make_site(workflow="work")
    old = meeting(site, "2025-12-20T14:00", status="held")
    recent = meeting(site, "2026-02-10T14:00", status="held")
    token = create_feed(session, now, site=site)
    uids = {str(e["UID"]) for e in events(feed_for_token(session, token, now))}
    assert recent.uid in uids and old.uid not in uids


def test_feed_text_is_folded_escaped_and_reads_back_the_same(session, make_site, meeting, now):
    from setupflow.committees.models import AgendaItem

    site = make_site(name="Atelier fictif; très, très long \\ nom d'établissement pénitentiaire à rallonge",
                     workflow="work")
    m = meeting(site, "2027-03-10T14:00", place="Salle B, bâtiment 2; étage 1", video_url="https://visio.test/x")
    session.add_all([AgendaItem(meeting_id=m.id, position=1, title="Budget; convention, annexes"),
                     AgendaItem(meeting_id=m.id, position=2, title="é" * 90)])
    token = create_feed(session, now, site=site)
    session.commit()
    data = feed_for_token(session, token, now)
    lines = data.split(b"\r\n")
    assert lines[-1] == b"" and all(len(line) <= 75 and b"\n" not in line for line in lines)
    for line in lines:
        line.decode()  # folding never splits a UTF-8 character
    event = next(e for e in events(data) if str(e["UID"]) == m.uid)
    assert str(event["SUMMARY"]).endswith(site.name)
    assert str(event["LOCATION"]) == "Salle B, bâtiment 2; étage 1, https://visio.test/x"
    assert str(event["DESCRIPTION"]) == "1. Budget; convention, annexes\n2. " + "é" * 90
    assert event.decoded("DTSTART") == m.starts_dt and int(event["SEQUENCE"]) == m.sequence
    assert event.decoded("DTSTAMP") == now


def test_a_meeting_moved_after_the_last_fetch_shows_at_its_new_time_in_the_next_one(
        session, make_site, meeting, manager, now):
    from setupflow.clock import parse_instant
    from setupflow.committees import operations as committees

    site = make_site(workflow="work")
    m = meeting(site, "2027-03-10T14:00")
    token = create_feed(session, now, site=site)
    session.commit()
    before = next(e for e in events(feed_for_token(session, token, now)) if str(e["UID"]) == m.uid)
    committees.move(session, m, "2027-03-17T10:00", manager, now)
    session.commit()
    after = next(e for e in events(feed_for_token(session, token, now)) if str(e["UID"]) == m.uid)
    assert before.decoded("DTSTART") == parse_instant("2027-03-10T14:00")
    assert after.decoded("DTSTART") == parse_instant("2027-03-17T10:00")
    assert int(after["SEQUENCE"]) == int(before["SEQUENCE"]) + 1


def test_two_meetings_of_a_site_at_the_same_time_each_keep_their_own_agenda_in_order(
        session, make_site, meeting, manager, now):
    from setupflow.committees import operations as committees

    site = make_site(workflow="work")
    board = meeting(site, "2027-03-10T14:00", committee="board")
    council = meeting(site, "2027-03-10T14:00", committee="council")
    committees.set_agenda(session, board, ["Diagnostic", "Budget"], manager, now)
    committees.set_agenda(session, council, ["Convention", "Calendrier", "Questions diverses"], manager, now)
    committees.set_agenda(session, board, ["Budget", "Diagnostic", "Recrutement"], manager, now)  # reordered
    token = create_feed(session, now, site=site)
    session.commit()
    found = {str(e["UID"]): str(e["DESCRIPTION"]) for e in events(feed_for_token(session, token, now))
             if "DESCRIPTION" in e}
    assert found[board.uid] == "1. Budget\n2. Diagnostic\n3. Recrutement"
    assert found[council.uid] == "1. Convention\n2. Calendrier\n3. Questions diverses"


def test_sites_with_the_same_target_opening_each_get_the_deadlines_their_own_decisions_leave_open(
        session, make_site, team, walk, manager, now):
    from setupflow.demo_work import decide

    signed = make_site(name="Atelier fictif A", workflow="work", opening="2029-01-01")
    pending = make_site(name="Atelier fictif B", workflow="work", opening="2029-01-01")
    for site in (signed, pending):
        team(site, "Ana Fictive", "ana@ep.test", "ep")
    walk(signed, "prepare", values={"form": "small", "partner": "Association fictive"})
    decide(session, signed, "signed", "", manager, now)  # the circuit's signatures, the last one settles it
    token = create_feed(session, now, email="ana@ep.test")
    session.commit()
    uids = {str(e["UID"]) for e in events(feed_for_token(session, token, now))}
    assert f"deadline-{pending.id}-signature@setupflow" in uids
    assert f"deadline-{signed.id}-signature@setupflow" not in uids


def test_each_site_of_a_person_feed_is_in_the_language_of_their_entry_in_its_team(session, make_site, team, meeting,
                                                                                   now):
    french = make_site(name="Atelier fictif A", workflow="work")
    english = make_site(name="Atelier fictif B", workflow="work")
    team(french, "Ana Fictive", "ana@ep.test", "ep", language="fr")
    team(english, "Ana Fictive", "ana@ep.test", "ep", language="en")
    m_fr, m_en = meeting(french, "2027-03-10T14:00"), meeting(english, "2027-03-10T14:00")
    token = create_feed(session, now, email="ana@ep.test")
    session.commit()
    summaries = {str(e["UID"]): str(e["SUMMARY"]) for e in events(feed_for_token(session, token, now))}
    assert summaries[m_fr.uid] != summaries[m_en.uid].replace("Atelier fictif B", "Atelier fictif A")
    assert summaries[f"deadline-{english.id}-signature@setupflow"].startswith("Agreement signature")
    assert summaries[f"deadline-{french.id}-signature@setupflow"].startswith("Signature de la convention")

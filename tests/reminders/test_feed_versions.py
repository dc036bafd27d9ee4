"""A calendar app polls a feed with the ETag of its last copy and gets "304 Not Modified"
while nothing changed; every change to what the feed shows makes the very next fetch a
full one that shows it. One test per kind of change, on SQLite and PostgreSQL. On
tests/definitions/work.yaml: its board's meetings, its answers deadline (one to two months
after the call's publication) and its agreement signature (one to two months before the
opening)."""
from __future__ import annotations

from datetime import timedelta

import icalendar
import pytest
from flask import Flask

from setupflow.clock import parse_instant
from setupflow.committees import operations as committees
from setupflow.committees.proposals import change_target_opening
from setupflow.reminders.feeds import create_feed, feed_for_token, open_feed
from setupflow.team import operations as team_ops
from setupflow.team.handover import person_leaves
from web.feeds import feeds_blueprint


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db(request):
    return request.getfixturevalue(f"{request.param}_db")


class Calendar:
    """A calendar app subscribed to one feed: it keeps the last copy and its ETag."""

    def __init__(self, client, token):
        self.client, self.url, self.etag, self.events = client, f"/feeds/{token}.ics", None, None

    def poll(self) -> int:
        headers = {"If-None-Match": self.etag} if self.etag else {}
        response = self.client.get(self.url, headers=headers)
        assert response.headers["ETag"].startswith('W/"')
        if response.status_code == 200:
            self.etag = response.headers["ETag"]
            self.events = {str(e["UID"]): e for e in icalendar.Calendar.from_ical(response.data).walk("VEVENT")}
        else:
            assert response.status_code == 304 and response.data == b""
            assert response.headers["ETag"] == self.etag
        return response.status_code


@pytest.fixture
def setting(db, session, make_site, team, meeting, manager, now):
    """Ana (EP) in the team of one site with a meeting on its agenda, and her calendar app
    holding a first copy of her feed."""
    site = make_site(name="Atelier fictif A", workflow="work")
    ana = team(site, "Ana Fictive", "ana@ep.test", "ep")
    m = meeting(site, "2027-03-10T14:00", place="Salle A")
    committees.set_agenda(session, m, ["Diagnostic", "Budget"], manager, now)
    token = create_feed(session, now, email="ana@ep.test")
    session.commit()
    app = Flask(__name__)
    app.register_blueprint(feeds_blueprint(db.factory))
    calendar = Calendar(app.test_client(), token)
    assert calendar.poll() == 200 and calendar.poll() == 304  # nothing changed: not modified
    return {"site": site, "ana": ana, "meeting": m, "calendar": calendar, "token": token}


def test_nothing_changed_not_modified_and_nothing_written(setting, db):
    from sqlalchemy import event

    writes = []
    event.listen(db.engine, "before_cursor_execute",
                 lambda conn, cursor, statement, *a: writes.append(statement)
                 if statement.split()[0].upper() in ("INSERT", "UPDATE", "DELETE") else None)
    assert setting["calendar"].poll() == 304 and setting["calendar"].poll() == 304
    assert writes == []


def test_a_meeting_scheduled_after_the_last_fetch_is_in_the_next_one(setting, session, manager, now):
    new = committees.schedule(session, setting["site"], "board", "2027-03-17T10:00", manager, now)
    session.commit()
    assert setting["calendar"].poll() == 200 and new.uid in setting["calendar"].events


def test_a_meeting_moved_after_the_last_fetch_shows_at_its_new_time_in_the_next_one(setting, session, manager, now):
    committees.move(session, setting["meeting"], "2027-03-17T10:00", manager, now)
    session.commit()
    assert setting["calendar"].poll() == 200
    assert setting["calendar"].events[setting["meeting"].uid].decoded("DTSTART") == parse_instant("2027-03-17T10:00")


def test_a_meeting_cancelled_after_the_last_fetch_shows_cancelled_in_the_next_one(setting, session, manager, now):
    committees.cancel(session, setting["meeting"], manager, now, reason="Grève")
    session.commit()
    assert setting["calendar"].poll() == 200
    assert str(setting["calendar"].events[setting["meeting"].uid]["STATUS"]) == "CANCELLED"


def test_an_agenda_reordered_after_the_last_fetch_shows_in_the_next_one(setting, session, manager, now):
    # as many items as before: the rows may even get the same ids back
    committees.set_agenda(session, setting["meeting"], ["Budget", "Diagnostic"], manager, now)
    session.commit()
    assert setting["calendar"].poll() == 200
    assert str(setting["calendar"].events[setting["meeting"].uid]["DESCRIPTION"]) == "1. Budget\n2. Diagnostic"


def test_a_new_place_and_video_link_show_in_the_next_fetch(setting, session, manager, now):
    committees.update_place(session, setting["meeting"], manager, now, place="Salle B", video_url="https://visio.test/b")
    session.commit()
    assert setting["calendar"].poll() == 200
    assert str(setting["calendar"].events[setting["meeting"].uid]["LOCATION"]) == "Salle B, https://visio.test/b"


def test_publishing_the_call_moves_its_deadline_to_its_closing_date_in_the_next_fetch(setting, session, walk, manager, now):
    from setupflow.calls import operations as calls

    site = setting["site"]
    uid = f"deadline-{site.id}-answers@setupflow"
    estimated = setting["calendar"].events[uid].decoded("DTSTART")
    walk(site, "seek", values={"form": "small"})
    call = calls.create_call(session, site, None, actor=manager, now=now)
    calls.edit_call(session, site, call, actor=manager, now=now, body="Texte de l'appel", needs="Besoins relevés")
    calls.publish_call(session, site, call, published_on="2027-09-01", closes_on="2027-11-15", actor=manager, now=now)
    session.commit()
    assert setting["calendar"].poll() == 200
    moved = setting["calendar"].events[uid]
    assert moved.decoded("DTSTART") != estimated and moved.decoded("DTSTART").isoformat() == "2027-11-15"  # the call's closing date


def test_a_new_target_opening_moves_the_deadlines_in_the_next_fetch(setting, session, manager, now):
    uid = f"deadline-{setting['site'].id}-signature@setupflow"
    assert setting["calendar"].events[uid].decoded("DTSTART").isoformat() == "2028-11-01"
    change_target_opening(session, setting["site"], "2029-06-01", manager, now)
    session.commit()
    assert setting["calendar"].poll() == 200
    assert setting["calendar"].events[uid].decoded("DTSTART").isoformat() == "2029-04-01"


def test_a_site_that_opened_has_no_deadlines_left_in_the_next_fetch(setting, session, walk):
    walk(setting["site"], "open", values={"form": "small", "partner": "Association fictive", "signed": "2027-01-04",
                                          "opens_on": "2027-01-04"})
    assert setting["calendar"].poll() == 200
    assert not [uid for uid in setting["calendar"].events if uid.startswith("deadline-")]
    assert setting["meeting"].uid in setting["calendar"].events


def test_a_new_language_shows_in_the_next_fetch(setting, session, manager, now):
    team_ops.update_person(session, setting["site"], setting["ana"], manager, now, language="en")
    session.commit()
    assert setting["calendar"].poll() == 200
    assert str(setting["calendar"].events[f"deadline-{setting['site'].id}-signature@setupflow"]["SUMMARY"]) \
        .startswith("Agreement signature")


def test_a_person_who_left_the_team_has_an_empty_feed_at_the_next_fetch(setting, session, team, manager, now):
    successor = team(setting["site"], "Bea Fictive", "bea@ep.test", "ep")
    person_leaves(session, setting["site"], setting["ana"], successor, manager, now)
    session.commit()
    assert setting["calendar"].poll() == 200 and setting["calendar"].events == {}


def test_a_site_whose_team_she_joins_is_in_the_next_fetch(setting, session, make_site, team, meeting):
    second = make_site(name="Atelier fictif B", workflow="work")
    m = meeting(second, "2027-04-14T10:00")
    team(second, "Ana Fictive", "ana@ep.test", "ep")
    assert setting["calendar"].poll() == 200 and m.uid in setting["calendar"].events


def test_a_meeting_that_leaves_the_twelve_month_window_changes_the_version(setting, session, now):
    starts = setting["meeting"].starts_dt
    just_before = open_feed(session, setting["token"], starts + timedelta(days=365)).version
    just_after = open_feed(session, setting["token"], starts + timedelta(days=365, seconds=1)).version
    assert just_before == open_feed(session, setting["token"], starts + timedelta(days=300)).version
    assert just_after != just_before


def test_an_app_that_sends_no_etag_gets_the_same_feed_from_the_kept_parts_reading_only_the_version(
        setting, db):
    from sqlalchemy import event

    first = setting["calendar"].client.get(f"/feeds/{setting['token']}.ics")
    statements = []
    event.listen(db.engine, "before_cursor_execute", lambda conn, cursor, statement, *a: statements.append(statement))
    again = setting["calendar"].client.get(f"/feeds/{setting['token']}.ics")
    assert again.status_code == 200 and again.data == first.data
    assert len(statements) == 5 and not any("agenda_items" in s for s in statements)


def test_when_one_site_changed_only_its_part_is_written_again(setting, session, make_site, team, meeting, manager,
                                                              now):
    second = make_site(name="Atelier fictif B", workflow="work")
    other = meeting(second, "2027-04-14T10:00")
    team(second, "Ana Fictive", "ana@ep.test", "ep")
    first = {str(e["UID"]): e for e in icalendar.Calendar.from_ical(
        feed_for_token(session, setting["token"], now)).walk("VEVENT")}
    committees.move(session, setting["meeting"], "2027-03-17T10:00", manager, now)
    session.commit()
    later = now + timedelta(hours=1)
    found = {str(e["UID"]): e for e in icalendar.Calendar.from_ical(
        feed_for_token(session, setting["token"], later)).walk("VEVENT")}
    assert found[setting["meeting"].uid].decoded("DTSTART") == parse_instant("2027-03-17T10:00")
    assert found[setting["meeting"].uid].decoded("DTSTAMP") == later  # written again
    assert found[other.uid].decoded("DTSTAMP") == now  # kept as written at the first fetch
    assert found[other.uid].to_ical() == first[other.uid].to_ical()


def test_a_meeting_that_left_the_window_is_gone_from_the_next_fetch_even_with_parts_kept(setting, session):
    uid, starts = setting["meeting"].uid, setting["meeting"].starts_dt
    assert uid in feed_for_token(session, setting["token"], starts + timedelta(days=365)).decode()
    assert uid not in feed_for_token(session, setting["token"], starts + timedelta(days=365, seconds=1)).decode()


def test_an_erased_account_named_in_an_agenda_leaves_the_next_fetch(setting, session, manager, now):
    """Erasure of an account that has no team-file row on the site: the scrubbed agenda is a
    change of the site like any other, and the calendar app's copy is replaced."""
    from setupflow.accounts.operations import create_user
    from setupflow.personal_data import erase

    create_user(session, email="lou.compte@cress.test", role="cress", password="un mot de passe long",
                now=now, display_name="Lou Compte", site_ids=(setting["site"].id,))
    committees.set_agenda(session, setting["meeting"], ["Diagnostic", "Point de Lou Compte"], manager, now)
    session.commit()
    calendar = setting["calendar"]
    assert calendar.poll() == 200 and "Lou Compte" in str(calendar.events[setting["meeting"].uid]["DESCRIPTION"])
    assert calendar.poll() == 304
    erase(session, "lou.compte@cress.test", manager, now)
    session.commit()
    assert calendar.poll() == 200
    assert "Lou Compte" not in str(calendar.events[setting["meeting"].uid]["DESCRIPTION"])

"""Calendar output: everything ``setupflow.ics`` writes parses with ``icalendar`` and says
what was given (escaping, lines folded at 75 octets without splitting a character,
instants in UTC and no VTIMEZONE), and a meeting is the same event (UID, SEQUENCE, start)
in its e-mail, its downloaded invitation and the calendar feeds. Engine mechanics: a site
on tests/definitions/committees.yaml."""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone

import icalendar
from hypothesis import given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st

from setupflow import ics
from setupflow.committees import operations as meetings
from setupflow.documents.build import invitation as download
from setupflow.ics import feed_text
from setupflow.reminders.feeds import create_feed, feed_for_token
from setupflow.reminders.meeting_rules import meeting_context
from setupflow.reminders.messages import meeting_calendar

#: any text a person may type: letters of every script, emoji, and what TEXT must escape; not
#: what the input edge refuses (``inputs.text``: control characters, surrogates, the
#: non-characters U+FFFE and U+FFFF), which never reaches a calendar
texts = st.text(st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\ufffe\uffff")
                | st.sampled_from(",;:\\\"\n"), max_size=120)
names = texts.filter(lambda t: t.strip() != "")
instants = st.datetimes(datetime(2000, 1, 1), datetime(2060, 12, 31), timezones=st.just(timezone.utc)) \
    .map(lambda d: d.replace(microsecond=0))
UTC_ZERO = timedelta(0)


def rfc_text(raw: str) -> str:
    """A TEXT value unescaped as RFC 5545 3.3.11 says."""
    return re.sub(r"\\([\\;,nN])", lambda m: "\n" if m[1] in "nN" else m[1], raw)


def physical_lines(data: bytes) -> list[bytes]:
    assert data.endswith(b"\r\n")
    lines = data[:-2].split(b"\r\n")
    assert all(b"\n" not in line and b"\r" not in line for line in lines)
    return lines


def assert_well_written(data: bytes) -> icalendar.Calendar:
    for line in physical_lines(data):
        assert len(line) <= 75, line
        line.decode("utf-8")  # a fold never cuts a character in two
    cal = icalendar.Calendar.from_ical(data)
    assert cal.walk("VTIMEZONE") == []
    for event in cal.walk("VEVENT"):
        for key in ("DTSTART", "DTEND", "DTSTAMP"):
            value = event.decoded(key)
            if isinstance(value, datetime):
                assert value.utcoffset() == UTC_ZERO and "TZID" not in event[key].params
    return cal


@hyp_settings(max_examples=100, deadline=None)
@given(line=st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=400))
def test_a_folded_line_unfolds_to_itself_in_pieces_of_at_most_75_octets(line):
    folded = feed_text.fold("X:" + line).encode()
    pieces = physical_lines(folded)
    assert all(len(p) <= 75 for p in pieces) and all(p.startswith(b" ") for p in pieces[1:])
    assert b"".join([pieces[0], *(p[1:] for p in pieces[1:])]).decode() == "X:" + line


@hyp_settings(max_examples=60, deadline=None)
@given(title=names, site=names, description=texts, place=texts, video=texts, uid=names,
       sequence=st.integers(0, 500), starts=instants, minutes=st.integers(15, 600), stamp=instants,
       cancelled=st.booleans(), calname=names, label=names, day=st.dates(date(2000, 1, 1), date(2060, 1, 1)),
       days=st.integers(1, 400))
def test_the_feed_writer_writes_what_icalendar_reads_back(title, site, description, place, video, uid, sequence,
                                                          starts, minutes, stamp, cancelled, calname, label, day,
                                                          days):
    where = ics.location(place, video)
    meeting = feed_text.meeting_event(
        feed_text.fold("SUMMARY:" + feed_text.escape(f"{title} - {site}")), feed_text.utc(starts),
        feed_text.utc(starts + timedelta(minutes=minutes)), feed_text.utc(stamp), uid, sequence,
        feed_text.escape(description) or None, feed_text.escape(where) or None, cancelled)
    deadline = feed_text.all_day_event(f"deadline-{uid}", day, label, stamp=feed_text.utc(stamp), days=days)
    data = feed_text.feed(calname, [meeting.encode(), deadline.encode()])
    cal = assert_well_written(data)
    # icalendar leaves an X- property as it found it; RFC 5545 (3.8.8.2) reads it as TEXT
    assert rfc_text(cal["X-WR-CALNAME"].to_ical().decode()) == calname and "METHOD" not in cal
    first, second = cal.walk("VEVENT")
    assert str(first["SUMMARY"]) == f"{title} - {site}"
    assert str(first["UID"]) == uid and int(first["SEQUENCE"]) == sequence
    assert str(first.get("DESCRIPTION", "")) == description
    assert str(first.get("LOCATION", "")) == where
    assert first.decoded("DTSTART") == starts and first.decoded("DTEND") == starts + timedelta(minutes=minutes)
    assert first.decoded("DTSTAMP") == stamp
    assert str(first["STATUS"]) == ("CANCELLED" if cancelled else "CONFIRMED")
    assert str(second["UID"]) == f"deadline-{uid}" and str(second["SUMMARY"]) == label
    assert second.decoded("DTSTART") == day and second.decoded("DTEND") == day + timedelta(days=days)


@hyp_settings(max_examples=60, deadline=None)
@given(title=names, description=texts, place=texts, video=st.sampled_from([None, "https://visio.example.test/a"]),
       uid=names, sequence=st.integers(0, 500), starts=instants, stamp=instants, cancel=st.booleans(),
       attendee=names)
def test_an_invitation_says_what_it_was_given_in_utc(title, description, place, video, uid, sequence, starts, stamp,
                                                     cancel, attendee):
    fields = {"uid": uid, "sequence": sequence, "starts": starts.isoformat(),
              "ends": (starts + timedelta(hours=2)).isoformat(), "title": title, "place": place or None,
              "video_url": video, "description": description or None}
    data = ics.invitation(fields, method="CANCEL" if cancel else "REQUEST", stamp=stamp,
                          attendees=[ics.Attendee("ana@ep.test", attendee)], organizer="setupflow@cress.test")
    cal = assert_well_written(data)
    assert str(cal["METHOD"]) == ("CANCEL" if cancel else "REQUEST")
    [event] = cal.walk("VEVENT")
    assert str(event["UID"]) == uid and int(event["SEQUENCE"]) == sequence
    assert str(event["SUMMARY"]) == title and str(event.get("DESCRIPTION", "")) == description
    assert str(event.get("LOCATION", "")) == ics.location(place, video)
    assert event.decoded("DTSTART") == starts and event.decoded("DTSTAMP") == stamp
    assert str(event["STATUS"]) == ("CANCELLED" if cancel else "CONFIRMED")
    assert str(event["ATTENDEE"]) == "mailto:ana@ep.test" and event["ATTENDEE"].params["CN"] == ics.parameter_text(attendee)


def test_a_meeting_is_the_same_event_in_its_email_its_download_and_the_feed(db, session, make_site, manager, now):
    settings = db.settings()
    site = make_site(name="Atelier bois, métal; et \\ tout le reste", workflow="committees")
    meeting = meetings.schedule(session, site, "board", "2027-07-06T14:00", manager, now,
                                place="Salle 2, bâtiment B; rez-de-chaussée")
    meetings.move(session, meeting, "2027-07-13T14:00", manager, now)
    token = create_feed(session, now, site=site)
    session.commit()
    email, method = meeting_calendar("meeting_update", {"meeting": meeting_context(meeting, site, "fr")},
                                     to=("ana@ep.test", "Ana Fictive"), sender="Setupflow <setupflow@cress.test>",
                                     now=now)
    written = {"email": email, "download": download(session, settings, meeting, now).ics,
               "feed": feed_for_token(session, token, now)}
    events = {}
    for path, data in written.items():
        cal = assert_well_written(data)
        events[path] = next(e for e in cal.walk("VEVENT") if str(e["UID"]) == meeting.uid)
    assert method == "REQUEST"
    assert {int(e["SEQUENCE"]) for e in events.values()} == {1}
    assert {e.decoded("DTSTART") for e in events.values()} == {datetime(2027, 7, 13, 12, 0, tzinfo=timezone.utc)}
    assert {str(e["LOCATION"]) for e in events.values()} == {"Salle 2, bâtiment B; rez-de-chaussée"}
    assert {str(e["STATUS"]) for e in events.values()} == {"CONFIRMED"}

    meetings.cancel(session, meeting, manager, now)
    session.commit()
    email, method = meeting_calendar("meeting_cancel", {"meeting": meeting_context(meeting, site, "fr")},
                                     to=("ana@ep.test", "Ana Fictive"), sender="setupflow@cress.test", now=now)
    cancelled = [email, download(session, settings, meeting, now).ics, feed_for_token(session, token, now)]
    events = [next(e for e in assert_well_written(d).walk("VEVENT") if str(e["UID"]) == meeting.uid)
              for d in cancelled]
    assert {(int(e["SEQUENCE"]), str(e["STATUS"])) for e in events} == {(2, "CANCELLED")}

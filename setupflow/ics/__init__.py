"""Calendar output (iCalendar, RFC 5545): every .ics the product writes comes from here.

- ``invitation``: the one invitation builder, for a meeting e-mail (its ``text/calendar``
  part and attachment) and for the invitation downloaded from a meeting's page or the
  CLI. Built with the ``icalendar`` library: one event at a time.
- ``feed_text``: the calendar feeds, written as text (a feed holds tens of thousands of
  events; ``benchmarks`` guards its speed).

Both write the same event for a meeting: its UID for its whole life, its SEQUENCE (raised
by every move or cancellation, so calendars update the event instead of adding one), and
instants in UTC (``...Z``) everywhere, so no VTIMEZONE is needed: calendar apps show them
in their reader's zone. ``tests/test_ics.py`` parses everything written here with
``icalendar``.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Iterable, NamedTuple

from icalendar import Calendar, Event, vCalAddress, vText

from ..inputs import printable

PRODID = "-//setupflow//meetings//FR"
METHODS = ("REQUEST", "CANCEL")


class Attendee(NamedTuple):
    email: str
    name: str


def meeting_fields(meeting, title: str, description: str | None) -> dict:
    """What an invitation says of a meeting, as plain data (it is stored with a reminder
    and read back when the e-mail is sent): ``uid``, ``sequence``, ``starts`` and ``ends``
    (ISO instants), ``title``, ``place``, ``video_url``, ``timezone``, ``description``,
    ``cancelled``."""
    return {"uid": meeting.uid, "sequence": meeting.sequence, "starts": meeting.starts_dt.isoformat(),
            "ends": meeting.ends_dt.isoformat(), "title": title, "place": meeting.place,
            "video_url": meeting.video_url, "timezone": meeting.timezone, "description": description,
            "cancelled": meeting.status == "cancelled"}


def location(place: str | None, video_url: str | None) -> str:
    """Where a meeting is: its place, its video link, or both (as the feeds write it)."""
    return ", ".join(p for p in (place, video_url) if p)


def invitation(meeting: dict, *, method: str, stamp: datetime, attendees: Iterable[Attendee],
               organizer: str) -> bytes:
    """The .ics of an invitation: METHOD:REQUEST (new or moved) or METHOD:CANCEL, one
    event from ``meeting_fields``; ``organizer`` is an e-mail address."""
    if method not in METHODS:
        raise ValueError(f"method: '{method}' is not one of {', '.join(METHODS)}")
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", method)
    event = Event()
    event.add("uid", meeting["uid"])
    event.add("sequence", int(meeting["sequence"]))
    event.add("dtstamp", stamp.astimezone(timezone.utc))
    event.add("dtstart", datetime.fromisoformat(meeting["starts"]).astimezone(timezone.utc))
    event.add("dtend", datetime.fromisoformat(meeting["ends"]).astimezone(timezone.utc))
    event.add("summary", printable(meeting["title"]))
    where = location(meeting.get("place"), meeting.get("video_url"))
    if where:
        event.add("location", printable(where))
    if meeting.get("video_url"):
        event.add("url", meeting["video_url"])
    if meeting.get("description"):
        event.add("description", printable(meeting["description"]))
    event.add("status", "CANCELLED" if method == "CANCEL" else "CONFIRMED")
    who = vCalAddress(f"mailto:{organizer}")
    who.params["cn"] = vText("setupflow")
    event.add("organizer", who, encode=0)
    for email, name in attendees:
        who = vCalAddress(f"mailto:{email}")
        who.params["cn"] = vText(parameter_text(name))
        who.params["role"] = vText("REQ-PARTICIPANT")
        who.params["partstat"] = vText("NEEDS-ACTION")
        who.params["rsvp"] = vText("TRUE")
        event.add("attendee", who, encode=0)
    cal.add_component(event)
    return cal.to_ical()


def parameter_text(value) -> str:
    """A text for a property parameter (an attendee's CN): icalendar writes a backslash
    there unquoted and reads it back as an escape (``CN=\\:mailto`` loses the address), so
    a backslash becomes a slash; the rest as ``printable`` leaves it."""
    return printable(value).replace("\\", "/")

"""iCalendar: the invitation attached to a meeting e-mail, and the calendar feeds.

A meeting keeps one UID for its whole life; every move or cancellation raises its
SEQUENCE, so calendars update the event instead of adding a second one.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta

from icalendar import Calendar, Event, vCalAddress, vText

from ..inputs import printable

PRODID = "-//setupflow//reminders//FR"


def _calendar(method: str | None, name: str | None = None) -> Calendar:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    if method:
        cal.add("method", method)
    if name:
        cal.add("x-wr-calname", name)
    return cal


def meeting_event(meeting: dict, *, stamp: datetime, cancelled: bool = False,
                  attendees: list[tuple[str, str]] = (), organizer: str | None = None) -> Event:
    """An event from a meeting's context (``uid``, ``sequence``, ``starts``, ``ends`` ISO
    instants, ``title``, ``place``, ``video_url``, ``description``)."""
    event = Event()
    event.add("uid", meeting["uid"])
    event.add("sequence", int(meeting["sequence"]))
    event.add("dtstamp", stamp)
    event.add("dtstart", datetime.fromisoformat(meeting["starts"]))
    event.add("dtend", datetime.fromisoformat(meeting["ends"]))
    event.add("summary", printable(meeting["title"]))
    where = ", ".join(p for p in (meeting.get("place"), meeting.get("video_url")) if p)
    if where:
        event.add("location", printable(where))
    if meeting.get("description"):
        event.add("description", printable(meeting["description"]))
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    if organizer:
        event.add("organizer", vCalAddress(f"mailto:{organizer}"))
    for email, name in attendees:
        who = vCalAddress(f"mailto:{email}")
        who.params["cn"] = vText(printable(name))
        who.params["role"] = vText("REQ-PARTICIPANT")
        who.params["partstat"] = vText("NEEDS-ACTION")
        who.params["rsvp"] = vText("TRUE")
        event.add("attendee", who, encode=0)
    return event


def invitation(meeting: dict, *, method: str, stamp: datetime, attendee: tuple[str, str],
               organizer: str) -> bytes:
    """The .ics of an invitation e-mail: METHOD:REQUEST (new or moved) or METHOD:CANCEL."""
    cal = _calendar(method)
    cal.add_component(meeting_event(meeting, stamp=stamp, cancelled=method == "CANCEL",
                                    attendees=[attendee], organizer=organizer))
    return cal.to_ical()


def all_day_event(uid: str, day: date, summary: str, *, stamp: datetime, description: str | None = None,
                  days: int = 1) -> Event:
    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", stamp)
    event.add("dtstart", day)
    event.add("dtend", day + timedelta(days=days))
    event.add("summary", summary)
    event.add("transp", "TRANSPARENT")
    if description:
        event.add("description", description)
    return event


def feed(name: str, events: list[Event]) -> bytes:
    """A subscribable calendar (no METHOD, as RFC 5545 feeds are published)."""
    cal = _calendar(None, name)
    for event in events:
        cal.add_component(event)
    return cal.to_ical()

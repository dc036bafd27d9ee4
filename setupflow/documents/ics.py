"""A meeting as an iCalendar invitation: TZID Europe/Paris with its VTIMEZONE, a stable
UID and the meeting's SEQUENCE, so calendars update the same event when it moves."""
from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, vCalAddress, vText

from ..committees.models import Meeting
from ..inputs import printable


def meeting_calendar(meeting: Meeting, *, summary: str, description: str, organizer_email: str,
                     attendees: list[tuple[str, str]], now: datetime) -> bytes:
    """``attendees``: (name, e-mail) pairs. A cancelled meeting gives METHOD:CANCEL."""
    tz = ZoneInfo(meeting.timezone)
    cal = Calendar()
    cal.add("prodid", "-//setupflow//meetings//FR")
    cal.add("version", "2.0")
    cancelled = meeting.status == "cancelled"
    cal.add("method", "CANCEL" if cancelled else "REQUEST")
    event = Event()
    event.add("uid", meeting.uid)
    event.add("sequence", meeting.sequence)
    event.add("dtstamp", now)
    event.add("dtstart", meeting.starts_dt.astimezone(tz))
    event.add("dtend", meeting.ends_dt.astimezone(tz))
    event.add("summary", printable(summary))
    event.add("description", printable(description))
    location = meeting.place or meeting.video_url
    if location:
        event.add("location", printable(location))
    if meeting.video_url:
        event.add("url", meeting.video_url)
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    organizer = vCalAddress(f"mailto:{organizer_email}")
    organizer.params["cn"] = vText("setupflow")
    event["organizer"] = organizer
    for name, email in attendees:
        who = vCalAddress(f"mailto:{email}")
        who.params["cn"] = vText(printable(name))
        who.params["role"] = vText("REQ-PARTICIPANT")
        who.params["partstat"] = vText("NEEDS-ACTION")
        event.add("attendee", who, encode=0)
    cal.add_component(event)
    day = meeting.starts_dt.date()
    cal.add_missing_timezones(first_date=day - timedelta(days=400), last_date=day + timedelta(days=400))
    return cal.to_ical()

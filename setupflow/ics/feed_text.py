"""iCalendar text written directly, for the calendar feeds.

Building a feed with the ``icalendar`` library cost about 1 to 1.6 ms per event (a feed
of 2,000 sites holds tens of thousands); writing the few properties a feed needs as text
costs a few microseconds. RFC 5545: CRLF line endings, lines folded at 75 octets,
``\\ ; , newline`` escaped in TEXT values. Instants are written in UTC (``...Z``), as
the invitations write them, so no VTIMEZONE is needed. The invitations use ``icalendar``
(``setupflow.ics.invitation``): one event each.

Fast path: most values need no escaping and most lines no folding, so both first look
whether they have anything to do; a feed writes the lines that repeat (a site's meeting
titles, instants shared by many meetings) once and reuses them.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from ..inputs import printable
from . import PRODID


def escape(value: str) -> str:
    """A TEXT value (RFC 5545 3.3.11), without the control characters TEXT cannot hold."""
    value = printable(value)
    if not ("\\" in value or ";" in value or "," in value or "\n" in value or "\r" in value):
        return value
    return (value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n"))


def fold(line: str) -> str:
    """One content line, folded at 75 octets without splitting a UTF-8 character."""
    if len(line) <= 75 and (line.isascii() or len(line.encode()) <= 75):
        return line + "\r\n"
    if line.isascii():
        return "\r\n ".join([line[:75]] + [line[i:i + 74] for i in range(75, len(line), 74)]) + "\r\n"
    data = line.encode()
    parts, start, limit = [], 0, 75
    while len(data) - start > limit:
        end = start + limit
        while data[end] & 0xC0 == 0x80:  # inside a multi-byte character: cut before it
            end -= 1
        parts.append(data[start:end].decode())
        start, limit = end, 74  # continuation lines start with one space
    parts.append(data[start:].decode())
    return "\r\n ".join(parts) + "\r\n"


def utc(instant: datetime) -> str:
    return instant.astimezone(timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def meeting_event(summary_line: str, starts: str, ends: str, stamp: str, uid: str, sequence: int,
                  description: str | None, location: str | None, cancelled: bool) -> str:
    """A meeting's VEVENT from its parts already written: the folded SUMMARY line, the
    UTC instants, and the escaped description and location (``None`` when empty)."""
    text = (f"BEGIN:VEVENT\r\n{summary_line}DTSTART:{starts}\r\nDTEND:{ends}\r\nDTSTAMP:{stamp}\r\n"
            f"{fold('UID:' + escape(uid))}SEQUENCE:{sequence}\r\n")
    if description:
        text += fold("DESCRIPTION:" + description)
    if location:
        text += fold("LOCATION:" + location)
    return text + ("STATUS:CANCELLED\r\nEND:VEVENT\r\n" if cancelled else "STATUS:CONFIRMED\r\nEND:VEVENT\r\n")


def all_day_event(uid: str, day: date, summary: str, *, stamp: str, days: int = 1) -> str:
    lines = ["BEGIN:VEVENT", "SUMMARY:" + escape(summary), "DTSTART;VALUE=DATE:" + day.strftime("%Y%m%d"),
             "DTEND;VALUE=DATE:" + (day + timedelta(days=days)).strftime("%Y%m%d"), "DTSTAMP:" + stamp,
             "UID:" + escape(uid), "TRANSP:TRANSPARENT", "END:VEVENT"]
    return "".join(map(fold, lines))


def feed(name: str, events: list[bytes]) -> bytes:
    """A subscribable calendar (no METHOD, as RFC 5545 feeds are published) around
    encoded VEVENT texts."""
    head = "".join(map(fold, ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:" + PRODID, "CALSCALE:GREGORIAN",
                              "X-WR-CALNAME:" + escape(name)]))
    return b"".join([head.encode(), *events, b"END:VCALENDAR\r\n"])

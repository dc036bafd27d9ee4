"""Working days in France, per department: no weekends, no public holidays of the
department. The one calendar of the product: meeting proposals, the check on a meeting's
day, and reminders counted in working days (deadlines, minutes) all ask it.

The ``holidays`` package knows the days of each place: Alsace-Moselle (57, 67, 68) has
Good Friday and 26 December too; the overseas departments (971 to 976) their abolition
of slavery days; the overseas collectivities with a department-like number (975, 977,
978, 986, 987, 988) their own calendars. Any other department (or none) has the
national days.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache

import holidays
from dateutil.easter import easter

from .clock import department_zone

ALSACE_MOSELLE = ("57", "67", "68")
#: department -> subdivision of ``holidays.France``
SUBDIVISIONS = {"57": "57", "67": "6AE", "68": "6AE", "971": "971", "972": "972", "973": "973",
                "974": "974", "976": "976", "975": "PM", "977": "BL", "978": "MF", "986": "WF",
                "987": "PF", "988": "NC"}


def _department(department: str | None) -> str:
    return (department or "").strip()


@lru_cache(maxsize=512)
def days_off(department: str | None, year: int) -> frozenset[date]:
    """The public holidays of ``department`` in ``year``."""
    department = _department(department)
    subdiv = SUBDIVISIONS.get(department)
    if subdiv not in holidays.France.subdivisions:
        subdiv = None
    days = set(holidays.France(years=year, subdiv=subdiv))
    if department in ALSACE_MOSELLE:  # local law since 1892; older ``holidays`` releases forgot Good Friday
        days.update((easter(year) - timedelta(days=2), date(year, 12, 26)))
    return frozenset(days)


def is_public_holiday(day: date, department: str | None) -> bool:
    return day in days_off(department, day.year)


def is_working_day(day: date, department: str | None) -> bool:
    return day.weekday() < 5 and day not in days_off(department, day.year)


def shift_days(day: date, days: int, working: bool, department: str | None) -> date:
    """``day`` + ``days`` calendar days, or ``days`` working days of the department."""
    if not working:
        return day + timedelta(days=days)
    step = 1 if days >= 0 else -1
    left = abs(days)
    while left:
        day += timedelta(days=step)
        if is_working_day(day, department):
            left -= 1
    return day


def meeting_day(target: date, weekday: int, department: str | None) -> date:
    """The working day for a meeting aimed at ``target``: the preferred weekday of that
    week; when it is off, the nearest working day of the same week, else the next week's."""
    monday = target - timedelta(days=target.weekday())
    order = sorted(range(5), key=lambda d: (abs(d - weekday), d))
    for week in range(0, 8):
        start = monday + timedelta(weeks=week)
        for d in order:
            day = start + timedelta(days=d)
            if is_working_day(day, department):
                return day
    raise ValueError(f"no working day in the 8 weeks after {target}")


def at_local(day: date, hhmm: str, department: str | None) -> datetime:
    """A wall-clock time on ``day`` where the department lives, as an aware UTC instant."""
    hour, minute = (int(p) for p in hhmm.split(":"))
    return datetime.combine(day, time(hour, minute), department_zone(department)).astimezone(timezone.utc)

"""Working days in France: no weekends, no public holidays of the site's department.

Alsace-Moselle (departments 57, 67, 68) has two more days off: Good Friday and
26 December. Overseas departments have their own days (the ``holidays`` package knows them).
"""
from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

import holidays
from dateutil.easter import easter

ALSACE_MOSELLE = ("57", "67", "68")
#: department -> subdivision code of holidays.France
_SUBDIVISIONS = {"57": "57", "67": "6AE", "68": "6AE", "971": "971", "972": "972", "973": "973", "974": "974",
                 "976": "976"}


@lru_cache(maxsize=256)
def _days_off(department: str | None, year: int) -> frozenset[date]:
    subdiv = _SUBDIVISIONS.get((department or "").strip())
    if subdiv not in holidays.France.subdivisions:
        subdiv = None
    days = set(holidays.France(years=year, subdiv=subdiv))
    if (department or "").strip() in ALSACE_MOSELLE:
        days.add(easter(year) - timedelta(days=2))
        days.add(date(year, 12, 26))
    return frozenset(days)


def is_public_holiday(day: date, department: str | None) -> bool:
    return day in _days_off(department, day.year)


def is_working_day(day: date, department: str | None) -> bool:
    return day.weekday() < 5 and not is_public_holiday(day, department)


def meeting_day(target: date, weekday: int, department: str | None) -> date:
    """The working day for a meeting aimed at ``target``: the preferred weekday of that
    week; when it is off, the nearest working day of the same week, else the next week's."""
    monday = target - timedelta(days=target.weekday())
    for week in range(0, 8):
        start = monday + timedelta(weeks=week)
        order = sorted(range(5), key=lambda d: (abs(d - weekday), d))
        for d in order:
            day = start + timedelta(days=d)
            if is_working_day(day, department):
                return day
    raise ValueError(f"no working day in the 8 weeks after {target}")

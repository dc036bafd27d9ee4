"""The dates a committee should meet, from its cadence and a site's retro-planning.

Pure functions: no database. ``operations.propose`` stores what this returns.

- ``per_quarter``: a kick-off in the first week (a technical committee works from day
  one), then ``min`` meetings in every calendar quarter, never more than ``max`` in a
  quarter where the working meetings begin;
- ``per_year``: ``min`` meetings a year, the first ``first_after_months`` after the
  start (middle of the window), then evenly spaced;
- ``intensify_*``: in the last months before opening, one working meeting every
  ``intensify_every_weeks`` weeks instead of the quarterly ones.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from ..clock import department_zone
from ..definitions.schema import Committee
from ..planning import add_months
from ..workdays import meeting_day


@dataclass(frozen=True)
class ProposedDate:
    committee_id: str
    starts_dt: datetime  # aware UTC
    duration_minutes: int
    is_working_meeting: bool = False
    #: the day it falls on where the site lives
    local_day: date | None = None


def _quarter_start(day: date) -> date:
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def _targets_per_quarter(count: int, start: date, until: date) -> list[date]:
    """The kick-off at the start, then ``count`` meetings in each following quarter, at the
    same point of the quarter as the start (kept two weeks away from its edges)."""
    base = min(max((start - _quarter_start(start)).days, 14), 91 - 14 - 45 * (count - 1))
    targets = [start] + [start + timedelta(days=45 * i) for i in range(1, count)
                         if start + timedelta(days=45 * i) < add_months(_quarter_start(start), 3)]
    quarter = add_months(_quarter_start(start), 3)
    while quarter < until:
        targets += [quarter + timedelta(days=base + 45 * i) for i in range(count)]
        quarter = add_months(quarter, 3)
    return [t for t in targets if t < until]


def _targets_per_year(count: int, first: date, until: date) -> list[date]:
    step = 12 // max(count, 1)
    targets, k = [], 0
    while (day := add_months(first, step * k)) < until:
        targets.append(day)
        k += 1
    return targets


def meeting_dates(committee: Committee, start: date, opening: date, department: str | None) -> list[ProposedDate]:
    """Every meeting of ``committee`` between ``start`` and ``opening`` (excluded)."""
    cadence = committee.cadence
    hour, minute = (int(x) for x in cadence.preferred_time.split(":"))
    intensify_from = opening
    if cadence.intensify_months_before_opening:
        intensify_from = max(start, add_months(opening, -cadence.intensify_months_before_opening))
    gap = timedelta(weeks=(cadence.intensify_every_weeks or 4) // 2)
    if cadence.per_quarter is not None:
        regular = _targets_per_quarter(max(cadence.per_quarter.min, 1), start, intensify_from - gap)
    else:
        window = cadence.first_after_months
        first = start if window is None else add_months(start, window.min) + (
            add_months(start, window.max) - add_months(start, window.min)) / 2
        regular = _targets_per_year(max(cadence.per_year.min, 1), first, intensify_from - gap)
    working = []
    if cadence.intensify_every_weeks and intensify_from < opening:
        day = intensify_from + timedelta(days=(cadence.preferred_weekday - intensify_from.weekday()) % 7)
        while day < opening:
            working.append(day)
            day += timedelta(weeks=cadence.intensify_every_weeks)

    out, seen = [], set()
    for targets, is_working in ((regular, False), (working, True)):
        for target in targets:
            day = meeting_day(target, cadence.preferred_weekday, department)
            if day < start or day >= opening or day in seen:
                continue
            seen.add(day)
            local = datetime.combine(day, time(hour, minute), tzinfo=department_zone(department))
            out.append(ProposedDate(committee.id, local.astimezone(timezone.utc), cadence.duration_minutes,
                                    is_working, day))
    if cadence.per_quarter is not None:
        out = _within_quarter_max(out, cadence.per_quarter.max)
    return sorted(out, key=lambda p: p.starts_dt)


def _within_quarter_max(dates: list[ProposedDate], most: int) -> list[ProposedDate]:
    """Where working meetings start, drop the quarter's regular meetings beyond ``most``."""
    by_quarter: dict[date, list[ProposedDate]] = {}
    for p in dates:
        by_quarter.setdefault(_quarter_start(p.local_day), []).append(p)
    kept = []
    for items in by_quarter.values():
        extra = len(items) - most
        for p in sorted(items, key=lambda p: p.starts_dt):
            if extra > 0 and not p.is_working_meeting and any(q.is_working_meeting for q in items):
                extra -= 1
                continue
            kept.append(p)
    return kept

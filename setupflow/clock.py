"""Time helpers. The product's clock is always passed in as ``now``; this module only
converts between UTC instants and the days people live in (Europe/Paris)."""
from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")


def local_date(now: datetime, tz: ZoneInfo = PARIS) -> date:
    return now.astimezone(tz).date()


def parse_instant(value: str, tz: ZoneInfo = PARIS) -> datetime:
    """An ISO date-time; without an offset it is read as local (Paris) time (the input
    edge's ``instant``: within the accepted years, a refusal names no field)."""
    from .inputs import instant

    return instant(value, "instant", tz)

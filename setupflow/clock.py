"""Time helpers. The product's clock is always passed in as ``now``; this module only
converts between UTC instants and the days people live in, and says which time zone
that is.

The time zone comes from here only: the installation's (``Settings.timezone``, whose
default is ``DEFAULT_TIMEZONE``, set by the web app, the CLI and the worker through
``use_timezone``), and a site's, which follows its department: the overseas departments
and collectivities keep their own clocks, every other department the installation's.
"""
from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

#: the installation's time zone unless ``SETUPFLOW_TIMEZONE`` says otherwise
DEFAULT_TIMEZONE = "Europe/Paris"

#: departments (and collectivities with a department-like number) on their own clock
DEPARTMENT_TIMEZONES = {
    "971": "America/Guadeloupe", "977": "America/Guadeloupe", "978": "America/Guadeloupe",
    "972": "America/Martinique", "973": "America/Cayenne", "974": "Indian/Reunion",
    "975": "America/Miquelon", "976": "Indian/Mayotte", "986": "Pacific/Wallis",
    "987": "Pacific/Tahiti", "988": "Pacific/Noumea",
}

_installation = {"zone": ZoneInfo(DEFAULT_TIMEZONE)}


def zone(name: str) -> ZoneInfo:
    """A time zone by its IANA name; ``ValueError`` saying which name is unknown."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"'{name}' is not a time zone (an IANA name such as {DEFAULT_TIMEZONE})") from None


def use_timezone(name: str) -> None:
    """Make ``name`` the installation's time zone (from ``Settings.timezone``)."""
    _installation["zone"] = zone(name)


def installation_zone() -> ZoneInfo:
    return _installation["zone"]


def installation_timezone() -> str:
    return installation_zone().key


def department_timezone(department: str | None) -> str:
    """The IANA name of the time zone of a department: its own overseas, else the installation's."""
    return DEPARTMENT_TIMEZONES.get((department or "").strip(), installation_timezone())


def department_zone(department: str | None) -> ZoneInfo:
    name = DEPARTMENT_TIMEZONES.get((department or "").strip())
    return zone(name) if name else installation_zone()


def local_date(now: datetime, tz: ZoneInfo | None = None) -> date:
    """The day ``now`` falls on in ``tz`` (the installation's time zone by default)."""
    return now.astimezone(tz or installation_zone()).date()


def parse_instant(value: str, tz: ZoneInfo | None = None) -> datetime:
    """An ISO date-time; without an offset it is read as local time in ``tz`` (the
    installation's by default). The input edge's ``instant``: within the accepted years;
    a refusal names no field."""
    from .inputs import instant

    return instant(value, "instant", tz)

"""One working-day calendar for the whole product: meeting proposals, the day a meeting is
scheduled on and reminders counted in working days ask the same module, per department
(Alsace-Moselle and overseas included), and a site's clock follows its department. Engine
mechanics, on tests/definitions/committees.yaml (its board and council)."""
from datetime import date, datetime, timedelta, timezone

import holidays
import pytest
from dateutil.easter import easter
from hypothesis import given, settings
from hypothesis import strategies as st

from setupflow import clock
from setupflow.committees import operations as meetings
from setupflow.committees.proposals import propose
from setupflow.errors import InputError
from setupflow.workdays import days_off, is_working_day, meeting_day, shift_days

METROPOLE = [f"{n:02d}" for n in range(1, 96) if n != 20] + ["2A", "2B"]
ALSACE_MOSELLE = ["57", "67", "68"]
OVERSEAS = ["971", "972", "973", "974", "976"]
#: each overseas department's day of the abolition of slavery (month, day)
ABOLITION = {"971": (5, 27), "972": (5, 22), "973": (6, 10), "974": (12, 20), "976": (4, 27)}

departments = st.sampled_from(METROPOLE + OVERSEAS + [None, ""])
years = st.integers(2000, 2060)
days = st.dates(date(2000, 1, 1), date(2060, 12, 31))


@settings(max_examples=150, deadline=None)
@given(department=departments, day=days)
def test_every_department_has_at_least_the_national_days_off(department, day):
    national = holidays.France(years=day.year)
    if day.weekday() >= 5 or day in national:
        assert not is_working_day(day, department)


@settings(max_examples=100, deadline=None)
@given(department=st.sampled_from(ALSACE_MOSELLE), year=years)
def test_alsace_moselle_has_good_friday_and_26_december_off(department, year):
    assert easter(year) - timedelta(days=2) in days_off(department, year)
    assert date(year, 12, 26) in days_off(department, year)


@settings(max_examples=100, deadline=None)
@given(department=st.sampled_from([d for d in METROPOLE if d not in ALSACE_MOSELLE] + [None]), year=years)
def test_elsewhere_in_metropolitan_france_good_friday_and_26_december_are_worked(department, year):
    assert easter(year) - timedelta(days=2) not in days_off(department, year)
    assert date(year, 12, 26) not in days_off(department, year)
    assert days_off(department, year) == frozenset(holidays.France(years=year))


@settings(max_examples=100, deadline=None)
@given(department=st.sampled_from(OVERSEAS), year=st.integers(2000, 2060))
def test_each_overseas_department_has_its_abolition_of_slavery_day_off(department, year):
    month, day = ABOLITION[department]
    assert date(year, month, day) in days_off(department, year)
    others = [date(year, *md) for d, md in ABOLITION.items() if md != ABOLITION[department]]
    national = holidays.France(years=year)
    assert all(o not in days_off(department, year) for o in others if o not in national)


@settings(max_examples=150, deadline=None)
@given(department=departments, day=days, n=st.integers(-30, 30))
def test_shifting_by_working_days_counts_exactly_that_many_working_days(department, day, n):
    shifted = shift_days(day, n, True, department)
    low, high = (day, shifted) if n >= 0 else (shifted, day)
    span = [low + timedelta(days=i) for i in range(1, (high - low).days + 1)] if n >= 0 else \
        [low + timedelta(days=i) for i in range(0, (high - low).days)]
    assert sum(is_working_day(d, department) for d in span) == abs(n)
    if n:
        assert is_working_day(shifted, department)
    assert shift_days(day, n, False, department) == day + timedelta(days=n)


@settings(max_examples=150, deadline=None)
@given(department=departments, target=st.dates(date(2000, 1, 1), date(2060, 10, 31)),
       weekday=st.integers(0, 4))
def test_a_meeting_day_is_a_working_day_of_the_target_week_or_after(department, target, weekday):
    day = meeting_day(target, weekday, department)
    assert is_working_day(day, department)
    monday = target - timedelta(days=target.weekday())
    assert day >= monday
    preferred = monday + timedelta(days=weekday)
    if is_working_day(preferred, department):
        assert day == preferred


def test_27_may_2027_is_a_holiday_in_guadeloupe_for_reminders_and_for_meetings(session, make_site, now, manager):
    # the two calendars used to disagree on this day: one calendar now answers both
    assert not is_working_day(date(2027, 5, 27), "971")
    assert shift_days(date(2027, 5, 26), 1, True, "971") == date(2027, 5, 28)
    assert shift_days(date(2027, 5, 26), 1, True, "35") == date(2027, 5, 27)
    site = make_site(workflow="committees", department="971")
    with pytest.raises(InputError):
        meetings.schedule(session, site, "board", "2027-05-27T10:00", manager, now)
    assert meetings.schedule(session, site, "board", "2027-05-28T10:00", manager, now).status == "scheduled"


def test_a_site_overseas_lives_on_its_own_clock(session, make_site, now, manager, catalog):
    site = make_site(workflow="committees", department="974")
    meeting = meetings.schedule(session, site, "board", "2027-03-10T14:00", manager, now)
    assert meeting.timezone == "Indian/Reunion"
    assert meeting.starts_dt == datetime(2027, 3, 10, 10, 0, tzinfo=timezone.utc)  # Réunion is UTC+4
    workflow = catalog.get("committees").workflow
    for proposal in propose(session, site, now):
        preferred = workflow.committee(proposal.committee_id).cadence.preferred_time
        assert proposal.timezone == "Indian/Reunion"
        assert proposal.starts_dt.astimezone(clock.zone("Indian/Reunion")).strftime("%H:%M") == preferred


def test_a_metropolitan_site_lives_on_the_installations_clock(session, make_site, now, manager):
    site = make_site(workflow="committees", department="35")
    meeting = meetings.schedule(session, site, "board", "2027-03-10T14:00", manager, now)
    assert meeting.timezone == clock.installation_timezone() == clock.DEFAULT_TIMEZONE
    assert meeting.starts_dt.astimezone(clock.installation_zone()).hour == 14


@pytest.mark.parametrize("department, zone", [
    ("971", "America/Guadeloupe"), ("972", "America/Martinique"), ("973", "America/Cayenne"),
    ("974", "Indian/Reunion"), ("975", "America/Miquelon"), ("976", "Indian/Mayotte"),
    ("977", "America/Guadeloupe"), ("978", "America/Guadeloupe"), ("987", "Pacific/Tahiti"),
    ("988", "Pacific/Noumea"), ("35", clock.DEFAULT_TIMEZONE), (None, clock.DEFAULT_TIMEZONE)])
def test_a_departments_time_zone(department, zone):
    assert clock.department_timezone(department) == zone
    assert clock.department_zone(department).key == zone


def test_the_installations_time_zone_is_the_setting_and_a_wrong_one_is_refused():
    try:
        clock.use_timezone("America/Cayenne")
        assert clock.department_timezone("35") == "America/Cayenne"
        assert clock.department_timezone("974") == "Indian/Reunion"
        with pytest.raises(ValueError, match="Mars/Olympus"):
            clock.use_timezone("Mars/Olympus")
    finally:
        clock.use_timezone(clock.DEFAULT_TIMEZONE)


def test_a_wrong_time_zone_setting_stops_the_cli_with_its_name(sqlite_db, monkeypatch):
    from click.testing import CliRunner

    from setupflow.cli import cli
    from setupflow.cli.common import run_cli

    for key, value in {**sqlite_db.env(), "SETUPFLOW_TIMEZONE": "Mars/Olympus"}.items():
        monkeypatch.setenv(key, value)
    runner = CliRunner()
    try:
        with runner.isolation() as (_out, err, *_):
            code = run_cli(cli, ["site", "list"])
            errors = err.getvalue().decode()
    finally:
        clock.use_timezone(clock.DEFAULT_TIMEZONE)
    assert code == 2
    assert "SETUPFLOW_TIMEZONE: 'Mars/Olympus' is not a time zone" in errors
    assert clock.installation_timezone() == clock.DEFAULT_TIMEZONE

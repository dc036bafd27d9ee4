"""Committee meetings proposed from the cadence of the method and the site's retro-planning.
The engine's mechanics on tests/definitions/committees.yaml (a board meeting once or twice a
quarter, then every four weeks in the last three months; a council twice a year, the first
two to four months in); the guide's own cadence and agenda (marked ``method``) on
workflows/cress-disp.yaml."""
from datetime import date, datetime, timedelta, timezone

import holidays
import pytest
from hypothesis import given, settings, strategies as st

from setupflow.clock import installation_zone
from setupflow.committees import operations as meetings
from setupflow.committees.cadence import meeting_dates
from setupflow.workdays import is_working_day
from setupflow.committees.proposals import change_target_opening, propose
from tests.refused import refused


@pytest.fixture
def session(sqlite_db):
    with sqlite_db.factory() as s:
        yield s


@pytest.fixture
def cress(catalog):
    return catalog.get("cress-disp").workflow


@pytest.fixture
def committees(catalog):
    return catalog.get("committees").workflow


def quarter(day):
    return day.year, (day.month - 1) // 3


def local_days(proposals, committee):
    return [m.starts_dt.astimezone(installation_zone()).date() for m in proposals if m.committee_id == committee]


def test_a_cadence_per_quarter_then_intensified_and_one_per_year_from_a_first_meeting(session, make_site, now):
    site = make_site(workflow="committees", start="2027-01-04", opening="2029-01-01", department="35")
    proposals = propose(session, site, now)
    assert proposals and all(m.status == "proposed" for m in proposals)
    board, council = local_days(proposals, "board"), local_days(proposals, "council")
    last_three_months = date(2028, 10, 1)
    # 1-2 board meetings in every quarter until the last three months...
    q = date(2027, 1, 1)
    while q < last_three_months:
        count = sum(1 for d in board if quarter(d) == quarter(q))
        assert 1 <= count <= 2, (q, count)
        q = date(q.year + (q.month + 3 > 12), (q.month + 2) % 12 + 1, 1)
    # ...then one every four weeks
    last = sorted(d for d in board if d >= last_three_months)
    assert len(last) >= 3 and all(timedelta(days=21) <= b - a <= timedelta(days=35) for a, b in zip(last, last[1:]))
    # the council: twice a year, the first two to four months after the start
    assert date(2027, 3, 1) <= council[0] <= date(2027, 5, 31)
    for year in (2027, 2028):
        assert 1 <= sum(1 for d in council if d.year == year) <= 3
    assert all(d < date(2029, 1, 1) for d in board + council)
    french = holidays.France(years=[2027, 2028])
    assert not [d for d in board + council if d.weekday() >= 5 or d in french]


@pytest.mark.method
def test_the_cadence_of_a_site_starting_january_2027_that_opens_january_2029(session, make_site, now):
    site = make_site(workflow="cress-disp", start="2027-01-04", opening="2029-01-01", department="35")
    proposals = propose(session, site, now)
    assert proposals and all(m.status == "proposed" for m in proposals)
    days = {c: [m.starts_dt.astimezone(installation_zone()).date() for m in proposals if m.committee_id == c]
            for c in ("technical", "partnership")}
    last_four_months = date(2028, 9, 1)
    # 1-2 technical meetings in every quarter until the last four months...
    q = date(2027, 1, 1)
    while q < last_four_months:
        count = sum(1 for d in days["technical"] if quarter(d) == quarter(q))
        assert 1 <= count <= 2, (q, count)
        q = date(q.year + (q.month + 3 > 12), (q.month + 2) % 12 + 1, 1)
    # ...then at least three working meetings in the last four months before opening
    assert sum(1 for d in days["technical"] if last_four_months <= d < date(2029, 1, 1)) >= 3
    # partnership: about twice a year, the first a few months after the start
    assert date(2027, 2, 15) <= days["partnership"][0] <= date(2027, 6, 30)
    for year in (2027, 2028):
        assert 1 <= sum(1 for d in days["partnership"] if d.year == year) <= 3
    assert all(d < date(2029, 1, 1) for ds in days.values() for d in ds)
    french = holidays.France(years=[2027, 2028])
    assert not [d for ds in days.values() for d in ds if d.weekday() >= 5 or d in french]


def test_meetings_start_at_the_preferred_time_in_paris_summer_and_winter(session, make_site, now, committees):
    site = make_site(workflow="committees")
    proposed = propose(session, site, now)
    assert {m.starts_dt.astimezone(installation_zone()).utcoffset() for m in proposed} == \
        {timedelta(hours=1), timedelta(hours=2)}
    for m in proposed:
        local = m.starts_dt.astimezone(installation_zone())
        assert local.strftime("%H:%M") == committees.committee(m.committee_id).cadence.preferred_time


def test_alsace_moselle_has_good_friday_and_26_december_off():
    assert not is_working_day(date(2028, 12, 26), "67")
    assert not is_working_day(date(2028, 4, 14), "57")  # Good Friday
    assert is_working_day(date(2028, 12, 26), "35")
    assert is_working_day(date(2028, 4, 14), "35")
    assert not is_working_day(date(2028, 7, 14), "35")


@settings(max_examples=40, deadline=None)
@given(start=st.dates(date(2026, 1, 1), date(2030, 12, 31)), months=st.integers(12, 40),
       department=st.sampled_from(["35", "44", "57", "67", "68", "974", None]))
def test_no_proposal_falls_on_a_weekend_or_a_french_public_holiday(catalog, start, months, department):
    from setupflow.planning import add_months

    opening = add_months(start, months)
    for committee in catalog.get("committees").workflow.committees + catalog.get("tiny").workflow.committees:
        for p in meeting_dates(committee, start, opening, department):
            day = p.local_day
            assert day.weekday() < 5
            assert day not in holidays.France(years=day.year)
            if department in ("57", "67", "68"):
                assert day != date(day.year, 12, 26)
            assert start <= day < opening


def test_proposals_are_not_fixed_until_someone_confirms_them(session, make_site, make_team, now, manager):
    site = make_site(workflow="committees")
    team = make_team(site, {"ep": ("board", "council"), "spip": ("board",), "cress": ("council",)})
    first = propose(session, site, now)[0]
    assert first.status == "proposed" and first.attendees == []
    meetings.confirm(session, first, manager, now)
    assert first.status == "scheduled"
    invited = {a.person_id for a in first.attendees}
    assert invited == {p.id for cat, p in team.items() if first.committee_id in
                       {m.committee_id for m in p.memberships}}


def test_when_the_opening_moves_unconfirmed_proposals_follow_and_confirmed_ones_stay(session, make_site, now,
                                                                                       manager):
    site = make_site(workflow="committees", start="2027-01-04", opening="2029-01-01")
    proposals = propose(session, site, now)
    kept = meetings.confirm(session, proposals[1], manager, now)
    kept_at, kept_uid = kept.starts_dt, kept.uid
    session.commit()
    regenerated = change_target_opening(session, site, "2029-07-02", manager, now, reason="travaux de la zone")
    session.commit()
    assert site.target_opening_on == date(2029, 7, 2)
    assert kept.status == "scheduled" and kept.starts_dt == kept_at and kept.uid == kept_uid
    assert max(m.starts_dt for m in regenerated).date() > date(2029, 1, 1)
    assert all(abs(m.starts_dt - kept_at) >= timedelta(days=14)
               for m in regenerated if m.committee_id == kept.committee_id)
    remaining = meetings.meetings_of(session, site, statuses=("proposed",))
    assert {m.id for m in remaining} == {m.id for m in regenerated}


def test_proposals_start_after_today(session, make_site, now):
    site = make_site(workflow="committees", start="2026-06-01", opening="2028-06-05")
    assert all(m.starts_dt > now for m in propose(session, site, now))


def test_moving_or_cancelling_bumps_the_sequence_and_keeps_the_uid(session, make_site, now, manager):
    site = make_site(workflow="committees")
    m = meetings.schedule(session, site, "board", "2027-02-09T14:00", manager, now)
    uid = m.uid
    assert m.sequence == 0 and uid.endswith("@setupflow")
    meetings.move(session, m, "2027-02-16T10:00", manager, now, reason="salle indisponible")
    assert (m.sequence, m.uid) == (1, uid)
    assert m.starts_dt == datetime(2027, 2, 16, 9, 0, tzinfo=timezone.utc)
    meetings.cancel(session, m, manager, now, reason="report")
    assert (m.status, m.sequence) == ("cancelled", 2)
    with refused("meeting.wrong_status", field="meeting", status="meeting.status.cancelled"):
        meetings.move(session, m, "2027-02-23T10:00", manager, now)


def test_a_meeting_cannot_be_scheduled_on_a_public_holiday(session, make_site, now, manager):
    site = make_site(workflow="committees", department="67")
    with refused("meeting.not_a_working_day", field="at", department="67"):
        meetings.schedule(session, site, "board", "2027-12-26T10:00", manager, now)
    with refused("choice.invalid", field="committee", value="selection"):
        meetings.schedule(session, site, "selection", "2027-02-09T10:00", manager, now)


def test_a_committee_s_meeting_gets_its_standard_agenda_items(session, make_site, now, manager, committees):
    site = make_site(workflow="committees")
    m = meetings.schedule(session, site, "council", "2027-04-21T10:00", manager, now)
    assert [i.title for i in m.agenda] == [t.fr for t in committees.committee("council").standard_agenda] == \
        ["Point d'étape"]
    assert meetings.schedule(session, site, "board", "2027-04-20T14:00", manager, now).agenda == []


@pytest.mark.method
def test_the_partnership_committee_gets_its_three_standard_agenda_items(session, make_site, now, manager, cress):
    site = make_site(workflow="cress-disp")
    m = meetings.schedule(session, site, "partnership", "2027-04-22T10:00", manager, now)
    assert [i.title for i in m.agenda] == [t.fr for t in cress.committee("partnership").standard_agenda]
    assert len(m.agenda) == 3

"""Retro-planning: windows backward from the opening, forward from the start. The
arithmetic runs on tests/definitions/tiny.yaml (first 2-4 months, second 3-5, third 1);
the guide's own retro-planning (marked ``method``) on the shipped method, workflows/cress-disp.yaml."""
from datetime import date

import pytest
from dateutil.relativedelta import relativedelta
from hypothesis import given, settings, strategies as st

from setupflow.definitions import load_file
from setupflow.planning import add_months, backward, forecast, forward
from tests.conftest import DEFINITIONS, WORKFLOWS

TINY = load_file(DEFINITIONS / "tiny.yaml").workflow


def shipped():
    """The guide's method, read only by the tests of its own rules."""
    return load_file(WORKFLOWS / "cress-disp.yaml").workflow


@pytest.mark.method
def test_the_guide_s_retro_planning_backward_from_an_opening_on_1_january_2029():
    plan = backward(shipped(), date(2029, 1, 1))
    support = plan.stage("support")
    assert (support.start.earliest, support.start.latest) == (date(2028, 5, 1), date(2028, 7, 1))
    assert (plan.start.earliest, plan.start.latest) == (date(2026, 5, 1), date(2027, 7, 1))
    dui = next(d for d in plan.deadlines if d.deadline.id == "dui_signature")
    assert (dui.window.earliest, dui.window.latest) == (date(2028, 11, 1), date(2028, 12, 1))


def test_stages_follow_each_other_without_gaps():
    for wf in (TINY, load_file(DEFINITIONS / "committees.yaml").workflow):
        plan = backward(wf, date(2029, 1, 1))
        for before, after in zip(plan.stages, plan.stages[1:]):
            assert before.end == after.start


def test_backward_each_boundary_is_a_window_of_the_durations_before_it():
    plan = backward(TINY, date(2029, 1, 1))
    assert plan.stage("third").start == plan.stage("third").end.shift(-1, -1)  # exactly one month
    second = plan.stage("second").start
    assert (second.earliest, second.latest) == (date(2028, 7, 1), date(2028, 9, 1))  # 5 then 3 months before
    assert (plan.start.earliest, plan.start.latest) == (date(2028, 3, 1), date(2028, 7, 1))  # 4 and 2 more


def test_forward_from_a_start_gives_the_earliest_and_latest_opening():
    plan = forward(TINY, date(2027, 1, 4))
    assert (plan.opening.earliest, plan.opening.latest) == (date(2027, 7, 4), date(2027, 11, 4))  # 6 and 10 months


def test_calendar_months_respect_month_ends_and_leap_years():
    assert add_months(date(2027, 1, 31), 1) == date(2027, 2, 28)
    assert add_months(date(2028, 1, 31), 1) == date(2028, 2, 29)
    assert add_months(date(2028, 2, 29), 12) == date(2029, 2, 28)
    assert add_months(date(2029, 3, 31), -1) == date(2029, 2, 28)


def test_a_deadline_is_estimated_until_the_date_it_hangs_on_is_decided():
    plan = backward(TINY, date(2029, 1, 1))
    [answers] = plan.deadlines
    assert answers.is_estimate  # from the second stage's start window, plus 1 to 2 months
    assert (answers.window.earliest, answers.window.latest) == (date(2028, 8, 1), date(2028, 11, 1))
    [answers] = backward(TINY, date(2029, 1, 1), {"go_date": date(2028, 1, 15)}).deadlines
    assert not answers.is_estimate
    assert (answers.window.earliest, answers.window.latest) == (date(2028, 2, 15), date(2028, 3, 15))


def test_a_site_in_its_second_stage_gets_a_forecast_from_when_it_entered_it():
    progress = forecast(TINY, "second", date(2027, 3, 1), today=date(2027, 5, 1))
    current = progress.plan.stage("second")
    assert (current.end.earliest, current.end.latest) == (date(2027, 6, 1), date(2027, 8, 1))
    assert (progress.plan.opening.earliest, progress.plan.opening.latest) == (date(2027, 7, 1), date(2027, 9, 1))
    assert not progress.is_past_max


def test_a_stage_past_its_maximum_duration_is_flagged_and_pushes_the_forecast():
    progress = forecast(TINY, "second", date(2027, 3, 1), today=date(2027, 10, 15))
    assert progress.is_past_max
    assert progress.plan.stage("second").end.earliest == date(2027, 10, 15)
    assert progress.plan.opening.earliest == date(2027, 11, 15)


def test_a_site_s_deadlines_follow_its_target_opening_not_the_forecast_window(session, make_site, now):
    from setupflow.clock import local_date
    from setupflow.sites import operations as ops

    site = make_site(workflow="committees", start="2027-01-04", opening="2029-01-01")
    prog = ops.progress(session, site, local_date(now))
    # forward from the start: 2+3 months at least, 4+5 at most
    assert (prog.plan.opening.earliest, prog.plan.opening.latest) == (date(2027, 6, 4), date(2027, 10, 4))
    [signature] = prog.plan.deadlines  # one to two months before the target opening
    assert (signature.window.earliest, signature.window.latest) == (date(2028, 11, 1), date(2028, 12, 1))


def test_time_in_a_stage_that_has_not_started_yet_is_zero():
    progress = forecast(TINY, "first", date(2027, 3, 1), today=date(2027, 1, 15))
    assert progress.days_in_stage == 0 and not progress.is_past_max


@settings(max_examples=500, deadline=None)
@given(day=st.dates(date(1900, 1, 1), date(2200, 12, 31)), months=st.integers(-1200, 1200))
def test_adding_months_agrees_with_dateutils_relativedelta(day, months):
    assert add_months(day, months) == day + relativedelta(months=months)

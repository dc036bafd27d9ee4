"""A stage's usual range and its hard maximum: the support stage usually takes six to eight
months and "can reach a year". Past the usual range a site is at risk; past the hard maximum
it is late and the overdue reminders go out. The guide's own figures (marked ``method``) on
workflows/cress-disp.yaml; the engine's mechanics on tests/definitions/committees.yaml (its
last stage, build: three to five months, eight at most)."""
from datetime import date, datetime, timezone

import pytest
from sqlalchemy import select

from setupflow.clock import local_date
from setupflow.portfolio import health_of
from setupflow.reminders.models import Reminder
from setupflow.reminders.operations import plan_site
from setupflow.sites import operations as ops


@pytest.mark.method
def test_the_support_stage_has_a_usual_range_and_a_hard_maximum(catalog):
    duration = catalog.get("cress-disp").workflow.stage("support").duration
    assert (duration.min, duration.max, duration.hard_max, duration.most) == (6, 8, 12, 12)


def test_past_its_usual_range_a_site_is_at_risk_and_only_past_the_hard_maximum_late_and_reminded(
        session, make_site, make_team, walk, manager, now):
    site = make_site(workflow="committees", start="2026-01-05", opening="2030-01-07")
    make_team(site, {"ep": ("board",), "spip": ("board",), "cress": ("board", "council")})
    walk(site, "build")  # entered on 2027-01-04
    entered = site.stage_entered_on

    def health(day):
        prog = ops.progress(session, site, day)
        return health_of(site, prog, ops.gate_of(session, site).met, day)

    assert health(date(2027, 3, 4)) == ("on_track", "ok")  # two months in
    assert health(date(2027, 7, 4)) == ("at_risk", "past_usual")  # six months in
    assert health(date(2027, 10, 4)) == ("late", "past_max")  # nine months in
    plan_site(session, site, datetime(2027, 7, 4, 9, tzinfo=timezone.utc))
    session.commit()
    overdue = session.scalars(select(Reminder).where(
        Reminder.subject == f"site:{site.id}:stage:build:{entered.isoformat()}", Reminder.state != "withdrawn")).all()
    assert overdue and {local_date(r.due_dt) for r in overdue} == {date(2027, 9, 5)}  # the day after eight months

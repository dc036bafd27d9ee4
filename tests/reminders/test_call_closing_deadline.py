"""Once a call is published, its closing date is the answers deadline: on the site's plan, in
the reminders and in the calendar feed. The definition's window is only the forecast before.
On tests/definitions/work.yaml: its answers deadline is one to two months after the
publication, reminded when it opens and fourteen days before it closes."""
from __future__ import annotations

from datetime import date

import icalendar
from sqlalchemy import select

from setupflow.calls import operations as calls
from setupflow.clock import local_date
from setupflow.reminders.feeds import create_feed, feed_for_token
from setupflow.reminders.models import Reminder
from setupflow.reminders.operations import plan_site
from setupflow.sites import operations as ops


def answers_deadline(session, site):
    plan = ops.planned(site, ops.dated_decisions(session, site))
    return next(d for d in plan.deadlines if d.deadline.id == "answers")


def test_a_published_calls_closing_date_drives_its_deadline_reminders_and_feed(session, make_site, team, walk,
                                                                                manager, now):
    site = make_site(workflow="work", start="2026-01-05", opening="2028-06-01")
    team(site, "Ana Fictive", "ana@ep.test", "ep")
    walk(site, "seek", values={"form": "small"})
    forecast = answers_deadline(session, site)
    assert forecast.is_estimate and forecast.window.earliest != forecast.window.latest
    call = calls.create_call(session, site, None, actor=manager, now=now)
    calls.edit_call(session, site, call, actor=manager, now=now, body="Texte de l'appel", needs="Besoins relevés")
    calls.publish_call(session, site, call, published_on="2027-05-01", closes_on="2027-08-01", actor=manager,
                       now=now)
    session.commit()
    deadline = answers_deadline(session, site)
    assert (deadline.window.earliest, deadline.window.latest, deadline.is_estimate) == \
        (date(2027, 8, 1), date(2027, 8, 1), False)  # not the definition's 2027-06-01..07-01 window

    plan_site(session, site, now)
    session.commit()
    due = {r.rule: local_date(r.due_dt) for r in session.scalars(select(Reminder).where(
        Reminder.subject == f"site:{site.id}:deadline:answers", Reminder.state != "withdrawn"))}
    assert due["deadline_opens"] == date(2027, 8, 1) and due["deadline_closing"] == date(2027, 7, 18)

    token = create_feed(session, now, email="ana@ep.test")
    session.commit()
    feed = icalendar.Calendar.from_ical(feed_for_token(session, token, now))
    [event] = [e for e in feed.walk("VEVENT") if str(e["UID"]) == f"deadline-{site.id}-answers@setupflow"]
    assert event.decoded("DTSTART") == date(2027, 8, 1)

"""Script and event-handler payloads and javascript: links typed into text fields come out
inert in the site page, the minutes document and the reminder e-mails."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest

from setupflow.committees import operations as meetings
from setupflow.committees.minutes import save_minutes
from setupflow.documents.build import render_html
from setupflow.reminders.messages import Renderer
from setupflow.sites import operations as ops
from web_fixtures import *  # noqa: F401,F403

from . import counters

PAYLOADS = ["<script>alert('x')</script>", "<img src=x onerror=alert(1)>", "<a href=\"javascript:alert(1)\">y</a>",
            "[lien](javascript:alert(1))", "<svg onload=alert(1)>", "\"><iframe src=javascript:alert(1)>"]


def assert_inert(html: str, where: str) -> None:
    assert "<script>alert" not in html, where
    assert not re.search(r"<[^>]+\son(error|load)\s*=", html, re.IGNORECASE), where
    assert not re.search(r"""<[a-z][^>]*\s(href|src)\s*=\s*["']?\s*javascript:""", html, re.IGNORECASE), where
    assert "<iframe" not in html.lower(), where


def test_payloads_in_a_site_name_and_decisions_are_inert_on_the_pages(site_in, logged_in, web_session, manager,
                                                                       now):
    site = site_in("Bretagne", name=f"Atelier {PAYLOADS[-1]}")
    for payload in PAYLOADS:
        ops.record_decision(web_session, site, key=None, value=None, text=payload, actor=manager, now=now)
    web_session.commit()
    cress = logged_in("cress@example.test", "cress", region="Bretagne")
    page = cress.get(f"/sites/{site.id}").get_data(as_text=True)
    assert_inert(page, "site page")
    assert "&lt;iframe src=javascript:alert(1)&gt;" in page, "the name is shown escaped, not dropped"
    assert_inert(cress.get("/portfolio").get_data(as_text=True), "portfolio")
    counters.add("payloads checked inert", len(PAYLOADS))


def test_payloads_in_minutes_are_inert_in_the_minutes_document(db, session, make_site, make_team, manager, now):
    site = make_site()
    make_team(site)
    meeting = meetings.schedule(session, site, "technical", datetime(2027, 1, 12, 9, tzinfo=timezone.utc), manager,
                                now, place=PAYLOADS[0])
    save_minutes(session, meeting, "\n\n".join(PAYLOADS), 0, manager,
                 datetime(2027, 1, 12, 12, tzinfo=timezone.utc))
    session.commit()
    html = render_html(session, db.settings(), site, "minutes", now + timedelta(days=9), meeting)
    assert_inert(html, "minutes")
    counters.add("payloads checked inert", len(PAYLOADS))


@pytest.mark.parametrize("payload", PAYLOADS)
def test_payloads_in_a_reminder_are_inert_in_its_html_part(sqlite_db, payload):
    subject, text, html = Renderer(sqlite_db.settings().templates_dir).render("action_due", "fr", {
        "site": {"id": 1, "name": payload}, "name": payload,
        "action": {"id": 1, "text": payload, "due_on": "2027-03-10"}, "link": "https://example.test/sites/1"})
    assert_inert(html, "e-mail")
    assert "\n" not in subject and "\r" not in subject

"""Characters documents cannot hold, and dates no calendar reaches: every document format
(HTML, PDF, DOCX, ICS, CSV, e-mail, calendar feed) renders whatever the database holds, and
one meeting stored at an impossible date stops neither the planning of the site's other
meetings nor the documents of the site.

The edge (``setupflow.inputs``) now refuses control characters and dates outside 2000-2100;
these tests store such values the way older releases let them in (straight into the rows)
and check that nothing that reads them fails. On main, the DOCX answered 500 for a section
holding ``\\x0b``, and planning, the .ics and the agenda PDF raised OverflowError for a
meeting on 9999-12-31."""
from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta, timezone

import pytest
from docx import Document
from icalendar import Calendar

from setupflow.committees import operations as meetings
from setupflow.committees.actions import add_action
from setupflow.committees.minutes import save_minutes
from setupflow.committees.models import ActionItem, AgendaItem, Meeting, MinutesRevision
from setupflow.documents import build
from setupflow.documents.models import SectionRevision
from setupflow.documents.note import save_note_section
from setupflow.errors import InputError
from setupflow.reminders.messages import Renderer
from setupflow.reminders.operations import plan_site
from setupflow.reminders.models import Reminder
from setupflow.sites import operations as ops
from setupflow.sites.models import Decision, Site
from setupflow.team.models import Organisation, Person

from web_fixtures import *  # noqa: F401,F403

from . import counters

#: the nastiest string the edge accepts: markup, formula, quotes, tab and line break,
#: bidi override inside a text, zero-width and combining characters, an emoji, LIKE wildcards
NASTY = ("=HYPERLINK(\"x\") <b>&amp;</b> « l'été » \t ligne\nsuivante \u202egnp.exe\u202c z\u200bw "
         "e\u0301 😀 %_\\ ; , \" '")
NASTY_NAME = "=cmd|' /C calc'!A0 <i>« Zoé »</i> 😀 %_\\"
#: what older releases stored and the edge now refuses (NUL only where the database holds it)
STORED = {"sqlite": "avant\x0bapr\x01ès\x00fin\x1b", "postgres": "avant\x0bapr\x01ès\x1bfin"}


@pytest.fixture
def nasty_site(session, make_site, make_team, manager, now, db):
    """A site whose every free text holds NASTY, then (as an older release let in) control characters."""
    site = make_site(name=NASTY_NAME, establishment=NASTY_NAME)
    people = make_team(site)
    meeting = meetings.schedule(session, site, "technical", "2027-01-12T14:00", manager, now, place=NASTY)
    meetings.set_agenda(session, meeting, [NASTY, NASTY_NAME], manager, now)
    save_minutes(session, meeting, f"# {NASTY}\n\n- {NASTY}\n\n**{NASTY}**", 0, manager, now + timedelta(days=9))
    add_action(session, meeting, NASTY, people["ep"], manager, now, due_on="2027-02-01")
    ops.record_decision(session, site, key=None, value=None, text=NASTY, actor=manager, now=now)
    for section in _note_sections():
        save_note_section(session, site, section, f"{NASTY}\n\n- {NASTY}", 0, manager, now)
    session.commit()
    bad = STORED[db.backend]
    for model, columns in ((Site, ("name", "establishment")), (Person, ("name", "function")),
                           (Organisation, ("name",)), (Meeting, ("place",)), (AgendaItem, ("title",)),
                           (MinutesRevision, ("body_md",)), (ActionItem, ("text",)), (Decision, ("text",)),
                           (SectionRevision, ("body_md",))):
        for row in session.query(model).all():
            for column in columns:
                setattr(row, column, f"{getattr(row, column) or ''}{bad}")
    session.commit()
    return site, meeting


def _note_sections():
    from setupflow.documents.note import NOTE_SECTIONS

    return list(NOTE_SECTIONS)[:3]


def test_every_document_kind_renders_texts_with_control_characters_in_every_format(db, session, nasty_site, now):
    site, meeting = nasty_site
    settings = db.settings()
    rendered = 0
    for kind in build.SITE_KINDS:
        for fmt in ("html", "pdf", "docx"):
            data = build.render(session, settings, site, kind, fmt, now)
            _check(fmt, data, kind)
            rendered += 1
    for kind, formats in {"invitation": ("ics", "html"), "agenda": ("html", "pdf"), "minutes": ("html", "pdf")}.items():
        for fmt in formats:
            _check(fmt, build.render(session, settings, site, kind, fmt, now, meeting=meeting), kind)
            rendered += 1
    invitation = build.invitation(session, settings, meeting, now)
    assert "\n" not in invitation.subject and "\x0b" not in invitation.text + invitation.html
    counters.add(f"documents rendered from control characters ({db.backend}: html, pdf, docx, ics)", rendered)


def _check(fmt: str, data: bytes, kind: str) -> None:
    if fmt == "docx":
        text = "\n".join(p.text for p in Document(io.BytesIO(data)).paragraphs)
        assert "Zoé" in text or kind == "team_file", kind
    elif fmt == "pdf":
        assert data.startswith(b"%PDF-"), kind
    elif fmt == "ics":
        Calendar.from_ical(data)
        assert b"\x0b" not in data and b"\x00" not in data
    else:
        html = data.decode("utf-8")
        assert "\x0b" not in html and "\x00" not in html and "\x01" not in html, kind
        assert "<b>&amp;</b>" not in html, "markup in a text is shown, not interpreted"


def test_the_reminder_e_mails_and_the_feed_hold_control_characters(db, session, nasty_site, now):
    from setupflow.reminders.feeds import create_feed, open_feed, write_feed

    site, meeting = nasty_site
    plan_site(session, site, now)
    session.commit()
    renderer = Renderer(db.settings().templates_dir)
    rows = session.query(Reminder).filter(Reminder.site_id == site.id).all()
    assert rows
    for row in rows:
        subject, text, html = renderer.render(row.template, row.language, {**row.context, "link": None})
        assert "\n" not in subject and "\r" not in subject and "\x0b" not in subject + html
    person = session.query(Person).filter(Person.site_id == site.id).first()
    token = create_feed(session, now, email=person.email)
    ics = write_feed(session, open_feed(session, token, now), now)
    Calendar.from_ical(ics)
    assert b"\x0b" not in ics and b"\x00" not in ics
    counters.add(f"documents rendered from control characters ({db.backend}: e-mail, feed)", len(rows) + 1)


def test_the_csv_exports_hold_control_characters(db, session, nasty_site, now):
    from setupflow.csvfile import MACHINE, PEOPLE, write_csv

    site, _meeting = nasty_site
    rows = [[site.name, site.establishment, NASTY]]
    for form in (PEOPLE, MACHINE):
        data = write_csv(["a", "b", "c"], rows, form)
        text = data.decode("utf-8-sig")
        cells = next(csv.reader(io.StringIO(text), delimiter=form.delimiter))
        assert all(not c.startswith(("=", "+", "-", "@", "\t", "\r")) for c in cells)
        assert "\x0b" not in text and "\x00" not in text
    counters.add(f"documents rendered from control characters ({db.backend}: csv)", 2)


def test_a_meeting_stored_on_9999_12_31_stops_neither_planning_nor_documents(db, session, make_site, make_team,
                                                                          manager, now):
    site = make_site()
    make_team(site)
    good = meetings.schedule(session, site, "technical", "2027-03-10T14:00", manager, now)
    broken = meetings.schedule(session, site, "technical", "2027-03-17T14:00", manager, now)
    session.commit()
    # as an older release let it in: 9999-12-31 23:59 Paris time
    broken.starts_dt = datetime(9999, 12, 31, 22, 59, tzinfo=timezone.utc)
    session.commit()
    result = plan_site(session, site, now)
    session.commit()
    subjects = {r.subject for r in session.query(Reminder).filter(Reminder.site_id == site.id)}
    assert f"meeting:{good.id}" in subjects, "the other meeting of the site is planned"
    assert result is not None
    settings = db.settings()
    for kind, fmt in (("invitation", "ics"), ("invitation", "html"), ("agenda", "html"), ("agenda", "pdf")):
        Calendar.from_ical(build.render(session, settings, site, "invitation", "ics", now, meeting=good))
        with pytest.raises(InputError) as refused:  # said in one sentence, not an OverflowError
            build.render(session, settings, site, kind, fmt, now, meeting=broken)
        assert refused.value.code == "meeting.date_out_of_range"
    for kind in build.SITE_KINDS:
        assert build.render(session, settings, site, kind, "html", now)
    counters.add("meetings at an impossible date planned around", 1)


def test_the_pages_of_a_site_with_a_meeting_stored_on_9999_12_31_answer(site_in, logged_in, web_session, manager,
                                                                        now):
    site = site_in()
    meeting = meetings.schedule(web_session, site, "technical", "2027-03-10T14:00", manager, now)
    web_session.commit()
    meeting.starts_dt = datetime(9999, 12, 31, 22, 59, tzinfo=timezone.utc)
    web_session.commit()
    lead = logged_in("lead@example.test", "lead", sites=(site,))
    for url in (f"/sites/{site.id}", f"/sites/{site.id}/meetings", f"/sites/{site.id}/meetings/{meeting.id}",
                "/portfolio", "/notifications"):
        assert lead.get(url).status_code == 200, url
    for kind, fmt in (("invitation", "ics"), ("agenda", "pdf")):
        response = lead.get(f"/sites/{site.id}/meetings/{meeting.id}/documents/{kind}.{fmt}")
        assert response.status_code == 400 and "9999" in response.get_data(as_text=True)
    counters.add("meetings at an impossible date planned around", 1)

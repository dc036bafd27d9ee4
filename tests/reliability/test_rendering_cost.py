"""Rendering a person's Markdown costs little whatever they typed: the length and the size
of its tables are checked before anything renders (a preview of 300,000 ``[`` is refused
at once, where it took 88 s), the renderer's time is linear in the text (every known
pathological pattern at the longest accepted length renders; its time is the benchmark's
"markdown worst case" line), and a saved text is rendered once, not on every view of its
page (saved minutes of 199,000 ``[`` made every view take 8.5 s)."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest

from benchmarks.rendering import texts, worst_case
from setupflow.committees import attendance
from setupflow.committees import operations as meetings
from setupflow.committees.minutes import MAX_MINUTES, checked_minutes, save_minutes
from setupflow.documents import markdown as md
from setupflow.documents.markdown import ALLOWED_TAGS, MAX_TABLE_CELLS, markdown_to_html, table_cells
from setupflow.documents.note import MAX_SECTION, checked_section, save_note_section
from tests.refused import refused
from web_fixtures import *  # noqa: F401,F403

from . import counters

@pytest.fixture
def held(site_in, web_session, manager, now):
    site = site_in()
    meeting = meetings.schedule(web_session, site, "technical", "2027-01-04T09:00", manager, now)
    attendance.mark_held(web_session, meeting, {}, manager, now + timedelta(hours=3))
    web_session.commit()
    return site, meeting


@pytest.mark.slow
def test_the_longest_accepted_text_of_every_pathological_pattern_renders():
    rendered = 0
    for name, text in texts(MAX_MINUTES):
        assert len(text) == MAX_MINUTES and checked_minutes(text) == text, name  # accepted, and no shorter
        html = markdown_to_html(text, 1, cache=False)
        assert html and set(re.findall(r"</?([a-z0-9]+)", html)) <= ALLOWED_TAGS, name
        rendered += 1
    tables = dict(texts(MAX_MINUTES))
    for name in ("table rows", "wide table", "table rows filled with empty cells"):
        assert table_cells(tables[name]) == MAX_TABLE_CELLS  # the largest table accepted
    assert markdown_to_html(tables["table rows"], cache=False).count("<td>") == MAX_TABLE_CELLS - 4
    assert rendered >= 45
    slowest, name, times = worst_case(MAX_MINUTES)  # measured for the printed counts; the benchmark has the target
    counters.add("markdown patterns rendered at the longest accepted length", len(times))
    counters.add("markdown worst-case render of the longest accepted text (ms)", round(slowest * 1000))


def test_a_table_larger_than_the_limit_is_refused_before_rendering_or_saving(held, web_session, manager, now):
    site, meeting = held
    row = "| Lundi | Atelier | 4 h |\n"
    fits = "| Jour | Quoi | Durée |\n|---|:-:|--:|\n" + row * (MAX_TABLE_CELLS // 3 - 2)
    cells = 3 * (MAX_TABLE_CELLS // 3)  # the header and the delimiter row count as rows
    assert table_cells(fits) == cells and checked_minutes(fits) == fits
    with refused("text.table_too_large", field="minutes", cells=cells + 3, limit=MAX_TABLE_CELLS):
        checked_minutes(fits + row)
    with refused("text.table_too_large", field="minutes"):
        save_minutes(web_session, meeting, fits + row, 0, manager, now + timedelta(hours=4))
    # a header of 1,000 columns over one-character rows: cmark would fill every row with empty cells
    wide = "|a" * 1000 + "|\n" + "|-" * 1000 + "|\n" + "b\n" * 50
    with refused("text.table_too_large", field="needs", cells=52_000):
        save_note_section(web_session, site, "needs", wide, 0, manager, now)
    with refused("text.table_too_large", field="objectives"):
        checked_section("objectives", "> " + "|a" * 1000 + "|\n> " + "|-" * 1000 + "|\n" + "> b\n" * 50)
    # separate tables count together; a blank line ends a table, so the rows after it are not cells
    assert table_cells("a|b\n-|-\nc|d\n\nc|d\n\n" * 3) == 3 * 2 * 3
    assert table_cells("- a\n- b\n\n---\n\nx | y") == 0
    assert table_cells("a|b\r-|-\r" + "c|d\r" * 10) == table_cells("a|b\n-|-\n" + "c|d\n" * 10) == 24
    counters.add("tables larger than the limit refused", 4)


def test_a_preview_of_a_table_larger_than_the_limit_is_refused_in_french(held, logged_in):
    site, meeting = held
    lead = logged_in("lead@example.test", "lead", sites=(site,))
    wide = "|a" * 100 + "|\n" + "|-" * 100 + "|\n" + "b\n" * 300
    answer = lead.post(f"/sites/{site.id}/meetings/{meeting.id}/minutes",
                       data={"body": wide, "based_on": "0", "preview": "1"})
    page = answer.get_data(as_text=True).replace("\u202f", "").replace("\u00a0", " ")
    assert answer.status_code == 400 and "Les tableaux de ce texte sont trop grands : 30200 cellules" in page
    assert "<th>a</th>" not in page  # nothing was rendered


def test_a_table_stored_before_the_limit_is_shown_as_plain_text():
    stored = "a|b\n-|-\n" + "c|d\n" * MAX_TABLE_CELLS
    html = markdown_to_html(stored, cache=False)
    assert "<table>" not in html and html.startswith("<p>a|b -|- c|d c|d")


def test_nesting_no_person_writes_is_shown_as_plain_text():
    quotes = markdown_to_html(">" * 5000 + " citation", cache=False)
    assert "<blockquote>" not in quotes and quotes.startswith("<p>&gt;&gt;&gt;")
    fine = markdown_to_html("> " * (md.MAX_DEPTH // 2) + "citation", cache=False)
    assert fine.count("<blockquote>") == md.MAX_DEPTH // 2


def test_a_preview_longer_than_the_limit_is_refused_before_rendering(held, logged_in):
    site, meeting = held
    lead = logged_in("lead@example.test", "lead", sites=(site,))
    answer = lead.post(f"/sites/{site.id}/meetings/{meeting.id}/minutes",
                       data={"body": "[" * 300_000, "based_on": "0", "preview": "1"})
    assert answer.status_code == 400
    assert "300000 caractères, 200000 au plus" in answer.get_data(as_text=True).replace("\u202f", "")
    note = lead.post(f"/sites/{site.id}/note/objectives",
                     data={"body": "[" * (MAX_SECTION + 1), "based_on": "0", "preview": "1"})
    assert note.status_code == 400 and "100001 caractères, 100000 au plus" in note.get_data(as_text=True).replace("\u202f", "")
    counters.add("previews refused before rendering", 2)


def test_saved_minutes_are_rendered_once_not_on_every_view(held, logged_in, web_session, manager, now):
    site, meeting = held
    body = "[" * (MAX_MINUTES - 1000) + "\n\nFin du compte rendu."
    save_minutes(web_session, meeting, body, 0, manager, now + timedelta(hours=4))
    web_session.commit()
    lead = logged_in("lead@example.test", "lead", sites=(site,))
    url = f"/sites/{site.id}/meetings/{meeting.id}"
    before = md.cached_renders()
    first = lead.get(url)
    assert first.status_code == 200 and "Fin du compte rendu." in first.get_data(as_text=True)
    assert md.cached_renders() == before + 1
    for _ in range(3):
        assert lead.get(url).status_code == 200
    assert md.cached_renders() == before + 1  # the same revision was not rendered again
    assert markdown_to_html(body, 1) is markdown_to_html(body, 1)
    counters.add("saved texts rendered once per revision", 1)


def test_the_patterns_cover_the_reported_cases():
    names = {name for name, _ in texts(10)}
    assert {"'['", "'[a]('", "'>'", "'*a'", "table rows"} <= names

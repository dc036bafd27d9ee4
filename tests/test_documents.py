"""Documents of the method rendered from templates: snapshots of HTML and text, a PDF
that rasterises and has text, a DOCX with its headings, an .ics in UTC. On
tests/definitions/committees.yaml (its board, "Comité de test", meets; its stages gather
and build make the retro-planning) and, for the call, work.yaml."""
import io
import os
import shutil
import subprocess
from datetime import timedelta
from pathlib import Path

import icalendar
import pytest
from docx import Document
from jinja2 import UndefinedError

from setupflow.committees import actions, attendance, operations as meetings
from setupflow.committees.minutes import record_meeting_decision, save_minutes
from setupflow.documents.build import invitation, render
from setupflow.documents.markdown import markdown_to_html
from setupflow.documents.note import save_note_section
from setupflow.documents.render import render_template
from tests.refused import refused

SNAPSHOTS = Path(__file__).parent / "snapshots"
UPDATE = os.environ.get("SETUPFLOW_UPDATE_SNAPSHOTS") == "1"
MINUTES = """## Diagnostic

- Données du greffe **reçues**.
- [Note interne](javascript:alert(1)) et [guide](https://example.org/guide).

<script>alert("x")</script>
"""


def assert_snapshot(name: str, text: str):
    path = SNAPSHOTS / name
    if UPDATE:
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"no snapshot {path}: run with SETUPFLOW_UPDATE_SNAPSHOTS=1 once and review it"
    assert text == path.read_text(encoding="utf-8"), f"{name} differs from its snapshot"


@pytest.fixture
def session(sqlite_db):
    with sqlite_db.factory() as s:
        yield s


@pytest.fixture
def settings(sqlite_db):
    return sqlite_db.settings()


@pytest.fixture
def meeting(session, make_site, make_team, manager, now):
    """A board meeting held on Tuesday 5 January 2027, with roles, minutes, a decision and an action."""
    site = make_site(name="Atelier bois & métal", workflow="committees", establishment="Centre pénitentiaire fictif",
                     department="35")
    people = make_team(site, {"ep": ("board", "council"), "spip": ("board",), "cress": ("board", "council"),
                              "ddets": ("council",)})
    m = meetings.schedule(session, site, "board", "2027-01-05T14:00", manager, now,
                          place="Salle du conseil", video_url="https://visio.example.org/comite")
    meetings.set_agenda(session, m, ["Lancement du diagnostic", "Calendrier"], manager, now)
    for role, cat in (("agenda", "ep"), ("invitations", "spip"), ("facilitation", "cress"), ("logistics", "ep")):
        attendance.assign_role(session, m, role, people[cat], manager, now)
    after = now + timedelta(days=2)
    attendance.mark_held(session, m, {people["ep"].id: "present", people["spip"].id: "excused",
                                    people["cress"].id: "present"}, manager, after)
    save_minutes(session, m, MINUTES, 0, manager, after)
    record_meeting_decision(session, m, None, None, "Méthodologie du diagnostic validée", manager, after)
    actions.add_action(session, m, "Demander les données de l'unité sanitaire", people["spip"], manager, after,
                       due_on="2027-02-01")
    save_note_section(session, site, "objectives", "Ouvrir un atelier de **menuiserie**.", 0, manager, now)
    session.commit()
    return m


def test_minutes_are_sanitised_script_and_javascript_links_removed():
    html = markdown_to_html(MINUTES + '\n<a href="javascript:x()">y</a> [z](JaVaScRiPt:alert(1))')
    assert "<script" not in html and "javascript" not in html.lower()  # left out, never run
    assert html.count("href=") == 1  # only the https link has a target
    assert '<a href="https://example.org/guide" rel="noopener noreferrer">guide</a>' in html
    assert "<strong>reçues</strong>" in html


def test_the_allow_list_keeps_only_its_tags_whatever_html_it_is_given():
    from setupflow.documents.markdown import allow_listed

    hostile = ('<a href="javascript:alert(1)" onclick="x()">y</a><img src=x onerror=alert(1)><script>x</script>'
               '<a href=" &#x6a;avascript:x">z</a><a href="java&#x09;script:x">w</a><a href="https://e.org" '
               'onclick="x">v</a><p onclick=x>q</p><svg/onload=x>< x <a href="mailto:a@b.c" title="&quot;t">m</a>'
               '<!-- c --><td align="left" onclick="x">c</td><a href="/rel?x=1&amp;y=2">r</a><scr<script>ipt>')
    assert allow_listed(hostile) == (
        '<a>y</a>x<a>z</a><a>w</a><a>v</a><p>q</p>&lt; x <a href="mailto:a@b.c" title="&#34;t" '
        'rel="noopener noreferrer">m</a><td>c</td><a href="/rel?x=1&amp;y=2" rel="noopener noreferrer">r</a>'
        '&lt;script>')  # the last is text: the tag inside it was left out


def test_what_we_render_is_what_a_general_sanitiser_would_keep():
    """nh3 (the sanitiser used before) finds nothing more to remove in our output: it gives
    the same HTML for ours as for cmark's raw output."""
    import cmarkgfm
    import nh3
    from cmarkgfm.cmark import Options

    from setupflow.documents.markdown import ALLOWED_ATTRIBUTES, ALLOWED_TAGS, URL_SCHEMES
    from tests.reliability.payloads import markdown

    def nh3_clean(html):
        return nh3.clean(html, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES, url_schemes=URL_SCHEMES,
                         link_rel="noopener noreferrer")

    texts = [MINUTES, markdown("minutes"), '[a](http://x "ti&<>tle") <http://a.b?x=<y>> ![alt "x"](i.png "t")',
             "3. a\n4. b\n\n```py\nx<y\n```\n\n# h1\n###### h6\n\na  \nb\n\n---",
             "|a|b|\n|:-|-:|\n|c|*d*|", "<b>x</b> <!-- c --> <?php ?> <![CDATA[x]]> <!DOCTYPE x>",
             "[x](javascript:alert(1)) [y](data:text/html,x) [z](vbscript:x) [w](file:///x) [v](ftp://x) "
             "[u](JAVA%0ascript:x) [t](<java\tscript:x>) [s](x:y)",
             "[a](foo\"onclick=x) [b](http://x/'y) [c](mailto:a@b) [d](/rel?x=1&y=2#f) [e](#top)",
             "a&#0;b &#xD800; &bogus; &amp; &quot; \"q\" 's' `<code>` ``a`b`` *a **b** _c_* x\\<y",
             "> q\n> > qq\n\n- a\n  - b\n\n1) x"]
    for text in texts:
        raw = cmarkgfm.markdown_to_html_with_extensions(text, options=Options.CMARK_OPT_DEFAULT, extensions=["table"])
        assert nh3_clean(str(markdown_to_html(text, cache=False))) == nh3_clean(raw.replace('<a href="">', "<a>")), text


def test_the_invitation_email_text_html_and_ics(session, settings, meeting, now):
    inv = invitation(session, settings, meeting, now)
    assert inv.subject == "Comité de test - Atelier bois & métal - 5 janvier 2027 14:00"
    assert_snapshot("invitation.fr.txt", inv.text)
    assert_snapshot("invitation.fr.html", inv.html)
    assert "Atelier bois &amp; métal" in inv.html
    english = invitation(session, settings, meeting, now, lang="en")
    assert "You are invited to the test board meeting" in english.text


def test_the_invitation_subject_writes_the_date_as_its_reader_does(session, settings, make_site, manager, now):
    """Through Babel in the reader's language, not by hand nor as ISO."""
    site = make_site(name="Atelier fictif", workflow="committees")
    m = meetings.schedule(session, site, "board", "2027-03-12T14:00", manager, now)
    french, english = invitation(session, settings, m, now), invitation(session, settings, m, now, lang="en")
    assert french.subject.endswith(" - Atelier fictif - 12 mars 2027 14:00"), french.subject
    assert english.subject.endswith(" - Atelier fictif - March 12, 2027 14:00"), english.subject
    assert "vendredi 12 mars 2027" in french.text and "Friday, March 12, 2027" in english.text
    meetings.cancel(session, m, manager, now)
    assert invitation(session, settings, m, now).subject.startswith("Annulé : ")


def test_document_dates_go_through_babel_in_the_readers_language():
    from datetime import date, datetime, timezone

    from setupflow.documents.render import day_text, long_date

    day = date(2027, 3, 12)
    assert [day_text(day, "fr", f) for f in ("short", "medium", "long", "full")] == [
        "12/03/2027", "12 mars 2027", "12 mars 2027", "vendredi 12 mars 2027"]
    assert [day_text(day, "en", f) for f in ("short", "medium", "long", "full")] == [
        "3/12/27", "Mar 12, 2027", "March 12, 2027", "Friday, March 12, 2027"]
    assert long_date(datetime(2027, 1, 5, 14, tzinfo=timezone.utc)) == "mardi 5 janvier 2027"
    assert day_text(date(2027, 1, 5), "de") == "5 janvier 2027"  # an unknown language reads French


def test_the_ics_is_in_utc_with_a_stable_uid_and_sequence(session, settings, make_site, manager, now):
    site = make_site(workflow="committees")
    m = meetings.schedule(session, site, "board", "2027-07-06T14:00", manager, now)
    first = icalendar.Calendar.from_ical(invitation(session, settings, m, now).ics)
    meetings.move(session, m, "2027-07-13T14:00", manager, now)
    second = icalendar.Calendar.from_ical(invitation(session, settings, m, now).ics)
    assert second.walk("VTIMEZONE") == []
    [e1], [e2] = first.walk("VEVENT"), second.walk("VEVENT")
    assert str(e1["UID"]) == str(e2["UID"]) == m.uid
    assert (int(e1["SEQUENCE"]), int(e2["SEQUENCE"])) == (0, 1)
    start = e2.decoded("DTSTART")  # 14:00 in Paris in summer
    assert start.utcoffset() == timedelta(0) and (start.hour, start.minute, start.day) == (12, 0, 13)
    assert "TZID" not in e2["DTSTART"].params
    meetings.cancel(session, m, manager, now)
    cancelled = icalendar.Calendar.from_ical(invitation(session, settings, m, now).ics)
    assert str(cancelled["METHOD"]) == "CANCEL" and int(cancelled.walk("VEVENT")[0]["SEQUENCE"]) == 2


@pytest.mark.parametrize("kind", ["agenda", "minutes"])
def test_meeting_documents_match_their_snapshots(session, settings, meeting, now, kind):
    html = render(session, settings, meeting.site, kind, "html", now, meeting).decode()
    assert_snapshot(f"{kind}.html", html)


@pytest.mark.parametrize("kind", ["decisions", "project_note", "team_file"])
def test_site_documents_match_their_snapshots(session, settings, meeting, now, kind):
    html = render(session, settings, meeting.site, kind, "html", now).decode()
    assert_snapshot(f"{kind}.html", html)


def test_the_minutes_pdf_renders_to_an_image_and_has_text(session, settings, meeting, now, tmp_path):
    # poppler-utils is installed by scripts/test; without it this fails rather than skips
    assert shutil.which("pdftoppm"), "pdftoppm missing: run the tests through scripts/test"
    pdf = render(session, settings, meeting.site, "minutes", "pdf", now, meeting)
    assert pdf.startswith(b"%PDF")
    (tmp_path / "m.pdf").write_bytes(pdf)
    subprocess.run(["pdftoppm", "-png", "-r", "40", "-f", "1", "-l", "1", str(tmp_path / "m.pdf"),
                    str(tmp_path / "page")], check=True)
    [png] = list(tmp_path.glob("page*.png"))
    assert png.stat().st_size > 2000
    text = subprocess.run(["pdftotext", str(tmp_path / "m.pdf"), "-"], check=True, capture_output=True,
                          text=True).stdout
    assert "Compte rendu - Comité de test" in text and "Méthodologie du diagnostic validée" in text


def test_the_project_note_docx_has_its_sections(session, settings, meeting, now):
    doc = Document(io.BytesIO(render(session, settings, meeting.site, "project_note", "docx", now)))
    headings = [p.text for p in doc.paragraphs if p.style.name.startswith(("Heading", "Title"))]
    assert headings[0] == "Note de projet - Atelier bois & métal"
    for heading in ("Objectifs", "Besoins", "Méthode", "Rétroplanning", "Rôles et gouvernance", "Gouvernance"):
        assert heading in headings
    assert any("menuiserie" in p.text for p in doc.paragraphs)
    assert doc.tables[1].rows[0].cells[0].text == "Étape"


def test_a_meeting_document_without_its_meeting_is_refused(session, settings, meeting, now):
    with refused("document.meeting_required", field="meeting", kind="minutes"):
        render(session, settings, meeting.site, "minutes", "html", now)
    with refused("document.docx_kinds", field="format", kind="minutes"):
        render(session, settings, meeting.site, "minutes", "docx", now, meeting)


def test_a_template_using_an_undefined_value_fails_loudly(tmp_path):
    (tmp_path / "x.html").write_text("{{ site.missing_value }}")
    with pytest.raises(UndefinedError):
        render_template(tmp_path, "x.html", site={})


def test_the_decision_record_of_one_meeting_lists_only_its_decisions(session, settings, meeting, manager, now):
    from setupflow.sites import operations as ops

    ops.record_decision(session, meeting.site, key=None, value=None, text="Décision hors réunion", actor=manager,
                        now=now)
    html = render(session, settings, meeting.site, "decisions", "html", now, meeting).decode()
    assert "Méthodologie du diagnostic validée" in html and "hors réunion" not in html
    assert "Comité de test, réunion du 5 janvier 2027" in html
    assert "hors réunion" in render(session, settings, meeting.site, "decisions", "html", now).decode()


def pdf_objects(pdf: bytes) -> bytes:
    """The PDF's objects, compressed object streams included (where the catalog's /Lang is)."""
    import re
    import zlib

    out = [pdf]
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            out.append(zlib.decompress(stream))
        except zlib.error:
            pass
    return b"\n".join(out)


def pdf_info(pdf: bytes, tmp_path) -> dict:
    (tmp_path / "d.pdf").write_bytes(pdf)
    info = subprocess.run(["pdfinfo", str(tmp_path / "d.pdf")], check=True, capture_output=True, text=True).stdout
    return {k.strip(): v.strip() for k, v in (line.split(":", 1) for line in info.splitlines() if ":" in line)}


@pytest.mark.parametrize("kind", ["invitation", "agenda", "minutes", "decisions", "project_note", "team_file"])
def test_every_pdf_is_tagged_pdf_ua_with_its_language_and_title(session, settings, meeting, now, tmp_path, kind):
    """The documents a public service hands out fall under the same accessibility rules as
    its pages: a screen reader follows a tagged PDF (PDF/UA), in its language."""
    assert shutil.which("pdfinfo"), "pdfinfo missing: run the tests through scripts/test"
    pdf = render(session, settings, meeting.site, kind, "pdf", now, meeting)
    info = pdf_info(pdf, tmp_path)
    assert info.get("Tagged") == "yes" and info.get("Title"), info
    objects = pdf_objects(pdf)
    assert b"/Lang (fr)" in objects or b"/Lang(fr)" in objects
    assert b"pdfuaid" in objects  # the PDF/UA identification in its XMP metadata


def test_the_call_pdf_is_tagged_in_its_own_language(session, settings, make_site, manager, now, tmp_path):
    from setupflow.calls.document import render_call
    from setupflow.calls.operations import create_call, edit_call

    site = make_site(workflow="work")
    call = create_call(session, site, None, actor=manager, now=now)
    edit_call(session, site, call, actor=manager, now=now, body="Texte de l'appel", needs="Besoins")
    session.commit()
    pdf = render_call(settings.templates_dir, site, call, "pdf", "en")
    info = pdf_info(pdf, tmp_path)
    assert info.get("Tagged") == "yes", info
    assert b"/Lang (en)" in pdf_objects(pdf) or b"/Lang(en)" in pdf_objects(pdf)


@pytest.mark.parametrize("kind", ["decisions", "project_note", "team_file"])
def test_every_docx_uses_heading_styles_and_carries_its_title_and_language(session, settings, meeting, now, kind):
    doc = Document(io.BytesIO(render(session, settings, meeting.site, kind, "docx", now)))
    styles = [p.style.name for p in doc.paragraphs if p.text.strip()]
    assert styles[0] == "Title" and any(s.startswith("Heading ") for s in styles)
    headings = [p for p in doc.paragraphs if p.style.name.startswith(("Heading", "Title"))]
    assert doc.core_properties.title == headings[0].text and doc.core_properties.language == "fr-FR"


@pytest.mark.method
def test_the_guides_project_note_lists_its_five_stages_and_its_two_committees(session, settings, make_site, now):
    """The note rendered from the shipped method: the guide's stages with their durations,
    its committees with their cadence."""
    site = make_site(name="Atelier du guide", workflow="cress-disp")
    html = render(session, settings, site, "project_note", "html", now).decode()
    for stage in ("Planifier et mobiliser", "Coopérer et créer les groupes de travail",
                  "Diagnostiquer et qualifier les besoins", "Trouver un porteur (AMI)",
                  "Accompagner jusqu&#39;à l&#39;ouverture"):
        assert f"<tr><td>{stage}</td><td>" in html, stage
    assert "<td>Comité technique</td>" in html and "<td>Comité partenarial</td>" in html
    assert "<td>1 à 2 par trimestre</td>" in html and "<td>environ 2 par an</td>" in html

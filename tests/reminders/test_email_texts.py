"""The e-mails read as written (snapshots), in French by default and English on request;
HTML is escaped, and a missing template variable is an error, never an empty hole."""
from __future__ import annotations

from pathlib import Path

import pytest
from jinja2 import UndefinedError

from setupflow.reminders.messages import Renderer

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
MEETING = {"uid": "0f1e@setupflow", "sequence": 0, "starts": "2027-03-10T13:00:00+00:00",
           "ends": "2027-03-10T15:00:00+00:00", "title": "Comité technique", "place": "Salle <B> du greffe",
           "video_url": None, "timezone": "Europe/Paris", "description": None}
CONTEXT = {"site": {"id": 3, "name": "Atelier fictif de Lanvaux"}, "name": "Ana Fictive",
           "link": "https://setupflow.test/sites/3/meetings/7", "meeting": MEETING}


def test_the_day_before_reminder_in_french():
    subject, text, _ = Renderer(TEMPLATES).render("meeting_tomorrow", "fr", CONTEXT)
    assert subject == "Demain : Comité technique"
    assert text == (
        "Bonjour Ana Fictive,\n\n"
        "Petit rappel : la réunion a lieu demain.\n\n"
        "Comité technique (Atelier fictif de Lanvaux)\n"
        "Date : mercredi 10 mars 2027 à 14 h 00\n"
        "Lieu : Salle <B> du greffe\n\n"
        "--\n"
        "Message envoyé automatiquement par setupflow.\n"
        "https://setupflow.test/sites/3/meetings/7\n")


def test_the_invitation_in_english_and_html_escaped():
    subject, text, html = Renderer(TEMPLATES).render("meeting_invitation", "en", CONTEXT)
    assert subject == "Invitation: Comité technique on Wednesday, March 10, 2027 at 14:00"
    assert "Where: Salle <B> du greffe" in text
    assert "Salle &lt;B&gt; du greffe" in html and "<B>" not in html


def test_a_missing_variable_is_an_error():
    with pytest.raises(UndefinedError):
        Renderer(TEMPLATES).render("meeting_tomorrow", "fr", {**CONTEXT, "meeting": {"title": "x"}})


@pytest.mark.parametrize("template", sorted({p.name.split(".")[0] for p in (TEMPLATES / "emails").glob("*.txt")}))
def test_every_template_exists_in_both_languages(template):
    assert (TEMPLATES / "emails" / f"{template}.fr.txt").is_file()
    assert (TEMPLATES / "emails" / f"{template}.en.txt").is_file()

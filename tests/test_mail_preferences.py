"""The mail preferences page works without an account, from the signed link of an e-mail:
one click (RFC 8058) stops a kind of reminder, the form stops or resumes each kind."""
from sqlalchemy import select

from setupflow.reminders import unsubscribe
from setupflow.reminders.models import MailPreference

from web_fixtures import *  # noqa: F401,F403


def link(app, email="ana@example.org"):
    return unsubscribe.preferences_path(email, app.config["SECRET_KEY"])


def test_one_click_stops_the_kind_of_reminder_the_email_was(app, web_session):
    anonymous = app.test_client()
    answer = anonymous.post(link(app) + "?stop=meeting_tomorrow", data={"List-Unsubscribe": "One-Click"})
    assert answer.status_code == 200
    pref = web_session.scalar(select(MailPreference).where(MailPreference.email == "ana@example.org"))
    assert pref.stopped == ["meeting_tomorrow"]
    assert anonymous.post(link(app) + "?stop=meeting_invitation",
                          data={"List-Unsubscribe": "One-Click"}).status_code == 400  # invitations always go


def test_the_page_lets_a_person_without_account_choose_and_a_forged_link_is_not_found(app, web_session):
    anonymous = app.test_client()
    page = anonymous.get(link(app)).get_data(as_text=True)
    assert "Vos préférences d’e-mails" in page and "ana@example.org" in page
    assert 'value="weekly_digest" >' in page or 'value="weekly_digest">' in page  # off: not a project lead
    answer = anonymous.post(link(app), data={"receive": ["action_due", "weekly_digest"]})
    assert answer.status_code == 200
    pref = web_session.scalar(select(MailPreference).where(MailPreference.email == "ana@example.org"))
    assert "action_due" not in pref.stopped and "action_overdue" in pref.stopped and pref.weekly_digest is True
    forged = link(app)[:-1] + ("0" if link(app)[-1] != "0" else "1")
    assert anonymous.get(forged).status_code == 404

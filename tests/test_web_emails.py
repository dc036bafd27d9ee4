"""Every e-mail is visible before it leaves: the site's e-mail view for its managers, the
meeting page's e-mails, a person's own upcoming reminders; a manager holds one and the
view says who did it."""
import html
import re
from datetime import timedelta

from sqlalchemy import select

from setupflow.committees import operations as meetings
from setupflow.reminders.models import Reminder
from setupflow.reminders.operations import plan_site

from web_fixtures import *  # noqa: F401,F403


def text_of(page: str) -> str:
    # ASCII whitespace only: the no-break spaces of French typography are part of the text
    return re.sub(r"[ \t\r\n]+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page))).strip()


def site_with_meeting(site_in, web_session, manager, now, email="ana@example.org"):
    from setupflow.team import operations as team

    site = site_in()
    org = team.organisation_for(web_session, site, "ep", manager, now)
    team.add_person(web_session, site, name="Ana Fictive", email=email, organisation=org, actor=manager, now=now,
                    committees=["technical"], start_on=site.start_on)
    m = meetings.schedule(web_session, site, "technical", "2027-03-10T14:00", manager, now)
    plan_site(web_session, site, now)
    web_session.commit()
    return site, m


def test_the_lead_sees_what_will_go_out_holds_one_and_reads_who_held_it(site_in, web_session, logged_in, manager,
                                                                         now):
    site, m = site_with_meeting(site_in, web_session, manager, now)
    lead = logged_in("lead@example.test", "lead", sites=[site])
    page = lead.get(f"/sites/{site.id}/emails")
    assert page.status_code == 200
    body = text_of(page.get_data(as_text=True))
    upcoming = body.split("Partira", 1)[1].split("Envoyés", 1)[0]
    assert "24/02/2027 09:00 · Ana Fictive <ana@example.org> Invitation à la réunion" in upcoming
    assert "Invitation\u00a0: Comité technique le mercredi 10 mars 2027" in upcoming
    row = web_session.scalar(select(Reminder).where(Reminder.rule == "invitation"))
    answer = lead.post(f"/sites/{site.id}/emails/{row.id}/hold", data={"next": f"/sites/{site.id}/emails"})
    assert answer.status_code == 303
    web_session.expire_all()
    assert web_session.get(Reminder, row.id).state == "held"
    held = text_of(lead.get(f"/sites/{site.id}/emails").get_data(as_text=True))
    assert "Retenus ou annulés Retenu (par lead <lead@example.test>)" in held, held
    history = text_of(lead.get(f"/sites/{site.id}").get_data(as_text=True))
    assert "E-mail à ana@example.org retenu" in history
    # the meeting page shows the same e-mails, held one included
    meeting_page = text_of(lead.get(f"/sites/{site.id}/meetings/{m.id}").get_data(as_text=True))
    assert "E-mails de cette réunion" in meeting_page and "Retenu (par lead <lead@example.test>)" in meeting_page


def test_a_partner_neither_sees_nor_changes_the_sites_emails(site_in, web_session, logged_in, manager, now):
    site, _ = site_with_meeting(site_in, web_session, manager, now)
    partner = logged_in("partner@example.test", "partner", sites=[site])
    assert partner.get(f"/sites/{site.id}/emails").status_code == 403
    row = web_session.scalar(select(Reminder).where(Reminder.rule == "invitation"))
    assert partner.post(f"/sites/{site.id}/emails/{row.id}/cancel").status_code == 403
    assert 'href="/sites/%d/emails"' % site.id not in partner.get(f"/sites/{site.id}").get_data(as_text=True)
    assert "E-mails de cette réunion" not in partner.get(f"/sites/{site.id}/meetings/{_.id}").get_data(as_text=True)


def test_a_reminder_of_another_site_is_not_found(site_in, web_session, logged_in, manager, now):
    site, _ = site_with_meeting(site_in, web_session, manager, now)
    other = site_in(name="Autre atelier")
    cress = logged_in("cress@example.test", "cress", region="Bretagne")
    row = web_session.scalar(select(Reminder).where(Reminder.rule == "invitation"))
    assert cress.post(f"/sites/{other.id}/emails/{row.id}/hold").status_code == 404


def test_confirming_a_meeting_says_when_the_invitations_leave(site_in, web_session, logged_in, manager, now):
    from setupflow.committees.proposals import propose
    from setupflow.team import operations as team

    site = site_in()
    org = team.organisation_for(web_session, site, "ep", manager, now)
    team.add_person(web_session, site, name="Ana Fictive", email="ana@example.org", organisation=org, actor=manager,
                    now=now, committees=["technical"], start_on=site.start_on)
    proposal = min((m for m in propose(web_session, site, now, manager) if m.committee_id == "technical"),
                   key=lambda m: m.starts_dt)
    web_session.commit()
    lead = logged_in("lead@example.test", "lead", sites=[site])
    answer = lead.post(f"/sites/{site.id}/meetings/{proposal.id}/confirm", follow_redirects=True)
    body = text_of(answer.get_data(as_text=True))
    leaves = (proposal.starts_dt - timedelta(days=14)).date()
    assert "Réunion confirmée\u00a0; les invitations partent le" in body
    assert leaves.strftime("%d/%m/%Y") in body.split("les invitations partent le", 1)[1][:30]


def test_each_person_reads_their_own_upcoming_reminders(site_in, web_session, logged_in, manager, now):
    site, _ = site_with_meeting(site_in, web_session, manager, now, email="lead@example.test")
    lead = logged_in("lead@example.test", "lead", sites=[site])
    body = text_of(lead.get("/notifications").get_data(as_text=True))
    upcoming = body.split("Rappels à venir", 1)[1].split("Envoyés", 1)[0]
    assert "Rien de prévu" not in upcoming and "Invitation\u00a0: Comité technique" in upcoming


def test_an_administrator_reads_in_french_that_no_mail_server_is_configured(site_in, web_session, logged_in,
                                                                            manager, now, web_db):
    from datetime import datetime, timezone

    from setupflow.reminders.health import note_run
    from setupflow.reminders.sweep import SweepResult

    from setupflow.accounts.mail import send_account_mail

    send_account_mail(web_session, to="x@example.org", name="X", language="fr", template="password_reset",
                      context={"path": "/x"}, now=now)  # due now, and no SMTP server to send it
    web_session.commit()
    note_run(web_db.factory, "sweep", datetime.now(timezone.utc), SweepResult(held=3).problem())
    admin = logged_in("admin@example.test", "admin")
    worker = text_of(admin.get("/notifications").get_data(as_text=True)).split("Envoi, chaque minute", 1)[1]
    assert "aucun serveur de messagerie n’est configuré (SETUPFLOW_SMTP_HOST)" in worker.split("Planification")[0]
    assert "no SMTP server" not in worker

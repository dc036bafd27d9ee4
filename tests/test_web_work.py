"""The pages of each stage's work, through the test client: what a lead records there is
what the engine keeps, refusals say what and where and keep what was typed."""
import html
import io
import re
import subprocess

import pytest
from sqlalchemy import select

from setupflow.calls.models import Call
from setupflow.reminders.models import FeedToken
from setupflow.sites import operations as ops
from setupflow.sites.models import HistoryEntry, Site

from web_fixtures import *  # noqa: F401,F403


@pytest.fixture
def lead_on(site_in, logged_in):
    def make(stage=None, web_walk=None, **kw):
        site = site_in(**kw)
        if stage:
            web_walk(site, stage)
        return site, logged_in("lead@example.test", "lead", sites=(site,))
    return make


def test_a_lead_fills_the_diagnostic_and_its_tasks_become_met(lead_on, web_session, web_walk):
    site, client = lead_on("diagnose", web_walk)
    no_date = client.post(f"/sites/{site.id}/diagnostic/sources", data={"status-registry": "obtained",
                                                                       "provider-registry": "Service du greffe"})
    text = no_date.get_data(as_text=True)
    assert no_date.status_code == 400 and "Greffe\u00a0: Donnez la date" in text and 'value="Service du greffe"' in text
    sources = {f"status-{s.id}": "unavailable" for s in ops.workflow_of(site).work.diagnostic.sources}
    sources.update({"status-registry": "obtained", "obtained-registry": "2027-01-02", "provider-registry": "Greffe"})
    assert client.post(f"/sites/{site.id}/diagnostic/sources", data=sources).status_code == 303
    client.post(f"/sites/{site.id}/diagnostic/indicators",
                data={"dimension": "age_bracket", "count-under_25": "3", "count-from_25_to_39": "40",
                      "count-from_40_to_54": "22", "count-over_55": "9"})
    client.post(f"/sites/{site.id}/diagnostic/interviews",
                data={"held_on": "2027-01-03", "audience": "detainees", "format": "group", "participants": "6",
                      "themes": "envie de formation\nsortie sans logement"})
    client.post(f"/sites/{site.id}/diagnostic/conclusions", data={"conclusions": "Besoin d'un atelier adapté."})
    page = client.get(f"/sites/{site.id}/diagnostic").get_data(as_text=True)
    assert re.search(r'data-category="under_25">&lt;5<', page)
    assert "sortie sans logement" in page
    web_session.expire_all()
    done = ops.done_tasks(web_session, site)
    evidenced = [t.id for t in ops.workflow_of(site).stage("diagnose").tasks if t.evidence]
    assert evidenced and set(evidenced) <= done
    csv = client.get(f"/sites/{site.id}/diagnostic/indicators.csv").get_data(as_text=True)
    assert "<5" in csv and ";3;" not in csv and csv.startswith("\ufeff")


def test_a_detainees_name_in_an_interview_theme_is_refused_and_the_typing_kept(lead_on, web_session, web_walk):
    site, client = lead_on("diagnose", web_walk)
    response = client.post(f"/sites/{site.id}/diagnostic/interviews",
                           data={"held_on": "2027-01-03", "audience": "detainees", "format": "individual",
                                 "participants": "1", "themes": "Jean DURAND veut travailler en cuisine"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Thèmes abordés" in page and "nom d&#39;une personne" in page
    assert "Jean DURAND veut travailler en cuisine</textarea>" in page
    from setupflow.diagnostic.models import Interview
    assert web_session.scalar(select(Interview.id)) is None


def test_the_structure_type_is_chosen_in_a_held_technical_committee_with_its_rationale(lead_on, web_session, web_walk,
                                                                                      manager, now):
    from setupflow.demo_work import held_meeting

    site, client = lead_on("diagnose", web_walk)
    form = {"structure": "ESAT", "rationale": "Besoins de santé"}
    page = client.post(f"/sites/{site.id}/diagnostic/structure", data=form).get_data(as_text=True)
    # the technical committee has met (its installation in cooperate is a meeting held with minutes),
    # but the choice names none of its meetings
    assert "indiquez laquelle" in page
    meeting = held_meeting(web_session, site, "technical", manager, now)
    web_session.commit()
    client.post(f"/sites/{site.id}/diagnostic/structure", data={**form, "meeting": str(meeting.id)})
    web_session.expire_all()
    decision = ops.current_decisions(web_session, site)["structure_type"]
    assert (decision.value, decision.text, decision.meeting_id) == ("ESAT", "Besoins de santé", meeting.id)


def test_a_partner_reads_the_diagnostic_but_cannot_post(site_in, logged_in):
    site = site_in()
    client = logged_in("partner@example.test", "partner", sites=(site,))
    assert client.get(f"/sites/{site.id}/diagnostic").status_code == 200
    assert client.post(f"/sites/{site.id}/diagnostic/conclusions", data={"conclusions": "x"}).status_code == 403


def _call(client, site, web_session):
    assert client.post(f"/sites/{site.id}/calls", data={"call": "ami"}).status_code == 303
    call = web_session.scalar(select(Call).where(Call.site_id == site.id))
    return call


def test_a_call_is_drafted_published_with_a_short_window_warning_and_rendered(lead_on, web_session, web_walk, tmp_path):
    site, client = lead_on("call", web_walk)
    call = _call(client, site, web_session)
    assert client.post(f"/sites/{site.id}/calls/{call.id}/text",
                       data={"version": call.version_id, "title": call.title, "needs": "Remobilisation par le travail",
                             "body": "Nous cherchons une structure.", "capacity": "12", "workshop_zone": "",
                             "surveillance_constraints": ""}).status_code == 303
    stale = client.post(f"/sites/{site.id}/calls/{call.id}/text",
                        data={"version": call.version_id, "title": "Autre", "needs": "x", "body": "y"})
    assert stale.status_code == 409 and "Autre" in stale.get_data(as_text=True)
    client.post(f"/sites/{site.id}/calls/{call.id}/weights",
                data={f"weight-{c['id']}": ("7" if i == 0 else str(c["weight"])) for i, c in enumerate(call.criteria)})
    published = client.post(f"/sites/{site.id}/calls/{call.id}/publish",
                            data={"published_on": "2027-01-04", "closes_on": "2027-02-01"}, follow_redirects=True)
    assert "28 jours" in published.get_data(as_text=True)
    pdf = client.get(f"/sites/{site.id}/calls/{call.id}/document.pdf")
    assert pdf.headers["Content-Disposition"].startswith("attachment")
    (tmp_path / "call.pdf").write_bytes(pdf.data)
    text = subprocess.run(["pdftotext", str(tmp_path / "call.pdf"), "-"], capture_output=True, text=True).stdout
    assert "Remobilisation par le travail" in text and "Statut juridique" in text and "7" in text
    from docx import Document
    doc = Document(io.BytesIO(client.get(f"/sites/{site.id}/calls/{call.id}/document.docx").data))
    words = "\n".join(p.text for p in doc.paragraphs) + "\n".join(c.text for t in doc.tables for r in t.rows
                                                                 for c in r.cells)
    assert "Remobilisation par le travail" in words and "Statut juridique" in words and "7" in words


def test_applications_files_scores_and_selection(lead_on, web_session, web_walk, app, manager, now):
    site, client = lead_on("call", web_walk)
    call = _call(client, site, web_session)
    client.post(f"/sites/{site.id}/calls/{call.id}/text", data={"version": call.version_id, "title": call.title,
                                                               "needs": "Besoins", "body": "Texte"})
    client.post(f"/sites/{site.id}/calls/{call.id}/publish", data={"published_on": "2026-10-01",
                                                                  "closes_on": "2027-01-01"})
    client.post(f"/sites/{site.id}/calls/{call.id}/applications",
                data={"organisation": "Menuiserie fictive", "legal_status": "Association", "activity": "Bois",
                      "received_on": "2026-12-01"})
    web_session.expire_all()
    application = web_session.get(Call, call.id).applications[0]
    url = f"/sites/{site.id}/calls/{call.id}/applications/{application.id}/files"
    fake = client.post(url, data={"file": (io.BytesIO(b"<html>pas un pdf</html>"), "offre.pdf")},
                       content_type="multipart/form-data")
    assert fake.status_code == 400 and "Le fichier offre.pdf n&#39;est pas d&#39;un type accepté" in \
        fake.get_data(as_text=True)
    big = client.post(url, data={"file": (io.BytesIO(b"%PDF-" + b"0" * (11 * 1024 * 1024)), "gros.pdf")},
                      content_type="multipart/form-data")
    assert big.status_code == 413
    three_mb = b"%PDF-1.4 " + b"0" * (3 * 1024 * 1024)  # above the 2 MB of ordinary forms, within the file limit
    assert client.post(url, data={"file": (io.BytesIO(three_mb), "annexe.pdf")},
                       content_type="multipart/form-data").status_code == 303
    assert client.post(url, data={"file": (io.BytesIO(b"%PDF-1.4 offre"), "offre.pdf")},
                       content_type="multipart/form-data").status_code == 303
    web_session.expire_all()
    file = web_session.get(Call, call.id).applications[0].files[-1]
    got = client.get(f"{url}/{file.id}")
    assert got.data == b"%PDF-1.4 offre" and got.headers["Content-Disposition"].startswith("attachment")
    scores = {f"score-{c['id']}": "4" for c in call.criteria}
    score_url = f"/sites/{site.id}/calls/{call.id}/applications/{application.id}/scores"
    # a score sheet is by a member of the committee that selects: the form offers them, free text is refused
    assert client.post(score_url, data={"member": "Membre A", **scores}).status_code == 400
    from setupflow.team import operations as team

    here = web_session.get(Site, site.id)
    member = team.add_person(web_session, here, name="Membre A", email="membre.a@example.org",
                             organisation=team.organisation_for(web_session, here, "cress", manager, now),
                             actor=manager, now=now, committees=("technical",), start_on=here.start_on)
    web_session.commit()
    form = client.get(f"/sites/{site.id}/calls/{call.id}").get_data(as_text=True)
    assert f'<option value="{member.id}" >Membre A (' in form
    assert client.post(score_url, data={"member": str(member.id), **scores}).status_code == 303
    page = client.get(f"/sites/{site.id}/calls/{call.id}").get_data(as_text=True)
    assert "4.00 / 5" in page
    assert re.search(r'<th scope="row">Membre A</th>(<td>4</td>){%d}</tr>' % len(call.criteria), page)
    from setupflow.demo_work import held_meeting

    client.post(f"/sites/{site.id}/calls/{call.id}/selection", data={"application": str(application.id)})
    web_session.expire_all()
    assert "sponsor" not in ops.current_decisions(web_session, site), "a selection is made in a held meeting"
    meeting = held_meeting(web_session, web_session.get(Site, site.id), "technical", manager, now)
    web_session.commit()
    client.post(f"/sites/{site.id}/calls/{call.id}/selection", data={"application": str(application.id),
                                                                     "meeting": str(meeting.id)})
    web_session.expire_all()
    sponsor = ops.current_decisions(web_session, site)["sponsor"]
    assert (sponsor.value, sponsor.meeting_id) == ("Menuiserie fictive", meeting.id)


def test_the_dui_signatures_may_change_the_usual_order_and_one_outside_its_window_is_flagged(lead_on, web_session,
                                                                                             web_walk):
    site, client = lead_on("support", web_walk)
    dui = ops.workflow_of(site).work.support.dui
    second = dui.signatories[1].id
    page = client.get(f"/sites/{site.id}/support").get_data(as_text=True)
    assert f'<option value="{second}"' in page, "any waiting signatory can sign next"
    assert client.post(f"/sites/{site.id}/support/dui", data={"signatory": second, "signed_on": "2027-01-02",
                                                              "signed_by": "Direction"}).status_code == 303
    for s in dui.signatories:
        if s.id != second:
            assert client.post(f"/sites/{site.id}/support/dui", data={"signatory": s.id, "signed_on": "2027-01-03",
                                                                      "signed_by": "Signataire"}).status_code == 303
    client.post(f"/sites/{site.id}/support/opening", data={"opening_on": "2029-01-01"})
    client.post(f"/sites/{site.id}/support/immersion", data={"starts_on": "2028-11-01", "ends_on": "2028-11-15"})
    page = html.unescape(client.get(f"/sites/{site.id}/support").get_data(as_text=True))
    # signed two years before the window the confirmed opening gives (November 2028)
    assert page.count("en dehors de la fenêtre prévue") == len(dui.signatories)
    assert "Signataire" in page and "2028-11-01" in page
    web_session.expire_all()
    assert ops.current_decisions(web_session, site)[dui.signed_decision].value == "2027-01-03"
    entries = web_session.scalars(select(HistoryEntry).where(HistoryEntry.site_id == site.id,
                                                            HistoryEntry.action == "dui_signature")).all()
    assert [e.detail["signatory"] for e in entries if "before" in e.detail] == [second]
    assert all(e.detail.get("outside_window") for e in entries)


def test_a_stale_budget_edit_is_refused_and_the_entry_kept(lead_on, web_session):
    site, client = lead_on()
    client.post(f"/sites/{site.id}/budget/lines", data={"kind": "income", "category": "grant", "label": "Subvention",
                                                        "funder": "Région", "status": "requested",
                                                        "planned": "10 000,50"})
    page = client.get(f"/sites/{site.id}/budget").get_data(as_text=True)
    assert "10\u202f000,50\u00a0€" in page  # French currency, by Babel
    too_precise = client.post(f"/sites/{site.id}/budget/lines", data={"kind": "expense", "category": "staff",
                                                                      "label": "Encadrant", "planned": "12,345"})
    assert too_precise.status_code == 400
    assert "Montant prévu (€)\u00a0: 12,345 a plus de 2 décimales." in too_precise.get_data(as_text=True)
    line_id = re.search(r"/budget/lines/(\d+)", page).group(1)
    form = {"kind": "income", "category": "grant", "label": "Subvention", "funder": "Région", "status": "granted",
            "planned": "10000.50", "actual": "", "version": "1"}
    assert client.post(f"/sites/{site.id}/budget/lines/{line_id}", data=form).status_code == 303
    stale = client.post(f"/sites/{site.id}/budget/lines/{line_id}", data={**form, "planned": "99"})
    assert stale.status_code == 409 and 'value="99"' in stale.get_data(as_text=True)
    history = client.get(f"/sites/{site.id}/budget/lines/{line_id}").get_data(as_text=True)
    assert "Statut\u00a0: Demandée → Accordée" in history and "Prévu (€)\u00a0: — → 10\u202f000,50\u00a0€" in history


def test_notifications_list_the_persons_outbox_and_feeds_work_until_revoked(app, site_in, logged_in, web_session,
                                                                            now):
    from setupflow.accounts.mail import send_account_mail

    site = site_in()
    client = logged_in("Lead@Example.test", "lead", sites=(site,))
    send_account_mail(web_session, to="LEAD@example.test", name="Lead", language="fr", template="password_reset",
                      context={"path": "/x"}, now=now)
    web_session.commit()
    page = client.get("/notifications").get_data(as_text=True)
    assert "réinitialiser votre mot de passe" in page
    created = client.post("/notifications/feeds", data={"site": str(site.id)}).get_data(as_text=True)
    url = re.search(r'<code id="new-feed">([^<]+)</code>', created).group(1)
    assert url.startswith("http://localhost/feeds/")  # the address the page was served from
    path = url.split("localhost", 1)[1]
    anonymous = app.test_client()
    feed = anonymous.get(path)
    assert feed.status_code == 200 and b"BEGIN:VCALENDAR" in feed.data
    assert feed.headers["X-Content-Type-Options"] == "nosniff"
    feed_id = web_session.scalar(select(FeedToken.id))
    client.post(f"/notifications/feeds/{feed_id}/revoke")
    assert anonymous.get(path).status_code == 404
    assert anonymous.get("/feeds/unknown.ics").status_code == 404


def test_only_the_persons_own_rows_are_listed_and_admins_also_see_dead_ones(site_in, logged_in, web_session, now):
    from setupflow.accounts.mail import send_account_mail

    site = site_in()
    lead = logged_in("lead@example.test", "lead", sites=(site,))
    admin = logged_in("admin@example.test", "admin")
    send_account_mail(web_session, to="someone.else@example.test", name="Autre", language="fr",
                      template="password_reset", context={"path": "/x"}, now=now)
    row = send_account_mail(web_session, to="lead@example.test", name="Lead", language="en",
                            template="password_reset", context={"path": "/y"}, now=now)
    row.state, row.attempts, row.last_error = "dead", 8, "refused by the SMTP server: 550 no such user"
    web_session.commit()
    assert "reset your password" not in lead.get("/notifications").get_data(as_text=True)
    page = admin.get("/notifications").get_data(as_text=True)
    assert "550 no such user" in page and "lead@example.test" in page
    assert "someone.else" not in page.split('id="dead"')[0]
    refused = lead.post("/notifications/feeds", data={})
    assert refused.status_code == 400 and "aucun site" in refused.get_data(as_text=True)
    admin.post("/notifications/feeds", data={"site": str(site.id)})
    feed_id = web_session.scalar(select(FeedToken.id))
    other = site_in("Pays de la Loire", name="Ailleurs")
    outsider = logged_in("outsider@example.test", "lead", sites=(other,))
    assert outsider.post(f"/notifications/feeds/{feed_id}/revoke").status_code == 404
    assert outsider.post("/notifications/feeds", data={"site": str(site.id)}).status_code == 404


def test_the_support_work_done_in_the_page_lets_the_site_advance_to_opened(lead_on, web_session, web_walk, manager,
                                                                           now):
    site, client = lead_on("support", web_walk)
    workflow = ops.workflow_of(site)
    support = workflow.work.support
    for stream in support.workstreams:
        for item in stream.checklist:
            client.post(f"/sites/{site.id}/support/items", data={"workstream": stream.id, "item": item.id,
                                                                 "done": "1"})
    client.post(f"/sites/{site.id}/support/immersion", data={"starts_on": "2026-12-01", "ends_on": "2026-12-15"})
    for s in support.dui.signatories:
        client.post(f"/sites/{site.id}/support/dui", data={"signatory": s.id, "signed_on": "2027-01-02",
                                                          "signed_by": "Signataire"})
    # opening today, months before the support stage's minimum: asked in a second step, then confirmed
    asked = client.post(f"/sites/{site.id}/support/opening", data={"opening_on": now.date().isoformat()})
    assert asked.status_code == 409 and "confirmez pour la garder" in asked.get_data(as_text=True)
    client.post(f"/sites/{site.id}/support/opening", data={"opening_on": now.date().isoformat(), "confirm": "1"})
    web_session.expire_all()
    done = ops.done_tasks(web_session, site)
    gate = workflow.stage("support").gate
    evidenced = [k for k in gate.tasks if workflow.task(k)[1].evidence]
    assert evidenced and set(evidenced) <= done  # met by the work recorded in the page
    for key in gate.tasks:
        if key not in done:  # tasks the method leaves to a tick
            ops.set_task(web_session, site, key, True, manager, now)
    web_session.commit()
    assert "le site peut passer" in client.get(f"/sites/{site.id}/support").get_data(as_text=True)
    assert client.post(f"/sites/{site.id}/advance", data={"confirm": "1"}).status_code in (302, 303)
    web_session.expire_all()
    assert web_session.get(type(site), site.id).stage == workflow.final.id


def test_the_call_page_extends_a_published_call_like_the_command_line(lead_on, web_session, web_walk):
    site, client = lead_on("call", web_walk)
    call = _call(client, site, web_session)
    client.post(f"/sites/{site.id}/calls/{call.id}/text", data={"version": call.version_id, "title": call.title,
                                                               "needs": "Besoins", "body": "Texte"})
    client.post(f"/sites/{site.id}/calls/{call.id}/publish", data={"published_on": "2026-10-01",
                                                                  "closes_on": "2027-01-01"})
    page = client.get(f"/sites/{site.id}/calls/{call.id}").get_data(as_text=True)
    assert "Prolonger l'appel" in html.unescape(page)
    refused = client.post(f"/sites/{site.id}/calls/{call.id}/extend", data={"closes_on": "2026-12-01",
                                                                           "reason": "Relance"})
    assert refused.status_code == 400 and "ne prolonge pas l'appel" in html.unescape(refused.get_data(as_text=True))
    assert client.post(f"/sites/{site.id}/calls/{call.id}/extend",
                       data={"closes_on": "2027-02-15", "reason": "Aucune candidature recevable"}).status_code == 303
    web_session.expire_all()
    assert web_session.get(Call, call.id).closes_on.isoformat() == "2027-02-15"


def test_the_diagnostic_page_holds_the_starting_hypotheses_marked_in_the_conclusions(lead_on, web_session, web_walk):
    site, client = lead_on("diagnose", web_walk)
    assert client.post(f"/sites/{site.id}/diagnostic/hypotheses",
                       data={"statement": "Les besoins relèvent d'un ACI"}).status_code == 303
    from setupflow.diagnostic.models import Hypothesis

    row = web_session.scalars(select(Hypothesis)).one()
    url = f"/sites/{site.id}/diagnostic/hypotheses/{row.id}"
    refused = client.post(url, data={"status": "refuted", "finding": ""})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 400 and "Dites ce que le diagnostic a constaté" in page
    assert client.post(url, data={"status": "refuted", "finding": "Une EA répond mieux aux besoins"}).status_code == 303
    page = client.get(f"/sites/{site.id}/diagnostic").get_data(as_text=True)
    assert re.search(r'<li id="hypothesis-%d"><strong class="unmet">Infirmée</strong> — Les besoins relèvent '
                     r"d(&#39;|')un ACI<br><small>Une EA répond mieux aux besoins</small>" % row.id, page)
    document = client.get(f"/sites/{site.id}/documents/diagnostic.html").get_data(as_text=True)
    assert "<td>infirmée</td><td>Une EA répond mieux aux besoins</td>" in document


def test_the_site_page_shows_the_rule_that_meets_each_task_of_the_cooperation(lead_on, web_session, web_walk):
    site, client = lead_on("cooperate", web_walk)
    page = html.unescape(client.get(f"/sites/{site.id}").get_data(as_text=True))
    assert "Faite quand chaque section de la note de projet est rédigée." in page
    assert re.search(r"compte une personne dans le projet pour chacun de\u00a0: [^<]*SPIP[^<]*DISP", page)
    assert re.search(r"Faite quand une réunion du Comité technique s.est tenue", page)

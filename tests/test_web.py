"""The web app as a person meets it: French by default, logins that resist guessing,
forms that need their CSRF token, and the site page driving the method."""
from html import unescape
import re
from datetime import timedelta

from sqlalchemy import select

from setupflow.accounts.models import User
from setupflow.sites.models import Decision, Site, SiteTask

from web_fixtures import *  # noqa: F401,F403
from web_fixtures import PASSWORD, Browser, csrf_token


def test_pages_are_in_french_by_default_and_in_english_on_request(browser):
    page = browser.get("/login").get_data(as_text=True)
    assert '<html lang="fr">' in page and "Se connecter" in page
    browser.post("/language", data={"lang": "en", "next": "/login"})
    page = browser.get("/login").get_data(as_text=True)
    assert '<html lang="en">' in page and "Log in" in page


def test_a_post_without_csrf_token_is_refused_with_400(app, person):
    person("lead@example.test", "lead")
    client = app.test_client()
    response = client.post("/login", data={"email": "lead@example.test", "password": PASSWORD})
    assert response.status_code == 400


def test_the_sixth_failed_login_within_a_minute_answers_429_for_any_account(browser, person):
    person("lead@example.test", "lead")
    for email in ("lead@example.test", "nobody@example.test"):
        for _ in range(5):
            assert browser.login(email, "not the password").status_code == 200
        response = browser.login(email, PASSWORD)
        assert response.status_code == 429


def test_every_response_carries_the_security_headers(browser):
    for url in ("/login", "/no-such-page", "/static/style.css"):
        headers = browser.get(url).headers
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
        assert "unsafe-inline" not in headers["Content-Security-Policy"]
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"]


def test_authenticated_pages_are_not_cached_and_cookies_are_httponly_lax(app, person):
    person("cress@example.test", "cress", region="Bretagne")
    browser = Browser(app.test_client())
    response = browser.login("cress@example.test")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert browser.get("/portfolio").headers["Cache-Control"] == "no-store"


def test_cookies_are_secure_outside_debug_and_testing(sqlite_db, tmp_path):
    from web import create_app

    app = create_app(sqlite_db.settings(data_dir=tmp_path))
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert (tmp_path / "secret_key").read_text() == app.config["SECRET_KEY"]


def test_logout_revokes_the_session_cookie_even_if_replayed(app, person):
    person("lead@example.test", "lead")
    browser = Browser(app.test_client())
    browser.login("lead@example.test")
    stolen = browser.client.get_cookie("setupflow_session").value
    browser.post("/logout")
    thief = app.test_client()
    thief.set_cookie("setupflow_session", stolen)
    assert thief.get("/portfolio").status_code == 302


def test_a_password_reset_link_goes_through_the_outbox_and_works_once(app, browser, person, web_session):
    from sqlalchemy import select

    from setupflow.reminders.messages import Renderer
    from setupflow.reminders.models import Reminder
    from setupflow.reminders.sweep import _with_link

    person("lead@example.test", "lead")
    browser.post("/password/forgot", data={"email": "LEAD@example.test"})
    browser.post("/password/forgot", data={"email": "unknown@example.test"})
    rows = web_session.scalars(select(Reminder)).all()
    assert [(r.recipient, r.state, r.template) for r in rows] == [("lead@example.test", "pending", "password_reset")]
    settings = app.config["SETUPFLOW_SETTINGS"]
    subject, body, _html = Renderer(settings.templates_dir).render(rows[0].template, rows[0].language,
                                                                  _with_link(rows[0].context, settings))
    assert "mot de passe" in subject
    link = re.search(r"http://\S+/password/reset/\S+", body).group(0)
    path = link.split("5000", 1)[1]
    data = {"password": "un-nouveau-mot-de-passe", "password_again": "un-nouveau-mot-de-passe"}
    assert browser.post(path, data=data).status_code == 302
    assert browser.post(path, data=data).status_code == 404
    assert browser.login("lead@example.test", "un-nouveau-mot-de-passe").status_code == 302


def test_cress_lands_on_the_portfolio_and_a_lead_on_their_site(site_in, logged_in):
    site = site_in()
    assert logged_in("cress@example.test", "cress", region="Bretagne").get("/").headers["Location"] == "/portfolio"
    lead = logged_in("lead@example.test", "lead", sites=(site,))
    assert lead.get("/").headers["Location"] == f"/sites/{site.id}"


def test_a_lead_moves_the_site_through_diagnose_on_the_page(site_in, logged_in, web_session, web_walk, manager,
                                                              now):
    site = web_walk(site_in(), "diagnose")
    lead = logged_in("lead@example.test", "lead", sites=(site,))
    url = f"/sites/{site.id}"
    page = lead.get(url).get_data(as_text=True)
    assert "disabled" in page and "Type de structure" in page
    assert lead.post(f"{url}/advance").status_code == 303
    web_session.expire_all()
    assert web_session.get(Site, site.id).stage == "diagnose", "the server enforces the gate"
    assert lead.post(f"{url}/tasks/methodology_validated", data={"done": "1"}).status_code == 303
    lead.post(f"{url}/tasks/diagnostic_done", data={"done": "1"})
    assert web_session.scalar(select(SiteTask).where(SiteTask.task_key == "diagnostic_done")) is None, \
        "a task met by the work cannot be ticked"
    web_session.expire_all()  # the task posted above changed the site since this session read it
    for key in ("diagnostic_done", "survey_conclusions"):  # the diagnostic's pages come with the stage work
        produce_or_tick(web_session, web_session.get(Site, site.id), key, manager, now)
    web_session.commit()
    from setupflow.demo_work import held_meeting

    meeting = held_meeting(web_session, web_session.get(Site, site.id), "technical", manager, now)
    web_session.commit()
    assert f'<option value="{meeting.id}"' in lead.get(f"{url}/diagnostic").get_data(as_text=True)
    form = {"structure": "ESAT", "rationale": "Orientations MDPH nombreuses", "meeting": str(meeting.id)}
    assert lead.post(f"{url}/diagnostic/structure", data=form).status_code == 303
    lead.post(f"{url}/diagnostic/structure", data={**form, "structure": "EA"})
    web_session.expire_all()
    current = web_session.scalars(select(Decision).where(Decision.superseded_by_id.is_(None),
                                                         Decision.key.is_not(None))).all()
    assert [d.value for d in current] == ["ESAT"], "superseding without a reason is refused"
    lead.post(f"{url}/diagnostic/structure", data={**form, "structure": "EA", "supersede_reason": "diagnostic revu"})
    second_step = lead.post(f"{url}/advance")  # the same day the stage began: before its three-month minimum
    assert second_step.status_code == 409
    page = unescape(second_step.get_data(as_text=True))
    assert "atteint sa durée minimale le" in page and 'name="confirm" value="1"' in page
    web_session.expire_all()
    assert web_session.get(Site, site.id).stage == "diagnose", "nothing moves before the confirmation"
    assert lead.post(f"{url}/advance", data={"confirm": "1"}).status_code == 303
    web_session.expire_all()
    assert web_session.get(Site, site.id).stage == "call"
    page = lead.get(url).get_data(as_text=True)
    assert 'role="img"' in page and "<title id=\"tl-title\">" in page


def test_a_cress_user_creates_a_site_and_its_lead(logged_in, web_session):
    cress = logged_in("cress@example.test", "cress", region="Bretagne")
    response = cress.post("/sites/new", data={"name": "Atelier neuf", "workflow": "cress-disp", "start": "2027-02-01",
                                              "opening": "2029-03-01", "region": "Bretagne", "disp": "DISP Rennes"})
    assert response.status_code == 303
    site_id = int(response.headers["Location"].rsplit("/", 1)[1])
    form = cress.get(f"/sites/{site_id}/lead").get_data(as_text=True)
    assert 'type="password"' not in form  # the Cress user never types the lead's password...
    page = cress.post(f"/sites/{site_id}/lead", data={"email": "New.Lead@example.test", "name": "Nouvelle Lead"})
    assert "initial-password" not in page.get_data(as_text=True)  # ...nor sees it
    # the lead receives an invitation through the outbox, with a link to choose a password
    from setupflow.reminders.models import Reminder

    invitation = web_session.scalar(select(Reminder).where(Reminder.recipient == "new.lead@example.test"))
    assert invitation.template == "account_invitation" and invitation.state == "pending"
    link = invitation.context["path"]
    lead = Browser(cress.client.application.test_client())
    assert "Choisissez votre mot de passe" in lead.get(link).get_data(as_text=True)
    chosen = lead.post(link, data={"password": "un-mot-de-passe-choisi", "password_again": "un-mot-de-passe-choisi"})
    assert chosen.status_code == 302
    assert lead.get(link).status_code == 404  # the link works once
    assert lead.login("new.lead@example.test", "un-mot-de-passe-choisi").headers["Location"] == "/"
    assert lead.get("/").headers["Location"] == f"/sites/{site_id}"
    assert web_session.scalar(select(User).where(User.email == "new.lead@example.test")).role == "lead"


def test_a_target_opening_before_the_earliest_possible_is_asked_about_on_a_second_step(logged_in, web_session):
    cress = logged_in("cress@example.test", "cress", region="Bretagne")
    form = {"name": "Atelier pressé", "workflow": "cress-disp", "start": "2026-12-07", "opening": "2027-03-01",
            "region": "Bretagne", "disp": "DISP Rennes"}
    asked = cress.post("/sites/new", data=form)
    page = unescape(asked.get_data(as_text=True))
    assert asked.status_code == 409 and "464 jours avant la plus précoce que permet la méthode" in page
    assert 'name="confirm" value="1"' in page and 'name="opening" value="2027-03-01"' in page
    assert web_session.scalar(select(Site).where(Site.name == "Atelier pressé")) is None, "nothing before the answer"
    created = cress.post("/sites/new", data={**form, "confirm": "1"})
    assert created.status_code == 303
    site = web_session.scalar(select(Site).where(Site.name == "Atelier pressé"))
    assert site is not None and site.target_opening_on.isoformat() == "2027-03-01"


def test_a_cress_user_cannot_create_a_site_in_another_region(logged_in, web_session):
    cress = logged_in("cress@example.test", "cress", region="Bretagne")
    response = cress.post("/sites/new", data={"name": "Ailleurs", "workflow": "cress-disp", "start": "2027-02-01",
                                              "opening": "2029-03-01", "region": "Normandie"})
    assert response.status_code == 400
    assert "Vous ne pouvez créer des sites que dans votre région (Bretagne)." in response.get_data(as_text=True)
    assert web_session.scalar(select(Site).where(Site.name == "Ailleurs")) is None


def test_the_csv_export_neutralises_formulas(site_in, logged_in):
    site_in(name="=HYPERLINK(\"http://evil\")")
    admin = logged_in("admin@example.test", "admin")
    body = admin.get("/portfolio.csv").get_data(as_text=True)
    assert "'=HYPERLINK" in body and "\n=HYPERLINK" not in body


def test_glossary_terms_are_linked_in_guidance(site_in, logged_in):
    site = site_in()
    lead = logged_in("lead@example.test", "lead", sites=(site,))
    page = lead.get(f"/sites/{site.id}").get_data(as_text=True)
    assert re.search(r'<abbr title="[^"]+"><a href="/glossary#term-disp">DISP</a></abbr>', page)
    glossary = lead.get("/glossary").get_data(as_text=True)
    assert 'id="term-disp"' in glossary


def test_the_guidance_side_follows_the_role_and_can_be_switched(site_in, logged_in, catalog):
    from markupsafe import escape

    site = site_in()
    plan = catalog.get("cress-disp").workflow.stage("plan")
    pa, ess = str(escape(plan.guidance.pa.fr[:25])), str(escape(plan.guidance.ess.fr[:25]))
    lead = logged_in("lead@example.test", "lead", sites=(site,))
    page = lead.get(f"/sites/{site.id}").get_data(as_text=True)
    assert pa in page and ess not in page
    page = lead.get(f"/sites/{site.id}?side=ess").get_data(as_text=True)
    assert ess in page and pa not in page
    cress = logged_in("cress@example.test", "cress", region="Bretagne")
    assert ess in cress.get(f"/sites/{site.id}").get_data(as_text=True)


def test_disabling_an_account_ends_its_live_session(app, person, web_session):
    from setupflow.accounts.operations import disable_user

    user = person("lead@example.test", "lead")
    browser = Browser(app.test_client())
    browser.login("lead@example.test")
    assert browser.get("/portfolio").status_code == 200
    disable_user(web_session, web_session.get(User, user.id))
    web_session.commit()
    assert browser.get("/portfolio").status_code == 302


def test_a_decision_the_work_settles_is_refused_on_the_site_page_in_french_and_nothing_is_saved(
        site_in, logged_in, web_session, web_walk):
    site = web_walk(site_in(), "diagnose")
    lead = logged_in("lead@example.test", "lead", sites=(site,))
    page = lead.post(f"/sites/{site.id}/decisions", data={"key": "structure_type", "value": "ESAT"},
                     follow_redirects=True).get_data(as_text=True)
    assert "est le choix du diagnostic" in unescape(page) and "setupflow diagnostic structure" in page
    web_session.expire_all()
    assert [d.value for d in web_session.scalars(select(Decision).where(Decision.key.is_not(None)))] == []


def test_a_server_error_page_also_carries_the_security_headers_and_rolls_back(app, person, web_session):
    from web.db import db_session

    def boom():
        db_session().add(User(email="half@example.test", display_name="x", password_hash="x", role="lead",
                              language="fr", created_dt=app.config["SETUPFLOW_NOW"]()))
        db_session().flush()
        raise RuntimeError("boom")

    app.add_url_rule("/boom", view_func=boom)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = app.test_client().get("/boom")
    assert response.status_code == 500
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert web_session.scalar(select(User).where(User.email == "half@example.test")) is None

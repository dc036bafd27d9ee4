"""In a real browser: a Cress user opens a site, its lead's account and the meeting
proposals; the lead fills the team file, confirms the first technical committee, writes
its minutes, records the structure type in that meeting and carries the site past the
diagnostic. And the main pages have no serious accessibility violation; a Cress user
pages through the portfolio on a phone-width screen."""
import pytest

from browser_support import *  # noqa: F401,F403
from browser_support import log_in, screenshots_on_failure
from web_fixtures import *  # noqa: F401,F403
from web_fixtures import PASSWORD, produce_or_tick

pytestmark = [pytest.mark.browser, pytest.mark.slow]

LEAD_PASSWORD = "mot-de-passe-du-pilote"


def tick_gate_tasks(page, labels):
    for label in labels:
        page.get_by_role("button", name=f"Marquer comme faite : {label}").click()
        page.get_by_role("button", name=f"Remettre à faire : {label}").wait_for()


def site_section(page, name):
    page.get_by_role("navigation", name="Rubriques du site").get_by_role("link", name=name).click()


def fill_team_file(page):
    site_section(page, "Fichier de l'équipe projet")
    org_form = page.locator("form", has=page.get_by_role("button", name="Ajouter la structure"))
    org_form.get_by_label("Nom").fill("Maison d'arrêt fictive")
    org_form.get_by_label("Type").select_option("ep")
    org_form.get_by_role("button", name="Ajouter la structure").click()
    page.get_by_text("Structure ajoutée.").wait_for()
    form = page.locator("form", has=page.get_by_role("button", name="Ajouter la personne"))
    form.get_by_label("Nom").fill("Inès Exemple")
    form.get_by_label("E-mail").fill("ines@example.org")
    form.get_by_label("Comité technique").check()
    form.get_by_role("button", name="Ajouter la personne").click()
    page.get_by_text("Personne ajoutée au fichier de l'équipe.").wait_for()


def decide_in_a_meeting(page, app, web_session, site_name, kind, committee):
    """Confirm the committee's first proposed meeting, let it take place, hold it, write
    its minutes and record the decision in it."""
    from datetime import timedelta

    from sqlalchemy import select

    from setupflow.committees.models import Meeting
    from setupflow.sites.models import Site

    site_section(page, "Réunions")
    row = page.locator("tr", has_text=committee.label.fr).first
    row.get_by_role("button", name="Confirmer").click()
    page.get_by_text("Réunion confirmée").wait_for()
    web_session.expire_all()
    site = web_session.scalar(select(Site).where(Site.name == site_name))
    meeting = web_session.scalar(select(Meeting).where(Meeting.site_id == site.id, Meeting.status == "scheduled"))
    # invited from the team file (with the member the engine's walk seated for the installation meeting)
    assert meeting.committee_id == committee.id and "Inès Exemple" in [a.person.name for a in meeting.attendees]
    after = meeting.starts_dt + timedelta(days=1)
    app.config["SETUPFLOW_NOW"] = lambda: after  # time passes: the meeting takes place
    page.reload()
    page.get_by_role("button", name="La réunion a eu lieu").click()
    page.get_by_text("La réunion est notée comme tenue.").wait_for()
    page.get_by_label("Compte rendu de la réunion").fill("## Relevé\n\nLe comité retient **une entreprise adaptée**.")
    page.get_by_role("button", name="Aperçu").click()
    page.locator(".preview strong", has_text="une entreprise adaptée").wait_for()
    page.get_by_role("button", name="Enregistrer le compte rendu").click()
    page.get_by_text("Compte rendu enregistré.").wait_for()
    if kind.settled_by == "diagnostic_choice":  # the structure type is the diagnostic's choice, in that meeting
        site_section(page, "Diagnostic")
        page.locator("#structure-value").select_option(kind.choices[-1].id)
        page.locator(f"#meeting-{kind.id}").select_option(str(meeting.id))
        page.get_by_label("Pourquoi ce type répond aux besoins constatés").fill("Le diagnostic (fictif) le montre.")
        page.get_by_role("button", name="Enregistrer le type de structure").click()
        page.get_by_text("Type de structure enregistré.").wait_for()
    else:
        form = page.locator("form", has=page.locator(f"input[name=key][value={kind.id}]"))
        form.get_by_label("Valeur").select_option(kind.choices[-1].id)
        form.get_by_role("button", name="Enregistrer la décision").click()
        page.get_by_text("Décision enregistrée.").wait_for()
    site_section(page, "Vue d'ensemble")


def test_a_cress_user_opens_a_site_and_its_lead_takes_it_past_the_diagnostic(live_app, app, page, person, catalog,
                                                                             web_session, manager, now):
    workflow = catalog.get("cress-disp").workflow
    person("cress@example.test", "cress", region="Bretagne")
    with screenshots_on_failure(page, "journey"):
        log_in(page, live_app, "cress@example.test", PASSWORD)
        page.get_by_role("link", name="Nouveau site").click()
        page.get_by_label("Nom du site").fill("Atelier de la Rance (fictif)")
        page.get_by_label("Date de début").fill("2026-10-01")
        page.get_by_label("Date d'ouverture cible").fill("2028-12-01")
        page.get_by_label("DISP").fill("DISP Rennes")
        page.get_by_role("button", name="Créer le site").click()
        page.get_by_role("heading", name="Atelier de la Rance (fictif)").wait_for()
        page.get_by_role("link", name="Créer le compte du pilote de ce site").click()
        page.get_by_label("Adresse e-mail").fill("pilote@example.test")
        page.get_by_label("Nom", exact=True).fill("Pilote fictif")
        page.get_by_role("button", name="Créer le compte").click()
        page.get_by_role("heading", name="Compte créé").wait_for()
        page.goto(live_app + "/portfolio")
        page.get_by_role("link", name="Atelier de la Rance (fictif)").click()
        site_section(page, "Réunions")
        page.get_by_role("button", name="Générer les propositions").click()
        page.get_by_text("réunions proposées jusqu'à l'ouverture visée").wait_for()
        page.get_by_role("button", name="Se déconnecter").click()

        # the lead chooses a password from the invitation e-mail's link (the Cress user never saw one)
        from sqlalchemy import select

        from setupflow.reminders.models import Reminder

        web_session.expire_all()
        invitation = web_session.scalar(select(Reminder).where(Reminder.recipient == "pilote@example.test"))
        page.goto(live_app + invitation.context["path"])
        page.get_by_label("Nouveau mot de passe (au moins 10 caractères)").fill(LEAD_PASSWORD)
        page.get_by_label("Nouveau mot de passe, à nouveau").fill(LEAD_PASSWORD)
        page.get_by_role("button", name="Enregistrer le mot de passe").click()
        log_in(page, live_app, "pilote@example.test", LEAD_PASSWORD)
        page.get_by_role("heading", name="Atelier de la Rance (fictif)").wait_for()
        fill_team_file(page)
        site_section(page, "Vue d'ensemble")
        for stage in workflow.stages[:3]:
            assert page.get_by_role("button", name="Passer à l'étape suivante").is_disabled()
            ticked = [key for key in stage.gate.tasks if not workflow.task(key)[1].evidence]
            evidenced = [key for key in stage.gate.tasks if workflow.task(key)[1].evidence]
            if evidenced:  # the work that meets these tasks has its own pages; here it is done by the engine
                from setupflow.sites.models import Site
                from sqlalchemy import select

                web_session.expire_all()  # the pages changed the site since this session last read it
                site = web_session.scalar(select(Site).where(Site.name == "Atelier de la Rance (fictif)"))
                for key in evidenced:
                    produce_or_tick(web_session, site, key, manager, now)
                web_session.commit()
                page.reload()
            tick_gate_tasks(page, [workflow.task(key)[1].label.fr for key in ticked])
            for key in stage.gate.decisions:
                kind = workflow.decision(key)
                if kind.committee:  # a committee's decision is taken in one of its meetings
                    decide_in_a_meeting(page, app, web_session, "Atelier de la Rance (fictif)", kind,
                                        workflow.committee(kind.committee))
                    continue
                form = page.locator("form", has=page.locator(f"input[name=key][value={key}]"))
                form.get_by_label("Valeur").select_option(kind.choices[-1].id)
                form.get_by_role("button", name="Enregistrer la décision").click()
                page.get_by_text("Décision enregistrée.").wait_for()
            page.get_by_role("button", name="Passer à l'étape suivante").click()
            confirm = page.get_by_role("button", name="Avancer quand même")
            page.get_by_text("Le site est passé à l'étape").or_(confirm).wait_for()
            if confirm.is_visible():  # before the stage's usual minimum: a second step, then it moves
                confirm.click()
                page.get_by_text("Le site est passé à l'étape").wait_for()
        current = workflow.stages[3].label.fr
        assert page.locator(".tracker li.current").inner_text().count(current) == 1
        site_section(page, "Journal des décisions")
        page.get_by_text("Prise en réunion").wait_for()


def test_a_lead_fills_the_diagnostic_in_the_pages_and_its_tasks_are_met_by_the_work(live_app, page, person, site_in,
                                                                                    web_walk, web_session):
    from setupflow.sites import operations as ops

    site = web_walk(site_in(name="Atelier du Blavet (fictif)"), "diagnose")
    spec = ops.workflow_of(site).work.diagnostic
    person("pilote@example.test", "lead", sites=(site,))
    with screenshots_on_failure(page, "diagnostic"):
        log_in(page, live_app, "pilote@example.test", PASSWORD)
        page.get_by_role("heading", name="Atelier du Blavet (fictif)").wait_for()
        page.get_by_role("link", name="Diagnostic", exact=True).click()
        page.get_by_role("heading", name="Diagnostic", exact=True).wait_for()
        for source in spec.sources:
            page.get_by_label(f"Statut : {source.label.fr}").select_option("unavailable")
        registry = spec.sources[0].label.fr
        page.get_by_label(f"Statut : {registry}").select_option("obtained")
        page.get_by_label(f"Obtenue le : {registry}").fill("2027-01-02")
        page.get_by_label(f"Fournisseur (service ou fonction) : {registry}").fill("Greffe de l'établissement")
        page.get_by_role("button", name="Enregistrer les sources de données").click()
        page.get_by_text("Sources de données enregistrées.").wait_for()

        dimension = spec.dimensions[0]
        page.get_by_text(f"Saisir les effectifs : {dimension.label.fr}").click()
        counts = [3] + [20 + i for i in range(len(dimension.categories) - 1)]
        for category, count in zip(dimension.categories, counts):
            page.get_by_label(category.label.fr, exact=True).fill(str(count))
        page.get_by_role("button", name=f"Enregistrer les effectifs : {dimension.label.fr}").click()
        page.get_by_text("Indicateur enregistré.").wait_for()
        cell = page.locator(f'td[data-dimension="{dimension.id}"][data-category="{dimension.categories[0].id}"]')
        assert cell.inner_text() == "<5"

        page.get_by_label("Tenu le").fill("2027-01-03")
        page.get_by_label("Public").select_option("detainees")
        page.get_by_label("Format", exact=True).select_option("group")
        page.get_by_label("Nombre de participants").fill("6")
        page.get_by_label("Thèmes abordés (un par ligne, sans nom)").fill("Jean DURAND veut travailler en cuisine")
        page.get_by_role("button", name="Enregistrer l'entretien").click()
        alert = page.get_by_role("alert")
        alert.wait_for()
        assert "Thèmes abordés\u00a0: semble contenir le nom d'une personne" in alert.inner_text()
        assert page.get_by_label("Thèmes abordés (un par ligne, sans nom)").input_value() == \
            "Jean DURAND veut travailler en cuisine"
        page.get_by_label("Thèmes abordés (un par ligne, sans nom)").fill("envie de travailler en cuisine")
        page.get_by_role("button", name="Enregistrer l'entretien").click()
        page.get_by_text("Entretien enregistré.").wait_for()

        page.get_by_label("Conclusions du diagnostic").fill("Un atelier de cuisine répond aux besoins constatés.")
        page.get_by_role("button", name="Enregistrer les conclusions").click()
        page.get_by_text("Conclusions enregistrées.").wait_for()
    web_session.expire_all()
    evidenced = {t.id for t in ops.workflow_of(site).stage("diagnose").tasks if t.evidence}
    assert evidenced and evidenced <= ops.done_tasks(web_session, site)


def test_the_main_pages_have_no_serious_accessibility_violation(live_app, app, page, person, site_in, web_session,
                                                                 manager, now):
    from axe_playwright_python.sync_playwright import Axe

    from setupflow.reminders import unsubscribe

    from setupflow.calls.operations import create_call
    from setupflow.committees.minutes import record_meeting_decision, save_minutes
    from setupflow.committees import attendance, operations as meetings
    from setupflow.committees.proposals import propose
    from setupflow.team import operations as team

    site = site_in()
    call = create_call(web_session, site, None, actor=manager, now=now)
    org = team.organisation_for(web_session, site, "ep", manager, now)
    someone = team.add_person(web_session, site, name="Inès Exemple", email="ines@example.org", organisation=org,
                              actor=manager, now=now, committees=("technical",))
    proposed = propose(web_session, site, now, manager)[0]
    held = meetings.schedule(web_session, site, "technical", "2027-01-04T09:00", manager, now)
    attendance.mark_held(web_session, held, {someone.id: "present"}, manager, now.replace(hour=12))
    save_minutes(web_session, held, "## Relevé\n\n- un point", 0, manager, now)
    record_meeting_decision(web_session, held, None, None, "Une décision libre", manager, now.replace(hour=12))
    web_session.commit()
    person("cress@example.test", "cress", region="Bretagne")
    axe = Axe()
    options = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
               "resultTypes": ["violations"]}
    found = {}
    with screenshots_on_failure(page, "axe"):
        page.goto(f"{live_app}/login")
        pages = {"login": None, "portfolio": "/portfolio", "site": f"/sites/{site.id}", "glossary": "/glossary",
                 "diagnostic": f"/sites/{site.id}/diagnostic", "calls": f"/sites/{site.id}/calls",
                 "call": f"/sites/{site.id}/calls/{call.id}", "support": f"/sites/{site.id}/support",
                 "budget": f"/sites/{site.id}/budget", "notifications": "/notifications",
                 "meetings": f"/sites/{site.id}/meetings", "proposed meeting": f"/sites/{site.id}/meetings/{proposed.id}",
                 "held meeting": f"/sites/{site.id}/meetings/{held.id}", "decision log": f"/sites/{site.id}/decisions",
                 "decision search": "/decisions?q=d", "actions": f"/sites/{site.id}/actions",
                 "team": f"/sites/{site.id}/team", "person": f"/sites/{site.id}/team/people/{someone.id}",
                 "note": f"/sites/{site.id}/note", "emails": f"/sites/{site.id}/emails",
                 "mail preferences": unsubscribe.preferences_path("ines@example.org", app.config["SECRET_KEY"])}
        found["login"] = axe.run(page, options=options).response["violations"]
        log_in(page, live_app, "cress@example.test", PASSWORD)
        for name, path in pages.items():
            if path:
                page.goto(live_app + path)
                found[name] = axe.run(page, options=options).response["violations"]
    serious = {name: [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3]) for v in violations
                      if v["impact"] in ("serious", "critical")]
               for name, violations in found.items()}
    print("axe violations by page (any impact):", {n: [v["id"] for v in vs] for n, vs in found.items()})
    assert serious == {name: [] for name in found}, serious


# the paged portfolio (a separate module would start a second Playwright in the same
# thread: the session fixture is defined per module through the star import)
PHONE = {"width": 390, "height": 844}


def test_a_cress_user_pages_through_60_sites_on_a_phone(live_app, chromium, person, site_in):
    from axe_playwright_python.sync_playwright import Axe

    sites = [site_in("Bretagne" if i % 2 else "Normandie", name=f"Atelier {i:03}",
                     opening="2030-01-04" if i % 3 else "2028-03-04") for i in range(60)]
    person("suivi@cress.example.test", "cress", region="Aucune", sites=sites)
    context = chromium.new_context(locale="fr-FR", viewport=PHONE)
    context.set_default_timeout(15000)
    page = context.new_page()
    try:
        with screenshots_on_failure(page, "portfolio-phone"):
            log_in(page, live_app, "suivi@cress.example.test", PASSWORD)
            page.goto(live_app + "/portfolio")
            page.get_by_text("Sites 1–50 sur 60").wait_for()
            assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
            violations = Axe().run(page, options={
                "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
                "resultTypes": ["violations"]}).response["violations"]
            serious = [(v["id"], [n["target"] for n in v["nodes"]][:3]) for v in violations
                       if v["impact"] in ("serious", "critical")]
            assert serious == []
            pager = page.get_by_role("navigation", name="Pages du tableau")
            pager.get_by_role("link", name="Page suivante").click()
            page.get_by_text("Sites 51–60 sur 60").wait_for()
            assert pager.get_by_role("link", name="Page 2").get_attribute("aria-current") == "page"
            page.get_by_role("region", name="Tous vos sites : 60").get_by_role("link", name="En retard").click()
            page.get_by_text("Sites 1–20 sur 20").wait_for()
            page.wait_for_load_state()  # the text can be there before the style sheet is applied
            assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    finally:
        context.close()


def test_the_demo_lead_reads_next_steps_follows_each_link_and_holds_one_email(live_app, app, chromium, catalog,
                                                                              web_session, now):
    """The done-when journey of issue 18, with screenshots at 1280 and 390 px kept as artefacts."""
    import re

    from axe_playwright_python.sync_playwright import Axe

    from browser_support import ARTIFACTS
    from setupflow.accounts.demo import DEMO_PASSWORD
    from setupflow.demo import build_demo

    sites = build_demo(web_session, catalog, now)
    web_session.commit()
    site = sites[1]  # the demo lead's site
    ARTIFACTS.mkdir(exist_ok=True)
    axe_options = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
                   "resultTypes": ["violations"]}
    for name, viewport in (("desktop", {"width": 1280, "height": 900}), ("phone", PHONE)):
        context = chromium.new_context(locale="fr-FR", viewport=viewport)
        context.set_default_timeout(15000)
        page = context.new_page()
        try:
            with screenshots_on_failure(page, f"next-steps-{name}"):
                log_in(page, live_app, "lead@demo.setupflow.test", DEMO_PASSWORD)
                page.goto(f"{live_app}/sites/{site.id}")
                block = page.get_by_role("region", name="Prochaines étapes")
                block.get_by_text("Prochaine réunion").wait_for()
                page.screenshot(path=str(ARTIFACTS / f"next-steps-{name}.png"), full_page=True)
                assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
                links = [(a.inner_text(), a.get_attribute("href")) for a in block.get_by_role("link").all()]
                assert links and any("En retard" in text for text, _ in links)
                for text, href in links:  # each line leads to the page where it is done
                    page.goto(live_app + href)
                    assert page.locator("h1").count() == 1, (text, href)
                    assert page.get_by_role("navigation", name="Rubriques du site").count() == 1, href
                page.goto(f"{live_app}/sites/{site.id}/emails")
                serious = [v["id"] for v in Axe().run(page, options=axe_options).response["violations"]
                           if v["impact"] in ("serious", "critical")]
                assert serious == []
                if name == "desktop":  # hold one reminder, then see it held, with who held it
                    first = page.locator("ul.mail-list li").first
                    first.get_by_role("button", name="Retenir").click()
                    page.get_by_text("L’e-mail est retenu").wait_for()
                held = page.locator("li[data-state=held]")
                held.first.wait_for()
                assert re.search(r"Retenu.*par Yannick Morvan", held.first.inner_text())
                page.screenshot(path=str(ARTIFACTS / f"emails-{name}.png"), full_page=True)
                assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
        finally:
            context.close()

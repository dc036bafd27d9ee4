"""In a real browser: a Cress user opens a site and its lead's account; the lead carries
the site past the diagnostic. And the main pages have no serious accessibility violation."""
import pytest

from browser_support import *  # noqa: F401,F403
from browser_support import log_in, screenshots_on_failure
from web_fixtures import *  # noqa: F401,F403
from web_fixtures import PASSWORD, produce_or_tick

pytestmark = pytest.mark.browser

LEAD_PASSWORD = "mot-de-passe-du-pilote"


def tick_gate_tasks(page, labels):
    for label in labels:
        page.get_by_role("button", name=f"Marquer comme faite : {label}").click()
        page.get_by_role("button", name=f"Remettre à faire : {label}").wait_for()


def test_a_cress_user_opens_a_site_and_its_lead_takes_it_past_the_diagnostic(live_app, page, person, catalog,
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
        page.get_by_label("Mot de passe initial").fill(LEAD_PASSWORD)
        page.get_by_role("button", name="Créer le compte").click()
        page.get_by_role("heading", name="Compte créé").wait_for()
        page.get_by_role("button", name="Se déconnecter").click()

        log_in(page, live_app, "pilote@example.test", LEAD_PASSWORD)
        page.get_by_role("heading", name="Atelier de la Rance (fictif)").wait_for()
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
                form = page.locator("form", has=page.locator(f"input[name=key][value={key}]"))
                form.get_by_label("Valeur").select_option(kind.choices[-1].id)
                form.get_by_role("button", name="Enregistrer la décision").click()
                page.get_by_text("Décision enregistrée.").wait_for()
            page.get_by_role("button", name="Passer à l'étape suivante").click()
            page.get_by_text("Le site est passé à l'étape").wait_for()
        current = workflow.stages[3].label.fr
        assert page.locator(".tracker li.current").inner_text().count(current) == 1


def test_the_main_pages_have_no_serious_accessibility_violation(live_app, page, person, site_in):
    from axe_playwright_python.sync_playwright import Axe

    site = site_in()
    person("cress@example.test", "cress", region="Bretagne")
    axe = Axe()
    options = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
               "resultTypes": ["violations"]}
    found = {}
    with screenshots_on_failure(page, "axe"):
        page.goto(f"{live_app}/login")
        pages = {"login": None, "portfolio": "/portfolio", "site": f"/sites/{site.id}", "glossary": "/glossary"}
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

"""The paged portfolio in Chromium: a Cress user following 60 sites pages through them,
follows a count of the summary, on a phone-width screen without sideways scrolling, and
axe-core finds no serious violation on the page with its summary and page links."""
from __future__ import annotations

from browser_support import *  # noqa: F401,F403
from browser_support import log_in, screenshots_on_failure
from web_fixtures import *  # noqa: F401,F403
from web_fixtures import PASSWORD

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
            assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    finally:
        context.close()

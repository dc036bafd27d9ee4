"""In Chromium: a project lead clicks the ProConnect button, signs in at the provider (on
loopback, answering like ProConnect), lands on their site in French, and logs out of both.
The login page with the button has no serious accessibility violation."""
from __future__ import annotations

import threading

import pytest

from browser_support import *  # noqa: F401,F403
from browser_support import screenshots_on_failure
from oidc_provider import Provider
from web_fixtures import *  # noqa: F401,F403

pytestmark = [pytest.mark.browser, pytest.mark.slow]  # Chromium, left out of the fast part


@pytest.fixture
def provider(now):
    found = Provider(clock=lambda: now.timestamp()).start()
    yield found
    found.stop()


@pytest.fixture
def served(web_db, tmp_path, now, provider):
    """The app served on 127.0.0.1, its SETUPFLOW_BASE_URL being where it is served (the
    redirect URIs registered at the provider are derived from it)."""
    from werkzeug.serving import make_server

    from web import create_app

    holder = {}
    server = make_server("127.0.0.1", 0, lambda environ, start: holder["app"](environ, start), threaded=True)
    base = f"http://127.0.0.1:{server.server_port}"
    settings = web_db.settings(data_dir=tmp_path, secret_key="test-secret-key", base_url=base,
                               oidc_issuer=provider.issuer, oidc_client_id=provider.client_id,
                               oidc_client_secret=provider.client_secret, oidc_algorithm=provider.algorithm)
    holder["app"] = create_app(settings, test_config={"TESTING": True, "SETUPFLOW_NOW": lambda: now})
    provider.redirect_uris.add(f"{base}/proconnect/callback")
    provider.post_logout_redirect_uris.add(f"{base}/proconnect/logged-out")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield base
    server.shutdown()
    thread.join(timeout=10)


def test_a_lead_signs_in_with_proconnect_lands_on_their_site_in_french_and_logs_out(served, provider, page,
                                                                                     person, site_in):
    from axe_playwright_python.sync_playwright import Axe

    site = site_in(name="Atelier de la maison d'arrêt fictive")
    person("pilote@justice.example.test", "lead", sites=(site,))
    provider.add_person("sub-pilote", "pilote@justice.example.test", given_name="Camille", usual_name="Exemple")
    with screenshots_on_failure(page, "proconnect"):
        page.goto(f"{served}/login")
        violations = Axe().run(page, options={
            "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
            "resultTypes": ["violations"]}).response["violations"]
        assert [(v["id"], v["impact"]) for v in violations] == []
        about = page.get_by_role("link", name="Qu’est-ce que ProConnect")
        assert about.get_attribute("href") == "https://www.proconnect.gouv.fr/"
        assert about.get_attribute("target") == "_blank" and "nouvelle fenêtre" in about.get_attribute("title")
        button = page.get_by_role("button", name="S’identifier avec ProConnect")
        assert button.evaluate("b => getComputedStyle(b).backgroundColor") == "rgb(0, 0, 145)"
        button.click()
        page.get_by_label("Adresse e-mail professionnelle").fill("pilote@justice.example.test")
        page.get_by_role("button", name="Continuer").click()
        page.get_by_role("heading", name="Atelier de la maison d'arrêt fictive").first.wait_for()
        assert page.url.startswith(f"{served}/sites/{site.id}")
        assert page.locator("html").get_attribute("lang") == "fr"
        page.get_by_text("Votre compte est désormais lié à ProConnect").wait_for()
        page.get_by_role("link", name="pilote").click()  # the header's name leads to the account page
        page.get_by_text("Avec ProConnect, lié le 4 janvier 2027.").wait_for()
        violations = Axe().run(page, options={
            "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
            "resultTypes": ["violations"]}).response["violations"]
        assert [(v["id"], v["impact"]) for v in violations] == []
        page.get_by_role("button", name="Se déconnecter").click()
        page.get_by_text("Vous êtes déconnecté de setupflow et de ProConnect.").wait_for()
        assert page.url == f"{served}/login"
        assert provider.end_session_calls and provider.end_session_calls[-1]["id_token_hint"]
        page.goto(f"{served}/account")
        assert page.url.startswith(f"{served}/login")

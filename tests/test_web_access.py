"""Nobody reaches a site outside their scope: every URL of a site answers 404 to GET and
403/404 to POST, and nothing changes. The routes are read from the app's URL map, so a
new route cannot escape the check."""
import pytest
from sqlalchemy import func, select

from setupflow.accounts.models import User, UserSite
from setupflow.sites.models import Decision, HistoryEntry, Site, SiteTask

from web_fixtures import *  # noqa: F401,F403

# every site is in an admin's scope, so admins have no "outside" site to be refused
ROLES = ("cress", "lead", "sponsor", "partner")


def site_rules(app):
    return [rule for rule in app.url_map.iter_rules() if any(a == "site_id" or a.endswith("site_id")
                                                             for a in rule.arguments)]


def fill(rule, site_id, task_key):
    values = {}
    for arg in rule.arguments:
        values[arg] = site_id if arg.endswith("site_id") else task_key
    return rule.build(values)[1]


def snapshot(session):
    session.expire_all()
    return (tuple(session.execute(select(Site.id, Site.stage, Site.version_id).order_by(Site.id))),
            *(session.scalar(select(func.count()).select_from(model))
              for model in (SiteTask, Decision, HistoryEntry, User, UserSite)))


FORM = {"done": "1", "key": "structure_type", "value": "EA", "text": "x", "stage": "plan", "reason": "because",
        "supersede_reason": "because", "email": "new.lead@example.test", "name": "New Lead",
        "password": "un-long-mot-de-passe", "language": "fr"}


def test_every_url_under_sites_names_its_site_id(app):
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/sites/<"):
            assert "site_id" in rule.arguments, f"{rule.rule}: a site route must take <site_id>"
    names = {rule.endpoint for rule in site_rules(app)}
    assert {"sites.show", "sites.tick", "sites.decide", "sites.advance", "sites.reopen", "sites.lead"} <= names


@pytest.mark.parametrize("role", ROLES)
def test_a_site_outside_the_persons_scope_is_404_on_every_url(app, role, site_in, logged_in, web_session):
    own = site_in("Bretagne", name="Atelier suivi")
    other = site_in("Pays de la Loire", name="Atelier d'ailleurs")
    client = logged_in(f"{role}@example.test", role, region="Bretagne" if role == "cress" else None,
                       sites=() if role == "cress" else (own,))
    task_key = "directorates_buy_in"
    before = snapshot(web_session)
    checked = 0
    for rule in site_rules(app):
        url = fill(rule, other.id, task_key)
        if "GET" in rule.methods:
            assert client.get(url).status_code == 404, f"GET {url} as {role}"
            checked += 1
        if "POST" in rule.methods:
            status = client.post(url, data=FORM).status_code
            assert status in (403, 404), f"POST {url} as {role} answered {status}"
            checked += 1
        # the person's own site is reachable: the 404 above is about scope, not a broken route
        if "GET" in rule.methods:
            assert client.get(fill(rule, own.id, task_key)).status_code in (200, 403), f"GET own {url}"
    assert checked >= 7
    assert snapshot(web_session) == before


def test_a_partner_sees_their_site_but_cannot_change_it(site_in, logged_in, web_session):
    site = site_in()
    client = logged_in("partner@example.test", "partner", sites=(site,))
    assert client.get(f"/sites/{site.id}").status_code == 200
    before = snapshot(web_session)
    assert client.post(f"/sites/{site.id}/tasks/directorates_buy_in", data={"done": "1"}).status_code == 403
    assert client.post(f"/sites/{site.id}/advance").status_code == 403
    assert snapshot(web_session) == before


def test_without_login_a_site_page_sends_to_the_login_page(browser, site_in):
    site = site_in()
    response = browser.get(f"/sites/{site.id}")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize("role", ROLES)
def test_the_portfolio_and_its_export_list_only_the_persons_sites(role, site_in, logged_in):
    own = site_in("Bretagne", name="Atelier suivi")
    site_in("Pays de la Loire", name="Atelier d'ailleurs")
    client = logged_in(f"{role}@example.test", role, region="Bretagne" if role == "cress" else None,
                       sites=() if role == "cress" else (own,))
    for url in ("/portfolio", "/portfolio.csv"):
        body = client.get(url).get_data(as_text=True)
        assert "Atelier suivi" in body and "ailleurs" not in body, url

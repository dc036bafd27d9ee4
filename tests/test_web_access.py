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


def fill(rule, site_id, task_key, objects=None):
    """The rule's URL for ``site_id``; object ids (call_id, line_id...) come from ``objects``
    (another site's objects), other arguments get ``task_key``."""
    values = {}
    for arg in rule.arguments:
        values[arg] = site_id if arg.endswith("site_id") else (objects or {}).get(arg, task_key)
    return rule.build(values)[1]


def foreign_objects(session, site, actor, now, data_dir) -> dict:
    """One of every object a site URL can name, in ``site``: a published call with an
    application and its file, a budget line."""
    from setupflow.budget.operations import add_line
    from setupflow.calls import applications, files
    from setupflow.calls import operations as calls

    call = calls.create_call(session, site, None, actor=actor, now=now)
    calls.edit_call(session, site, call, actor=actor, now=now, body="Texte", needs="Besoins")
    calls.publish_call(session, site, call, published_on="2027-01-04", closes_on="2027-03-15", actor=actor, now=now)
    application = applications.add_application(session, site, call, organisation="Asso fictive", legal_status="SCOP",
                                               activity="Menuiserie", actor=actor, now=now)
    file = files.attach_file(session, site, application, data_dir=data_dir, original_name="offre.pdf",
                             data=b"%PDF-1.4 fictive", actor=actor, now=now)
    line = add_line(session, site, kind="expense", category="fitting", label="Travaux", planned="1000", actor=actor,
                    now=now)
    session.commit()
    return {"call_id": call.id, "application_id": application.id, "file_id": file.id, "line_id": line.id,
            "fmt": "pdf"}


OBJECT_IDS = ("call_id", "application_id", "file_id", "line_id")


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
    assert {"diagnostic.show", "calls.show", "calls.download", "calls.upload", "support.show", "budget.show",
            "budget.change"} <= names


@pytest.mark.parametrize("role", ROLES)
def test_a_site_outside_the_persons_scope_is_404_on_every_url(app, role, site_in, logged_in, web_session, manager,
                                                             now, tmp_path):
    own = site_in("Bretagne", name="Atelier suivi")
    other = site_in("Pays de la Loire", name="Atelier d'ailleurs")
    objects = foreign_objects(web_session, other, manager, now, tmp_path)
    client = logged_in(f"{role}@example.test", role, region="Bretagne" if role == "cress" else None,
                       sites=() if role == "cress" else (own,))
    task_key = "directorates_buy_in"
    before = snapshot(web_session)
    checked = 0
    for rule in site_rules(app):
        url = fill(rule, other.id, task_key, objects)
        names_objects = any(arg in OBJECT_IDS for arg in rule.arguments)
        # the person's own site with another site's objects in the URL is refused too
        for target in (url, fill(rule, own.id, task_key, objects)) if names_objects else (url,):
            if "GET" in rule.methods:
                assert client.get(target).status_code == 404, f"GET {target} as {role}"
                checked += 1
            if "POST" in rule.methods:
                status = client.post(target, data=FORM).status_code
                assert status in (403, 404), f"POST {target} as {role} answered {status}"
                checked += 1
        # the person's own site is reachable: the 404 above is about scope, not a broken route
        if "GET" in rule.methods and not names_objects:
            assert client.get(fill(rule, own.id, task_key)).status_code in (200, 403), f"GET own {url}"
    assert checked >= 30
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

"""The web app under abuse: crawling every GET page as every role changes nothing; the
session changes at login; forged form fields are ignored or refused; a CR/LF in an e-mail
is refused; fuzzed paths, query strings and forms answer 4xx, never 500."""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from werkzeug.routing import IntegerConverter, PathConverter

from setupflow.accounts.models import User
from setupflow.sites.models import Decision, Site
from web_fixtures import *  # noqa: F401,F403
from web_fixtures import SQLITE_ONLY, Browser

from . import counters
from .faults import database_state

ROLES = ("admin", "cress", "lead", "sponsor", "partner")


@pytest.fixture
def web_db(db):
    """Crawls, forged fields and fuzzed input meet the same answers on SQLite and on PostgreSQL."""
    return db


def get_rules(app):
    return [r for r in app.url_map.iter_rules() if "GET" in r.methods]


def url_for_rule(rule, site_id: int) -> str:
    values = {}
    for arg in rule.arguments:
        converter = rule._converters[arg]
        values[arg] = site_id if arg.endswith("site_id") else ("style.css" if isinstance(converter, PathConverter)
                                                                else 1 if isinstance(converter, IntegerConverter)
                                                                else "x")
    return rule.build(values)[1]


#: derived rows a reader may write: the portfolio lines (recomputed from the site's own rows
#: when stale: tests/test_portfolio_summary.py proves they equal a recomputation) and the
#: calendar feeds' written parts (kept by site version); the portfolio's counts, kept by
#: triggers from the lines (``setupflow portfolio verify`` checks them)
DERIVED = ("site_summaries", "feed_parts", "site_summary_counts")


def facts(engine) -> dict:
    """Every row of every table but the derived ones."""
    return {name: rows for name, rows in database_state(engine).items() if name not in DERIVED}


@pytest.mark.slow
def test_crawling_every_page_as_every_role_changes_nothing(app, site_in, logged_in, web_db):
    own = site_in("Bretagne", name="Atelier suivi")
    clients = {role: logged_in(f"{role}@example.test", role, region="Bretagne" if role == "cress" else None,
                               sites=(own,) if role in ("lead", "sponsor", "partner") else ())
               for role in ROLES}
    clients["anonymous"] = Browser(app.test_client())
    before = facts(web_db.engine)
    tried = 0
    for role, client in clients.items():
        for rule in get_rules(app):
            url = url_for_rule(rule, own.id)
            status = client.get(url).status_code
            assert status < 500, f"GET {url} as {role}: {status}"
            tried += 1
    assert facts(web_db.engine) == before, "a GET page wrote to the database"
    assert tried >= 6 * 10
    counters.add("pages crawled (routes x roles)", tried)


@SQLITE_ONLY
def test_the_session_cookie_changes_at_login(app, person):
    person("lead@example.test", "lead")
    client = app.test_client()
    browser = Browser(client)
    client.get("/login")
    before = client.get_cookie(app.config["SESSION_COOKIE_NAME"]).value
    browser.login("lead@example.test")
    after = client.get_cookie(app.config["SESSION_COOKIE_NAME"]).value
    assert before != after
    # the cookie from before the login does not carry the login
    anonymous = app.test_client()
    anonymous.set_cookie(app.config["SESSION_COOKIE_NAME"], before)
    assert anonymous.get("/portfolio").status_code in (302, 401)


def test_forged_form_fields_are_ignored_and_stages_cannot_be_skipped(site_in, logged_in, web_session):
    own = site_in("Bretagne", name="Atelier suivi")
    other = site_in("Bretagne", name="Autre atelier")
    cress = logged_in("cress@example.test", "cress", region="Bretagne")
    # a decision posted for one site with another site's id in the form lands on the URL's site only
    cress.post(f"/sites/{own.id}/decisions", data={"key": "structure_type", "value": "EA", "site_id": other.id})
    web_session.expire_all()
    assert web_session.scalars(select(Decision.site_id)).all() in ([], [own.id])
    # advancing with a forged target stage moves at most one step, and only through the gate
    for forged in ({"stage": "opened"}, {"target": "opened"}, {"status": "opened"}):
        cress.post(f"/sites/{own.id}/advance", data=forged)
    web_session.expire_all()
    assert web_session.get(Site, own.id).stage == "plan", "the gate of plan is not met"
    # a new site starts in the first stage whatever the form says
    cress.post("/sites/new", data={"name": "Atelier forgé", "workflow": "cress-disp", "start": "2027-02-01",
                                   "opening": "2029-03-01", "region": "Bretagne", "stage": "opened",
                                   "status": "opened", "version_id": "99"})
    forged = web_session.scalar(select(Site).where(Site.name == "Atelier forgé"))
    assert forged is None or (forged.stage == "plan" and forged.version_id < 99)
    counters.add("forged forms tried", 5)


@SQLITE_ONLY
@pytest.mark.parametrize("email", ["new.lead@example.test\r\nBcc: victim@example.org",
                                   "new.lead@example.test\nBcc: victim@example.org", "a\r@example.test"])
def test_a_line_break_in_an_email_field_is_refused(site_in, logged_in, web_session, email):
    own = site_in("Bretagne")
    cress = logged_in("cress@example.test", "cress", region="Bretagne")
    response = cress.post(f"/sites/{own.id}/lead", data={"email": email, "name": "Nouveau pilote"})
    assert 400 <= response.status_code < 500
    assert web_session.scalar(select(User).where(User.email.like("new.lead%"))) is None
    counters.add("header injections refused")


def test_an_id_beyond_the_integer_range_of_postgresql_names_nothing(site_in, logged_in, web_session, manager, now,
                                                                   tmp_path):
    """PostgreSQL's INTEGER keys stop at 2**31 - 1 (SQLite's at 2**63 - 1): a larger id in a
    URL is a 404, in a form a refusal that writes nothing, never a failed query. Both answered 500,
    found by the fuzzer once it ran on PostgreSQL."""
    from test_web_access import site_objects

    ids = site_objects(web_session, site_in("Bretagne"), manager, now, tmp_path)
    site, meeting, person = ids["site_id"], ids["meeting_id"], ids["person_id"]
    admin = logged_in("admin@example.test", "admin")
    before = database_state(web_session.get_bind())
    for big in (2**31, 2**63):
        for url in (f"/sites/{big}", f"/sites/{site}/meetings/{big}", f"/sites/{site}/budget/lines/{big}",
                    f"/sites/{site}/team/people/{big}"):
            assert admin.get(url).status_code == 404, url
        assert admin.post(f"/sites/{big}/advance").status_code == 404
        for url, form in ((f"/sites/{site}/meetings/{meeting}/actions", {"text": "Relancer", "owner": big}),
                          (f"/sites/{site}/meetings/{meeting}/roles", {"role_facilitation": big}),
                          (f"/sites/{site}/team/people/{person}/leaves", {"successor": big}),
                          (f"/sites/{site}/team/people", {"name": "Nouvelle", "email": "n@example.org",
                                                          "organisation": big})):
            status = admin.post(url, data=form).status_code  # refused on the page it came from, or 4xx
            assert status < 500, f"POST {url} {form}: {status}"
    assert admin.get(f"/sites/{2**31 - 1}").status_code == 404  # the largest id is looked up, and finds nothing
    assert database_state(web_session.get_bind()) == before
    counters.add("out-of-range ids refused", 2 * 9)


TEXT = st.one_of(st.text(max_size=40), st.text(min_size=2000, max_size=5000), st.just(""),
                 st.sampled_from(["-1", "0", "99999999999999999999", "2027-02-30", "%00", "../../etc/passwd",
                                  "<script>alert(1)</script>", "=HYPERLINK(\"x\")", "NaN", "\r\n"]))


@pytest.mark.slow
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_fuzzed_urls_query_strings_and_forms_never_answer_500(app, site_in, logged_in, data):
    if not hasattr(app, "_fuzz"):
        own = site_in("Bretagne", name="Atelier fuzz")
        app._fuzz = (own.id, logged_in("cress@example.test", "cress", region="Bretagne"))
    site_id, client = app._fuzz
    rule = data.draw(st.sampled_from([r for r in app.url_map.iter_rules() if r.endpoint != "static"]))
    url = url_for_rule(rule, data.draw(st.sampled_from([site_id, 0, 2**31, 10**12])))
    fields = data.draw(st.dictionaries(st.sampled_from(["name", "email", "start", "opening", "value", "key",
                                                        "text", "reason", "stage", "done", "q", "region",
                                                        "workflow", "supersede_reason", "password", "lang"]),
                                       TEXT, max_size=6))
    if "POST" in rule.methods and data.draw(st.booleans()):
        response = client.post(url, data=fields)
    else:
        response = client.get(url, query_string=fields)
    assert response.status_code < 500, f"{rule.rule} {fields!r}: {response.status_code}"
    counters.add("fuzzed requests")

"""Sign in with ProConnect beside passwords, against a real OpenID provider on loopback
(tests/oidc_provider.py) configured like ProConnect, on SQLite and on PostgreSQL.

A known e-mail links its account on the first sign-in, the subject identifies it after;
an unknown e-mail is refused with one message that names who gives access and creates
nothing; a wrong state, a replayed code, a forged ID token or userinfo are refused and
store nothing; a role can be required to use ProConnect; logout ends the local session
and calls the provider's end-session; a provider that does not answer leaves the
password form working. Every sign-in, link and unlink is in the audit log."""
from __future__ import annotations

import html
import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from click.testing import CliRunner
from sqlalchemy import func, select

from setupflow.accounts import operations as accounts
from setupflow.accounts.models import User
from setupflow.audit.models import AuditEntry
from oidc_provider import Provider
from web_fixtures import *  # noqa: F401,F403
from web_fixtures import PASSWORD, SQLITE_ONLY, Browser, csrf_token

BASE = "http://setupflow.test"
NO_ACCESS = "Aucun accès à setupflow n'est ouvert pour cette identité ProConnect"
FAILED = "La connexion avec ProConnect n'a pas abouti"


@pytest.fixture
def web_db(db):
    """Linking, refusals and the audit are database writes: on SQLite and on PostgreSQL."""
    return db


@pytest.fixture
def algorithm():
    return "RS256"


@pytest.fixture
def provider(now, algorithm):
    found = Provider(algorithm=algorithm, clock=lambda: now.timestamp()).start()
    found.redirect_uris.add(f"{BASE}/proconnect/callback")
    found.post_logout_redirect_uris.add(f"{BASE}/proconnect/logged-out")
    yield found
    found.stop()


def configured_app(web_db, tmp_path, now, provider):
    from web import create_app

    settings = web_db.settings(data_dir=tmp_path, secret_key="test-secret-key", base_url=BASE,
                               oidc_issuer=provider.issuer, oidc_client_id=provider.client_id,
                               oidc_client_secret=provider.client_secret, oidc_algorithm=provider.algorithm)
    return create_app(settings, test_config={"TESTING": True, "SETUPFLOW_NOW": lambda: now})


@pytest.fixture
def app(web_db, tmp_path, now, provider):
    return configured_app(web_db, tmp_path, now, provider)


def start(client, next_path: str = "") -> str:
    """Click the button: the provider's authorization URL."""
    response = client.post("/proconnect/login", data={"csrf_token": csrf_token(client), "next": next_path})
    assert response.status_code == 302, text(response)
    return response.headers["Location"]


def at_provider(provider, authorize_url: str, login: str) -> str:
    """Sign in at the provider as ``login``: the callback path (with code and state) it sends back."""
    page = requests.get(authorize_url, timeout=10)
    assert page.status_code == 200, page.text
    query = {k: v[0] for k, v in parse_qs(urlsplit(authorize_url).query).items()}
    answer = requests.post(f"{provider.issuer}/authorize", data={**query, "login": login}, allow_redirects=False,
                           timeout=10)
    assert answer.status_code == 302, answer.text
    assert answer.headers["Location"].startswith(f"{BASE}/proconnect/callback?")
    return answer.headers["Location"][len(BASE):]


def sign_in(client, provider, login: str):
    return client.get(at_provider(provider, start(client), login))


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def page_after(client, response) -> str:
    assert response.status_code == 302
    return text(client.get(response.headers["Location"]))


def messages(page: str) -> str:
    return re.search(r'<div class="messages".*?</div>', page, re.S).group(0)


def logged_in_as(client) -> str | None:
    response = client.get("/account")
    if response.status_code != 200:
        return None
    return re.search(r"<dd>([^<]+@[^<]+)</dd>", text(response)).group(1)


def audit(session, target="sign_in"):
    session.expire_all()
    return [(e.target_id, e.action, e.fields) for e in
            session.scalars(select(AuditEntry).where(AuditEntry.target == target).order_by(AuditEntry.id))]


def user(session, email) -> User:
    session.expire_all()
    return session.scalar(select(User).where(User.email == email))


def test_a_known_email_links_its_account_then_the_subject_identifies_it_even_after_an_email_change(
        app, provider, person, site_in, web_session):
    site = site_in()
    lead = person("pilote@justice.example.test", "lead", sites=(site,))
    provider.add_person("sub-pilote", "pilote@justice.example.test")
    client = app.test_client()
    response = sign_in(client, provider, "pilote@justice.example.test")
    assert response.headers["Location"].endswith("/")
    landing = text(client.get("/", follow_redirects=True))
    assert f"/sites/{site.id}" in client.get("/").headers["Location"]
    assert "Votre compte est désormais lié à ProConnect" in landing and 'lang="fr"' in landing
    linked = user(web_session, lead.email)
    assert (linked.oidc_issuer, linked.oidc_subject) == (provider.issuer, "sub-pilote")
    assert (lead.id, "linked", ["proconnect"]) in audit(web_session, "user")
    assert audit(web_session)[-1] == (lead.id, "succeeded", ["proconnect"])

    # the e-mail changes at the provider: the same subject opens the same account
    provider.add_person("sub-pilote", "pilote.nouvelle-adresse@justice.example.test")
    again = app.test_client()
    sign_in(again, provider, "pilote.nouvelle-adresse@justice.example.test")
    assert logged_in_as(again) == "pilote@justice.example.test"
    # and someone else now holding the old address at the provider gets nothing
    provider.add_person("sub-quelquun-d-autre", "pilote@justice.example.test")
    other = app.test_client()
    refused = sign_in(other, provider, "pilote@justice.example.test")
    assert NO_ACCESS in page_after(other, refused) and logged_in_as(other) is None
    assert user(web_session, lead.email).oidc_subject == "sub-pilote"


def test_an_unknown_email_is_refused_with_who_gives_access_and_no_account_is_created(
        app, provider, person, web_session, now):
    provider.add_person("sub-inconnu", "inconnu@association.example.test")
    users_before = web_session.scalar(select(func.count()).select_from(User))
    client = app.test_client()
    page = page_after(client, sign_in(client, provider, "inconnu@association.example.test"))
    assert NO_ACCESS in page and "la Cress de votre région" in page and "un administrateur" in page
    assert logged_in_as(client) is None
    assert web_session.scalar(select(func.count()).select_from(User)) == users_before
    assert audit(web_session) == [(0, "refused", ["proconnect", "unknown_account"])]

    # a disabled account answers the very same page: a refusal never tells whether an account exists
    gone = person("parti@association.example.test", "partner")
    accounts.disable_user(web_session, user(web_session, gone.email))
    web_session.commit()
    provider.add_person("sub-parti", "parti@association.example.test")
    other = app.test_client()
    assert messages(page_after(other, sign_in(other, provider, "parti@association.example.test"))) == messages(page)
    assert user(web_session, gone.email).oidc_subject is None
    assert audit(web_session)[-1] == (0, "refused", ["proconnect", "disabled"])


def test_a_wrong_state_is_refused_and_stores_nothing(app, provider, person, web_session):
    lead = person("pilote@justice.example.test", "lead")
    provider.add_person("sub-pilote", lead.email)
    client = app.test_client()
    callback = at_provider(provider, start(client), lead.email)
    forged = re.sub(r"state=[^&]+", "state=" + "x" * 43, callback)
    page = page_after(client, client.get(forged))
    assert FAILED in page and "mot de passe" in page
    assert logged_in_as(client) is None and user(web_session, lead.email).oidc_subject is None
    assert audit(web_session) == [(0, "refused", ["proconnect", "state"])]
    # a callback without a state at all is refused too
    assert FAILED in page_after(client, client.get(re.sub(r"&?state=[^&]+", "", callback)))
    assert user(web_session, lead.email).oidc_subject is None


def test_a_sign_in_cancelled_at_the_provider_is_refused(app, provider, person, web_session):
    lead = person("pilote@justice.example.test", "lead")
    client = app.test_client()
    state = parse_qs(urlsplit(start(client)).query)["state"][0]
    page = page_after(client, client.get(f"/proconnect/callback?error=access_denied&state={state}"))
    assert FAILED in page and logged_in_as(client) is None
    assert audit(web_session) == [(0, "refused", ["proconnect", "provider_error"])]
    assert user(web_session, lead.email).oidc_subject is None


def test_an_answer_naming_another_issuer_is_refused(app, provider, person, web_session):
    lead = person("pilote@justice.example.test", "lead")
    provider.add_person("sub-pilote", lead.email)
    client = app.test_client()
    callback = at_provider(provider, start(client), lead.email)
    other = re.sub(r"iss=[^&]+", "iss=https%3A%2F%2Fautre-fournisseur.example.test", callback)
    assert FAILED in page_after(client, client.get(other)) and logged_in_as(client) is None
    assert audit(web_session) == [(0, "refused", ["proconnect", "callback_iss"])]


def test_a_replayed_code_is_refused(app, provider, person, web_session):
    lead = person("pilote@justice.example.test", "lead")
    provider.add_person("sub-pilote", lead.email)
    first = app.test_client()
    callback = at_provider(provider, start(first), lead.email)
    first.get(callback)
    assert logged_in_as(first) == lead.email
    # the same answer played again by another browser: its state is not theirs
    thief = app.test_client()
    assert FAILED in page_after(thief, thief.get(callback)) and logged_in_as(thief) is None
    # the code with a fresh state of the thief's own: the provider refuses a used code
    code = parse_qs(urlsplit(callback).query)["code"][0]
    fresh = at_provider(provider, start(thief), lead.email)
    replayed = re.sub(r"code=[^&]+", f"code={code}", fresh)
    assert FAILED in page_after(thief, thief.get(replayed)) and logged_in_as(thief) is None
    assert audit(web_session)[-2:] == [(0, "refused", ["proconnect", "state"]),
                                       (0, "refused", ["proconnect", "code_refused"])]


@pytest.mark.parametrize("fault, reason", [
    ({"id_token_claims": {"nonce": "n" * 43}}, "id_token_nonce"),
    ({"id_token_claims": {"aud": "un-autre-client"}}, "id_token_aud"),
    ({"id_token_claims": {"iss": "https://fournisseur.example.test/api/v2"}}, "id_token_iss"),
    ({"id_token_claims": {"exp": "EXPIRED"}}, "id_token_expired"),
    ({"id_token_key": "other"}, "id_token_signature"),
    ({"userinfo_key": "other"}, "userinfo_signature"),
    ({"userinfo_claims": {"sub": "sub-quelquun-d-autre"}}, "userinfo_sub"),
], ids=["wrong nonce", "wrong audience", "wrong issuer", "expired", "ID token signed with another key",
        "userinfo signed with another key", "userinfo about someone else"])
def test_a_forged_or_expired_token_is_refused_and_links_nothing(app, provider, person, web_session, now,
                                                                 fault, reason):
    lead = person("pilote@justice.example.test", "lead")
    provider.add_person("sub-pilote", lead.email)
    if fault.get("id_token_claims", {}).get("exp") == "EXPIRED":
        fault = {"id_token_claims": {"exp": int((now - timedelta(minutes=5)).timestamp())}}
    provider.faults = fault
    client = app.test_client()
    page = page_after(client, sign_in(client, provider, lead.email))
    assert FAILED in page and logged_in_as(client) is None
    assert user(web_session, lead.email).oidc_subject is None
    assert audit(web_session) == [(0, "refused", ["proconnect", reason])]
    # the same person, once the provider behaves, signs in
    provider.faults = {}
    sign_in(client, provider, lead.email)
    assert logged_in_as(client) == lead.email


@SQLITE_ONLY
def test_keys_rotated_by_the_provider_are_read_again(app, provider, person):
    lead = person("pilote@justice.example.test", "lead")
    provider.add_person("sub-pilote", lead.email)
    first = app.test_client()
    sign_in(first, provider, lead.email)  # the app now holds the provider's keys
    provider.rotate_keys("cle-de-test-2")
    again = app.test_client()
    sign_in(again, provider, lead.email)
    assert logged_in_as(again) == lead.email


@SQLITE_ONLY
@pytest.mark.parametrize("algorithm", ["ES256", "HS256"])
def test_a_client_registered_with_es256_or_hs256_signs_in(app, provider, person, algorithm):
    lead = person("pilote@justice.example.test", "lead")
    provider.add_person("sub-pilote", lead.email)
    client = app.test_client()
    sign_in(client, provider, lead.email)
    assert logged_in_as(client) == lead.email


def test_a_role_required_to_use_proconnect_has_its_password_login_refused(app, provider, person, web_session):
    lead = person("pilote@justice.example.test", "lead")
    admin = Browser(app.test_client())
    person("admin@example.test", "admin")
    assert admin.login("admin@example.test").status_code == 302
    form = text(admin.get("/account"))
    assert "Rôles qui doivent se connecter avec ProConnect" in form
    assert admin.post("/account/proconnect/roles", data={"role": ["lead"]}).status_code == 302
    assert ("proconnect_role", "created") in [(t, a) for t, a in web_session.execute(
        select(AuditEntry.target, AuditEntry.action))]

    browser = Browser(app.test_client())
    answer = browser.login(lead.email)
    page = text(answer)
    assert answer.status_code == 200 and "Votre compte se connecte avec ProConnect" in page
    assert "S’identifier avec ProConnect" in page or "S'identifier avec" in page
    assert logged_in_as(browser.client) is None
    assert audit(web_session)[-1] == (0, "refused", ["password", "proconnect_required"])
    # a wrong password still says only "wrong e-mail or password": the pointer is for whoever knows the password
    assert "Votre compte se connecte avec ProConnect" not in text(browser.login(lead.email, "pas le bon mot de passe"))
    assert audit(web_session)[-1] == (0, "refused", ["password", "bad_credentials"])
    # ProConnect opens the account; the account page offers no unlink (the password would open nothing)
    provider.add_person("sub-pilote", lead.email)
    sign_in(browser.client, provider, lead.email)
    account = text(browser.get("/account"))
    assert "Pas avec un mot de passe" in account and "Délier ProConnect" not in account
    assert browser.post("/account/proconnect/unlink").status_code == 302
    assert user(web_session, lead.email).oidc_subject == "sub-pilote"
    # other roles keep their passwords
    assert Browser(app.test_client()).login("admin@example.test").status_code == 302


def test_unlinking_on_the_account_page_brings_the_password_back(app, provider, person, web_session):
    lead = person("pilote@justice.example.test", "lead")
    provider.add_person("sub-pilote", lead.email)
    client = app.test_client()
    sign_in(client, provider, lead.email)
    browser = Browser(client)
    account = text(browser.get("/account"))
    assert "Avec ProConnect, lié le 4 janvier 2027." in account and "Avec votre e-mail et votre mot de passe." in account
    assert browser.post("/account/proconnect/unlink").status_code == 302
    assert "Votre compte n'est plus lié à ProConnect" in text(browser.get("/account"))
    assert user(web_session, lead.email).oidc_subject is None
    assert (lead.id, "unlinked", ["proconnect"]) in audit(web_session, "user")


def test_logout_ends_the_local_session_and_calls_the_providers_end_session(app, provider, person, web_session):
    lead = person("pilote@justice.example.test", "lead")
    provider.add_person("sub-pilote", lead.email)
    client = app.test_client()
    sign_in(client, provider, lead.email)
    with client.session_transaction() as session:
        id_token = session["proconnect_id_token"]
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"]).value
    response = Browser(client).post("/logout")
    target = urlsplit(response.headers["Location"])
    query = {k: v[0] for k, v in parse_qs(target.query).items()}
    assert f"{target.scheme}://{target.netloc}{target.path}" == f"{provider.issuer}/session/end"
    assert query["id_token_hint"] == id_token and len(query["state"]) >= 32
    assert query["post_logout_redirect_uri"] == f"{BASE}/proconnect/logged-out"
    assert logged_in_as(client) is None
    # the cookie from before the logout opens nothing either (the session is revoked)
    stale = app.test_client()
    stale.set_cookie(app.config["SESSION_COOKIE_NAME"], cookie)
    assert logged_in_as(stale) is None
    back = requests.get(response.headers["Location"], allow_redirects=False, timeout=10)
    assert provider.end_session_calls[-1]["id_token_hint"] == id_token
    page = page_after(client, client.get(back.headers["Location"][len(BASE):]))
    assert "Vous êtes déconnecté de setupflow et de ProConnect." in page


def test_a_provider_that_does_not_answer_at_logout_still_ends_the_local_session(app, provider, person):
    person("pilote@justice.example.test", "lead")
    browser = Browser(app.test_client())
    browser.login("pilote@justice.example.test")
    with browser.client.session_transaction() as session:
        session["proconnect_id_token"] = "un.jeton.quelconque"
    provider.stop()
    page = page_after(browser.client, browser.post("/logout"))
    assert "ProConnect n'a pas pu être joint" in page
    assert logged_in_as(browser.client) is None


def test_a_provider_that_does_not_answer_at_login_leaves_the_password_form_working(app, provider, person,
                                                                                    web_session):
    person("pilote@justice.example.test", "lead")
    provider.stop()
    browser = Browser(app.test_client())
    page = page_after(browser.client, browser.client.post("/proconnect/login",
                                                          data={"csrf_token": csrf_token(browser.client)}))
    assert "ProConnect ne répond pas pour le moment" in page and 'id="password"' in page
    assert audit(web_session) == [(0, "refused", ["proconnect", "provider_unreachable"])]
    assert browser.login("pilote@justice.example.test").status_code == 302
    assert audit(web_session)[-1][1:] == ("succeeded", ["password"])


def test_the_session_rules_hold_for_proconnect_accounts(app, provider, person, site_in, web_session):
    """Session id rotated at sign-in, revoked on disable; and the access matrix is the password one's."""
    own, other = site_in(name="Atelier suivi"), site_in(name="Autre atelier")
    lead = person("pilote@justice.example.test", "lead", sites=(own,))
    provider.add_person("sub-pilote", lead.email)
    client = app.test_client()
    authorize_url = start(client)
    before = client.get_cookie(app.config["SESSION_COOKIE_NAME"]).value
    client.get(at_provider(provider, authorize_url, lead.email))
    after = client.get_cookie(app.config["SESSION_COOKIE_NAME"]).value
    assert before != after
    anonymous = app.test_client()
    anonymous.set_cookie(app.config["SESSION_COOKIE_NAME"], before)
    assert logged_in_as(anonymous) is None
    assert client.get(f"/sites/{own.id}").status_code == 200
    assert client.get(f"/sites/{other.id}").status_code == 404
    accounts.disable_user(web_session, user(web_session, lead.email))
    web_session.commit()
    assert logged_in_as(client) is None
    again = app.test_client()
    assert NO_ACCESS in page_after(again, sign_in(again, provider, lead.email))


@SQLITE_ONLY
def test_without_configuration_there_is_no_button_and_passwords_work_as_before(web_db, tmp_path, now, web_session):
    from web import create_app

    from setupflow.accounts.proconnect import set_required

    app = create_app(web_db.settings(data_dir=tmp_path, secret_key="test-secret-key"),
                     test_config={"TESTING": True, "SETUPFLOW_NOW": lambda: now})
    accounts.create_user(web_session, email="pilote@justice.example.test", role="lead", password=PASSWORD, now=now)
    set_required(web_session, "lead", True, now)
    web_session.commit()
    client = app.test_client()
    page = client.get("/login")
    assert "ProConnect" not in text(page)
    assert "form-action 'self';" in page.headers["Content-Security-Policy"]
    assert client.post("/proconnect/login").status_code in (400, 404)
    # required for the role, but not offered: the password opens the account (nobody is locked out)
    assert Browser(client).login("pilote@justice.example.test").status_code == 302


@SQLITE_ONLY
def test_the_button_follows_the_providers_design_and_the_csp_allows_its_form(app, provider):
    page = app.test_client().get("/login")
    login = text(page)
    assert login.index('class="proconnect-button"') < login.index('id="password"')
    assert "S’identifier avec" in login and '<span class="proconnect-brand">ProConnect</span>' in login
    assert 'href="https://www.proconnect.gouv.fr/"' in login and "Qu’est-ce que ProConnect\u00a0?" in login
    assert 'title="Qu’est-ce que ProConnect\u00a0? - nouvelle fenêtre"' in login
    assert f"form-action 'self' {provider.base};" in page.headers["Content-Security-Policy"]
    english = app.test_client()
    english.post("/language", data={"lang": "en", "csrf_token": csrf_token(english)})
    login = text(english.get("/login"))
    assert "Sign in with" in login and "What is ProConnect?" in login


def test_oidc_check_reads_the_discovery_document_and_the_keys(provider, tmp_path, monkeypatch):
    from setupflow.cli import cli

    env = {"SETUPFLOW_OIDC_ISSUER": provider.issuer, "SETUPFLOW_OIDC_CLIENT_ID": provider.client_id,
           "SETUPFLOW_OIDC_CLIENT_SECRET": provider.client_secret, "SETUPFLOW_OIDC_ALGORITHM": "RS256",
           "SETUPFLOW_BASE_URL": "https://setupflow.example.test", "SETUPFLOW_DATA_DIR": str(tmp_path)}
    runner = CliRunner()
    ready = runner.invoke(cli, ["oidc", "check"], env=env)
    assert ready.exit_code == 0 and ready.output.startswith("ProConnect is ready"), ready.output
    wrong = runner.invoke(cli, ["oidc", "check"], env={**env, "SETUPFLOW_OIDC_ALGORITHM": "ES256",
                                                       "SETUPFLOW_BASE_URL": "http://setupflow.example.test"})
    lines = wrong.output.splitlines()
    assert wrong.exit_code == 1 and len(lines) == 4, wrong.output
    assert lines[0].startswith("SETUPFLOW_BASE_URL: http://setupflow.example.test is not https")
    assert "without ES256" in lines[1] and "without ES256" in lines[2] and lines[3].startswith("keys: no EC signing key")
    other = runner.invoke(cli, ["oidc", "check"], env={**env, "SETUPFLOW_OIDC_ISSUER": provider.base + "/autre"})
    assert other.exit_code == 1 and other.output.startswith("discovery: ") and "HTTP 404" in other.output
    provider.stop()
    down = runner.invoke(cli, ["oidc", "check"], env={**env, "SETUPFLOW_OIDC_CLIENT_SECRET": ""})
    assert down.exit_code == 1
    assert down.output.splitlines() == ["SETUPFLOW_OIDC_CLIENT_SECRET is not set",
                                        f"discovery: {provider.issuer}/.well-known/openid-configuration cannot be "
                                        "reached (ConnectionError)"]


@SQLITE_ONLY
def test_the_cli_requires_proconnect_for_a_role(web_db):
    from setupflow.cli import cli

    runner = CliRunner()
    env = web_db.env()
    assert runner.invoke(cli, ["oidc", "require", "lead"], env=env).output == "role lead must sign in with ProConnect\n"
    assert runner.invoke(cli, ["oidc", "roles"], env=env).output == "lead\n"
    assert runner.invoke(cli, ["oidc", "require", "lead", "--no"], env=env).output.startswith("role lead may log in")
    assert runner.invoke(cli, ["oidc", "roles"], env=env).output == "no role must sign in with ProConnect\n"

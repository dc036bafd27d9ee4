"""The access matrix holds for people signed in through ProConnect as for password
accounts: the scope tests of test_web_access run again, every person signing in at the
provider on loopback instead of typing a password (on SQLite and on PostgreSQL)."""
from __future__ import annotations

import pytest

from test_proconnect import BASE, logged_in_as, sign_in
from test_web_access import (  # noqa: F401  (collected again here, with ProConnect logins)
    test_a_site_outside_the_persons_scope_is_404_on_every_url,
    test_an_object_of_another_site_is_404_under_the_persons_own_site,
    test_the_portfolio_and_its_export_list_only_the_persons_sites,
)
from oidc_provider import Provider
from web_fixtures import *  # noqa: F401,F403
from web_fixtures import Browser


@pytest.fixture
def web_db(db):
    """Scope is checked in the queries: on SQLite and on PostgreSQL."""
    return db


@pytest.fixture
def provider(now):
    found = Provider(clock=lambda: now.timestamp()).start()
    found.redirect_uris.add(f"{BASE}/proconnect/callback")
    found.post_logout_redirect_uris.add(f"{BASE}/proconnect/logged-out")
    yield found
    found.stop()


@pytest.fixture
def app(web_db, tmp_path, now, provider):
    from test_proconnect import configured_app

    return configured_app(web_db, tmp_path, now, provider)


@pytest.fixture
def logged_in(app, person, provider):
    """A person of the role, signed in with ProConnect (their first sign-in links the account)."""
    def make(email, role, region=None, sites=()):
        person(email, role, region, sites)
        provider.add_person(f"sub-{role}", email)
        client = app.test_client()
        sign_in(client, provider, email)
        assert logged_in_as(client) == email
        return Browser(client)
    return make

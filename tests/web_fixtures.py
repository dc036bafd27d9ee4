"""Fixtures for the web tests: an app on a fresh database (SQLite; a module whose subject
must hold on both backends overrides ``web_db``, see ``web_db``), people of every role,
and a logged-in test client that carries the CSRF token like a browser would."""
from __future__ import annotations

import re

import pytest

from setupflow.accounts import operations as accounts

PASSWORD = "mot-de-passe-de-test"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def web_db(sqlite_db):
    """The web tests' database: SQLite. A module whose subject must hold on PostgreSQL too
    (scope, forged fields, the audit of web actions) redefines it after its imports as

        @pytest.fixture
        def web_db(db):
            return db
    """
    return sqlite_db


#: in such a module, a test whose subject is not the database (the URL map, a redirect, a
#: header, a cookie) runs on SQLite only
SQLITE_ONLY = pytest.mark.parametrize("db", ["sqlite"], indirect=True)


@pytest.fixture
def app(web_db, tmp_path, now):
    from web import create_app

    settings = web_db.settings(data_dir=tmp_path, secret_key="test-secret-key")
    return create_app(settings, test_config={"TESTING": True, "SETUPFLOW_NOW": lambda: now})


@pytest.fixture
def app_with_test_definitions(web_db, tmp_path, now):
    """The web app with the synthetic definitions of tests/definitions/ beside the shipped
    ones: a module of engine tests that reads pages makes it its ``app``."""
    from web import create_app

    from tests.conftest import DEFINITIONS, WORKFLOWS

    settings = web_db.settings(data_dir=tmp_path, secret_key="test-secret-key", workflow_dirs=(WORKFLOWS, DEFINITIONS))
    return create_app(settings, test_config={"TESTING": True, "SETUPFLOW_NOW": lambda: now})


@pytest.fixture
def web_session(web_db):
    with web_db.factory() as s:
        yield s


@pytest.fixture
def site_in(request, web_session, catalog, now, manager):
    """Factory: a committed site in a region, in the web test database. A test module sets
    its own defaults in ``SITE_IN`` (``workflow_id``, ``start_on``, ``opening_on``)."""
    from setupflow.sites import operations as ops

    defaults = {"workflow_id": "cress-disp", "start_on": "2027-01-04", "opening_on": "2029-01-01",
                **getattr(request.module, "SITE_IN", {})}

    def make(region="Bretagne", name=None, **kw):
        site = ops.create_site(web_session, catalog, name=name or f"Atelier {region}",
                               workflow_id=defaults["workflow_id"], start_on=kw.pop("start", defaults["start_on"]),
                               opening_on=kw.pop("opening", defaults["opening_on"]), actor=manager, now=now,
                               region=region, disp="DISP Rennes", **kw)
        web_session.commit()
        return site
    return make


@pytest.fixture
def person(web_session, now):
    def make(email, role, region=None, sites=()):
        user = accounts.create_user(web_session, email=email, role=role, password=PASSWORD, now=now,
                                    display_name=email.split("@")[0], region=region,
                                    site_ids=tuple(s.id for s in sites))
        web_session.commit()
        return user
    return make


def csrf_token(client, url="/login") -> str:
    page = client.get(url).get_data(as_text=True)
    return CSRF.search(page).group(1)


class Browser:
    """A test client that logs in and posts forms with their CSRF token."""

    def __init__(self, client):
        self.client = client

    def login(self, email, password=PASSWORD):
        token = csrf_token(self.client)
        return self.client.post("/login", data={"email": email, "password": password, "csrf_token": token})

    def get(self, url, **kw):
        return self.client.get(url, **kw)

    def post(self, url, data=None, **kw):
        token = csrf_token(self.client, "/glossary")
        return self.client.post(url, data={**(data or {}), "csrf_token": token}, **kw)


@pytest.fixture
def browser(app):
    return Browser(app.test_client())


@pytest.fixture
def logged_in(app, person):
    def make(email, role, region=None, sites=()):
        person(email, role, region, sites)
        b = Browser(app.test_client())
        assert b.login(email).status_code == 302
        return b
    return make


def produce_or_tick(session, site, key, actor, now):
    """Meet one task: tick it, or do its (fictional) work when the work itself meets it."""
    from setupflow.demo_work import produce
    from setupflow.sites import operations as ops

    evidence = ops.workflow_of(site).task(key)[1].evidence
    if evidence:
        produce(session, site, evidence, actor, now)
    else:
        ops.set_task(session, site, key, True, actor, now)


@pytest.fixture
def web_walk(web_session, manager, now):
    """Meet every gate and advance (in the web test database) until ``stage`` is reached."""
    from setupflow.demo_work import walk

    def walk_to(site, stage, values=None):
        values = {"structure_type": "EA", "sponsor": "Association fictive", "dui_signed": "2028-11-15",
                  "opening_confirmed": now.date().isoformat(), **(values or {})}
        walk(web_session, site, stage, manager, now, values)
        web_session.commit()
        return site
    return walk_to


def admin_and_cress(db, tmp_path, now, cress_email="cress@example.test") -> tuple[Browser, Browser]:
    """An administrator and a Cress user of Bretagne, each logged in to an app on ``db``."""
    from web import create_app

    with db.factory() as session:
        accounts.create_user(session, email="admin@example.test", role="admin", password=PASSWORD, now=now)
        accounts.create_user(session, email=cress_email, role="cress", password=PASSWORD, now=now, region="Bretagne")
        session.commit()
    app = create_app(db.settings(data_dir=tmp_path, secret_key="test-secret-key"),
                     test_config={"TESTING": True, "SETUPFLOW_NOW": lambda: now})
    admin, cress = Browser(app.test_client()), Browser(app.test_client())
    assert admin.login("admin@example.test").status_code == 302
    assert cress.login(cress_email).status_code == 302
    return admin, cress

"""Accounts: who may log in, and which sites each role sees and may change. Engine mechanics:
the sites are on tests/definitions/tiny.yaml."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from setupflow.accounts import access
from setupflow.accounts import operations as accounts
from setupflow.accounts.models import User
from setupflow.errors import NotFound
from tests.refused import refused

PASSWORD = "un-mot-de-passe-long"


@pytest.fixture
def session(sqlite_db):
    with sqlite_db.factory() as s:
        yield s


@pytest.fixture
def make_user(session, now):
    def make(email, role="lead", **kw):
        user = accounts.create_user(session, email=email, role=role, password=kw.pop("password", PASSWORD),
                                    now=now, **kw)
        session.commit()
        return user
    return make


def test_an_email_is_stored_lowercase_and_unique(make_user):
    user = make_user("Alex.Martin@Example.TEST")
    assert user.email == "alex.martin@example.test"
    with refused("account.exists", field="email"):
        make_user("alex.martin@example.test")


@pytest.mark.parametrize("password, problem", [("court", "password.too_short"),
                                               ("motdepasse123", "password.too_common"),
                                               ("aaaaaaaaaaaa", "password.too_common")])
def test_weak_passwords_are_refused(make_user, password, problem):
    with refused(problem, field="password"):
        make_user("weak@example.test", password=password)


def test_a_64_character_unicode_password_works(session, make_user, now):
    password = ("éàçœ€—" * 11)[:64]
    make_user("unicode@example.test", password=password)
    assert accounts.authenticate(session, "UNICODE@example.test", password, now).user is not None
    assert accounts.authenticate(session, "unicode@example.test", password[:-1], now).user is None


def test_passwords_are_hashed_with_argon2id(make_user):
    assert make_user("hash@example.test").password_hash.startswith("$argon2id$")


def test_the_sixth_failure_within_a_minute_is_throttled_for_known_and_unknown_accounts(session, make_user, now):
    make_user("known@example.test")
    for email in ("known@example.test", "nobody@example.test"):
        for attempt in range(5):
            result = accounts.authenticate(session, email, "wrong password!", now + timedelta(seconds=attempt))
            assert result.user is None and not result.is_throttled
        assert accounts.authenticate(session, email, PASSWORD, now + timedelta(seconds=6)).is_throttled
    assert accounts.authenticate(session, "known@example.test", PASSWORD, now + timedelta(minutes=2)).user


def test_a_disabled_account_cannot_log_in_and_its_sessions_end(session, make_user, now):
    user = make_user("gone@example.test")
    before = user.session_version
    accounts.disable_user(session, user)
    assert user.session_version == before + 1
    assert accounts.authenticate(session, "gone@example.test", PASSWORD, now).user is None


def test_a_reset_token_works_once_and_expires(session, make_user, now):
    make_user("reset@example.test")
    _user, token = accounts.start_password_reset(session, "reset@example.test", now)
    accounts.reset_password(session, token, "a-brand-new-password", now)
    with pytest.raises(NotFound):
        accounts.reset_password(session, token, "another-new-password", now)
    _user, late = accounts.start_password_reset(session, "reset@example.test", now)
    with pytest.raises(NotFound):
        accounts.reset_password(session, late, "another-new-password", now + timedelta(hours=3))
    assert accounts.start_password_reset(session, "unknown@example.test", now) is None


def test_each_role_sees_its_sites(session, make_user, make_site_in):
    rennes = make_site_in("Bretagne")
    nantes = make_site_in("Pays de la Loire")
    admin = make_user("admin@example.test", "admin")
    cress = make_user("cress@example.test", "cress", region="Bretagne")
    lead = make_user("lead@example.test", "lead", site_ids=(nantes.id,))
    partner = make_user("partner@example.test", "partner")

    def seen(user):
        return {s.id for s in session.scalars(access.visible_sites_query(user))}

    assert seen(admin) == {rennes.id, nantes.id}
    assert seen(cress) == {rennes.id}
    assert seen(lead) == {nantes.id}
    assert seen(partner) == set()
    with pytest.raises(NotFound):
        access.visible_site(session, lead, rennes.id)
    assert access.is_manager(cress) and not access.is_manager(lead)
    assert access.actor_of(cress).is_manager
    assert access.can_edit_site(lead, nantes) and not access.can_edit_site(partner, nantes)


@pytest.fixture
def make_site_in(session, catalog, now, manager):
    from setupflow.sites import operations as ops

    def make(region):
        site = ops.create_site(session, catalog, name=f"Atelier {region}", workflow_id="tiny",
                               start_on="2027-01-04", opening_on="2029-01-01", actor=manager, now=now, region=region)
        session.commit()
        return site
    return make


def test_the_cli_adds_a_user_with_a_password_from_stdin(sqlite_db, monkeypatch):
    from click.testing import CliRunner

    from setupflow.cli import cli

    for key, value in sqlite_db.env().items():
        monkeypatch.setenv(key, value)
    result = CliRunner().invoke(cli, ["user", "add", "New.Cress@Example.test", "--role", "cress", "--region",
                                      "Bretagne", "--password-stdin"], input=PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    with sqlite_db.factory() as s:
        user = s.scalar(select(User).where(User.email == "new.cress@example.test"))
        assert user.role == "cress" and user.region == "Bretagne"


def test_a_cress_user_creates_sites_in_their_region_only_and_one_scoped_by_sites_follows_the_new_one(
        session, make_user, catalog, now):
    fields = {"name": "Atelier", "workflow_id": "tiny", "start_on": "2027-01-04", "opening_on": "2029-01-01"}
    regional = make_user("bretagne@example.test", "cress", region="Bretagne")
    with refused("site.outside_region", field="region", region="Bretagne"):
        accounts.create_site_as(session, catalog, regional, now=now, region="Normandie", **fields)
    in_region = accounts.create_site_as(session, catalog, regional, now=now, region="Bretagne", **fields)
    assert in_region.region == "Bretagne"
    first = accounts.create_site_as(session, catalog, make_user("admin@example.test", "admin"), now=now, **fields)
    by_sites = make_user("sites@example.test", "cress", site_ids=(first.id,))
    created = accounts.create_site_as(session, catalog, by_sites, now=now, **fields)
    assert {s.id for s in session.scalars(access.visible_sites_query(by_sites))} == {first.id, created.id}


def test_a_person_following_one_site_lands_on_it_and_managers_on_the_portfolio(session, make_user, make_site):
    one, two = make_site(workflow="tiny"), make_site(name="Autre atelier", workflow="tiny")
    assert access.landing_site(session, make_user("lead@example.test", site_ids=(one.id,))) == one.id
    assert access.landing_site(session, make_user("both@example.test", site_ids=(one.id, two.id))) is None
    assert access.landing_site(session, make_user("admin@example.test", "admin")) is None
    assert access.landing_site(session, make_user("cress@example.test", "cress", site_ids=(one.id,))) is None

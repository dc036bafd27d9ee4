"""The audit log says who changed which account or team-file person, and which fields
(never a secret's value); it is append-only."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from setupflow.accounts.models import User
from setupflow.accounts.operations import create_user, disable_user, set_password
from setupflow.audit.models import AuditEntry
from setupflow.team.operations import update_person
from web_fixtures import *  # noqa: F401,F403


@pytest.fixture
def web_db(db):
    """The audit of web actions: on SQLite and on PostgreSQL."""
    return db


ADMIN = "Admin Fictif <admin@example.test>"


def entries(session, target):
    return [(e.actor, e.action, e.fields) for e in
            session.scalars(select(AuditEntry).where(AuditEntry.target == target).order_by(AuditEntry.id))]


def test_changes_to_accounts_and_people_are_audited_with_who_and_which_fields(session, make_site, make_team,
                                                                              manager, now):
    session.info.update(actor=ADMIN, now=now)
    user = create_user(session, email="someone@example.test", role="partner", password="Un mot de passe long ✓",
                       now=now, display_name="Quelqu'un")
    set_password(session, user, "Un autre mot de passe long ✓")
    disable_user(session, user)
    session.flush()
    logged = entries(session, "user")
    assert logged[0][:2] == (ADMIN, "created") and "password_hash" in logged[0][2]
    assert (ADMIN, "changed") == logged[1][:2] and "password_hash" in logged[1][2]
    assert any("is_active" in fields for _, _, fields in logged[1:])
    dumped = repr(session.execute(select(AuditEntry)).all())
    assert user.password_hash not in dumped and "mot de passe" not in dumped

    site = make_site()
    person = make_team(site, {"ep": ("technical",)})["ep"]
    update_person(session, site, person, manager, now, phone="02 99 00 00 00")
    session.flush()
    assert entries(session, "person")[-1] == (ADMIN, "changed", ["phone"])


def test_the_audit_log_is_append_only(session, now):
    session.info.update(actor=ADMIN, now=now)
    create_user(session, email="x@example.test", role="partner", password="Un mot de passe long ✓", now=now)
    session.commit()
    entry = session.scalars(select(AuditEntry)).first()
    entry.actor = "someone else"
    with pytest.raises(RuntimeError, match="append-only"):
        session.flush()
    session.rollback()
    session.delete(session.scalars(select(AuditEntry)).first())
    with pytest.raises(RuntimeError, match="append-only"):
        session.flush()


def test_an_account_created_on_the_web_names_who_created_it(logged_in, web_session):
    cress = logged_in("cress@example.test", "cress", region="Bretagne")
    response = cress.post("/sites/new", data={"name": "Atelier audité", "workflow": "cress-disp",
                                              "start": "2027-02-01", "opening": "2029-03-01", "region": "Bretagne"})
    site_id = int(response.headers["Location"].rsplit("/", 1)[1])
    page = cress.post(f"/sites/{site_id}/lead", data={"email": "lead.audit@example.test", "name": "Lead Audit"})
    assert page.status_code == 200 and "lead.audit@example.test" in page.get_data(as_text=True)
    lead = web_session.scalar(select(User).where(User.email == "lead.audit@example.test"))
    actors = {e.actor for e in web_session.scalars(select(AuditEntry).where(AuditEntry.target == "user",
                                                                           AuditEntry.target_id == lead.id))}
    assert len(actors) == 1 and actors.pop().endswith("<cress@example.test>")

"""A new account is invited by e-mail to choose its password: the link is signed, works
once, for a few days, and only for the account it was made for."""
from datetime import timedelta

import pytest

from setupflow.accounts import invitations
from setupflow.accounts import operations as accounts
from setupflow.accounts.passwords import verify_password
from setupflow.errors import NotFound
from setupflow.reminders.models import Reminder

SECRET = "un-secret-de-test"


@pytest.fixture
def invited(session, now):
    user = accounts.create_user(session, email="lead@example.test", role="lead",
                                password=invitations.unknown_password(), now=now, display_name="Lead Fictive")
    session.commit()
    return user


def test_the_link_lets_the_person_choose_a_password_once(session, invited, now):
    token = invitations.invitation_token(invited, SECRET, now)
    assert invitations.invited_user(session, token, SECRET, now + timedelta(days=4)) == invited
    invitations.accept_invitation(session, token, "un-mot-de-passe-choisi", SECRET, now + timedelta(days=1))
    session.commit()
    assert verify_password(invited.password_hash, "un-mot-de-passe-choisi")
    with pytest.raises(NotFound):
        invitations.invited_user(session, token, SECRET, now + timedelta(days=1))


@pytest.mark.parametrize("case", ["expired", "other secret", "forged", "other account", "disabled"])
def test_a_link_expired_forged_or_for_another_account_is_refused(session, invited, now, case):
    token = invitations.invitation_token(invited, SECRET, now)
    secret, at = SECRET, now
    if case == "expired":
        at = now + invitations.VALIDITY
    elif case == "other secret":
        secret = "un-autre-secret"
    elif case == "forged":
        token = token[:-1] + ("0" if token[-1] != "0" else "1")
    elif case == "other account":
        other = accounts.create_user(session, email="autre@example.test", role="lead",
                                     password=invitations.unknown_password(), now=now)
        payload, _, mac = invitations.invitation_token(other, SECRET, now).partition(".")
        token = f"{payload}.{token.partition('.')[2]}"
    elif case == "disabled":
        accounts.disable_user(session, invited)
    with pytest.raises(NotFound):
        invitations.invited_user(session, token, secret, at)


def test_the_invitation_goes_through_the_outbox_and_expires_with_its_link(session, invited, now):
    row = invitations.send_invitation(session, invited, path="/welcome/x", site_name="Atelier fictif",
                                      inviter="Camille (Cress)", now=now)
    assert isinstance(row, Reminder) and row.state == "pending" and row.template == "account_invitation"
    assert row.expires_dt == now + invitations.VALIDITY and row.context["site"] == "Atelier fictif"

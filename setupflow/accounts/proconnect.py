"""Sign-in with ProConnect (OpenID Connect) beside passwords: which account a verified
identity opens, the link between an account and the provider's subject, the roles that
must sign in with ProConnect, and the audit of every sign-in.

The protocol itself (redirects, state, nonce, signatures) belongs to the web face
(``web/auth/proconnect.py``); this module decides from claims already verified. It never
imports Flask. Nothing here creates an account: a sign-in only opens an existing one.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..audit.listener import record_event
from ..errors import InputError
from .models import ROLES, ProConnectRole, User
from .operations import normalise_email, user_by_email

#: the method names the audit log records for a sign-in
PROCONNECT = "proconnect"
PASSWORD = "password"
#: the algorithms an installation may register its client with at ProConnect
ALGORITHMS = ("RS256", "ES256", "HS256")
#: what setupflow asks for: the e-mail, the names and the SIRET of the person's organisation
SCOPES = "openid email given_name usual_name siret uid"


@dataclass(frozen=True)
class Identity:
    """What the provider vouches for, once the ID token and the userinfo are verified."""

    issuer: str
    subject: str
    email: str
    given_name: str = ""
    usual_name: str = ""
    siret: str = ""


@dataclass(frozen=True)
class Outcome:
    #: the account that signs in, or None when refused
    user: User | None
    #: why it was refused: a code for the audit log (the person reads one message for all)
    reason: str | None = None
    #: True when this sign-in linked the account to the provider's subject
    linked: bool = False


def audit_name(user: User) -> str:
    """How the audit log names an account acting (as the web face names the logged-in one)."""
    return f"{user.display_name} <{user.email}>"


def record_sign_in(session: Session, method: str, user: User | None = None, reason: str | None = None) -> None:
    """One audit entry per sign-in. A refusal names no account (``target_id`` 0): the log of
    refusals never tells whether the e-mail or identity tried belongs to someone."""
    if user is not None and reason is None:
        record_event(session, target="sign_in", target_id=user.id, action="succeeded", fields=[method],
                     actor=audit_name(user))
    else:
        record_event(session, target="sign_in", target_id=0, action="refused", fields=[method, reason or "refused"])


def refuse(session: Session, reason: str) -> Outcome:
    """A refused ProConnect sign-in, audited with its reason (state, signature, unknown account...)."""
    record_sign_in(session, PROCONNECT, reason=reason)
    session.flush()
    return Outcome(None, reason)


def account_for(session: Session, identity: Identity, now: datetime) -> Outcome:
    """The account a verified identity signs in to.

    The subject identifies a linked account, whatever e-mail the provider now sends. With no
    linked account, the active account whose e-mail matches, not yet linked to any subject,
    is linked on this first sign-in. Anything else is refused: an unknown e-mail, a disabled
    account, or an e-mail whose account is already linked to someone else's subject (an
    address that moved at the provider never hands an account over).
    """
    user = session.scalar(select(User).where(User.oidc_issuer == identity.issuer,
                                             User.oidc_subject == identity.subject))
    linked = False
    if user is None:
        candidate = user_by_email(session, identity.email) if normalise_email(identity.email) else None
        if candidate is None:
            return refuse(session, "unknown_account")
        if candidate.oidc_subject is not None:
            return refuse(session, "linked_to_another_identity")
        if not candidate.is_active:
            return refuse(session, "disabled")
        link(session, candidate, identity, now)
        user, linked = candidate, True
    if not user.is_active:
        return refuse(session, "disabled")
    user.last_login_dt = now
    record_sign_in(session, PROCONNECT, user)
    session.flush()
    return Outcome(user, linked=linked)


def link(session: Session, user: User, identity: Identity, now: datetime) -> None:
    user.oidc_issuer, user.oidc_subject, user.oidc_linked_dt = identity.issuer, identity.subject, now
    record_event(session, target="user", target_id=user.id, action="linked", fields=[PROCONNECT],
                 actor=audit_name(user))
    session.flush()


def unlink(session: Session, user: User, *, enforced: bool) -> None:
    """Forget the account's ProConnect identity; it signs in with its password again.

    Refused while ProConnect is required for the account's role (``enforced``: ProConnect is
    configured), since the password would then open nothing. A later ProConnect sign-in with
    the account's e-mail links it again.
    """
    if user.oidc_subject is None:
        raise InputError(code="proconnect.not_linked", field="unlink")
    if enforced and is_required(session, user.role):
        raise InputError(code="proconnect.unlink_required", field="unlink")
    user.oidc_issuer = user.oidc_subject = user.oidc_linked_dt = None
    record_event(session, target="user", target_id=user.id, action="unlinked", fields=[PROCONNECT])
    session.flush()


def required_roles(session: Session) -> list[str]:
    rows = set(session.scalars(select(ProConnectRole.role)))
    return [role for role in ROLES if role in rows]


def is_required(session: Session, role: str) -> bool:
    return session.scalar(select(ProConnectRole.id).where(ProConnectRole.role == role)) is not None


def set_required(session: Session, role: str, required: bool, now: datetime) -> bool:
    """Require ProConnect for a role (or allow passwords again). True when something changed."""
    if role not in ROLES:
        raise InputError(code="account.role_invalid", field="role", value=role, choices=", ".join(ROLES))
    row = session.scalar(select(ProConnectRole).where(ProConnectRole.role == role))
    if required and row is None:
        session.add(ProConnectRole(role=role, since_dt=now))
    elif not required and row is not None:
        session.delete(row)
    else:
        return False
    session.flush()
    return True

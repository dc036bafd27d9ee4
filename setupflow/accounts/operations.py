"""State changes of accounts. Each flushes; the caller (CLI, web request) commits once."""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from .. import inputs
from ..db import refusing_duplicates, row_id
from ..inputs import email_key
from ..errors import InputError, NotAllowed, NotFound
from ..sites.models import Site
from ..sites.operations import create_site, record
from . import throttle
from .models import LANGUAGES, ROLES, LoginFailure, PasswordResetToken, User, UserSite
from .passwords import check_policy, hash_password, needs_rehash, verify_password

#: failed logins allowed per account within ``FAILURE_WINDOW``; the next one is refused
MAX_FAILURES = 5
FAILURE_WINDOW = timedelta(minutes=1)
RESET_VALIDITY = timedelta(hours=2)
#: password-reset requests allowed per address and per client (IP) within ``RESET_WINDOW``
RESETS_PER_ADDRESS = 3
RESETS_PER_CLIENT = 10
RESET_WINDOW = timedelta(hours=1)


def normalise_email(email: str) -> str:
    """The identity of an address (NFKC, case-folded): accounts store and match on it."""
    return email_key(email)


def user_by_email(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(User.email == normalise_email(email)))


def create_user(session: Session, *, email: str, role: str, password: str, now: datetime,
                display_name: str | None = None, region: str | None = None, language: str = "fr",
                site_ids: tuple[int, ...] = ()) -> User:
    email = normalise_email(inputs.email(email))
    if role not in ROLES:
        raise InputError(code="choice.invalid", field="role", value=role, allowed=list(ROLES))
    if language not in LANGUAGES:
        raise InputError(code="choice.invalid", field="language", value=language, allowed=list(LANGUAGES))
    if role == "cress" and not (region or "").strip() and not site_ids:
        raise InputError(code="account.cress_scope_required", field="region")
    if user_by_email(session, email) is not None:
        raise InputError(code="account.exists", field="email", email=email)
    check_policy(password, email)
    name = inputs.text(display_name, "display_name", name=True) or email.split("@")[0]
    user = User(email=email, display_name=name[:200], password_hash=hash_password(password), role=role,
                region=(region or "").strip() or None, language=language, is_active=True, session_version=1,
                created_dt=now)
    session.add(user)
    session.flush()
    for site_id in site_ids:
        assign_site(session, user, site_id, now)
    return user


def assign_site(session: Session, user: User, site_id, now: datetime) -> UserSite:
    number = row_id(site_id)
    site = session.get(Site, number) if number else None
    if site is None:
        raise NotFound(code="site.not_found", field="site", site=site_id)
    row = session.scalar(select(UserSite).where(UserSite.user_id == user.id, UserSite.site_id == site.id))
    if row is None:
        row = UserSite(user_id=user.id, site_id=site.id, assigned_dt=now)
        session.add(row)
        with refusing_duplicates("site"):  # linked by another connection at the same moment
            session.flush()
    return row


def create_site_as(session: Session, catalog, user: User, *, now: datetime, **fields) -> Site:
    """A site created by ``user`` (``fields`` as ``sites.operations.create_site`` takes them): a Cress
    user with a region creates sites in that region only; one scoped by sites instead gets the new site."""
    from . import access

    if user.role == "cress" and user.region and (fields.get("region") or "") != user.region:
        raise InputError(code="site.outside_region", field="region", region=user.region)
    site = create_site(session, catalog, actor=access.actor_of(user), now=now, **fields)
    if user.role == "cress" and not user.region:
        assign_site(session, user, site.id, now)
    return site


def create_site_lead(session: Session, site: Site, *, email: str, password: str, actor, now: datetime,
                     display_name: str | None = None, language: str = "fr") -> User:
    """The lead account of ``site``, written in the site's history."""
    user = create_user(session, email=email, role="lead", password=password, now=now, display_name=display_name,
                       language=language, site_ids=(site.id,))
    record(session, site, actor, now, "lead_account", email=user.email)
    return user


def set_password(session: Session, user: User, password: str) -> None:
    """Change the password, end every live session of the account and void every reset
    link not yet used (one sent earlier must not reset the new password)."""
    check_policy(password, user.email)
    user.password_hash = hash_password(password)
    user.session_version += 1
    session.execute(delete(PasswordResetToken).where(PasswordResetToken.user_id == user.id,
                                                     PasswordResetToken.used_dt.is_(None))
                    .execution_options(synchronize_session="fetch"))
    session.flush()


def end_sessions(session: Session, user: User) -> None:
    """Log the account out everywhere (its session cookies stop matching)."""
    user.session_version += 1
    session.flush()


def disable_user(session: Session, user: User, now: datetime | None = None) -> int:
    """Disable the account: its sessions end and its calendar feeds (personal, and every
    site feed it created) are revoked. Returns how many feeds were revoked."""
    from ..reminders.feeds import revoke_feeds_of

    user.is_active = False
    end_sessions(session, user)
    return revoke_feeds_of(session, user, now or datetime.now(timezone.utc))


def set_language(session: Session, user: User, language: str) -> None:
    if language not in LANGUAGES:
        raise InputError(code="choice.invalid", field="language", value=language, allowed=list(LANGUAGES))
    user.language = language
    session.flush()


@dataclass(frozen=True)
class LoginResult:
    user: User | None
    #: True when too many failures were recorded for this e-mail in the last minute
    is_throttled: bool = False
    #: True when the password is right but the account's role must sign in with ProConnect
    needs_proconnect: bool = False


def authenticate(session: Session, email: str, password: str, now: datetime,
                 proconnect_offered: bool = False) -> LoginResult:
    """Check a login. Unknown and known e-mails are counted and answered alike.

    Refused without checking the password once ``MAX_FAILURES`` failures happened for
    the e-mail within ``FAILURE_WINDOW``; every failure is recorded (the caller commits).
    When ProConnect is offered (``proconnect_offered``) and required for the account's
    role, the right password is refused too: only then, so that the answer tells nothing
    to someone who does not know the password. Every outcome goes to the audit log.
    """
    from .proconnect import PASSWORD as METHOD, is_required, record_sign_in

    key = normalise_email(email)[:254]
    # the attempt is counted before the password is checked, in one statement that returns
    # the count: parallel attempts cannot all see "under the limit" (a success gives it back)
    counter = f"login:{key}"
    if throttle.hit(session, counter, now, FAILURE_WINDOW) > MAX_FAILURES:
        record_sign_in(session, METHOD, reason="throttled")
        session.flush()
        return LoginResult(None, is_throttled=True)
    user = user_by_email(session, key)
    ok = verify_password(user.password_hash if user else None, password or "")
    if not ok or user is None or not user.is_active:
        session.add(LoginFailure(email=key, at_dt=now))
        session.execute(delete(LoginFailure).where(LoginFailure.at_dt < now - timedelta(days=1)))
        throttle.purge(session, now)
        record_sign_in(session, METHOD, reason="bad_credentials")
        session.flush()
        return LoginResult(None)
    throttle.give_back(session, counter)
    if proconnect_offered and is_required(session, user.role):
        record_sign_in(session, METHOD, reason="proconnect_required")
        session.flush()
        return LoginResult(None, needs_proconnect=True)
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_dt = now
    record_sign_in(session, METHOD, user)
    session.flush()
    return LoginResult(user)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class TooManyResets(NotAllowed):
    """Too many password-reset requests from one client: answered 429."""


def start_password_reset(session: Session, email: str, now: datetime,
                         client: str | None = None) -> tuple[User, str] | None:
    """A new reset token for an active account (only its hash is stored), or None.

    Throttled in one statement each (``throttle.hit``): past ``RESETS_PER_CLIENT`` requests
    from one client (IP address) within ``RESET_WINDOW``, ``TooManyResets``; past
    ``RESETS_PER_ADDRESS`` for one address, None (no e-mail), answered like an unknown
    address so that the limit tells nothing about the account."""
    if client and throttle.hit(session, f"reset-ip:{client}", now, RESET_WINDOW) > RESETS_PER_CLIENT:
        raise TooManyResets("password reset: too many requests from this client; try again in an hour")
    key = normalise_email(email)[:254]
    if throttle.hit(session, f"reset:{key}", now, RESET_WINDOW) > RESETS_PER_ADDRESS:
        return None
    user = user_by_email(session, email)
    if user is None or not user.is_active:
        return None
    token = secrets.token_urlsafe(32)
    session.add(PasswordResetToken(user_id=user.id, token_hash=_digest(token), created_dt=now,
                                   expires_dt=now + RESET_VALIDITY))
    session.flush()
    return user, token


def reset_token_user(session: Session, token: str, now: datetime) -> tuple[PasswordResetToken, User]:
    row = session.scalar(select(PasswordResetToken).where(PasswordResetToken.token_hash == _digest(token or "")))
    if row is None or row.used_dt is not None or row.expires_dt <= now:
        raise NotFound(code="account.reset_link_invalid", field="token")
    user = session.get(User, row.user_id)
    if user is None or not user.is_active:
        raise NotFound(code="account.reset_link_invalid", field="token")
    return row, user


def reset_password(session: Session, token: str, password: str, now: datetime) -> User:
    """Use a reset token once: set the password, end live sessions, spend the token."""
    row, user = reset_token_user(session, token, now)
    row.used_dt = now
    session.flush()
    set_password(session, user, password)  # voids every other reset link of the account
    return user

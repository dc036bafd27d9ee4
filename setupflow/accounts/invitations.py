"""The invitation of a new account: an e-mail with a link to choose one's password.

Whoever creates an account (a Cress user creating a site's lead account) never types
nor sees its password: the account gets an unguessable password nobody knows, and the
person receives, through the outbox, a link valid ``VALIDITY`` that lets them choose
theirs. The link is signed (HMAC-SHA256 with the application's secret) over the
account, the instant it was made and the account's current password hash: once a
password is chosen the hash changes, so the link works once. Nothing is stored.

Kept apart from the password-reset tokens (``operations.start_password_reset``), which
have their own table, validity and throttling.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from datetime import datetime, timedelta, timezone

from sqlalchemy.orm import Session

from ..errors import NotFound
from .mail import send_account_mail
from .models import User
from .operations import set_password

VALIDITY = timedelta(days=5)
TEMPLATE = "account_invitation"
_SALT = b"setupflow.account-invitation.v1"


def unknown_password() -> str:
    """A password nobody knows, for an account whose owner will choose theirs."""
    return secrets.token_urlsafe(32)


def _mac(secret: str, payload: bytes, user: User) -> str:
    key = hashlib.sha256(_SALT + secret.encode()).digest()
    return hmac.new(key, payload + b"|" + user.password_hash.encode(), hashlib.sha256).hexdigest()[:40]


def invitation_token(user: User, secret: str, now: datetime) -> str:
    payload = base64.urlsafe_b64encode(json.dumps({"u": user.id, "t": int(now.timestamp())},
                                                  separators=(",", ":")).encode()).decode().rstrip("=")
    return f"{payload}.{_mac(secret, payload.encode(), user)}"


def invited_user(session: Session, token: str, secret: str, now: datetime) -> User:
    """The account a link invites to choose its password; ``NotFound`` when the link is
    forged, expired, already used (the password changed since) or the account is disabled."""
    refused = NotFound(code="invitation.invalid", field="token")
    payload, _, mac = (token or "").partition(".")
    try:
        data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        user = session.get(User, int(data["u"]))
        made = datetime.fromtimestamp(int(data["t"]), timezone.utc)
    except (ValueError, KeyError, TypeError):
        raise refused from None
    if user is None or not user.is_active or not hmac.compare_digest(mac, _mac(secret, payload.encode(), user)):
        raise refused
    if not made <= now < made + VALIDITY:
        raise refused
    return user


def accept_invitation(session: Session, token: str, password: str, secret: str, now: datetime) -> User:
    """Set the password the invited person chose; the link stops working."""
    user = invited_user(session, token, secret, now)
    set_password(session, user, password)
    return user


def send_invitation(session: Session, user: User, *, path: str, site_name: str | None, inviter: str,
                    now: datetime):
    """Queue the invitation e-mail (``path``: the link's page, under the base URL)."""
    return send_account_mail(session, to=user.email, name=user.display_name, language=user.language,
                             template=TEMPLATE, context={"path": path, "site": site_name, "inviter": inviter,
                                                         "days": VALIDITY.days},
                             now=now, expires_dt=now + VALIDITY)

"""Who replies, and how to stop: the headers of the e-mails setupflow sends.

- ``Reply-To``: an e-mail about a meeting answers to the person who holds the meeting's
  "invitations" role, else to the site's lead (an active ``lead`` account of the site),
  never to the sender's mailbox that nobody reads.
- ``List-Unsubscribe`` and ``List-Unsubscribe-Post`` (one click, RFC 8058): reminders and
  the weekly digest link to the person's mail preferences, a page that works without an
  account through a signed token (HMAC of the address with the application's secret).
  A POST to that link stops the kind of reminder the e-mail was (its template).
"""
from __future__ import annotations

import base64
import hashlib
import hmac

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..config import Settings

#: the templates a person may stop (their kind of reminder); invitations, updates and
#: cancellations of meetings, and account e-mails, always go
STOPPABLE = ("agenda_reminder", "meeting_tomorrow", "minutes_missing", "action_due", "action_overdue",
             "deadline_opens", "deadline_closing", "deadline_missed", "stage_past_max", "weekly_digest")
_SALT = b"setupflow.mail-preferences.v1"


def app_secret(settings: Settings) -> str:
    """The installation's secret (``installation.installation_secret``), which the web app
    signs its sessions with too."""
    from ..installation import installation_secret

    return installation_secret(settings)


def _mac(secret: str, email: bytes) -> str:
    key = hashlib.sha256(_SALT + secret.encode()).digest()
    return hmac.new(key, email, hashlib.sha256).hexdigest()[:32]


def preferences_token(email: str, secret: str) -> str:
    address = email.strip().lower().encode()
    return base64.urlsafe_b64encode(address).decode().rstrip("=") + "." + _mac(secret, address)


def token_email(token: str, secret: str) -> str | None:
    """The address a preferences token was made for, or None when it is not genuine."""
    payload, _, mac = (token or "").partition(".")
    try:
        address = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    except (ValueError, TypeError):
        return None
    if not mac or not hmac.compare_digest(mac, _mac(secret, address)):
        return None
    return address.decode("utf-8", "replace")


def preferences_path(email: str, secret: str) -> str:
    return f"/preferences/{preferences_token(email, secret)}"


def headers(template: str, recipient: str, context: dict, settings: Settings) -> dict[str, str]:
    """The extra headers of one e-mail: Reply-To, List-Unsubscribe(-Post)."""
    from email.utils import formataddr

    out = {}
    reply = context.get("reply_to")
    if reply:
        out["Reply-To"] = formataddr((reply[1], reply[0]), charset="utf-8")
    if template in STOPPABLE:
        url = settings.base_url.rstrip("/") + preferences_path(recipient, app_secret(settings)) + f"?stop={template}"
        out["List-Unsubscribe"] = f"<{url}>"
        out["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    return out


def reply_to(session: Session, meeting) -> list[str] | None:
    """[e-mail, name] of whoever answers for a meeting (see the module docstring)."""
    from ..accounts.models import User, UserSite

    holder = next((r.person for r in meeting.roles if r.role == "invitations"), None)
    if holder is not None and holder.left_on is None:
        return [holder.email.strip().lower(), holder.name]
    lead = session.scalar(select(User).join(UserSite, UserSite.user_id == User.id).where(
        UserSite.site_id == meeting.site_id, User.role == "lead", User.is_active).order_by(User.id).limit(1))
    return [lead.email, lead.display_name] if lead is not None else None


def preferences_of(session: Session, email: str):
    from .models import MailPreference

    return session.scalar(select(MailPreference).where(MailPreference.email == email.strip().lower()))


def save_preferences(session: Session, email: str, now, *, stopped=None, weekly_digest=None, stop: str | None = None):
    """Stop kinds of reminder (``stopped``: the whole set, or ``stop``: one more) and turn the
    weekly digest on or off; the next planning pass withdraws what was stopped."""
    from ..errors import InputError
    from .models import MailPreference

    pref = preferences_of(session, email)
    if pref is None:
        pref = MailPreference(email=email.strip().lower(), is_digest=False, digest_at="08:00")
        session.add(pref)
    current = set(pref.stopped or ())
    if stopped is not None:
        current = set(stopped)
    if stop is not None:
        current.add(stop)
    unknown = current - set(STOPPABLE)
    if unknown:
        raise InputError(code="preferences.unknown_kind", field="stop", value=sorted(unknown)[0],
                         allowed=list(STOPPABLE))
    pref.stopped = sorted(current)
    if weekly_digest is not None:
        pref.weekly_digest = weekly_digest
    pref.updated_dt = now
    session.flush()
    return pref

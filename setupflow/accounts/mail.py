"""Account e-mails (password reset). One function sends them all, so that pointing it at
the reminders outbox later is a one-place change.

Until then: with an SMTP host configured the message goes out at once; without one it
is written as an .eml file under ``<data dir>/outbox-accounts/`` so that a one-machine
install (and the tests) can read it.
"""
from __future__ import annotations

import smtplib
import ssl
from datetime import datetime
from email.message import EmailMessage
from pathlib import Path

from ..config import Settings


def send_account_mail(settings: Settings, *, to: str, subject: str, body: str, now: datetime) -> Path | None:
    """Send (or store) one account e-mail; call it after the transaction committed."""
    message = EmailMessage()
    message["From"] = settings.mail_sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = now
    message.set_content(body)
    if settings.smtp_host:
        _smtp_send(settings, message)
        return None
    folder = Path(settings.data_dir) / "outbox-accounts"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{now.strftime('%Y%m%dT%H%M%S%f')}-{to.replace('@', '_at_')}.eml"
    path.write_bytes(bytes(message))
    return path


def _smtp_send(settings: Settings, message: EmailMessage) -> None:
    if settings.smtp_security == "ssl":
        client = smtplib.SMTP_SSL(settings.smtp_host, settings.smtp_port, context=ssl.create_default_context(),
                                  timeout=30)
    else:
        client = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=30)
    with client:
        if settings.smtp_security == "starttls":
            client.starttls(context=ssl.create_default_context())
        if settings.smtp_user:
            client.login(settings.smtp_user, settings.smtp_password or "")
        client.send_message(message)

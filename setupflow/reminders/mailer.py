"""SMTP delivery with the standard library. One connection per sweep, reopened once
if the server drops it."""
from __future__ import annotations

import logging
import smtplib
import ssl
from email.message import Message

from ..config import Settings
from ..errors import InputError

log = logging.getLogger("setupflow.mail")

SECURITY = ("none", "starttls", "ssl")


class MailNotConfigured(Exception):
    """No SMTP server in the settings: mail stays in the outbox."""


class SmtpMailer:
    """``with SmtpMailer(settings) as mailer: mailer.send(msg)``."""

    def __init__(self, settings: Settings, timeout: float = 30):
        if not settings.smtp_host:
            raise MailNotConfigured("SETUPFLOW_SMTP_HOST is not set")
        if settings.smtp_security not in SECURITY:
            raise InputError(code="choice.invalid", field="SETUPFLOW_SMTP_SECURITY", value=settings.smtp_security,
                             allowed=list(SECURITY))
        self.settings = settings
        self.timeout = timeout
        self.connection: smtplib.SMTP | None = None

    def open(self) -> None:
        s = self.settings
        if s.smtp_security == "ssl":
            conn = smtplib.SMTP_SSL(s.smtp_host, s.smtp_port, timeout=self.timeout,
                                    context=ssl.create_default_context())
        else:
            conn = smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=self.timeout)
            if s.smtp_security == "starttls":
                conn.starttls(context=ssl.create_default_context())
        if s.smtp_user:
            conn.login(s.smtp_user, s.smtp_password or "")
        self.connection = conn

    def close(self) -> None:
        if self.connection is not None:
            try:
                self.connection.quit()
            except (smtplib.SMTPException, OSError):
                self.connection.close()
            self.connection = None

    def __enter__(self) -> "SmtpMailer":
        self.open()
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def send(self, msg: Message) -> None:
        """Send one message; a dropped connection is reopened once before giving up."""
        if self.connection is None:
            self.open()
        try:
            self.connection.send_message(msg)
        except smtplib.SMTPServerDisconnected:
            self.connection = None
            self.open()
            self.connection.send_message(msg)

"""What the reminder rules produce and the outbox's ``sync`` consumes: a reminder that
should exist (``Planned``) and whom it is for (``Recipient``). Plain values, so that the
rules (rules.py, meeting_rules.py, after_opening/reminders.py) and the outbox
(operations.py) import them from here and not from each other."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Recipient:
    email: str
    name: str
    language: str = "fr"


@dataclass(frozen=True)
class Planned:
    """A reminder that should exist."""

    rule: str
    subject: str
    due_dt: datetime
    recipient: Recipient
    template: str
    context: dict
    site_id: int | None = None
    expires_dt: datetime | None = None
    #: once per (rule, subject, recipient), whatever the due instant
    is_once: bool = False
    #: when its instant moved into the past (a meeting moved earlier), send it again
    #: only to whoever never got it for this subject
    is_late_resent: bool = True

    @property
    def loose_key(self) -> tuple:
        return (self.rule, self.subject, self.recipient.email.lower())

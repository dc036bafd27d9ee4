"""Account e-mails (password reset) go through the reminders outbox like every other
e-mail: one ``Reminder`` row, due at once, written in the caller's transaction and sent
by the worker's next sweep. Without SMTP the row stays pending and readable in the outbox
(``setupflow outbox list``) until it expires.
"""
from __future__ import annotations

from datetime import datetime

from ..reminders.models import Reminder

#: the outbox rule of account e-mails (not a workflow rule: no planning pass touches it)
RULE = "account_mail"


def send_account_mail(session, *, to: str, name: str, language: str, template: str, context: dict,
                      now: datetime, expires_dt: datetime | None = None) -> Reminder:
    """Queue one account e-mail (``templates/emails/<template>.<lang>.txt``); flush, never commit.
    ``context["path"]`` becomes the message's link under the configured base URL."""
    row = Reminder(rule=RULE, subject=f"account:{template}", due_dt=now, recipient=to.strip().lower(),
                   recipient_name=name, language="en" if language == "en" else "fr", site_id=None,
                   template=template, context={"name": name, **context}, state="pending", send_after_dt=now,
                   expires_dt=expires_dt, is_digest=False, attempts=0, created_dt=now, updated_dt=now)
    session.add(row)
    session.flush()
    return row

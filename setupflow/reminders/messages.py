"""Turn outbox rows into e-mails: Jinja2 templates (text and HTML parts), the person's
language, a stable Message-ID and, for meetings, an iCalendar part."""
from __future__ import annotations

import re
from datetime import datetime
from email.charset import QP, Charset
from email.header import Header
from email.message import Message
from email.mime.application import MIMEApplication
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import format_datetime, formataddr
from functools import cached_property
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from ..inputs import finalize
from ..clock import installation_zone, zone
from .. import ics

_UTF8_QP = Charset("utf-8")
_UTF8_QP.body_encoding = QP

#: templates that carry the meeting as iCalendar, with the METHOD they use
CALENDAR_METHODS = {"meeting_invitation": "REQUEST", "meeting_update": "REQUEST", "meeting_cancel": "CANCEL"}


def long_day(value, lang: str = "fr") -> str:
    """``2027-03-10`` -> ``mercredi 10 mars 2027`` / ``Wednesday, March 10, 2027`` (Babel's full form)."""
    from ..documents.render import long_date

    return long_date(datetime.fromisoformat(str(value)), lang)


def long_instant(value, lang: str = "fr", tz: str | None = None) -> str:
    """An ISO instant in the meeting's zone: ``mercredi 10 mars 2027 à 14 h 00``."""
    local = datetime.fromisoformat(str(value)).astimezone(zone(tz) if tz else installation_zone())
    if lang == "en":
        return f"{long_day(local.date().isoformat(), 'en')} at {local:%H:%M}"
    return f"{long_day(local.date().isoformat(), 'fr')} à {local.hour} h {local:%M}"


class Renderer:
    """Renders ``emails/<template>.<lang>.txt`` (blocks ``subject`` and ``body``) and wraps
    the body in ``emails/_layout.html`` (autoescaped) for the HTML part."""

    def __init__(self, templates_dir: Path):
        self.folder = Path(templates_dir) / "emails"

    def _env(self, autoescape: bool) -> Environment:
        # bandit B701 accepted: autoescape is off only for the text/plain part, which no
        # browser renders as HTML; the HTML part uses the autoescaped environment
        env = Environment(loader=FileSystemLoader(self.folder), undefined=StrictUndefined,  # nosec B701
                          autoescape=autoescape, keep_trailing_newline=False, finalize=finalize)
        env.filters["day"] = long_day
        env.filters["instant"] = long_instant
        return env

    @cached_property
    def text_env(self) -> Environment:
        return self._env(False)

    @cached_property
    def html_env(self) -> Environment:
        return self._env(True)

    def render(self, template: str, lang: str, context: dict) -> tuple[str, str, str]:
        """(subject, text body, HTML body) of one e-mail."""
        lang = "en" if lang == "en" else "fr"
        tpl = self.text_env.get_template(f"{template}.{lang}.txt")
        ctx = tpl.new_context({**context, "lang": lang})
        # ASCII whitespace only: the no-break spaces of French typography stay
        subject = " ".join(re.split(r"[ \t\r\n]+", "".join(tpl.blocks["subject"](ctx)).strip(" \t\r\n")))
        body = "".join(tpl.blocks["body"](ctx)).strip() + "\n"
        html = self.html_env.get_template("_layout.html").render(
            subject=subject, paragraphs=[p for p in body.split("\n\n") if p.strip()], lang=lang,
            link=context.get("link"))
        return subject, body, html


def message_domain(sender: str) -> str:
    return sender.rpartition("@")[2].strip(" >") or "setupflow.localhost"


def build(*, sender: str, to: tuple[str, str], subject: str, text: str, html: str, message_id: str,
          now: datetime, calendar: bytes | None = None, method: str | None = None) -> Message:
    """A MIME message: text and HTML alternatives, plus the iCalendar part for meetings.

    Built with the ``email.mime`` classes (compat32 policy): several times faster to
    produce than ``EmailMessage``, which matters when a sweep sends thousands.
    """
    body = MIMEMultipart("alternative")
    body.attach(MIMEText(text, "plain", _UTF8_QP))
    body.attach(MIMEText(html, "html", _UTF8_QP))
    if calendar is None:
        msg = body
    else:
        invite = MIMEText(calendar.decode(), "calendar", "utf-8")
        invite.set_param("method", method)
        body.attach(invite)
        msg = MIMEMultipart("mixed")
        msg.attach(body)
        attachment = MIMEApplication(calendar, "ics")
        attachment.add_header("Content-Disposition", "attachment", filename="invitation.ics")
        msg.attach(attachment)
    msg["From"] = sender
    msg["To"] = formataddr((to[1], to[0]), charset="utf-8")
    msg["Subject"] = subject if subject.isascii() else Header(subject, "utf-8")
    msg["Message-ID"] = message_id
    msg["Date"] = format_datetime(now)
    msg["Auto-Submitted"] = "auto-generated"
    return msg


def meeting_calendar(template: str, context: dict, *, to: tuple[str, str], sender: str,
                     now: datetime) -> tuple[bytes, str] | tuple[None, None]:
    method = CALENDAR_METHODS.get(template)
    if method is None or "meeting" not in context:
        return None, None
    return ics.invitation(context["meeting"], method=method, stamp=now, attendees=[ics.Attendee(*to)],
                          organizer=sender.rpartition("<")[2].strip(" >")), method

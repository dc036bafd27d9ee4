"""A professional's personal data: export everything about them, erase (anonymise) them.

Erasure keeps every row (decisions, minutes and history stay readable and their documents
still render) but replaces the person: their team-file rows, their account, and every
place a site's texts cite their name, their e-mail or their web-actor form
(``Name <email>``) now say ``ANONYMISED``. It is the one exception to the append-only
site history: a bulk UPDATE, recorded in the history of each site concerned (by id only).
Their pending reminders are withdrawn.
"""
from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import JSON, String, Text, func, select, update
from sqlalchemy.orm import Session

from . import inputs
from .clock import local_date
from .inputs import email_key
from .data_register import category
from .errors import NotFound
from .sites.models import HistoryEntry, Site
from .sites.operations import Actor, record
from .team.models import Person

ANONYMISED = "Personne anonymisée"


def anonymised_email(person_id: int) -> str:
    return f"anonymised-person-{person_id}@invalid"


def people_with_email(session: Session, email: str) -> list[Person]:
    email = email_key(inputs.email(email))
    return list(session.scalars(select(Person).where(func.lower(Person.email) == email).order_by(Person.id)))


def _iso(value):
    return value.isoformat() if value is not None else None


def person_report(session: Session, email: str) -> dict:
    """Everything setupflow holds about the person with this e-mail, and nothing about anyone else."""
    from .accounts.models import User
    from .committees.models import ActionItem, Attendee, MeetingRole
    from .reminders.models import FeedToken, MailPreference, Reminder

    email = email_key(email)
    people = people_with_email(session, email)
    user = session.scalar(select(User).where(User.email == email))
    if not people and user is None:
        raise NotFound(code="personal_data.nobody", field="email", email=email)
    ids = [p.id for p in people]
    names = {p.name for p in people} | ({user.display_name} if user else set())
    actor_forms = names | ({f"{user.display_name} <{user.email}>"} if user else set())
    report = {"email": email, "team": [], "account": None, "mail_preference": None, "feeds": [], "reminders": [],
              "history": []}
    for p in people:
        report["team"].append({
            "site": p.site_id, "name": p.name, "function": p.function, "email": p.email, "phone": p.phone,
            "language": p.language, "organisation": p.organisation.name, "left_on": _iso(p.left_on),
            "committees": [{"committee": m.committee_id, "start_on": _iso(m.start_on), "end_on": _iso(m.end_on)}
                           for m in p.memberships],
            "meeting_roles": [{"meeting": r.meeting_id, "role": r.role} for r in
                              session.scalars(select(MeetingRole).where(MeetingRole.person_id == p.id))],
            "invitations": [{"meeting": a.meeting_id, "attendance": a.attendance} for a in
                            session.scalars(select(Attendee).where(Attendee.person_id == p.id))],
            "action_items": [{"text": a.text, "due_on": _iso(a.due_on), "status": a.status} for a in
                             session.scalars(select(ActionItem).where(ActionItem.owner_id == p.id))],
        })
    if user is not None:
        report["account"] = {"email": user.email, "display_name": user.display_name, "role": user.role,
                             "language": user.language, "is_active": user.is_active,
                             "created_dt": _iso(user.created_dt), "last_login_dt": _iso(user.last_login_dt),
                             "sites": sorted(s.site_id for s in user.sites)}
    preference = session.scalar(select(MailPreference).where(MailPreference.email == email))
    if preference is not None:
        report["mail_preference"] = {"is_digest": preference.is_digest, "digest_at": preference.digest_at}
    report["feeds"] = [{"created_dt": _iso(f.created_dt), "revoked_dt": _iso(f.revoked_dt)}
                       for f in session.scalars(select(FeedToken).where(FeedToken.email == email))]
    report["reminders"] = [{"rule": r.rule, "due_dt": _iso(r.due_dt), "state": r.state, "site": r.site_id}
                           for r in session.scalars(select(Reminder).where(Reminder.recipient == email)
                                                    .order_by(Reminder.id))]
    report["history"] = [{"site": h.site_id, "at_dt": _iso(h.at_dt), "action": h.action, "stage": h.stage}
                         for h in session.scalars(select(HistoryEntry).where(HistoryEntry.actor.in_(actor_forms))
                                                  .order_by(HistoryEntry.id))]
    report["person_ids"] = ids
    return report


def _text_columns(table):
    for column in table.columns:
        if isinstance(column.type, (String, Text)) and category(table.name, column.name) in ("professional",
                                                                                           "project"):
            yield column


def scrub_site_texts(session: Session, site_id: int, needles: list[str]) -> int:
    """Replace every needle (longest first) by ANONYMISED in the site's text columns."""
    from .transfer.tables import SITES, owned_tables

    # a table without rows of its own (site_summaries: a derived line, codes and dates only) holds no text
    tables = {t.table.name: t for t in owned_tables() if "id" in t.table.c}
    changed = 0
    for needle in sorted({n for n in needles if n and len(n) >= 3}, key=len, reverse=True):
        for name, owned in tables.items():
            if name == SITES:
                continue
            rows = _site_rows(tables, name, site_id)
            for column in _text_columns(owned.table):
                result = session.execute(update(owned.table).where(owned.table.c.id.in_(rows),
                                                                   column.contains(needle, autoescape=True))
                                         .values({column.name: func.replace(column, needle, ANONYMISED)}))
                changed += result.rowcount or 0
            for column in _json_columns(owned.table):
                changed += _scrub_json(session, owned.table, column, rows, needle)
    return changed


def _json_columns(table):
    for column in table.columns:
        if isinstance(column.type, JSON) and category(table.name, column.name) in ("professional", "project"):
            yield column


def _replaced(value, needle: str):
    if isinstance(value, str):
        return value.replace(needle, ANONYMISED)
    if isinstance(value, list):
        return [_replaced(v, needle) for v in value]
    if isinstance(value, dict):
        return {k: _replaced(v, needle) for k, v in value.items()}
    return value


def _scrub_json(session: Session, table, column, rows, needle: str) -> int:
    """JSON cannot be searched alike on every backend: read the site's rows, rewrite those citing the needle."""
    changed = 0
    for row_id, value in session.execute(select(table.c.id, column).where(table.c.id.in_(rows))):
        if value is not None and needle in json.dumps(value, ensure_ascii=False):
            session.execute(update(table).where(table.c.id == row_id).values({column.name: _replaced(value, needle)}))
            changed += 1
    return changed


def _site_rows(tables, name, site_id):
    owned = tables[name]
    if owned.parent == "sites":
        return select(owned.table.c.id).where(owned.owner == site_id)
    return select(owned.table.c.id).where(owned.owner.in_(_site_rows(tables, owned.parent, site_id)))


def anonymise_person(session: Session, person: Person, actor: Actor, now: datetime,
                     extra_needles: tuple[str, ...] = ()) -> bool:
    """Anonymise one team-file row and what its site's texts say of them; False when already done."""
    from .reminders.models import UNSENT, Reminder

    if person.name == ANONYMISED and person.email == anonymised_email(person.id):
        return False
    site = session.get(Site, person.site_id)
    old_email = person.email.lower()
    needles = [person.name, old_email, *extra_needles]
    session.execute(update(Reminder).where(Reminder.site_id == site.id, Reminder.recipient == old_email,
                                           Reminder.state.in_(UNSENT))
                    .values(state="withdrawn", last_error="recipient's personal data erased",
                            version_id=Reminder.version_id + 1, updated_dt=now))
    session.execute(update(Reminder).where(Reminder.site_id == site.id, Reminder.recipient == old_email)
                    .values(recipient=anonymised_email(person.id), recipient_name=ANONYMISED, context={},
                            version_id=Reminder.version_id + 1))
    person.name, person.email = ANONYMISED, anonymised_email(person.id)
    person.phone = person.function = None
    person.left_on = person.left_on or local_date(now)  # out of the project: nothing is planned for them
    session.flush()
    scrub_site_texts(session, site.id, needles)
    record(session, site, actor, now, "person_anonymised", person_id=person.id)
    session.flush()
    return True


def erase(session: Session, email: str, actor: Actor, now: datetime) -> dict:
    """The right to erasure: every team-file row with this address, the account, its
    preferences, feeds and counters. Returns what was done; running it again does nothing."""
    from .accounts.models import LoginFailure, User
    from .audit.models import AuditEntry
    from .reminders.models import FeedToken, MailPreference

    email = email_key(email)
    people = people_with_email(session, email)
    names = [p.name for p in people]
    user = session.scalar(select(User).where(User.email == email))
    extra = (f"{user.display_name} <{user.email}>", user.display_name) if user else ()
    done = {"people": 0, "account": False}
    for person in people:
        done["people"] += anonymise_person(session, person, actor, now, extra_needles=extra)
    if user is not None:
        from .accounts import throttle
        from .reminders.feeds import revoke_feeds_of

        # every feed the account created dies with it (site feeds too), before its address goes
        done["feeds_revoked"] = revoke_feeds_of(session, user, now)
        throttle.forget(session, f"login:{email}", f"reset:{email}")
        for link in user.sites:
            if scrub_site_texts(session, link.site_id, [extra[0], extra[1], email]):
                # recorded like every change of a site's texts: its version moves, so feeds and
                # pages that were keyed on it show the anonymised texts
                record(session, session.get(Site, link.site_id), actor, now, "person_anonymised", user_id=user.id)
        user.display_name, user.email = ANONYMISED, f"anonymised-user-{user.id}@invalid"
        user.password_hash = "!erased"  # matches no argon2 hash: the account can never log in
        user.is_active = False
        user.oidc_issuer = user.oidc_subject = user.oidc_linked_dt = None  # no ProConnect sign-in finds it again
        user.session_version += 1
        done["account"] = True
    forms = [f for f in (*extra, email, *names) if f]
    if forms:  # the audit log keeps that someone acted, no longer who
        session.execute(update(AuditEntry).where(AuditEntry.actor.in_(forms)).values(actor=ANONYMISED))
    session.execute(MailPreference.__table__.delete().where(MailPreference.email == email))
    session.execute(update(FeedToken).where(FeedToken.email == email, FeedToken.revoked_dt.is_(None))
                    .values(revoked_dt=now))
    session.execute(update(FeedToken).where(FeedToken.email == email).values(email=None))
    session.execute(LoginFailure.__table__.delete().where(LoginFailure.email == email))
    session.flush()
    return done

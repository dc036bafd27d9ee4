"""State changes of a site's team file. Each flushes; the caller commits.

People are never deleted: when someone leaves, ``handover.person_leaves`` passes their
work on to a named successor.
"""
from __future__ import annotations

import re
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .. import inputs
from ..clock import local_date
from ..inputs import email_key
from ..db import row_id
from ..definitions import vocabulary
from ..errors import InputError, NotFound
from ..sites.models import Site
from ..sites.operations import Actor, record
from ..sites.runtime import workflow_of
from .models import LANGUAGES, Membership, Organisation, Person



def valid_email(value: str | None, field: str = "email") -> str:
    return inputs.email(value, field)


def _text(value: str | None, field: str, max_len: int, required: bool = True) -> str | None:
    value = inputs.text(value, field, name=True)  # one line, no control or bidi character
    if not value:
        if required:
            raise InputError(code="required", field=field, label=field)
        return None
    if len(value) > max_len:
        raise InputError(code="text.too_long", field=field, length=len(value), limit=max_len)
    return value


def add_organisation(session: Session, site: Site, *, name: str, category: str, actor: Actor,
                     now: datetime) -> Organisation:
    category = (category or "").strip().lower()  # "SPIP" is the category spip
    categories = vocabulary.current().category_ids
    if category not in categories:
        raise InputError(code="choice.invalid", field="category", value=category, allowed=list(categories))
    org = Organisation(site_id=site.id, name=_text(name, "organisation", 200), category=category, created_dt=now)
    session.add(org)
    session.flush()
    record(session, site, actor, now, "organisation_added", organisation_id=org.id, name=org.name, category=category)
    session.flush()
    return org


def organisation_for(session: Session, site: Site, category_or_name: str, actor: Actor, now: datetime,
                     category: str | None = None) -> Organisation:
    """The site's organisation with this name (case-insensitive) or, for a category id, the
    first one of that category; created when ``category`` is given or the value is a category."""
    wanted = _text(category_or_name, "organisation", 200)
    orgs = list(session.scalars(select(Organisation).where(Organisation.site_id == site.id).order_by(Organisation.id)))
    for org in orgs:
        if org.name.casefold() == wanted.casefold():
            return org
    words = vocabulary.current()
    if wanted.lower() in words.category_ids and category is None:
        wanted = wanted.lower()  # categories are typed in any case: SPIP, spip
        for org in orgs:
            if org.category == wanted:
                return org
        return add_organisation(session, site, name=words.category_label(wanted, "fr"), category=wanted,
                                actor=actor, now=now)
    if category is None:
        raise InputError(code="team.organisation_unknown", field="organisation", value=wanted, site=site.id,
                         categories=list(words.category_ids), known=[o.name for o in orgs])
    return add_organisation(session, site, name=wanted, category=category, actor=actor, now=now)


def _phone(phone: str | None) -> str | None:
    phone = (phone or "").strip()
    if phone and not re.fullmatch(r"[0-9+ ().-]{4,40}", phone):
        raise InputError(code="phone.invalid", field="phone", value=phone)
    return phone or None


def _committee(site: Site, committee_id: str) -> str:
    workflow = workflow_of(site)
    committee_id = (committee_id or "").strip().lower()
    if committee_id not in {c.id for c in workflow.committees}:
        raise InputError(code="choice.invalid", field="committee", value=committee_id,
                         allowed=[c.id for c in workflow.committees])
    return committee_id


def add_person(session: Session, site: Site, *, name: str, email: str, organisation: Organisation,
               actor: Actor, now: datetime, function: str | None = None, phone: str | None = None,
               language: str = "fr", committees=(), start_on: date | None = None) -> Person:
    if organisation.site_id != site.id:
        raise InputError(code="team.organisation_other_site", field="organisation", organisation=organisation.name)
    if language not in LANGUAGES:
        raise InputError(code="choice.invalid", field="language", value=language, allowed=list(LANGUAGES))
    phone = _phone(phone)
    email = valid_email(email)
    if any(email_key(p.email) == email_key(email) and p.is_active for p in people_of(session, site)):
        raise InputError(code="team.email_taken", field="email", email=email, site=site.id)
    committees = [_committee(site, c) for c in committees]
    person = Person(site_id=site.id, organisation=organisation, name=_text(name, "name", 200),
                    email=email, function=_text(function, "function", 200, required=False),
                    phone=phone, language=language, created_dt=now)
    session.add(person)
    session.flush()
    record(session, site, actor, now, "person_added", person_id=person.id, name=person.name,
           organisation=organisation.name)
    for committee_id in committees:
        join_committee(session, site, person, committee_id, actor, now, start_on=start_on)
    session.flush()
    return person


def join_committee(session: Session, site: Site, person: Person, committee_id: str, actor: Actor,
                   now: datetime, start_on: date | None = None) -> Membership:
    _committee(site, committee_id)
    if not person.is_active:
        raise InputError(code="team.person_left", field="person", person=person.name, left_on=person.left_on)
    day = start_on or local_date(now)
    for m in person.memberships:
        if m.committee_id == committee_id and (m.end_on is None or m.end_on >= day):
            return m
    membership = Membership(person=person, committee_id=committee_id, start_on=day)
    session.add(membership)
    record(session, site, actor, now, "committee_joined", person_id=person.id, committee=committee_id,
           start_on=day.isoformat())
    session.flush()
    _invite_to_upcoming(session, site, person, committee_id, now)
    return membership


def _invite_to_upcoming(session: Session, site: Site, person: Person, committee_id: str, now: datetime) -> None:
    """A new member is invited to the committee's scheduled meetings still to come."""
    from ..committees.models import Attendee, Meeting

    upcoming = session.scalars(select(Meeting).where(Meeting.site_id == site.id, Meeting.committee_id == committee_id,
                                                     Meeting.status == "scheduled", Meeting.starts_dt > now))
    for meeting in upcoming:
        if all(a.person_id != person.id for a in meeting.attendees):
            meeting.attendees.append(Attendee(person=person))
    session.flush()


def get_person(session: Session, person_id, site: Site | None = None) -> Person:
    number = row_id(person_id)
    person = session.get(Person, number) if number else None
    if person is None or (site is not None and person.site_id != site.id):
        raise NotFound(code="team.person_not_found", field="person", person=person_id)
    return person


def people_of(session: Session, site: Site, *, include_left: bool = True) -> list[Person]:
    query = select(Person).where(Person.site_id == site.id)
    if not include_left:
        query = query.where(Person.left_on.is_(None))
    return list(session.scalars(query.order_by(Person.name, Person.id)).unique())


def people_for_email(session: Session, email: str) -> list[Person]:
    """Every team-file entry (on any site) of the web account with this e-mail."""
    return list(session.scalars(select(Person).where(func.lower(Person.email) == email_key(email))
                                .order_by(Person.id)).unique())


def committee_members(session: Session, site: Site, committee_id: str, day: date) -> list[Person]:
    """The people who sit on a committee of the site on ``day``."""
    query = (select(Person).join(Membership).where(Person.site_id == site.id, Membership.committee_id == committee_id,
                                                    Membership.start_on <= day)
             .where((Membership.end_on.is_(None)) | (Membership.end_on >= day)).order_by(Person.name, Person.id))
    return list(session.scalars(query).unique())


def update_person(session: Session, site: Site, person: Person, actor: Actor, now: datetime, **changes) -> Person:
    """Change a person's name, e-mail, function, phone, language or organisation."""
    if person.site_id != site.id:
        raise NotFound(code="team.person_not_found", field="person", person=person.id)
    allowed = {"name", "email", "function", "phone", "language", "organisation"}
    unknown = set(changes) - allowed
    if unknown:
        raise InputError(code="team.field_unknown", field=sorted(unknown)[0], allowed=sorted(allowed))
    if "name" in changes:
        person.name = _text(changes["name"], "name", 200)
    if "email" in changes:
        person.email = valid_email(changes["email"])
    if "function" in changes:
        person.function = _text(changes["function"], "function", 200, required=False)
    if "phone" in changes:
        person.phone = _phone(changes["phone"])
    if "language" in changes:
        if changes["language"] not in LANGUAGES:
            raise InputError(code="choice.invalid", field="language", value=changes["language"],
                             allowed=list(LANGUAGES))
        person.language = changes["language"]
    if "organisation" in changes:
        if changes["organisation"].site_id != site.id:
            raise InputError(code="team.organisation_other_site", field="organisation", organisation="")
        person.organisation = changes["organisation"]
    record(session, site, actor, now, "person_changed", person_id=person.id, fields=sorted(changes))
    session.flush()
    return person


def end_membership(session: Session, site: Site, person: Person, committee_id: str, actor: Actor, now: datetime,
                   end_on: date | None = None) -> None:
    """Someone stops sitting on a committee (they stay in the team file)."""
    day = end_on or local_date(now)
    seats = [m for m in person.memberships if m.committee_id == committee_id and (m.end_on is None or m.end_on >= day)]
    if not seats:
        raise InputError(code="team.not_on_committee", field="committee", person=person.name, committee=committee_id)
    for m in seats:
        m.end_on = day
    record(session, site, actor, now, "committee_left", person_id=person.id, committee=committee_id,
           end_on=day.isoformat())
    session.flush()

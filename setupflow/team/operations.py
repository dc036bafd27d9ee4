"""State changes of a site's team file. Each flushes; the caller commits.

People are never deleted: when someone leaves, ``handover.person_leaves`` passes their
work on to a named successor.
"""
from __future__ import annotations

import re
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..clock import local_date
from ..db import row_id
from ..errors import InputError, NotFound
from ..sites.models import Site
from ..sites.operations import Actor, record
from ..sites.runtime import workflow_of
from .models import LANGUAGES, ORGANISATION_CATEGORIES, Membership, Organisation, Person

EMAIL = re.compile(r"^[^@\s<>,;\"']+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9-]+)+$")


def valid_email(value: str | None, field: str = "email") -> str:
    value = value or ""
    if "\r" in value or "\n" in value:
        raise InputError(f"{field}: line breaks are not allowed in an e-mail address")
    value = value.strip()
    if len(value) > 254 or not EMAIL.match(value):
        raise InputError(f"{field}: '{value}' is not an e-mail address")
    return value


def _text(value: str | None, field: str, max_len: int, required: bool = True) -> str | None:
    value = (value or "").strip()
    if "\r" in value or "\n" in value:
        raise InputError(f"{field}: must fit on one line")
    if not value:
        if required:
            raise InputError(f"{field}: required")
        return None
    if len(value) > max_len:
        raise InputError(f"{field}: at most {max_len} characters")
    return value


def add_organisation(session: Session, site: Site, *, name: str, category: str, actor: Actor,
                     now: datetime) -> Organisation:
    category = (category or "").strip().lower()  # "SPIP" is the category spip
    if category not in ORGANISATION_CATEGORIES:
        raise InputError(f"category: '{category}' is not one of {', '.join(ORGANISATION_CATEGORIES)}")
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
    if wanted.lower() in ORGANISATION_CATEGORIES and category is None:
        wanted = wanted.lower()  # categories are typed in any case: SPIP, spip
        for org in orgs:
            if org.category == wanted:
                return org
        return add_organisation(session, site, name=ORGANISATION_CATEGORIES[wanted][0], category=wanted,
                                actor=actor, now=now)
    if category is None:
        known = ", ".join(o.name for o in orgs) or "none yet"
        raise InputError(f"organisation: '{wanted}' is neither a category ({', '.join(ORGANISATION_CATEGORIES)}) "
                         f"nor an organisation of site {site.id} (known: {known}); give its category to create it")
    return add_organisation(session, site, name=wanted, category=category, actor=actor, now=now)


def _phone(phone: str | None) -> str | None:
    phone = (phone or "").strip()
    if phone and not re.fullmatch(r"[0-9+ ().-]{4,40}", phone):
        raise InputError(f"phone: '{phone}' is not a phone number")
    return phone or None


def _committee(site: Site, committee_id: str) -> str:
    workflow = workflow_of(site)
    committee_id = (committee_id or "").strip().lower()
    if committee_id not in {c.id for c in workflow.committees}:
        known = ", ".join(c.id for c in workflow.committees) or "none"
        raise InputError(f"committee: '{committee_id}' is not a committee of {workflow.id} (known: {known})")
    return committee_id


def add_person(session: Session, site: Site, *, name: str, email: str, organisation: Organisation,
               actor: Actor, now: datetime, function: str | None = None, phone: str | None = None,
               language: str = "fr", committees=(), start_on: date | None = None) -> Person:
    if organisation.site_id != site.id:
        raise InputError(f"organisation: {organisation.name} belongs to another site")
    if language not in LANGUAGES:
        raise InputError(f"language: '{language}' is not one of {', '.join(LANGUAGES)}")
    phone = _phone(phone)
    email = valid_email(email)
    if any(p.email.lower() == email.lower() and p.is_active for p in people_of(session, site)):
        raise InputError(f"email: {email} is already in the team file of site {site.id}")
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
        raise InputError(f"person {person.id}: {person.name} left the project on {person.left_on}")
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
        raise NotFound(f"person {person_id}: no such person" + (f" on site {site.id}" if site else ""))
    return person


def people_of(session: Session, site: Site, *, include_left: bool = True) -> list[Person]:
    query = select(Person).where(Person.site_id == site.id)
    if not include_left:
        query = query.where(Person.left_on.is_(None))
    return list(session.scalars(query.order_by(Person.name, Person.id)).unique())


def people_for_email(session: Session, email: str) -> list[Person]:
    """Every team-file entry (on any site) of the web account with this e-mail."""
    return list(session.scalars(select(Person).where(func.lower(Person.email) == (email or "").strip().lower())
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
        raise NotFound(f"person {person.id}: no such person on site {site.id}")
    allowed = {"name", "email", "function", "phone", "language", "organisation"}
    unknown = set(changes) - allowed
    if unknown:
        raise InputError(f"{sorted(unknown)[0]}: not a field of a person ({', '.join(sorted(allowed))})")
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
            raise InputError(f"language: '{changes['language']}' is not one of {', '.join(LANGUAGES)}")
        person.language = changes["language"]
    if "organisation" in changes:
        if changes["organisation"].site_id != site.id:
            raise InputError("organisation: it belongs to another site")
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
        raise InputError(f"committee: {person.name} does not sit on '{committee_id}'")
    for m in seats:
        m.end_on = day
    record(session, site, actor, now, "committee_left", person_id=person.id, committee=committee_id,
           end_on=day.isoformat())
    session.flush()

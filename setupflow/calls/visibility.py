"""Who sees the candidates of a site's call.

The people who run the call (admin, Cress, the site's lead) see every application, its
files, the scores and the ranking. A partner of the site sees them too, unless the partner
belongs to a candidate organisation. A sponsor, anyone from a candidate organisation and
an applicant see only their own application(s) and, once the selection is recorded, the
outcome; never another candidate, its files, the ranking or the scores.

"Their own" is: an application whose organisation is the person's organisation in the
site's team file (matched by e-mail, names compared case-insensitively), or one the person
submitted themselves (``applicants``).
"""
from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..sites.models import Site
from ..team.models import Organisation, Person
from .models import Application, Call

#: roles that run the call: they see every candidate
RUNNERS = ("admin", "cress", "lead")


def _organisation_names(session: Session, user, site: Site) -> set[str]:
    """The casefolded names of the user's organisations in the site's team file."""
    rows = session.scalars(select(Organisation.name).join(Person, Person.organisation_id == Organisation.id)
                           .where(Person.site_id == site.id, func.lower(Person.email) == user.email.lower()))
    return {name.casefold() for name in rows}


def _candidate_names(session: Session, site: Site) -> set[str]:
    rows = session.scalars(select(Application.organisation).join(Call, Call.id == Application.call_id)
                           .where(Call.site_id == site.id))
    return {name.casefold() for name in rows}


def _submitted_ids(session: Session, user) -> set[int]:
    from ..applicants.models import Candidacy

    return set(session.scalars(select(Candidacy.application_id).where(Candidacy.user_id == user.id,
                                                                       Candidacy.application_id.is_not(None))))


def from_candidate(session: Session, user, site: Site) -> bool:
    """Whether the person belongs to an organisation that applied to one of the site's calls,
    or submitted an application to one of them."""
    if _organisation_names(session, user, site) & _candidate_names(session, site):
        return True
    mine = _submitted_ids(session, user)
    if not mine:
        return False
    return session.scalar(select(func.count()).select_from(Application).join(Call, Call.id == Application.call_id)
                          .where(Call.site_id == site.id, Application.id.in_(mine))) > 0


def sees_candidates(session: Session, user, site: Site) -> bool:
    """Every application of the site's calls, their files, the scores and the ranking."""
    if not user.is_active:
        return False
    if user.role in RUNNERS:
        return True
    if user.role == "partner":
        return not from_candidate(session, user, site)
    return False


def own_applications(session: Session, user, call: Call) -> list[Application]:
    """The applications to ``call`` that are the person's own (see the module's docstring)."""
    site = session.get(Site, call.site_id)
    names = _organisation_names(session, user, site)
    mine = _submitted_ids(session, user)
    return [a for a in call.applications if a.organisation.casefold() in names or a.id in mine]


def outcome(call: Call, application: Application) -> str:
    """What the authors of an application may know: ``received`` until the selection is
    recorded, then ``selected`` or ``not_selected``."""
    if not any(a.is_selected for a in call.applications):
        return "received"
    return "selected" if application.is_selected else "not_selected"

"""Who may see and do what in a programme. Pages and commands ask a ``Scope``, never a role.

- admin (the account role): every programme, every action.
- staff of the programme: see and manage its editions, calls, laureates and figures.
- committee member of an edition: that edition's complete applications, and scores them.
- laureate account: its own project only: its reports, its follow-ups, the edition's totals
  and collective meetings;
  never another laureate's line, reports or scores, never the applications.
- funder: read only on the programme's figures and review.
A person with no part in a programme gets ``NotFound``, the same answer as no such programme.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import NotFound
from .models import Edition, Laureate, ProgrammeMember


@dataclass(frozen=True)
class Scope:
    programme_id: str
    is_admin: bool = False
    staff: bool = False
    funder: bool = False
    committee_editions: frozenset = field(default_factory=frozenset)
    laureates: frozenset = field(default_factory=frozenset)
    laureate_editions: frozenset = field(default_factory=frozenset)

    @property
    def can_manage(self) -> bool:
        return self.is_admin or self.staff

    @property
    def sees_every_line(self) -> bool:
        """Every laureate's figures (staff, funders)."""
        return self.can_manage or self.funder

    def sees_edition(self, edition: Edition) -> bool:
        return (self.sees_every_line or edition.id in self.committee_editions
                or edition.id in self.laureate_editions)

    def sees_applications(self, edition: Edition) -> bool:
        return self.can_manage or edition.id in self.committee_editions

    def scores(self, edition: Edition) -> bool:
        return self.can_manage or edition.id in self.committee_editions

    def sees_laureate(self, laureate: Laureate) -> bool:
        return self.sees_every_line or laureate.id in self.laureates

    def sees_meeting(self, edition: Edition, meeting) -> bool:
        """A meeting of the edition: the selection committee's to the staff and the
        edition's committee members; a follow-up to the staff and its own laureate; the
        collective times to everyone who sees the edition."""
        if self.can_manage:
            return True
        if meeting.committee_id == "selection":
            return edition.id in self.committee_editions
        if meeting.laureate_id is not None:
            return meeting.laureate_id in self.laureates
        return self.sees_edition(edition)

    def reports_for(self, laureate: Laureate) -> bool:
        return self.can_manage or laureate.id in self.laureates


def scope_of(session: Session, user, programme_id: str) -> Scope:
    """The user's part in the programme; NotFound when they have none."""
    if not getattr(user, "is_active", False):
        raise NotFound(code="programme.not_found", field="programme", programme=programme_id)
    if user.role == "admin":
        return Scope(programme_id, is_admin=True)
    rows = session.scalars(select(ProgrammeMember).where(ProgrammeMember.user_id == user.id,
                                                         ProgrammeMember.programme_id == programme_id)).all()
    if not rows:
        raise NotFound(code="programme.not_found", field="programme", programme=programme_id)
    return Scope(programme_id, staff=any(r.role == "staff" for r in rows), funder=any(r.role == "funder" for r in rows),
                 committee_editions=frozenset(r.edition_id for r in rows if r.role == "committee"),
                 laureates=frozenset(r.laureate_id for r in rows if r.role == "laureate"),
                 laureate_editions=frozenset(r.edition_id for r in rows if r.role == "laureate"))


def visible_programme_ids(session: Session, user, known_ids) -> list[str]:
    if not getattr(user, "is_active", False):
        return []
    if user.role == "admin":
        return sorted(known_ids)
    mine = set(session.scalars(select(ProgrammeMember.programme_id).where(ProgrammeMember.user_id == user.id)))
    return sorted(i for i in known_ids if i in mine)


def visible_edition(session: Session, scope: Scope, edition_id) -> Edition:
    from .operations import get_edition

    edition = get_edition(session, edition_id, scope.programme_id)
    if not scope.sees_edition(edition):
        raise NotFound(code="programme.edition_not_found", field="edition", edition=edition_id)
    return edition


def visible_laureate(session: Session, scope: Scope, edition: Edition, laureate_id) -> Laureate:
    from .operations import get_laureate

    laureate = get_laureate(session, edition, laureate_id)
    if not scope.sees_laureate(laureate):
        raise NotFound(code="programme.laureate_not_found", field="laureate", laureate=laureate_id)
    return laureate

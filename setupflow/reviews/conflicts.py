"""Conflicts of interest: a committee member declares one on an application, and from then
on cannot score it (a structured refusal, on every face). The member is named as the scores
name it: a site call's ``Score.member`` (as typed by staff, or the reviewer's name), a
programme's ``ProgrammeScore.member`` (a committee member's display name)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import inputs
from ..errors import InputError
from .models import ConflictOfInterest


def _where(application=None, programme_application=None):
    if application is not None:
        return ConflictOfInterest.application_id == application.id
    return ConflictOfInterest.programme_application_id == programme_application.id


def _same(member: str) -> str:
    return (member or "").strip().casefold()


def declared(session: Session, member: str, *, application=None, programme_application=None) -> bool:
    wanted = _same(member)
    rows = session.scalars(select(ConflictOfInterest.member).where(_where(application, programme_application)))
    return any(_same(m) == wanted for m in rows)


def conflicted_members(session: Session, *, application=None, programme_application=None) -> list[str]:
    return sorted(session.scalars(select(ConflictOfInterest.member)
                                  .where(_where(application, programme_application))))


def declare(session: Session, member: str, *, actor_name: str, now: datetime, reason: str | None = None,
            application=None, programme_application=None) -> ConflictOfInterest:
    """Record the member's conflict on the application (once; declaring again keeps the first)."""
    member = inputs.text(member, "member") if (member or "").strip() else ""
    if not member:
        raise InputError(code="score.member_required", field="member")
    for row in session.scalars(select(ConflictOfInterest).where(_where(application, programme_application))):
        if _same(row.member) == _same(member):
            return row
    row = ConflictOfInterest(application_id=application.id if application is not None else None,
                             programme_application_id=(programme_application.id if programme_application is not None
                                                       else None),
                             member=member, reason=(reason or "").strip() or None, declared_dt=now,
                             declared_by=actor_name)
    session.add(row)
    session.flush()
    return row


def refuse_conflicted(session: Session, member: str, *, application=None, programme_application=None) -> None:
    """The scores of a member who declared a conflict on the application are refused."""
    if declared(session, member, application=application, programme_application=programme_application):
        raise InputError(code="score.conflict_of_interest", field="member", member=member.strip())

"""Write an AuditEntry for every account, site assignment and person a flush changes.

Who acts is ``session.info["actor"]``: a string, or a callable returning one (the web
app reads the logged-in account when the flush happens); ``setupflow`` otherwise.
"""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from .models import AuditEntry

TARGETS = {"User": "user", "UserSite": "user_site", "Person": "person", "ProConnectRole": "proconnect_role"}


def _now(session: Session) -> datetime:
    """``session.info["now"]`` when the caller passes its clock (tests, CLI --now), else the wall clock."""
    return session.info.get("now") or datetime.now(timezone.utc)


def actor_of(session: Session) -> str:
    actor = session.info.get("actor")
    if callable(actor):
        actor = actor()
    return str(actor or "setupflow")[:300]


def _changed_fields(obj) -> list[str]:
    state = inspect(obj)
    return sorted(attr.key for attr in state.mapper.column_attrs
                  if state.attrs[attr.key].history.has_changes())


@event.listens_for(Session, "before_flush")
def _audit(session: Session, _context, _instances) -> None:
    pending = [(obj, "changed") for obj in session.dirty if type(obj).__name__ in TARGETS]
    pending += [(obj, "deleted") for obj in session.deleted if type(obj).__name__ in TARGETS]
    created = [obj for obj in session.new if type(obj).__name__ in TARGETS]
    if not pending and not created:
        return
    now = _now(session)
    actor = actor_of(session)
    for obj, action in pending:
        fields = _changed_fields(obj) if action == "changed" else []
        if action == "changed" and not fields:
            continue
        session.add(AuditEntry(at_dt=now, actor=actor, target=TARGETS[type(obj).__name__], target_id=obj.id,
                               action=action, fields=fields))
    if created:
        session.info.setdefault("_audit_created", []).extend(created)


@event.listens_for(Session, "after_flush")
def _audit_created(session: Session, _context) -> None:
    created = session.info.pop("_audit_created", [])
    if not created:
        return
    now = _now(session)
    actor = actor_of(session)
    for obj in created:
        table = inspect(obj).mapper.local_table
        session.connection().execute(AuditEntry.__table__.insert().values(
            at_dt=now, actor=actor, target=TARGETS[type(obj).__name__], target_id=obj.id, action="created",
            fields=sorted(c.name for c in table.columns if c.name != "id")))


def record_event(session: Session, *, target: str, target_id: int, action: str, fields: list[str],
                 actor: str | None = None) -> None:
    """An entry that is not a column change: a sign-in (succeeded or refused, and why), a link
    or unlink of a provider identity. ``fields`` holds codes (the method, the reason), never values."""
    session.add(AuditEntry(at_dt=_now(session), actor=(actor or actor_of(session))[:300], target=target,
                           target_id=target_id, action=action, fields=list(fields)))

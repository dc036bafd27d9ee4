"""Append-only audit log: who changed which account or team-file person, and which fields.

Rows are written by a ``before_flush`` listener (``setupflow.audit.listener``), so every
code path (web, CLI, worker, retention) is covered; values of secrets are never logged.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Index, String, event
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, UTCDateTime


class AuditEntry(Base):
    """One change to an account, a site assignment or a person of a team file."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_target", "target", "target_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at_dt: Mapped[datetime] = mapped_column(UTCDateTime)
    #: who acted: the web account (``Name <email>``), the CLI actor, or ``setupflow``
    actor: Mapped[str] = mapped_column(String(300))
    #: user, user_site or person
    target: Mapped[str] = mapped_column(String(20))
    target_id: Mapped[int]
    #: created, changed or deleted
    action: Mapped[str] = mapped_column(String(10))
    #: the names of the fields that changed (never their values: some are secrets)
    fields: Mapped[list] = mapped_column(JSON)


@event.listens_for(AuditEntry, "before_update")
@event.listens_for(AuditEntry, "before_delete")
def _audit_is_append_only(_mapper, _connection, target):
    raise RuntimeError(f"the audit log is append-only (entry {target.id})")

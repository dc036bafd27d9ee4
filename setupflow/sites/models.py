"""A site (one workshop project in one establishment), its tasks, decisions and history."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Index, String, Text, UniqueConstraint, event, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Base, UTCDateTime


class WorkflowSnapshot(Base):
    """The exact definition a site runs on, kept so that a changed file never changes a running site."""

    __tablename__ = "workflow_snapshots"
    __table_args__ = (UniqueConstraint("workflow_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the definition's id, e.g. ``cress-disp``
    workflow_id: Mapped[str] = mapped_column(String(60))
    #: the definition's ``version`` field
    version: Mapped[int]
    #: fingerprint of the validated content, to notice a file changed without a new version
    digest: Mapped[str] = mapped_column(String(64))
    #: the validated definition as JSON; deferred: the runtime cache needs it once per process
    document: Mapped[dict] = mapped_column(JSON, deferred=True)
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime)


class Site(Base):
    """One project: opening a workshop in one prison establishment."""

    __tablename__ = "sites"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    snapshot_id: Mapped[int] = mapped_column(ForeignKey("workflow_snapshots.id"), index=True)
    #: the current stage id, or the definition's final state
    stage: Mapped[str] = mapped_column(String(60))
    #: the day the site entered its current stage
    stage_entered_on: Mapped[date] = mapped_column(Date)
    start_on: Mapped[date] = mapped_column(Date)
    target_opening_on: Mapped[date] = mapped_column(Date)
    establishment: Mapped[str | None] = mapped_column(String(200))
    region: Mapped[str | None] = mapped_column(String(100), index=True)
    disp: Mapped[str | None] = mapped_column(String(100), index=True)
    #: French department number (e.g. "35", "67"), used for regional public holidays
    department: Mapped[str | None] = mapped_column(String(3))
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime)
    #: optimistic-locking counter, bumped by every write of the row
    version_id: Mapped[int] = mapped_column(default=1, server_default=text("1"))

    snapshot: Mapped[WorkflowSnapshot] = relationship(lazy="joined", innerjoin=True)

    __mapper_args__ = {"version_id_col": version_id}

    @property
    def workflow_id(self) -> str:
        return self.snapshot.workflow_id


class SiteTask(Base):
    """A task of the method that has been ticked (or unticked) for a site."""

    __tablename__ = "site_tasks"
    __table_args__ = (UniqueConstraint("site_id", "task_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    task_key: Mapped[str] = mapped_column(String(60))
    is_done: Mapped[bool] = mapped_column(default=False)
    changed_dt: Mapped[datetime] = mapped_column(UTCDateTime)
    changed_by: Mapped[str] = mapped_column(String(200))


class Decision(Base):
    """A decision taken for a site. Never deleted: a later decision supersedes it."""

    __tablename__ = "decisions"
    __table_args__ = (
        Index("ix_decisions_current", "site_id", "key", "superseded_by_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    #: the gate key it settles (``structure_type``...), or a free key for other decisions
    key: Mapped[str | None] = mapped_column(String(60))
    #: the value for a gate key (a choice id, a text, an ISO date)
    value: Mapped[str | None] = mapped_column(String(500))
    #: what was decided, as written in the record
    text: Mapped[str] = mapped_column(Text)
    decided_on: Mapped[date] = mapped_column(Date)
    recorded_by: Mapped[str] = mapped_column(String(200))
    recorded_dt: Mapped[datetime] = mapped_column(UTCDateTime)
    superseded_by_id: Mapped[int | None] = mapped_column(ForeignKey("decisions.id"))
    superseded_reason: Mapped[str | None] = mapped_column(Text)
    #: the committee meeting whose minutes record it (None when recorded outside a meeting)
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meetings.id"), index=True)

    @property
    def is_current(self) -> bool:
        return self.superseded_by_id is None


class HistoryEntry(Base):
    """Append-only journal of what happened to a site: who, when, what, why."""

    __tablename__ = "site_history"
    #: the portfolio reads the stage moves of every site among much more history; the same
    #: index serves every lookup by site (its first column), so there is no site_id index
    __table_args__ = (Index("ix_site_history_site_id_action", "site_id", "action"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    at_dt: Mapped[datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(String(200))
    #: created, advanced, reopened, task, decision, decision_superseded, upgraded...
    action: Mapped[str] = mapped_column(String(40))
    #: the stage the site was in when it happened
    stage: Mapped[str] = mapped_column(String(60))
    detail: Mapped[dict] = mapped_column(JSON, default=dict)
    reason: Mapped[str | None] = mapped_column(Text)


@event.listens_for(HistoryEntry, "before_update")
@event.listens_for(HistoryEntry, "before_delete")
def _history_is_append_only(_mapper, _connection, target):
    raise RuntimeError(f"site history is append-only (entry {target.id})")


@event.listens_for(Decision, "before_delete")
def _decisions_are_kept(_mapper, _connection, target):
    raise RuntimeError(f"decisions are never deleted (decision {target.id}); supersede it instead")

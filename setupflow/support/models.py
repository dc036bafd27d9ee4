"""Support until opening: workstream checklists, the immersion period, the DUI's signatures."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, UTCDateTime


class WorkstreamItem(Base):
    """An item of a support workstream's checklist, done or not, for a site."""

    __tablename__ = "support_items"
    __table_args__ = (UniqueConstraint("site_id", "workstream", "item"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    #: the workstream's id in the definition (``economic_model``...)
    workstream: Mapped[str] = mapped_column(String(60))
    #: the checklist item's id in the definition
    item: Mapped[str] = mapped_column(String(60))
    is_done: Mapped[bool] = mapped_column(default=False)
    done_on: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)
    changed_dt: Mapped[datetime] = mapped_column(UTCDateTime)
    changed_by: Mapped[str] = mapped_column(String(200))


class Immersion(Base):
    """The future supervisors' immersion period in the establishment (one per site)."""

    __tablename__ = "support_immersions"

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), unique=True)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)
    changed_dt: Mapped[datetime] = mapped_column(UTCDateTime)
    changed_by: Mapped[str] = mapped_column(String(200))


class DuiSignature(Base):
    """One signature of the DUI, in the order the definition gives."""

    __tablename__ = "dui_signatures"
    __table_args__ = (UniqueConstraint("site_id", "signatory"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    #: the signatory's id in the definition (``sponsor``, ``ep_director``...)
    signatory: Mapped[str] = mapped_column(String(60))
    #: who signed for that signatory
    signed_by: Mapped[str] = mapped_column(String(200))
    signed_on: Mapped[date] = mapped_column(Date)
    recorded_dt: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_by: Mapped[str] = mapped_column(String(200))

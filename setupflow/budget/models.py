"""The forecast budget: lines of expense and income, amounts in integer cents."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, ForeignKey, String, text
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, UTCDateTime

KINDS = ("expense", "income")
STATUSES = ("planned", "requested", "granted", "refused")


class BudgetLine(Base):
    """One line of a site's forecast budget, with its planned and actual amounts."""

    __tablename__ = "budget_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    #: expense or income
    kind: Mapped[str] = mapped_column(String(10))
    #: a category id of the definition, or free text
    category: Mapped[str] = mapped_column(String(60))
    label: Mapped[str] = mapped_column(String(200))
    #: who funds it (income lines): ATIGIP, Région, DDETS...
    funder: Mapped[str | None] = mapped_column(String(200))
    #: planned (expenses), requested, granted or refused (income)
    status: Mapped[str] = mapped_column(String(10))
    #: the forecast amount, in euro cents
    planned_cents: Mapped[int] = mapped_column(BigInteger)
    #: the actual amount once known, in euro cents
    actual_cents: Mapped[int | None] = mapped_column(BigInteger)
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime)
    changed_dt: Mapped[datetime] = mapped_column(UTCDateTime)
    changed_by: Mapped[str] = mapped_column(String(200))
    #: optimistic-locking counter
    version_id: Mapped[int] = mapped_column(default=1, server_default=text("1"))

    __mapper_args__ = {"version_id_col": version_id}


class BudgetChange(Base):
    """Append-only: who changed a budget line, when, and from what to what."""

    __tablename__ = "budget_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    line_id: Mapped[int] = mapped_column(ForeignKey("budget_lines.id", ondelete="CASCADE"), index=True)
    at_dt: Mapped[datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(String(200))
    #: {"field": [old, new]}; the creation lists every field with old = null
    changes: Mapped[dict] = mapped_column(JSON)

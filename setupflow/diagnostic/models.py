"""What the diagnostic stores: never a person, only sources, aggregates and themes."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, UTCDateTime

SOURCE_STATUSES = ("to_request", "requested", "obtained", "unavailable")
AUDIENCES = ("professionals", "detainees")
FORMATS = ("individual", "group")
#: where a starting hypothesis stands: open until the diagnostic confirms or refutes it
HYPOTHESIS_STATUSES = ("open", "confirmed", "refuted")


class DiagnosticSource(Base):
    """Where a data source of the workflow's checklist stands for a site."""

    __tablename__ = "diagnostic_sources"
    __table_args__ = (UniqueConstraint("site_id", "source_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    #: the source's id in the definition (``registry``, ``health_unit``...)
    source_key: Mapped[str] = mapped_column(String(60))
    #: to_request, requested, obtained or unavailable
    status: Mapped[str] = mapped_column(String(20))
    obtained_on: Mapped[date | None] = mapped_column(Date)
    #: the service or role that provided it (never a detainee)
    provider: Mapped[str | None] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(Text)
    changed_dt: Mapped[datetime] = mapped_column(UTCDateTime)
    changed_by: Mapped[str] = mapped_column(String(200))


class Indicator(Base):
    """An aggregate: counts per category of one dimension. Never one row per person."""

    __tablename__ = "diagnostic_indicators"
    __table_args__ = (UniqueConstraint("site_id", "dimension"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    #: the dimension's id (from the definition, or a free id such as ``languages``)
    dimension: Mapped[str] = mapped_column(String(60))
    #: a label for a dimension the definition does not list
    label: Mapped[str | None] = mapped_column(String(200))
    #: [{"category": "under_25", "count": 12}, ...] in display order
    cells: Mapped[list] = mapped_column(JSON)
    #: the source the figures come from, if any
    source_key: Mapped[str | None] = mapped_column(String(60))
    #: the month the figures describe (first day of the month)
    as_of_on: Mapped[date | None] = mapped_column(Date)
    changed_dt: Mapped[datetime] = mapped_column(UTCDateTime)
    changed_by: Mapped[str] = mapped_column(String(200))


class Interview(Base):
    """An interview held (individual or group): its themes and how many took part; no names."""

    __tablename__ = "diagnostic_interviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    held_on: Mapped[date] = mapped_column(Date)
    #: professionals or detainees
    audience: Mapped[str] = mapped_column(String(20))
    #: individual or group
    format: Mapped[str] = mapped_column(String(20))
    participants: Mapped[int]
    #: the themes raised, as short texts
    themes: Mapped[list] = mapped_column(JSON)
    summary: Mapped[str | None] = mapped_column(Text)
    recorded_dt: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_by: Mapped[str] = mapped_column(String(200))


class Initiative(Base):
    """An initiative that already exists on the territory (work, training, support...)."""

    __tablename__ = "diagnostic_initiatives"

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    #: one of the definition's initiative kinds
    kind: Mapped[str] = mapped_column(String(60))
    description: Mapped[str | None] = mapped_column(Text)
    recorded_dt: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_by: Mapped[str] = mapped_column(String(200))


class DiagnosticReport(Base):
    """The diagnostic's written conclusions for a site (one per site)."""

    __tablename__ = "diagnostic_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), unique=True)
    conclusions: Mapped[str] = mapped_column(Text)
    changed_dt: Mapped[datetime] = mapped_column(UTCDateTime)
    changed_by: Mapped[str] = mapped_column(String(200))


class Hypothesis(Base):
    """A starting hypothesis of the diagnostic (e.g. "few detainees have a qualification"),
    which crossing the sources confirms or refutes; open until then. Never about one person."""

    __tablename__ = "diagnostic_hypotheses"

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    statement: Mapped[str] = mapped_column(Text)
    #: open, confirmed or refuted
    status: Mapped[str] = mapped_column(String(20), default="open")
    #: what the diagnostic found, from which sources (required once confirmed or refuted)
    finding: Mapped[str | None] = mapped_column(Text)
    recorded_dt: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_by: Mapped[str] = mapped_column(String(200))
    changed_dt: Mapped[datetime] = mapped_column(UTCDateTime)
    changed_by: Mapped[str] = mapped_column(String(200))

"""A site's reports after its final state: one row per period, one value row per indicator
(the same shape as a laureate's reports, see programmes.models.Report)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Base, UTCDateTime


class SiteReport(Base):
    __tablename__ = "site_reports"
    __table_args__ = (UniqueConstraint("site_id", "period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    #: 2029-Q1... after the definition's ``after_opening.period``
    period: Mapped[str] = mapped_column(String(10))
    comment: Mapped[str | None] = mapped_column(Text)
    reported_dt: Mapped[datetime] = mapped_column(UTCDateTime)
    reported_by: Mapped[str] = mapped_column(String(200))

    values: Mapped[list["SiteReportValue"]] = relationship(cascade="all, delete-orphan", order_by="SiteReportValue.id")


class SiteReportValue(Base):
    __tablename__ = "site_report_values"
    __table_args__ = (UniqueConstraint("report_id", "indicator"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("site_reports.id", ondelete="CASCADE"), index=True)
    indicator: Mapped[str] = mapped_column(String(60))
    count: Mapped[int]

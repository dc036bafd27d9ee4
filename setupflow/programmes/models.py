"""Editions of a programme, their calls' applications and scores, the selection committee's
decisions, the laureates, their indicator reports, and who plays which part.

The programme itself is data (workflows/programmes/); rows name it by its id.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Base, UTCDateTime

#: a person's part in a programme (see ``programmes.access``)
PROGRAMME_ROLES = ("staff", "committee", "laureate", "funder")


class Edition(Base):
    """One edition of a programme: a yearly cohort or a multi-year round. Its lifecycle is
    ``lifecycles.EDITION`` (draft -> call_open -> selection -> accompaniment -> closed)."""

    __tablename__ = "programme_editions"
    __table_args__ = (UniqueConstraint("programme_id", "label"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[str] = mapped_column(String(60), index=True)
    label: Mapped[str] = mapped_column(String(200))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20))
    #: [{"id", "label", "weight"}] copied from the definition, weights editable until publication
    criteria: Mapped[list] = mapped_column(JSON)
    call_published_on: Mapped[date | None] = mapped_column(Date)
    #: the review's text sections written by the staff: {section id: text}
    review_texts: Mapped[dict] = mapped_column(JSON, default=dict)
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime)
    changed_dt: Mapped[datetime] = mapped_column(UTCDateTime)
    changed_by: Mapped[str] = mapped_column(String(200))
    version_id: Mapped[int] = mapped_column(default=1, server_default=text("1"))

    __mapper_args__ = {"version_id_col": version_id}

    applications: Mapped[list["ProgrammeApplication"]] = relationship(
        back_populates="edition", order_by="ProgrammeApplication.id")
    laureates: Mapped[list["Laureate"]] = relationship(back_populates="edition", order_by="Laureate.id")


class ProgrammeApplication(Base):
    """A project's answer to an edition's call, step by step. Its lifecycle is
    ``lifecycles.APPLICATION`` (received -> full_file_requested -> full_file -> selected | declined)."""

    __tablename__ = "programme_applications"

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(ForeignKey("programme_editions.id", ondelete="CASCADE"), index=True)
    project: Mapped[str] = mapped_column(String(200))
    #: the carrying organisation(s), as given (several separated by ';')
    organisation: Mapped[str] = mapped_column(String(400))
    department: Mapped[str] = mapped_column(String(100))
    purpose: Mapped[str] = mapped_column(Text)
    #: the call step it has reached (a step id of the definition)
    step: Mapped[str] = mapped_column(String(60))
    status: Mapped[str] = mapped_column(String(30))
    #: {step id: {field id: answer}}; earlier answers are carried over, never retyped
    answers: Mapped[dict] = mapped_column(JSON)
    received_dt: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_by: Mapped[str] = mapped_column(String(200))

    edition: Mapped[Edition] = relationship(back_populates="applications")
    scores: Mapped[list["ProgrammeScore"]] = relationship(order_by="ProgrammeScore.id")

    # what calls.queries.ranking reads of an application
    @property
    def is_selected(self) -> bool:
        return self.status == "selected"

    @property
    def structure_type(self):
        return None


class ProgrammeScore(Base):
    __tablename__ = "programme_scores"
    __table_args__ = (UniqueConstraint("application_id", "member", "criterion"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("programme_applications.id", ondelete="CASCADE"),
                                                index=True)
    member: Mapped[str] = mapped_column(String(200))
    criterion: Mapped[str] = mapped_column(String(60))
    score: Mapped[int]
    scored_dt: Mapped[datetime] = mapped_column(UTCDateTime)


class ProgrammeDecision(Base):
    """A decision of a held meeting of an edition (the selection of the laureates). The
    meetings of an edition are ``committees.models.Meeting`` rows with its ``edition_id``
    (``programmes.meetings``)."""

    __tablename__ = "programme_decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(ForeignKey("programme_editions.id", ondelete="CASCADE"), index=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(60))
    value: Mapped[str] = mapped_column(Text)
    text: Mapped[str | None] = mapped_column(Text)
    decided_dt: Mapped[datetime] = mapped_column(UTCDateTime)
    decided_by: Mapped[str] = mapped_column(String(200))


class Laureate(Base):
    """A selected project: its organisations, place, purpose, path and parrains."""

    __tablename__ = "programme_laureates"

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(ForeignKey("programme_editions.id", ondelete="CASCADE"), index=True)
    application_id: Mapped[int | None] = mapped_column(ForeignKey("programme_applications.id", ondelete="SET NULL"))
    project: Mapped[str] = mapped_column(String(200))
    organisations: Mapped[list] = mapped_column(JSON)
    department: Mapped[str] = mapped_column(String(100))
    city: Mapped[str | None] = mapped_column(String(100))
    purpose: Mapped[str] = mapped_column(Text)
    path: Mapped[str | None] = mapped_column(Text)
    parrains: Mapped[list] = mapped_column(JSON, default=list)
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime)

    edition: Mapped[Edition] = relationship(back_populates="laureates")


class Report(Base):
    """A laureate's figures for one period: aggregates only, one value row per indicator."""

    __tablename__ = "programme_reports"
    __table_args__ = (UniqueConstraint("laureate_id", "period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    laureate_id: Mapped[int] = mapped_column(ForeignKey("programme_laureates.id", ondelete="CASCADE"))
    #: 2027-Q1, 2027-H2, 2027-03 or 2027, after the programme's period
    period: Mapped[str] = mapped_column(String(10))
    comment: Mapped[str | None] = mapped_column(Text)
    reported_dt: Mapped[datetime] = mapped_column(UTCDateTime)
    reported_by: Mapped[str] = mapped_column(String(200))

    values: Mapped[list["ReportValue"]] = relationship(cascade="all, delete-orphan", order_by="ReportValue.id")


class ReportValue(Base):
    """One count of a report. The report's edition, laureate and period are copied here (they
    never change) so that the figures are two grouped reads of covering indexes, without joins."""

    __tablename__ = "programme_report_values"
    __table_args__ = (UniqueConstraint("report_id", "indicator"),
                      Index("ix_programme_report_values_by_laureate", "edition_id", "laureate_id", "indicator",
                            "count"),
                      Index("ix_programme_report_values_by_period", "edition_id", "period", "indicator", "count"))

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("programme_reports.id", ondelete="CASCADE"), index=True)
    edition_id: Mapped[int]
    laureate_id: Mapped[int]
    period: Mapped[str] = mapped_column(String(10))
    indicator: Mapped[str] = mapped_column(String(60))
    count: Mapped[int]


class LaureateSum(Base):
    """The sum of a laureate's counts of one indicator over all its reports, kept by database
    triggers on ``programme_report_values`` (migration e1a7c3f9b204) in the transaction of
    every report written, so that the figures read one row per laureate and indicator rather
    than every report."""

    __tablename__ = "programme_laureate_sums"
    __table_args__ = (UniqueConstraint("edition_id", "laureate_id", "indicator"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int]
    laureate_id: Mapped[int]
    indicator: Mapped[str] = mapped_column(String(60))
    total: Mapped[int]
    #: how many report values it sums (the row goes when the last one does)
    values: Mapped[int]


class PeriodSum(Base):
    """The sum of every laureate's counts of one indicator for one period of an edition, kept
    like ``LaureateSum``."""

    __tablename__ = "programme_period_sums"
    __table_args__ = (UniqueConstraint("edition_id", "period", "indicator"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int]
    period: Mapped[str] = mapped_column(String(10))
    indicator: Mapped[str] = mapped_column(String(60))
    total: Mapped[int]
    values: Mapped[int]


class ProgrammeMember(Base):
    """A user's part in a programme: staff, a committee member of one edition, a laureate's
    account (one laureate), or a funder (read only on the figures)."""

    __tablename__ = "programme_members"
    __table_args__ = (Index("ix_programme_members_user_programme", "user_id", "programme_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    programme_id: Mapped[str] = mapped_column(String(60))
    role: Mapped[str] = mapped_column(String(20))
    edition_id: Mapped[int | None] = mapped_column(ForeignKey("programme_editions.id", ondelete="CASCADE"))
    laureate_id: Mapped[int | None] = mapped_column(ForeignKey("programme_laureates.id", ondelete="CASCADE"))
    #: for a committee member, the seat held (a seat id of the definition)
    seat: Mapped[str | None] = mapped_column(String(60))
    assigned_dt: Mapped[datetime] = mapped_column(UTCDateTime)

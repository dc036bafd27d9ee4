"""A call (AMI or call for applications), its applications, their files and scores."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, BigInteger, Date, ForeignKey, String, Text, UniqueConstraint, false, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Base, UTCDateTime


class Call(Base):
    """One call of a site, shaped by a ``work.calls`` entry of the definition.

    A site may have several calls of one kind: one that ended without a selection is closed
    as unsuccessful and stays in the record, and a new one is drafted. The site's call of a
    kind is its latest that is not unsuccessful (``operations.get_call``)."""

    __tablename__ = "calls"

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    #: the call's id in the definition (``ami``, ``applications``)
    call_key: Mapped[str] = mapped_column(String(60))
    title: Mapped[str] = mapped_column(String(300))
    #: the editable text of the call
    body: Mapped[str] = mapped_column(Text, default="")
    #: the needs of the prison population it answers (pulled from the diagnostic's conclusions)
    needs: Mapped[str] = mapped_column(Text, default="")
    #: realities of the establishment: places in the workshop
    capacity: Mapped[int | None]
    #: realities of the establishment: the workshop zone (surface, access, fittings)
    workshop_zone: Mapped[str | None] = mapped_column(Text)
    #: realities of the establishment: surveillance and movement constraints
    surveillance_constraints: Mapped[str | None] = mapped_column(Text)
    #: [{"id", "label", "weight"}] copied from the definition, weights editable
    criteria: Mapped[list] = mapped_column(JSON)
    #: who receives the call (DDETS, ESS networks...)
    distribution: Mapped[list] = mapped_column(JSON)
    #: draft, published (read as closed from its closing day), selected or unsuccessful: the
    #: ``call`` lifecycle of setupflow/lifecycles.yaml
    status: Mapped[str] = mapped_column(String(20), default="draft", server_default="draft")
    published_on: Mapped[date | None] = mapped_column(Date)
    closes_on: Mapped[date | None] = mapped_column(Date)
    #: why it was closed as unsuccessful, and when
    unsuccessful_reason: Mapped[str | None] = mapped_column(Text)
    unsuccessful_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime)
    changed_dt: Mapped[datetime] = mapped_column(UTCDateTime)
    changed_by: Mapped[str] = mapped_column(String(200))
    #: optimistic-locking counter
    version_id: Mapped[int] = mapped_column(default=1, server_default=text("1"))

    __mapper_args__ = {"version_id_col": version_id}

    applications: Mapped[list["Application"]] = relationship(back_populates="call", order_by="Application.id")
    slots: Mapped[list["CallSlot"]] = relationship(order_by="CallSlot.starts_dt")


class CallSlot(Base):
    """A workshop-zone visit or a bilateral meeting offered to candidates before the deadline."""

    __tablename__ = "call_slots"

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), index=True)
    #: visit or bilateral
    kind: Mapped[str] = mapped_column(String(20))
    starts_dt: Mapped[datetime] = mapped_column(UTCDateTime)
    place: Mapped[str | None] = mapped_column(String(200))
    #: for a bilateral meeting, the candidate organisation
    organisation: Mapped[str | None] = mapped_column(String(200))


class Application(Base):
    """An organisation's answer to a call."""

    __tablename__ = "call_applications"

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), index=True)
    organisation: Mapped[str] = mapped_column(String(200))
    legal_status: Mapped[str] = mapped_column(String(100))
    #: the structure type it proposes (a choice of the structure decision, or free text)
    structure_type: Mapped[str | None] = mapped_column(String(60))
    activity: Mapped[str] = mapped_column(Text)
    received_on: Mapped[date] = mapped_column(Date)
    is_selected: Mapped[bool] = mapped_column(default=False)
    recorded_dt: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_by: Mapped[str] = mapped_column(String(200))

    call: Mapped[Call] = relationship(back_populates="applications")
    files: Mapped[list["ApplicationFile"]] = relationship(order_by="ApplicationFile.id")
    scores: Mapped[list["Score"]] = relationship()


class ApplicationFile(Base):
    """A file attached to an application, stored under data_dir/uploads with a generated name."""

    __tablename__ = "call_application_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("call_applications.id", ondelete="CASCADE"),
                                                index=True)
    #: the name the candidate gave it (metadata only, never used as a path)
    original_name: Mapped[str] = mapped_column(String(255))
    #: the generated file name under uploads/
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    #: the type found in the content (application/pdf...)
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_dt: Mapped[datetime] = mapped_column(UTCDateTime)
    uploaded_by: Mapped[str] = mapped_column(String(200))


class Score(Base):
    """One committee member's score of one criterion for one application.

    A member's scores of one application form their score sheet. The member is a person of
    the site's team file who sits on the committee that selects (``person_id``; ``member``
    then holds ``#<person id>``, the sheet's key). Sheets recorded before that rule name
    their member in free text (``person_id`` None) and are flagged ``before_rule``: they
    stay, and ``site check`` lists them.
    """

    __tablename__ = "call_scores"
    __table_args__ = (UniqueConstraint("application_id", "member", "criterion"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("call_applications.id", ondelete="CASCADE"),
                                                index=True)
    #: the sheet's key: ``#<person id>``, or the free-text name of a sheet recorded before the rule
    member: Mapped[str] = mapped_column(String(200))
    criterion: Mapped[str] = mapped_column(String(60))
    score: Mapped[int]
    scored_dt: Mapped[datetime] = mapped_column(UTCDateTime)
    #: the committee member who scored (a person of the site's team file)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), index=True)
    #: recorded before scores had to come from a committee member of the team file
    before_rule: Mapped[bool] = mapped_column(default=False, server_default=false())

    person = relationship("Person", lazy="joined")

    @property
    def member_name(self) -> str:
        """Who scored, as people read it: the person's name, or the free text of an older sheet."""
        return self.person.name if self.person is not None else self.member

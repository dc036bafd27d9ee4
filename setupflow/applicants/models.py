"""An applicant's candidacy (its draft answers until it is submitted), the files it uploads,
and the files of programme applications."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Base, UTCDateTime


class Candidacy(Base):
    """One applicant account's answer to one call: a site's call (``call_id``) or a programme
    edition's call (``edition_id``). Its answers are a draft until submitted; the submitted
    application (``application_id`` or ``programme_application_id``) is what staff see."""

    __tablename__ = "candidacies"
    __table_args__ = (UniqueConstraint("user_id", "call_id"), UniqueConstraint("user_id", "edition_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    call_id: Mapped[int | None] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), index=True)
    edition_id: Mapped[int | None] = mapped_column(ForeignKey("programme_editions.id", ondelete="CASCADE"),
                                                   index=True)
    application_id: Mapped[int | None] = mapped_column(ForeignKey("call_applications.id", ondelete="SET NULL"))
    programme_application_id: Mapped[int | None] = mapped_column(
        ForeignKey("programme_applications.id", ondelete="SET NULL"))
    #: a site call: {field: answer}; a programme call: {step id: {field id: answer}}
    answers: Mapped[dict] = mapped_column(JSON, default=dict)
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime)
    changed_dt: Mapped[datetime] = mapped_column(UTCDateTime)
    #: the last submission (the application, or a programme call's next step)
    submitted_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)

    files: Mapped[list["CandidacyFile"]] = relationship(order_by="CandidacyFile.id", cascade="all, delete-orphan")


class CandidacyFile(Base):
    """A file uploaded with a draft (checked by the application-file rules); copied to the
    application when the candidacy is submitted."""

    __tablename__ = "candidacy_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    candidacy_id: Mapped[int] = mapped_column(ForeignKey("candidacies.id", ondelete="CASCADE"), index=True)
    #: for a programme call, the step and the form field (``kind: file``) it answers
    step: Mapped[str | None] = mapped_column(String(60))
    field: Mapped[str | None] = mapped_column(String(60))
    original_name: Mapped[str] = mapped_column(String(255))
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_dt: Mapped[datetime] = mapped_column(UTCDateTime)


class ProgrammeApplicationFile(Base):
    """A file of a programme application (the answer to a ``kind: file`` field of a step),
    under the same rules as a site call's application files."""

    __tablename__ = "programme_application_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("programme_applications.id", ondelete="CASCADE"),
                                                index=True)
    step: Mapped[str] = mapped_column(String(60))
    field: Mapped[str] = mapped_column(String(60))
    original_name: Mapped[str] = mapped_column(String(255))
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_dt: Mapped[datetime] = mapped_column(UTCDateTime)
    uploaded_by: Mapped[str] = mapped_column(String(200))

"""Conflicts of interest declared by committee members on applications they must not score."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, UTCDateTime


class ConflictOfInterest(Base):
    """A committee member's declared conflict on one application, of a site's call
    (``application_id``) or of a programme edition (``programme_application_id``). The member
    is named as the scores name it (``Score.member``)."""

    __tablename__ = "conflicts_of_interest"
    __table_args__ = (UniqueConstraint("application_id", "member"),
                      UniqueConstraint("programme_application_id", "member"))

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int | None] = mapped_column(ForeignKey("call_applications.id", ondelete="CASCADE"),
                                                       index=True)
    programme_application_id: Mapped[int | None] = mapped_column(
        ForeignKey("programme_applications.id", ondelete="CASCADE"), index=True)
    member: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str | None] = mapped_column(Text)
    declared_dt: Mapped[datetime] = mapped_column(UTCDateTime)
    declared_by: Mapped[str] = mapped_column(String(200))

"""Editable sections of a site's documents (the project note), kept with every version."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, UTCDateTime


class SectionRevision(Base):
    """One saved version of an editable section of a site's document. The highest
    version is current; a save based on an older version is refused."""

    __tablename__ = "document_section_revisions"
    __table_args__ = (UniqueConstraint("site_id", "document", "section", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    #: which document, e.g. ``project_note``
    document: Mapped[str] = mapped_column(String(40))
    #: which section of it, e.g. ``objectives``
    section: Mapped[str] = mapped_column(String(40))
    version: Mapped[int]
    body_md: Mapped[str] = mapped_column(Text)
    saved_by: Mapped[str] = mapped_column(String(200))
    saved_dt: Mapped[datetime] = mapped_column(UTCDateTime)

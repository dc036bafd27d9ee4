"""The team file of a site (fichier de l'équipe projet): organisations, people and
their membership of the site's committees. People are never deleted: someone who
leaves gets an ``left_on`` date and a successor, and their history stays."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, String, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Base, UTCDateTime

LANGUAGES = ("fr", "en")


class Organisation(Base):
    """An organisation taking part in a site's project (the EP, the SPIP, the DDETS...)."""

    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    #: its name as people write it, e.g. "SPIP d'Ille-et-Vilaine"
    name: Mapped[str] = mapped_column(String(200))
    #: one of the organisation categories of the definitions' vocabulary (``workflows/vocabulary.yaml``)
    category: Mapped[str] = mapped_column(String(30))
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime)


class Person(Base):
    """Someone in a site's project team. Linked to a web account by e-mail (case-insensitive)."""

    __tablename__ = "people"

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    #: their function in their organisation, e.g. "CPIP", "directeur adjoint"
    function: Mapped[str | None] = mapped_column(String(200))
    #: validated address; compared case-insensitively to link a web account
    email: Mapped[str] = mapped_column(String(254), index=True)
    phone: Mapped[str | None] = mapped_column(String(40))
    #: language of the documents and e-mails they receive: fr | en
    language: Mapped[str] = mapped_column(String(2), default="fr")
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime)
    #: the day they left the project (None while they are in it)
    left_on: Mapped[date | None] = mapped_column(Date)
    #: who took over their open action items and meeting roles
    successor_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))

    organisation: Mapped[Organisation] = relationship(lazy="joined", innerjoin="unnested")
    memberships: Mapped[list["Membership"]] = relationship(back_populates="person", order_by="Membership.id",
                                                       passive_deletes="all")

    @property
    def is_active(self) -> bool:
        return self.left_on is None


class Membership(Base):
    """A person's seat on one committee of the site's workflow, for a period."""

    __tablename__ = "committee_memberships"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    #: a committee id of the site's workflow definition
    committee_id: Mapped[str] = mapped_column(String(60))
    start_on: Mapped[date] = mapped_column(Date)
    #: the last day of the seat (None while it lasts)
    end_on: Mapped[date | None] = mapped_column(Date)

    person: Mapped[Person] = relationship(back_populates="memberships")

    def is_current(self, day: date) -> bool:
        return self.start_on <= day and (self.end_on is None or day <= self.end_on)


@event.listens_for(Person, "before_delete")
def _people_are_kept(_mapper, _connection, target):
    raise RuntimeError(f"people are never deleted (person {target.id}); record that they left instead")


from ..audit import listener as _audit  # noqa: E402,F401  (changes to people are audited)

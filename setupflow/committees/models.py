"""Meetings of a site's committees, with their roles, attendance, agenda, minutes and
action items. Committees themselves are data of the workflow definition.

A meeting belongs to a site (``site_id``) or to an edition of a programme (``edition_id``),
never both: the programmes' selection committee, collective days, co-development sessions,
events and each laureate's follow-ups are meetings too (``setupflow.programmes.meetings``),
with the same invitations, reminders, iCalendar, attendance and minutes. For those,
``committee_id`` holds the programme meeting's kind and the invitees are accounts
(``Attendee.user_id``), not people of a site's team file."""
from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta

from sqlalchemy import JSON, Date, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..clock import DEFAULT_TIMEZONE, installation_timezone
from ..db import Base, UTCDateTime
from ..lifecycles import ACTION_ITEMS, MEETINGS
from ..sites.models import Site
from ..team.models import Person
from ..accounts.models import User  # noqa: F401  (the attendees' accounts)

#: proposed -> scheduled -> held -> minutes_approved; cancelled from proposed or scheduled
#: missed: a programme laureate's follow-up that did not take place (scheduled -> missed)
#: (the ``meeting`` lifecycle of setupflow/lifecycles.yaml)
MEETING_STATUSES = MEETINGS.states
#: the four jobs the method shares out for every meeting
MEETING_ROLES = ("agenda", "invitations", "facilitation", "logistics")
ATTENDANCE = ("present", "excused", "absent")
#: the ``action_item`` lifecycle's states
ACTION_STATUSES = ACTION_ITEMS.states


def new_uid() -> str:
    return f"{uuid.uuid4().hex}@setupflow"


class Meeting(Base):
    """One meeting of a committee of a site: proposed from the cadence, or scheduled by hand."""

    __tablename__ = "meetings"
    #: a site's meetings in time order (the calendar feeds read a window of them per site)
    __table_args__ = (Index("ix_meetings_site_id_starts_dt", "site_id", "starts_dt"),
                      # the worker's look, every minute, at the meetings changed since its last
                      Index("ix_meetings_updated_dt", "updated_dt"),
                      # an edition's meetings in time order (its page, the programme reminders)
                      Index("ix_meetings_edition_id_starts_dt", "edition_id", "starts_dt"))

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the site whose committee meets; None for a meeting of a programme's edition
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    #: the programme edition it belongs to (None for a site's meeting)
    edition_id: Mapped[int | None] = mapped_column(ForeignKey("programme_editions.id", ondelete="CASCADE"))
    #: a programme follow-up's laureate
    laureate_id: Mapped[int | None] = mapped_column(ForeignKey("programme_laureates.id", ondelete="CASCADE"),
                                                    index=True)
    #: a committee id of the site's workflow definition; for a programme meeting, its kind
    #: (selection | collective_day | co_development | event | follow_up)
    committee_id: Mapped[str] = mapped_column(String(60))
    #: a programme's collective day or event: its id in the programme's definition
    topic: Mapped[str | None] = mapped_column(String(60))
    #: a programme selection committee's seats present (seats by quality, not by name)
    seats_present: Mapped[list | None] = mapped_column(JSON)
    #: one of MEETING_STATUSES
    status: Mapped[str] = mapped_column(String(20), index=True)
    #: when it starts (aware UTC); shown in ``timezone``
    starts_dt: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    duration_minutes: Mapped[int] = mapped_column(default=120)
    #: IANA zone used to show and send the meeting
    timezone: Mapped[str] = mapped_column(String(40), default=installation_timezone,
                                          server_default=DEFAULT_TIMEZONE)
    place: Mapped[str | None] = mapped_column(String(300))
    video_url: Mapped[str | None] = mapped_column(String(500))
    #: one of the frequent working meetings of the last months before opening
    is_working_meeting: Mapped[bool] = mapped_column(default=False, server_default=text("false"))
    #: stable iCalendar UID
    uid: Mapped[str] = mapped_column(String(80), unique=True, default=new_uid)
    #: iCalendar SEQUENCE: bumped on every move or cancellation
    sequence: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_dt: Mapped[datetime] = mapped_column(UTCDateTime)
    cancelled_reason: Mapped[str | None] = mapped_column(Text)

    site: Mapped[Site | None] = relationship()
    roles: Mapped[list["MeetingRole"]] = relationship(back_populates="meeting", order_by="MeetingRole.id",
                                                      cascade="all, delete-orphan")
    attendees: Mapped[list["Attendee"]] = relationship(back_populates="meeting", order_by="Attendee.id",
                                                       cascade="all, delete-orphan")
    agenda: Mapped[list["AgendaItem"]] = relationship(back_populates="meeting", order_by="AgendaItem.position",
                                                      cascade="all, delete-orphan")

    @property
    def ends_dt(self) -> datetime:
        try:
            return self.starts_dt + timedelta(minutes=self.duration_minutes)
        except OverflowError:  # stored at the calendar's end by an older release: no room for a duration
            return self.starts_dt


class MeetingRole(Base):
    """Who holds one of the four jobs of a meeting."""

    __tablename__ = "meeting_roles"
    __table_args__ = (UniqueConstraint("meeting_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    #: one of MEETING_ROLES
    role: Mapped[str] = mapped_column(String(20))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)

    meeting: Mapped[Meeting] = relationship(back_populates="roles")
    person: Mapped[Person] = relationship(lazy="joined", innerjoin="unnested")


class Attendee(Base):
    """A person invited to a meeting, and whether they came: someone of the site's team
    file (``person``) for a site's meeting, an account (``user``) for a programme's."""

    __tablename__ = "meeting_attendees"
    __table_args__ = (UniqueConstraint("meeting_id", "person_id"), UniqueConstraint("meeting_id", "user_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: one of ATTENDANCE once the meeting is held; None before
    attendance: Mapped[str | None] = mapped_column(String(10))

    meeting: Mapped[Meeting] = relationship(back_populates="attendees")
    person: Mapped[Person | None] = relationship(lazy="joined")
    user: Mapped["User | None"] = relationship(lazy="joined")

    @property
    def name(self) -> str:
        return self.person.name if self.person is not None else self.user.display_name

    @property
    def email(self) -> str:
        return (self.person or self.user).email


class AgendaItem(Base):
    """One item of a meeting's agenda."""

    __tablename__ = "agenda_items"
    #: a meeting's agenda in order, titles included (a calendar feed reads them from the index alone)
    __table_args__ = (Index("ix_agenda_items_meeting_id_position_title", "meeting_id", "position", "title"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"))
    position: Mapped[int]
    title: Mapped[str] = mapped_column(String(300))
    notes: Mapped[str | None] = mapped_column(Text)

    meeting: Mapped[Meeting] = relationship(back_populates="agenda")


class MinutesRevision(Base):
    """One saved version of a meeting's minutes (Markdown). The highest version is current;
    a save based on an older version is refused (optimistic locking)."""

    __tablename__ = "minutes_revisions"
    __table_args__ = (UniqueConstraint("meeting_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    version: Mapped[int]
    body_md: Mapped[str] = mapped_column(Text)
    saved_by: Mapped[str] = mapped_column(String(200))
    saved_dt: Mapped[datetime] = mapped_column(UTCDateTime)


class ActionItem(Base):
    """Something a meeting asked someone to do. Overdue is computed from ``due_on``, never stored."""

    __tablename__ = "action_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meetings.id"), index=True)
    text: Mapped[str] = mapped_column(Text)
    owner_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    due_on: Mapped[date | None] = mapped_column(Date)
    #: one of ACTION_STATUSES
    status: Mapped[str] = mapped_column(String(10), default="open", index=True)
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime)
    closed_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)

    owner: Mapped[Person] = relationship(lazy="joined", innerjoin="unnested")

    def is_overdue(self, today: date) -> bool:
        return self.status == "open" and self.due_on is not None and self.due_on < today

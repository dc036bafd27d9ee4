"""Evidence from the committees' records: ``committee_held_with_minutes:<committee id>``
holds once a meeting of that committee has taken place (held, its attendance recorded
with someone present) and its minutes are written (the current version has text).
The guide: the technical committee runs from day one and keeps minutes after every meeting."""
from __future__ import annotations

from sqlalchemy import exists, select

from ..decision_rules import HELD
from ..evidence import json_rows, proves, rows_of
from .models import Attendee, Meeting, MinutesRevision


def _written(rows, _workflow, _argument) -> bool:
    """Some held meeting's latest minutes (the highest version) have text."""
    latest: dict[int, tuple[int, str]] = {}
    for meeting_id, version, body in rows_of(rows):
        if meeting_id not in latest or version > latest[meeting_id][0]:
            latest[meeting_id] = (version, body)
    return any((body or "").strip() for _, body in latest.values())


@proves("committee_held_with_minutes", judge=_written)
def _held_with_minutes(_workflow, committee_id, site_id):
    meeting, attendee, revision = (Meeting.__table__.alias("minuted_meeting"),
                                   Attendee.__table__.alias("minuted_attendee"),
                                   MinutesRevision.__table__.alias("minuted_revision"))
    return (select(json_rows(revision.c.meeting_id, revision.c.version, revision.c.body_md))
            .select_from(revision.join(meeting, meeting.c.id == revision.c.meeting_id))
            .where(meeting.c.site_id == site_id, meeting.c.committee_id == committee_id,
                   meeting.c.status.in_(HELD),
                   exists().where(attendee.c.meeting_id == meeting.c.id, attendee.c.attendance == "present"))
            .scalar_subquery())

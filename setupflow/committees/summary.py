"""Meetings and action items as plain data: what the CLI prints, the JSON it emits and
what the web pages show."""
from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from ..sites.runtime import workflow_of
from .minutes import minutes_version
from .models import ActionItem, Meeting


def describe_meeting(meeting: Meeting, lang: str = "fr", session: Session | None = None) -> dict:
    """A meeting with its local time, roles and invitees; with a session, its minutes version too."""
    local = meeting.starts_dt.astimezone(ZoneInfo(meeting.timezone))
    committee = workflow_of(meeting.site).committee(meeting.committee_id)
    out = {"id": meeting.id, "site": meeting.site_id, "committee": meeting.committee_id,
           "committee_label": committee.label.get(lang), "status": meeting.status, "date": local.date(),
           "at": local, "duration_minutes": meeting.duration_minutes, "timezone": meeting.timezone,
           "place": meeting.place, "video_url": meeting.video_url, "is_working_meeting": meeting.is_working_meeting,
           "uid": meeting.uid, "sequence": meeting.sequence, "cancelled_reason": meeting.cancelled_reason,
           "roles": {r.role: {"person": r.person_id, "name": r.person.name} for r in meeting.roles},
           "invited": [{"person": a.person_id, "name": a.person.name, "attendance": a.attendance}
                       for a in meeting.attendees],
           "agenda": [i.title for i in meeting.agenda]}
    if session is not None:
        out["minutes_version"] = minutes_version(session, meeting)
    return out


def describe_action(item: ActionItem, today: date) -> dict:
    return {"id": item.id, "site": item.site_id, "meeting": item.meeting_id, "text": item.text,
            "owner": item.owner_id, "owner_name": item.owner.name, "due_on": item.due_on, "status": item.status,
            "is_overdue": item.is_overdue(today)}

"""Evidence from the committees' records: ``committee_held_with_minutes:<committee id>``
holds once a meeting of that committee has taken place (held, its attendance recorded
with someone present) and its minutes are written (the current version has text).
The guide: the technical committee runs from day one and keeps minutes after every meeting."""
from __future__ import annotations

from sqlalchemy import bindparam, exists, select
from sqlalchemy.orm import Session

from ..decision_rules import HELD
from ..evidence import proves
from ..sites.models import Site
from .models import Attendee, Meeting, MinutesRevision

# Table columns, not ORM attributes: built once, a gate is checked on every site page.
_M, _A, _R = Meeting.__table__.c, Attendee.__table__.c, MinutesRevision.__table__.c
_MINUTES = (select(_R.meeting_id, _R.version, _R.body_md)
            .join(Meeting.__table__, _M.id == _R.meeting_id)
            .where(_M.site_id == bindparam("site_id"), _M.committee_id == bindparam("committee_id"),
                   _M.status.in_(HELD),
                   exists().where(_A.meeting_id == _M.id, _A.attendance == "present")))


@proves("committee_held_with_minutes")
def _held_with_minutes(session: Session, site: Site, committee_id) -> bool:
    latest: dict[int, tuple[int, str]] = {}
    for meeting_id, version, body in session.execute(_MINUTES, {"site_id": site.id, "committee_id": committee_id}):
        if meeting_id not in latest or version > latest[meeting_id][0]:
            latest[meeting_id] = (version, body)
    return any((body or "").strip() for _, body in latest.values())

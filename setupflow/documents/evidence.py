"""Evidence from the project note: ``project_note_written`` holds once every editable
section of the note (objectives, needs, method, governance) has text in its current version."""
from __future__ import annotations

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from ..evidence import proves
from ..sites.models import Site
from .models import SectionRevision
from .note import DOCUMENT, NOTE_SECTIONS

_S = SectionRevision.__table__.c
_SECTIONS = select(_S.section, _S.version, _S.body_md).where(_S.site_id == bindparam("site_id"),
                                                              _S.document == DOCUMENT)


@proves("project_note_written")
def _note_written(session: Session, site: Site, _argument) -> bool:
    latest: dict[str, tuple[int, str]] = {}
    for section, version, body in session.execute(_SECTIONS, {"site_id": site.id}):
        if section not in latest or version > latest[section][0]:
            latest[section] = (version, body)
    return all((latest.get(s, (0, ""))[1] or "").strip() for s in NOTE_SECTIONS)

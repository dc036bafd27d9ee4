"""Evidence from the project note: ``project_note_written`` holds once every editable
section of the note (objectives, needs, method, governance) has text in its current version."""
from __future__ import annotations

from sqlalchemy import select

from ..evidence import json_rows, proves, rows_of
from .models import SectionRevision
from .note import DOCUMENT, NOTE_SECTIONS


def _all_sections(rows, _workflow, _argument) -> bool:
    latest: dict[str, tuple[int, str]] = {}
    for section, version, body in rows_of(rows):
        if section not in latest or version > latest[section][0]:
            latest[section] = (version, body)
    return all((latest.get(s, (0, ""))[1] or "").strip() for s in NOTE_SECTIONS)


@proves("project_note_written", judge=_all_sections)
def _note_written(_workflow, _argument, site_id):
    revision = SectionRevision.__table__.alias("note_revision")
    return (select(json_rows(revision.c.section, revision.c.version, revision.c.body_md))
            .where(revision.c.site_id == site_id, revision.c.document == DOCUMENT).scalar_subquery())

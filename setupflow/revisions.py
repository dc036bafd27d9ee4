"""Saving a new version of a text (minutes, a project-note section) without losing an edit.

A save names the version it was based on. If someone saved since, or saves the same
version at the same moment (the unique ``(…, version)`` index settles that race), the save
is refused with ``StaleEdit`` and nothing is overwritten; the caller's transaction is then
rolled back as a whole.
"""
from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .errors import StaleEdit


def append_revision(session: Session, revision, based_on: int, current: int, field: str) -> None:
    """Add ``revision`` (numbered ``current + 1``) if ``based_on`` is still the current version;
    ``field`` names the text (``minutes``, a note section) in the refusal."""
    if based_on != current:
        raise StaleEdit(code="revision.stale", field=field, based_on=based_on, current=current)
    session.add(revision)
    try:
        session.flush()
    except IntegrityError:
        raise StaleEdit(code="revision.race", field=field) from None

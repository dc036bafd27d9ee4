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


def append_revision(session: Session, revision, based_on: int, current: int, what: str) -> None:
    """Add ``revision`` (numbered ``current + 1``) if ``based_on`` is still the current version."""
    if based_on != current:
        raise StaleEdit(f"{what}: edited since version {based_on} (now version {current}); "
                        f"reload, redo your change, and save again")
    session.add(revision)
    try:
        session.flush()
    except IntegrityError:
        raise StaleEdit(f"{what}: saved by someone else at the same moment; reload and save again") from None

"""Files attached to applications.

The type is read from the content (magic bytes), never from the name: an HTML page
named ``offer.pdf`` is refused. Files are stored under ``data_dir/uploads`` (outside
any web root) with a generated name; the candidate's file name is kept as metadata.
"""
from __future__ import annotations

import hashlib
import io
import os
import uuid
import zipfile
import zlib
from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session

from .. import inputs
from ..errors import InputError
from ..sites.models import Site
from ..sites.operations import Actor, record
from .models import Application, ApplicationFile

MAX_BYTES = 10 * 1024 * 1024
ALLOWED = "PDF, PNG, JPEG, DOCX, XLSX, ODT, ODS"
#: the most bytes read out of one archive member (an ODF ``mimetype`` is under 60 bytes):
#: members are streamed and reading stops there, so a small zip whose member inflates to
#: gigabytes costs no more than this (a decompression bomb)
MEMBER_CAP = 1024


class ArchiveBomb(InputError):
    """An archive member inflates past what is ever read from it."""


def read_member(archive: zipfile.ZipFile, name: str, cap: int = MEMBER_CAP) -> bytes:
    """A member's bytes, streamed: refused as soon as more than ``cap`` bytes come out,
    whatever size the archive declares."""
    with archive.open(name) as member:
        data = member.read(cap + 1)
    if len(data) > cap:
        raise ArchiveBomb(code="file.archive_member_too_large", field="file", member=name, limit=cap)
    return data


def sniff(data: bytes) -> str | None:
    """The content type found in the bytes, or None when it is not an accepted kind."""
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"PK\x03\x04"):
        return _office_type(data)
    return None


def _office_type(data: bytes) -> str | None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            if "mimetype" in names:
                mimetype = read_member(archive, "mimetype").decode("ascii", "replace").strip()
                if mimetype in ("application/vnd.oasis.opendocument.text",
                                "application/vnd.oasis.opendocument.spreadsheet"):
                    return mimetype
                return None
            if "[Content_Types].xml" in names:
                if any(n.startswith("word/") for n in names):
                    return "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
                if any(n.startswith("xl/") for n in names):
                    return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError, EOFError, ValueError, zlib.error):
        return None
    return None


def uploads_dir(data_dir: Path) -> Path:
    path = Path(data_dir) / "uploads"
    path.mkdir(parents=True, exist_ok=True)
    return path


def attach_file(session: Session, site: Site, application: Application, *, data_dir: Path, original_name: str,
                data: bytes, actor: Actor, now: datetime, max_bytes: int = MAX_BYTES) -> ApplicationFile:
    """Check and store a file; nothing is kept if any check or the database write fails."""
    stored = store_upload(data_dir, original_name, data, max_bytes)
    try:
        row = ApplicationFile(application_id=application.id, **stored.columns(), uploaded_dt=now,
                              uploaded_by=actor.name)
        application.files.append(row)
        session.flush()
        record(session, site, actor, now, "call_file", application_id=application.id, file_id=row.id)
        session.flush()
    except Exception:
        stored.discard()
        raise
    return row


class StoredUpload:
    """A checked file written under uploads/: its columns, and how to remove it again."""

    def __init__(self, path: Path, name: str, content_type: str, data: bytes):
        self.path, self.name, self.content_type = path, name, content_type
        self.size, self.sha256 = len(data), hashlib.sha256(data).hexdigest()

    def columns(self) -> dict:
        return {"original_name": self.name, "stored_name": self.path.name, "content_type": self.content_type,
                "size": self.size, "sha256": self.sha256}

    def discard(self) -> None:
        self.path.unlink(missing_ok=True)


def check_upload(original_name: str, data: bytes, max_bytes: int = MAX_BYTES) -> tuple[str, str]:
    """The upload rules of every application file: a name, not empty, at most ``max_bytes``,
    an accepted type found in the content (archives read member by member, never inflated
    past what is read). Returns the cleaned name and the content type."""
    name = inputs.file_name(original_name or "", "file") if (original_name or "").strip() else ""
    if not name:
        raise InputError(code="file.name_required", field="file")
    if not data:
        raise InputError(code="file.empty", field="file", name=name)
    if len(data) > max_bytes:
        raise InputError(code="file.too_large", field="file", name=name, size=len(data), limit=max_bytes,
                         limit_mb=max_bytes // (1024 * 1024))
    content_type = sniff(data)
    if content_type is None:
        raise InputError(code="file.type_refused", field="file", name=name, allowed=ALLOWED)
    return name, content_type


def store_upload(data_dir: Path, original_name: str, data: bytes, max_bytes: int = MAX_BYTES) -> StoredUpload:
    """Check the file (``check_upload``) and write it under a generated name, atomically."""
    name, content_type = check_upload(original_name, data, max_bytes)
    target = uploads_dir(data_dir) / uuid.uuid4().hex
    partial = target.with_suffix(".part")
    partial.write_bytes(data)
    os.replace(partial, target)
    return StoredUpload(target, name, content_type, data)


def file_path(data_dir: Path, row) -> Path:
    """Where a stored file row (an application's, a draft's) keeps its bytes."""
    return Path(data_dir) / "uploads" / row.stored_name

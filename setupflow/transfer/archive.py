"""The export file: a format marker, versions, a SHA-256 of the payload, the payload.

    {"format": "setupflow-site-export", "format_version": 1, "schema": "<alembic head>",
     "sha256": "<hex of the canonical JSON of payload>",
     "signature": "<HMAC-SHA256 of the same bytes, keyed by the installation's secret>",
     "payload": {...}}

A file that is not JSON, truncated, of another program, of another schema or whose
payload does not match its checksum is refused before anything is written. The checksum
finds accidents; the signature finds edits and origins: a file signed by another
installation (another secret), or edited by hand and given a new checksum, is foreign,
and is refused unless the person importing says they trust it (``--accept-foreign``).
Either way every row is then checked like live input (``dump.load_site``).
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

from sqlalchemy.orm import Session

from ..config import Settings
from ..errors import InputError
from ..installation import sign, signature_matches
from ..migrate import head_revision
from .dump import dump_site, load_site

FORMAT = "setupflow-site-export"
FORMAT_VERSION = 1


def canonical(payload) -> bytes:
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def export_site(session: Session, site_id: int, data_dir: Path, settings: Settings | None = None) -> bytes:
    """The export file's bytes for one site, uploaded files included; signed with the
    installation's secret when ``settings`` are given (the command line always does)."""
    payload = dump_site(session, int(site_id), data_dir)
    missing = sorted(name for name, content in payload["files"].items() if content is None)
    if missing:
        raise InputError(code="export.files_missing", field="site", site=site_id,
                         folder=str(Path(data_dir) / "uploads"), files=missing)
    document = {"format": FORMAT, "format_version": FORMAT_VERSION, "schema": head_revision(),
                "sha256": hashlib.sha256(canonical(payload)).hexdigest(), "payload": payload}
    if settings is not None:
        document["signature"] = sign(settings, canonical(payload))
    return json.dumps(document, ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8")


def read_export(data: bytes, where: str = "file", settings: Settings | None = None,
                accept_foreign: bool = False) -> dict:
    """The checked payload of an export file, or InputError saying why it is refused.
    With ``settings``, a file not signed by this installation is refused unless
    ``accept_foreign`` (without, the caller has vouched for the file itself)."""
    try:
        document = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise InputError(code="import.not_utf8", field=where) from None
    except json.JSONDecodeError as exc:
        raise InputError(code="import.not_json", field=where, error=str(exc)) from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise InputError(code="import.no_format_marker", field=where, marker=FORMAT)
    if document.get("format_version") != FORMAT_VERSION:
        raise InputError(code="import.format_version", field=where, version=repr(document.get("format_version")),
                         expected=FORMAT_VERSION)
    if document.get("schema") != head_revision():
        raise InputError(code="import.schema", field=where, schema=repr(document.get("schema")), head=head_revision())
    if "payload" not in document or not isinstance(document.get("sha256"), str):
        raise InputError(code="import.no_checksum", field=where)
    if hashlib.sha256(canonical(document["payload"])).hexdigest() != document["sha256"]:
        raise InputError(code="import.checksum_mismatch", field=where)
    if settings is not None and not accept_foreign and \
            not signature_matches(settings, canonical(document["payload"]), document.get("signature")):
        raise InputError(code="import.foreign", field=where)
    return document["payload"]


def import_site(session: Session, data: bytes, data_dir: Path, where: str = "file", settings: Settings | None = None,
                accept_foreign: bool = False) -> tuple[int, list[Path]]:
    """Insert the site of an export file with new ids; flushes only. Returns the new site id
    and the uploaded files written, which the caller removes if its commit fails."""
    payload = read_export(data, where, settings, accept_foreign)
    return load_site(session, payload, data_dir)

"""A site as plain JSON data, and back.

``dump_site`` walks the exported tables generically: every column of every row, with
ids replaced by local numbers (1, 2, ... per table, in id order) so that two copies of
one site in two databases dump identically. ``load_site`` inserts such a dump with new
ids, remapping every foreign key; it only flushes (the caller commits once).
"""
from __future__ import annotations

import base64
import hashlib
import json
import re
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import JSON, BigInteger, Boolean, Date, Integer, String, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .. import inputs
from ..calls.files import uploads_dir
from ..db import MAX_ROW_ID, UTCDateTime
from ..errors import InputError
from ..sites.models import WorkflowSnapshot
from .tables import SITES, SNAPSHOTS, exported_tables

FILES_TABLE = "call_application_files"


def canonical_json(value) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def _encode(column, value):
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


def _decode(column, value, where: str):
    """A cell of an imported file, through the same input edge as a form or a CLI option:
    dates within the accepted years, texts without control characters, addresses valid."""
    if value is None:
        return None
    try:
        if isinstance(column.type, UTCDateTime):
            parsed = datetime.fromisoformat(value)
            if parsed.tzinfo is None:
                raise ValueError("no time zone")
            return inputs.instant(parsed, where)
        if isinstance(column.type, Date):
            return inputs.day(value, where)
    except (TypeError, ValueError) as exc:
        raise InputError(code="import.value_invalid", field=where, value=value, type=column.type.__class__.__name__,
                         error=str(exc)) from None
    if isinstance(value, str):
        value = inputs.text(value, where, strip=False)
        if column.name == "email" and not _ANONYMISED.fullmatch(value):
            value = inputs.email(value, where)
    return value


#: the address an erased person keeps (``personal_data.anonymised_email``): not an address, on purpose
_ANONYMISED = re.compile(r"anonymised-(person|user)-\d+@invalid")
def _check_value(column, value, table: str, row, where: str) -> None:
    """Refuse a value live input could never have stored: the wrong type, a text longer
    than its column, a whole number out of range, nothing where a value is required.
    The database would store ``"abc"`` as a version number on SQLite, or fail later."""
    if value is None:
        if not column.nullable and not column.primary_key:
            raise InputError(code="import.bad_value", field=where, table=table, row=row, column=column.name,
                             value="null", expected="a value (required)")
        return
    kind = column.type
    expected = None
    if isinstance(kind, JSON):
        return
    if isinstance(kind, Boolean):
        if not isinstance(value, bool):
            expected = "true or false"
    elif isinstance(kind, Integer):
        high = 2**63 - 1 if isinstance(kind, BigInteger) else MAX_ROW_ID
        if not isinstance(value, int) or isinstance(value, bool) or not -high - 1 <= value <= high:
            expected = f"a whole number (at most {high})"
    elif isinstance(kind, String):
        if not isinstance(value, str):
            expected = "a text"
        elif kind.length is not None and len(value) > kind.length:
            expected = f"a text of at most {kind.length} characters"
    if expected is not None:
        shown = value if isinstance(value, (int, float, bool)) else repr(str(value)[:60])
        raise InputError(code="import.bad_value", field=where, table=table, row=row, column=column.name,
                         value=shown, expected=expected)


def _fk_target(column) -> str | None:
    for fk in column.foreign_keys:
        return fk.column.table.name
    return None


def _id_query(tables: dict, name: str, site_id: int):
    """A SELECT of the ids of ``name``'s rows that belong to the site."""
    owned = tables[name]
    if name == SITES:
        return select(owned.table.c.id).where(owned.table.c.id == site_id)
    if owned.parent == SITES:
        return select(owned.table.c.id).where(owned.owner == site_id)
    return select(owned.table.c.id).where(owned.owner.in_(_id_query(tables, owned.parent, site_id)))


def dump_site(session: Session, site_id: int, data_dir: Path | None = None) -> dict:
    """Everything of one site, ids local to the dump; files' content when ``data_dir`` is given."""
    tables = {t.table.name: t for t in exported_tables()}
    local: dict[str, dict[int, int]] = {}
    out_tables: dict[str, list[dict]] = {}
    rows_by_table = {}
    for name, owned in tables.items():
        ids = _id_query(tables, name, site_id)
        rows = session.execute(select(owned.table).where(owned.table.c.id.in_(ids))
                               .order_by(owned.table.c.id)).mappings().all()
        if name == SITES and not rows:
            raise InputError(code="site.not_found", field="site", site=site_id)
        local[name] = {row["id"]: i for i, row in enumerate(rows, start=1)}
        rows_by_table[name] = rows
    snapshot_id = rows_by_table[SITES][0]["snapshot_id"]
    local[SNAPSHOTS] = {snapshot_id: 1}
    for name, owned in tables.items():
        out = []
        for row in rows_by_table[name]:
            item = {}
            for column in owned.table.columns:
                value = row[column.name]
                target = "self" if column.primary_key else _fk_target(column)
                if target == "self":
                    value = local[name][value]
                elif target is not None and value is not None:
                    if target not in local or value not in local[target]:
                        raise InputError(code="export.points_outside", field=f"{name}.{column.name}",
                                         row=row["id"], target=target, value=value)
                    value = local[target][value]
                item[column.name] = _encode(column, value)
            out.append(item)
        out_tables[name] = out
    snapshot = session.get(WorkflowSnapshot, snapshot_id)
    result = {"snapshot": {"workflow_id": snapshot.workflow_id, "version": snapshot.version,
                           "digest": snapshot.digest, "document": snapshot.document,
                           "created_dt": snapshot.created_dt.isoformat()},
              "tables": out_tables, "files": {}}
    if data_dir is not None:
        for row in out_tables.get(FILES_TABLE, []):
            path = Path(data_dir) / "uploads" / row["stored_name"]
            content = path.read_bytes() if path.is_file() else None
            result["files"][row["stored_name"]] = None if content is None else base64.b64encode(content).decode()
    return result


def check_shape(payload: dict) -> None:
    """Refuse a dump whose tables or columns are not exactly the ones this version has."""
    if not isinstance(payload, dict) or not isinstance(payload.get("tables"), dict) \
            or not isinstance(payload.get("snapshot"), dict) or not isinstance(payload.get("files"), dict):
        raise InputError(code="import.payload_shape", field="payload")
    tables = {t.table.name: t for t in exported_tables()}
    if set(payload["tables"]) != set(tables):
        unknown = sorted(set(payload["tables"]) - set(tables))
        missing = sorted(set(tables) - set(payload["tables"]))
        raise InputError(code="import.tables_mismatch", field="payload", unknown=unknown, missing=missing)
    if len(payload["tables"][SITES]) != 1:
        raise InputError(code="import.one_site", field="payload")
    for name, rows in payload["tables"].items():
        columns = {c.name for c in tables[name].table.columns}
        for i, row in enumerate(rows if isinstance(rows, list) else [None]):
            if not isinstance(row, dict) or set(row) != columns:
                raise InputError(code="import.columns_mismatch", field="payload", table=name, row=i + 1)


def _checked_snapshot(snap: dict) -> dict:
    """The exported definition, validated by the definition loader like a file on disk;
    its id, version and digest must be the ones the loader finds in the document."""
    from ..definitions.loader import DefinitionError, load_document

    where = "workflow_snapshots row 1 document"
    document = snap.get("document")
    if not isinstance(document, dict):
        raise InputError(code="import.snapshot_invalid", field=where, problem="the definition is not a mapping")
    try:
        loaded = load_document(document, "the exported definition")
    except DefinitionError as exc:
        raise InputError(code="import.snapshot_invalid", field=where, problem=str(exc.problems[0])) from None
    wf = loaded.workflow
    if (snap.get("workflow_id"), snap.get("version"), snap.get("digest")) != (wf.id, wf.version, loaded.digest):
        raise InputError(code="import.snapshot_invalid", field=where,
                         problem=f"its id, version and digest are not those of its document ({wf.id} v{wf.version}, "
                                 f"{loaded.digest})")
    if not isinstance(snap.get("created_dt"), str):
        raise InputError(code="import.snapshot_invalid", field=where, problem="created_dt is not a date and time")
    return loaded.document


def _snapshot_id(session: Session, snap: dict) -> int:
    document = _checked_snapshot(snap)
    existing = session.scalar(select(WorkflowSnapshot).where(WorkflowSnapshot.workflow_id == snap["workflow_id"],
                                                             WorkflowSnapshot.version == snap["version"]))
    if existing is not None:
        # shared only when the stored document is the same, byte for byte, as the validated one
        if existing.digest != snap["digest"] or canonical_json(existing.document) != canonical_json(document):
            raise InputError(code="import.definition_differs", field="snapshot", workflow=snap["workflow_id"],
                             version=snap["version"])
        return existing.id
    created = _decode(WorkflowSnapshot.__table__.c.created_dt, snap["created_dt"], "workflow_snapshots row 1 created_dt")
    row = WorkflowSnapshot(workflow_id=snap["workflow_id"], version=snap["version"], digest=snap["digest"],
                           document=document, created_dt=created)
    session.add(row)
    session.flush()
    return row.id


def load_site(session: Session, payload: dict, data_dir: Path) -> tuple[int, list[Path]]:  # noqa: C901  (one table after another in foreign-key order; each step is a loop)
    """Insert a dump with new ids; returns the new site id and the files written (for clean-up).
    Every row is checked as live input would be (types, lengths, ranges, required values;
    dates by ``_decode``) and the workflow snapshot goes through the definition loader."""
    check_shape(payload)
    tables = {t.table.name: t for t in exported_tables()}
    for name, owned in tables.items():  # every row checked before anything is written
        for row in payload["tables"][name]:
            if not isinstance(row["id"], int) or isinstance(row["id"], bool):
                raise InputError(code="import.bad_value", field=f"{name} id", table=name, row=repr(row["id"]),
                                 column="id", value=repr(row["id"]), expected="a whole number")
    new_ids: dict[str, dict[int, int]] = {SNAPSHOTS: {1: _snapshot_id(session, payload["snapshot"])}}
    deferred = []  # (table, column, new row id, local target id) for self-references
    written: list[Path] = []
    try:
        for name, owned in tables.items():
            new_ids[name] = {}
            for row in payload["tables"][name]:
                values = {}
                for column in owned.table.columns:
                    if column.primary_key:
                        continue
                    where = f"{name} row {row['id']} {column.name}"
                    value = _decode(column, row[column.name], where)
                    if not isinstance(value, (date, datetime)):
                        _check_value(column, value, name, row["id"], where)
                    target = _fk_target(column)
                    if target == name and value is not None:
                        deferred.append((owned.table, column, row["id"], value))
                        value = None
                    elif target is not None and value is not None:
                        if value not in new_ids.get(target, {}):
                            raise InputError(code="import.dangling", field=where, target=target, value=value)
                        value = new_ids[target][value]
                    values[column.name] = value
                new_ids[name][row["id"]] = session.execute(
                    insert(owned.table).values(**values).returning(owned.table.c.id)).scalar_one()
        for table, column, local_id, target in deferred:
            if target not in new_ids[table.name]:
                raise InputError(code="import.dangling", field=f"{table.name} row {local_id} {column.name}",
                                 target=table.name, value=target)
            session.execute(update(table).where(table.c.id == new_ids[table.name][local_id])
                            .values({column.name: new_ids[table.name][target]}))
        session.flush()
        for row in payload["tables"].get(FILES_TABLE, []):
            written.append(_write_file(data_dir, row, payload["files"].get(row["stored_name"])))
    except IntegrityError as exc:
        _remove(written)
        raise InputError(code="import.refused_by_database", field="import", error=str(exc.orig)) from None
    except Exception:
        _remove(written)
        raise
    return new_ids[SITES][1], written


def _write_file(data_dir: Path, row: dict, encoded: str | None) -> Path:
    where = f"file {row['original_name']!r}"
    if not re.fullmatch(r"[0-9a-f]{32}", str(row["stored_name"])):
        raise InputError(code="import.stored_name", field=where, name=repr(row["stored_name"]))
    if encoded is None:
        raise InputError(code="import.file_content_missing", field=where)
    try:
        content = base64.b64decode(encoded, validate=True)
    except ValueError:
        raise InputError(code="import.file_not_base64", field=where) from None
    if hashlib.sha256(content).hexdigest() != row["sha256"] or len(content) != row["size"]:
        raise InputError(code="import.file_checksum", field=where)
    target = uploads_dir(data_dir) / row["stored_name"]
    if target.exists():
        raise InputError(code="import.file_exists", field=where, name=target.name)
    target.write_bytes(content)
    return target


def _remove(paths: list[Path]) -> None:
    for path in paths:
        path.unlink(missing_ok=True)

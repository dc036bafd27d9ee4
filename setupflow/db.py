"""Database plumbing: the declarative base, engines and sessions.

Functions that change data only flush; the caller (CLI command, web request, worker
sweep) owns the transaction and commits once at its boundary.
"""
from __future__ import annotations

import re
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import ARRAY, DateTime, MetaData, any_, bindparam, create_engine, event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import DeclarativeBase, Session, configure_mappers, sessionmaker
from sqlalchemy.orm.exc import StaleDataError
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


#: the largest key an INTEGER column holds on PostgreSQL; a larger number names no row
MAX_ROW_ID = 2**31 - 1


def row_id(value) -> int | None:
    """``value`` (from a URL, a form, a command line) as a row id, or None when it cannot
    name a row: not a whole number, or outside 1..MAX_ROW_ID. Looking such a number up
    fails the query on PostgreSQL (integer out of range) and past 2**63 on SQLite."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 1 <= number <= MAX_ROW_ID else None


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator):
    """An aware datetime stored as naive UTC, so SQLite and PostgreSQL agree."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: setupflow stores aware datetimes only")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc)


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def among(session: Session, column, ids):
    """``column IN ids`` for a list of ids that may be long (every site of a person's feed).
    On PostgreSQL, one array parameter (``column = ANY(:ids)``): as one parameter per id,
    the 2,000 sites of a coordinator's feed made ~10,000 parameters over its statements,
    which SQLAlchemy renders and psycopg parses at every execution, the SQL differing with
    the number of ids (85 ms of a new server process's first fetch of that feed). SQLite
    has no arrays and keeps the list. ``ids`` may be a SELECT of ids too: ``IN (SELECT ...)``."""
    if isinstance(ids, (list, tuple, set, frozenset)) and session.get_bind().dialect.name == "postgresql":
        return column == any_(bindparam(None, list(ids), type_=ARRAY(column.type)))
    return column.in_(ids)


def make_engine(url: str, **kwargs) -> Engine:
    """An engine for ``url``; SQLite gets foreign keys, WAL and a busy timeout."""
    if is_sqlite(url):
        database = make_url(url).database
        if database and database != ":memory:":
            Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30}, **kwargs)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            if database and database != ":memory:":
                cursor.execute("PRAGMA journal_mode=WAL")
            cursor.close()

        return engine
    return create_engine(url, pool_pre_ping=True, **kwargs)


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions for one process, with every model imported and every mapper configured.

    Configuring here, once, keeps it out of the worker's threads: a first query in one
    thread while another imports a model module lazily would configure the mappers
    half-way through that import and break every later query of the process."""
    from . import all_models  # noqa: F401  (every table and relationship is known)

    configure_mappers()
    return sessionmaker(bind=engine, expire_on_commit=False)


class StaleRow(StaleDataError):
    """A versioned UPDATE written by hand matched no row: the row is no longer at the
    version that was read. A ``StaleDataError`` like the ORM's own, carrying its table as
    data (``sites.records.record`` raises it)."""

    def __init__(self, table: str, key, version: int):
        self.table, self.key, self.version = table, key, version
        super().__init__(f"{table} {key}: no longer at version {version}")


def stale_edit(exc: StaleDataError):
    """The refusal of an optimistic-locking conflict, said for a person."""
    from .errors import StaleEdit

    if isinstance(exc, StaleRow):
        table = exc.table
    else:  # the ORM's own, from a flush: its message names the table
        found = re.search(r"table '([^']+)'", str(exc))
        table = found.group(1) if found else None
    return StaleEdit(code="record.stale", table=table)


@contextmanager
def transaction(factory: sessionmaker[Session]):
    """One unit of work: commit when the block ends, roll everything back on error."""
    session = factory()
    try:
        yield session
        session.commit()
    except StaleDataError as exc:
        session.rollback()
        raise stale_edit(exc) from None
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


@contextmanager
def refusing_duplicates(field: str):
    """A flush in the block that a unique key refuses (another connection created the same
    row a moment before: both checked first, both found nothing) raises ``StaleEdit``
    (``record.created_meanwhile`` about ``field``) instead of the driver's IntegrityError;
    the caller's transaction is then rolled back as a whole, so nothing of it is kept."""
    from sqlalchemy.exc import IntegrityError

    from .errors import StaleEdit

    try:
        yield
    except IntegrityError as exc:
        if not is_unique_violation(exc):
            raise
        raise StaleEdit(code="record.created_meanwhile", field=field) from None


def is_unique_violation(exc: Exception) -> bool:
    """Whether a database error is a unique key refusing a duplicate (a race between two
    creations of the same thing), read from the driver's error code, on both databases."""
    orig = getattr(exc, "orig", exc)
    if getattr(orig, "sqlstate", None) == "23505":  # psycopg: unique_violation
        return True
    # sqlite3: SQLITE_CONSTRAINT_UNIQUE, SQLITE_CONSTRAINT_PRIMARYKEY
    return getattr(orig, "sqlite_errorcode", None) in (2067, 1555)

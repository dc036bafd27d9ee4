"""Create or upgrade a database with the Alembic migrations shipped in the package."""
from __future__ import annotations

from contextlib import contextmanager

from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine

from .config import PACKAGE_DIR


def alembic_config(url: str | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(PACKAGE_DIR / "migrations"))
    if url:
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    _migrate(engine, command.upgrade, revision)


def downgrade(engine: Engine, revision: str) -> None:
    _migrate(engine, command.downgrade, revision)


def _migrate(engine: Engine, step, revision: str) -> None:
    cfg = alembic_config()
    with engine.connect() as connection:
        with without_foreign_keys(connection):
            with connection.begin():
                cfg.attributes["connection"] = connection
                step(cfg, revision)


@contextmanager
def without_foreign_keys(connection):
    """SQLite: foreign keys off while the migrations run, and checked before they are back on.

    A batch migration rebuilds a table (copy, drop, rename); with foreign keys on, SQLite
    refuses to drop a table other tables point at, or deletes its children on the way
    (ON DELETE CASCADE). Alembic's advice: turn them off around the migration. The pragma
    only acts outside a transaction, so it is set before the migrations' transaction
    begins; any broken reference left by a migration fails the upgrade loudly."""
    if connection.dialect.name != "sqlite":
        yield
        return
    connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
    connection.commit()
    try:
        yield
        broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
        connection.commit()
        if broken:
            raise RuntimeError(f"the migration left broken references: {broken[:5]}")
    finally:
        connection.exec_driver_sql("PRAGMA foreign_keys=ON")
        connection.commit()


def head_revision() -> str:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()

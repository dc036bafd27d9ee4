"""Alembic environment: the URL comes from the caller (setupflow.migrate) or the settings."""
from alembic import context
from sqlalchemy import pool

from setupflow.all_models import metadata
from setupflow.config import Settings
from setupflow.db import make_engine

config = context.config


def run_migrations_offline():
    url = config.get_main_option("sqlalchemy.url") or Settings.from_env().database_url
    context.configure(url=url, target_metadata=metadata, literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = config.get_main_option("sqlalchemy.url") or Settings.from_env().database_url
    from setupflow.migrate import without_foreign_keys

    engine = make_engine(url, poolclass=pool.NullPool)
    with engine.connect() as connection:
        with without_foreign_keys(connection):  # SQLite's batch rebuilds (setupflow.migrate)
            _run(connection)
            connection.commit()


def _run(connection):
    context.configure(connection=connection, target_metadata=metadata,
                      render_as_batch=connection.dialect.name == "sqlite", compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()

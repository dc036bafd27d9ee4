"""The Alembic migrations build exactly the schema the models describe."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from setupflow import schema
from setupflow.all_models import metadata


def test_models_and_migrations_agree(db):
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), metadata)
    assert diff == []


def test_downgrade_to_nothing_then_upgrade_again(db):
    schema.downgrade(db.engine, "base")
    assert schema.current_revision(db.engine) is None
    schema.upgrade(db.engine)
    assert schema.current_revision(db.engine) == schema.head_revision()

"""Alembic environment: run on the connection handed over by ``fangdu.db.engine.upgrade``."""

from alembic import context
from sqlalchemy import create_engine

from fangdu.db.tables import all_metadata

target_metadata = all_metadata()


def run_migrations_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is None:  # plain `alembic` command line, e.g. for autogenerate
        engine = create_engine(context.config.get_main_option("sqlalchemy.url"))
        with engine.begin() as connection:
            _run(connection)
    else:
        _run(connection)


def _run(connection) -> None:
    # Batch mode makes ALTERs work on SQLite by copying tables; PostgreSQL ignores it.
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()

"""Alembic environment: runs migrations against the URL given by segcio."""

from alembic import context
from sqlalchemy import create_engine, pool

import segcio.store.tables  # noqa: F401  (registers every table)
from segcio.store.metadata import metadata

config = context.config


def run_migrations_online() -> None:
    url = config.get_main_option("sqlalchemy.url")
    assert url is not None
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.begin() as connection:
        context.configure(
            connection=connection,
            target_metadata=metadata,
            render_as_batch=connection.dialect.name == "sqlite",
        )
        context.run_migrations()
    engine.dispose()


run_migrations_online()

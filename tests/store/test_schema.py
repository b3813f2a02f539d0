"""The Alembic migrations build exactly the schema the code declares, on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

import segcio.store.tables  # noqa: F401  (registers every table)
from segcio.bootstrap import ensure_defaults
from segcio.store import Database
from segcio.store.metadata import metadata


def _declared_for(dialect: str) -> Any:
    """Leave out what the tables declare for another database only (`Index(...).ddl_if(dialect=...)`)."""

    def include(obj: Any, _name: Any, _type: str, _reflected: bool, _compare_to: Any) -> bool:
        condition = getattr(obj, "_ddl_if", None)
        return condition is None or condition.dialect in (None, dialect)

    return include


def test_migrations_match_the_declared_tables(db: Database) -> None:
    with db.connect() as conn:
        opts = {"compare_type": False, "include_object": _declared_for(conn.dialect.name)}
        context = MigrationContext.configure(conn, opts=opts)
        differences = compare_metadata(context, metadata)
    assert differences == []


def test_upgrade_is_idempotent_and_defaults_are_created_once(db: Database) -> None:
    db.upgrade()
    first, second = ensure_defaults(db), ensure_defaults(db)
    assert first == second
    assert first.write_key and first.site_id and first.api_key and first.app_api_key and first.admin_token

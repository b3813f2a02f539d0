"""The Alembic migrations build exactly the schema the code declares, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection

import segcio.store.tables  # noqa: F401  (registers every table)
from segcio.bootstrap import ensure_defaults
from segcio.store import Database
from segcio.store.metadata import metadata
from segcio.store.tables.core import LOG_TABLES


def _declared_for(dialect: str, tables: Callable[[str], bool]) -> Any:
    """Leave out what the tables declare for another database only (`Index(...).ddl_if(dialect=...)`), and the
    tables another database file holds."""

    def include(obj: Any, name: Any, kind: str, _reflected: bool, _compare_to: Any) -> bool:
        if kind == "table" and not tables(name):
            return False
        condition = getattr(obj, "_ddl_if", None)
        return condition is None or condition.dialect in (None, dialect)

    return include


def _differences(conn: Connection, tables: Callable[[str], bool]) -> list[Any]:
    opts = {"compare_type": False, "include_object": _declared_for(conn.dialect.name, tables)}
    return list(compare_metadata(MigrationContext.configure(conn, opts=opts), metadata))


def test_migrations_match_the_declared_tables(db: Database) -> None:
    if not db.log_is_separate:
        with db.connect() as conn:
            assert _differences(conn, lambda _name: True) == []
        return
    # SQLite with a file: the event log's tables in their own file, the others in the main one.
    with db.connect() as conn:
        assert _differences(conn, lambda name: name not in LOG_TABLES) == []
    with db.log_engine.connect() as conn:
        assert _differences(conn, lambda name: name in LOG_TABLES) == []


def test_upgrade_is_idempotent_and_defaults_are_created_once(db: Database) -> None:
    db.upgrade()
    first, second = ensure_defaults(db), ensure_defaults(db)
    assert first == second
    assert first.write_key and first.site_id and first.api_key and first.app_api_key and first.admin_token

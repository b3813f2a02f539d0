"""The event log in a file of its own (SQLite with a file): events, rejected_events and ingest's counters

Revision ID: 0024_event_log_file
Revises: 0022_delivery_log_events

On SQLite with a file, `events` and `rejected_events` move to `<name>-events.db` beside the database (see
segcio/eventlog/__init__.py), keeping every seq and the AUTOINCREMENT high-water mark, so no seq is ever issued
twice; ingest's counters (scopes `ingest` and `source:*`) move to `log_counters` there. Each table is copied into
the log file in one transaction and then dropped from the main file in another: after a crash in between the main
file still has it, and running the migration again copies it afresh (replacing the partial copy). On PostgreSQL and
in-memory SQLite the log stays in the one database, which only gains `log_counters`.
"""

import re
import sqlite3

import sqlalchemy as sa
from alembic import op

from segcio.store.db import EVENTLOG_SCHEMA, attach_log_sql, eventlog_path, prepare_log_file

revision = "0024_event_log_file"
down_revision = "0022_delivery_log_events"
branch_labels = None
depends_on = None

MOVED = ("events", "rejected_events")
LOG_COUNTERS = """CREATE TABLE IF NOT EXISTS {schema}.log_counters (
    scope VARCHAR(100) NOT NULL,
    name VARCHAR(100) NOT NULL,
    value BIGINT NOT NULL,
    CONSTRAINT pk_log_counters PRIMARY KEY (scope, name)
)"""
INGEST_SCOPES = "scope = 'ingest' OR scope LIKE 'source:%'"


def upgrade() -> None:
    raw = _log_file_connection()
    if raw is None:
        op.create_table(
            "log_counters",
            sa.Column("scope", sa.String(100), nullable=False),
            sa.Column("name", sa.String(100), nullable=False),
            sa.Column("value", sa.BigInteger(), nullable=False),
            sa.PrimaryKeyConstraint("scope", "name", name=op.f("pk_log_counters")),
        )
        return
    log = EVENTLOG_SCHEMA
    moving = [table for table in MOVED if _has_table(raw, "main", table)]
    raw.execute("BEGIN IMMEDIATE")
    for table in moving:
        _copy(raw, table, "main", log)
    raw.execute(LOG_COUNTERS.format(schema=log))
    raw.execute(
        f"INSERT OR REPLACE INTO {log}.log_counters (scope, name, value) "
        f"SELECT scope, name, value FROM main.counters WHERE {INGEST_SCOPES}"
    )
    raw.execute("COMMIT")
    raw.execute("BEGIN IMMEDIATE")
    for table in moving:
        raw.execute(f"DROP TABLE main.{table}")
    raw.execute(f"DELETE FROM main.counters WHERE {INGEST_SCOPES}")
    raw.execute("COMMIT")


def downgrade() -> None:
    raw = _log_file_connection()
    if raw is None:
        op.drop_table("log_counters")
        return
    log = EVENTLOG_SCHEMA
    moving = [table for table in MOVED if _has_table(raw, log, table)]
    raw.execute("BEGIN IMMEDIATE")
    for table in moving:
        _copy(raw, table, log, "main")
    raw.execute("COMMIT")
    raw.execute("BEGIN IMMEDIATE")
    for table in moving:
        raw.execute(f"DROP TABLE {log}.{table}")
    raw.execute("COMMIT")
    if _has_table(raw, log, "log_counters"):  # added up: a crash between these two commits would count twice
        raw.execute("BEGIN IMMEDIATE")
        raw.execute(
            f"INSERT INTO main.counters (scope, name, value) SELECT scope, name, value FROM {log}.log_counters "
            "WHERE true ON CONFLICT (scope, name) DO UPDATE SET value = counters.value + excluded.value"
        )
        raw.execute("COMMIT")
        raw.execute(f"DROP TABLE {log}.log_counters")


def _log_file_connection() -> sqlite3.Connection | None:
    """The migration's own driver connection with the log file attached read-write (SQLite with a file only), out
    of any transaction: each step below commits on its own."""
    bind = op.get_bind()
    path = bind.engine.url.database
    if bind.dialect.name != "sqlite" or not path or path == ":memory:":
        return None
    raw = bind.connection.driver_connection
    assert isinstance(raw, sqlite3.Connection)
    if raw.in_transaction:  # what earlier migrations of this run changed
        raw.commit()
    attached = {row[1] for row in raw.execute("PRAGMA database_list")}
    if EVENTLOG_SCHEMA not in attached:
        log_path = eventlog_path(path)
        prepare_log_file(log_path)
        raw.execute(attach_log_sql(log_path, read_only=False))
    return raw


def _has_table(raw: sqlite3.Connection, schema: str, table: str) -> bool:
    query = f"SELECT 1 FROM {schema}.sqlite_master WHERE type = 'table' AND name = ?"
    return raw.execute(query, (table,)).fetchone() is not None


_CREATE = re.compile(r'^CREATE (TABLE|UNIQUE INDEX|INDEX)\s+"?(\w+)"?', re.IGNORECASE)


def _copy(raw: sqlite3.Connection, table: str, source: str, target: str) -> None:
    """`table` from `source` into `target` as it is in `source` (columns, indexes, rows in order, the
    AUTOINCREMENT high-water mark), replacing whatever an interrupted run left in `target`."""
    statements = raw.execute(
        f"SELECT sql FROM {source}.sqlite_master WHERE tbl_name = ? AND sql IS NOT NULL "
        "ORDER BY type = 'index'",  # the table first
        (table,),
    ).fetchall()
    for (sql,) in statements:
        raw.execute(_CREATE.sub(lambda m: f"CREATE {m[1]} IF NOT EXISTS {target}.{m[2]}", sql, count=1))
    columns = ", ".join(f'"{row[1]}"' for row in raw.execute(f"PRAGMA {source}.table_info({table})"))
    key = "seq" if table == "events" else "id"
    raw.execute(f"DELETE FROM {target}.{table}")
    raw.execute(f"INSERT INTO {target}.{table} ({columns}) SELECT {columns} FROM {source}.{table} ORDER BY {key}")
    if _has_table(raw, source, "sqlite_sequence") and _has_table(raw, target, "sqlite_sequence"):
        high = raw.execute(f"SELECT max(seq) FROM {source}.sqlite_sequence WHERE name = ?", (table,)).fetchone()[0]
        if high is not None:
            raw.execute(f"DELETE FROM {target}.sqlite_sequence WHERE name = ?", (table,))
            raw.execute(
                f"INSERT INTO {target}.sqlite_sequence (name, seq) "
                f"SELECT ?, max(?, coalesce((SELECT max({key}) FROM {target}.{table}), 0))",
                (table, high),
            )

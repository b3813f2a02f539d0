"""Persistent counters (scope, name) -> value, incremented inside the caller's transaction."""

from __future__ import annotations

import functools
from collections.abc import Mapping

from sqlalchemy import Connection, Insert, select
from sqlalchemy.dialects import postgresql, sqlite

from segcio.store.tables.core import counters


def increment(conn: Connection, scope: str, deltas: Mapping[str, int]) -> None:
    rows = [{"scope": scope, "name": name, "value": value} for name, value in deltas.items() if value]
    if rows:  # one multi-row statement: executemany would step the database (and let go of the GIL) per row
        conn.execute(_upsert(conn.dialect.name).values(rows))


@functools.cache
def _upsert(dialect_name: str) -> Insert:
    """Built once per dialect: constructing the statement costs more than running it."""
    stmt = (postgresql if dialect_name == "postgresql" else sqlite).insert(counters)
    upsert: Insert = stmt.on_conflict_do_update(
        index_elements=[counters.c.scope, counters.c.name], set_={"value": counters.c.value + stmt.excluded.value}
    )
    return upsert


def read(conn: Connection, scope: str | None = None) -> dict[tuple[str, str], int]:
    query = select(counters.c.scope, counters.c.name, counters.c.value)
    if scope is not None:
        query = query.where(counters.c.scope == scope)
    return {(row.scope, row.name): int(row.value) for row in conn.execute(query)}

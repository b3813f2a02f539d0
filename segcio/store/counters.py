"""Persistent counters (scope, name) -> value, incremented inside the caller's transaction.

Two tables hold them: `counters` in the main database (routing's, per destination) and `log_counters` beside
the event log (ingest's, per source; segcio/eventlog/writes.py). Readers see the sum (`totals`).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping

from sqlalchemy import Connection, Insert, Subquery, Table, func, select, union_all
from sqlalchemy.dialects import postgresql, sqlite

from segcio.store.tables.core import counters, log_counters


def increment(conn: Connection, scope: str, deltas: Mapping[str, int], table: Table = counters) -> None:
    """Add to the counters of `table` (`counters`, or ingest's `log_counters`) inside the caller's transaction."""
    rows = [{"scope": scope, "name": name, "value": value} for name, value in deltas.items() if value]
    if rows:  # one multi-row statement: executemany would step the database (and let go of the GIL) per row
        conn.execute(_upsert(conn.dialect.name, table).values(rows))


@functools.cache
def _upsert(dialect_name: str, table: Table) -> Insert:
    """Built once per dialect and table: constructing the statement costs more than running it."""
    stmt = (postgresql if dialect_name == "postgresql" else sqlite).insert(table)
    upsert: Insert = stmt.on_conflict_do_update(
        index_elements=[table.c.scope, table.c.name], set_={"value": table.c.value + stmt.excluded.value}
    )
    return upsert


def totals() -> Subquery:
    """Every counter, (scope, name, value), summed over both tables."""
    both = union_all(
        select(counters.c.scope, counters.c.name, counters.c.value),
        select(log_counters.c.scope, log_counters.c.name, log_counters.c.value),
    ).subquery()
    return (
        select(both.c.scope, both.c.name, func.sum(both.c.value).label("value"))
        .group_by(both.c.scope, both.c.name)
        .subquery("counter_totals")
    )


def read(conn: Connection, scope: str | None = None) -> dict[tuple[str, str], int]:
    total = totals()
    query = select(total.c.scope, total.c.name, total.c.value)
    if scope is not None:
        query = query.where(total.c.scope == scope)
    return {(row.scope, row.name): int(row.value) for row in conn.execute(query)}

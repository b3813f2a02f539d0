"""Read-only counts over the delivery tables (the delivery area's functions do the rest)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection

from segcio.store.tables.delivery import dead_letters, delivery_log, outbox

FAILED_OUTCOMES = ("partial", "retry", "dead_letter", "dropped", "parked")


def _count(conn: Connection, table: sa.Table, destination_id: int | None, *where: Any) -> int:
    query = sa.select(sa.func.count()).select_from(table).where(*where)
    if destination_id is not None:
        query = query.where(table.c.destination_id == destination_id)
    return int(conn.execute(query).scalar() or 0)


def summary(conn: Connection, destination_id: int | None = None) -> dict[str, int]:
    """Requests waiting in the outbox, failures still in the (bounded) delivery log, dead letters."""
    return {
        "pending": _count(conn, outbox, destination_id),
        "failed": _count(conn, delivery_log, destination_id, delivery_log.c.outcome.in_(FAILED_OUTCOMES)),
        "dead": _count(conn, dead_letters, destination_id),
    }

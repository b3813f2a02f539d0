"""Partition leases: which worker processes which (destination, log partition), and for how long.

A claim is one conditional UPDATE (atomic on SQLite and PostgreSQL); a worker that stops renewing loses its
partitions when the lease runs out and another worker takes them over. Each worker aims at a fair share.
"""

from __future__ import annotations

import math
import time

from sqlalchemy import Connection, and_, delete, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from segcio.eventlog.partitions import PARTITIONS
from segcio.store.tables.core import destinations
from segcio.store.tables.routing import cursors, routing_workers

LEASE_SECONDS = 15.0


def ensure_cursors(conn: Connection, destination_ids: list[int]) -> None:
    """One cursor row per (destination, partition), created at position 0."""
    rows = [
        {"destination_id": d, "partition": p, "position": 0, "owner": None, "lease_until": 0.0}
        for d in destination_ids
        for p in range(PARTITIONS)
    ]
    if rows:
        dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
        conn.execute(dialect.insert(cursors).on_conflict_do_nothing(), rows)


def rebalance(
    conn: Connection, owner: str, destination_ids: list[int], now: float | None = None
) -> set[tuple[int, int]]:
    """Renew this worker's leases, take free or expired ones up to a fair share, release any excess."""
    now = time.time() if now is None else now
    scope = cursors.c.destination_id.in_(destination_ids)
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    beat = dialect.insert(routing_workers).values(owner=owner, heartbeat=now)
    conn.execute(beat.on_conflict_do_update(index_elements=[routing_workers.c.owner], set_={"heartbeat": now}))
    conn.execute(delete(routing_workers).where(routing_workers.c.heartbeat < now - 10 * LEASE_SECONDS))
    live = conn.execute(
        select(func.count()).select_from(routing_workers).where(routing_workers.c.heartbeat >= now - LEASE_SECONDS)
    ).scalar_one()
    share = math.ceil(len(destination_ids) * PARTITIONS / max(live, 1))
    conn.execute(
        update(cursors)
        .where(scope, cursors.c.owner == owner, cursors.c.lease_until >= now)
        .values(lease_until=now + LEASE_SECONDS)
    )
    held = _held(conn, owner, destination_ids, now)
    if len(held) > share:
        for destination_id, partition in sorted(held)[share:]:
            conn.execute(
                update(cursors)
                .where(
                    cursors.c.destination_id == destination_id,
                    cursors.c.partition == partition,
                    cursors.c.owner == owner,
                )
                .values(owner=None, lease_until=0.0)
            )
    elif len(held) < share:
        free = conn.execute(
            select(cursors.c.destination_id, cursors.c.partition)
            .where(scope, or_(cursors.c.owner.is_(None), cursors.c.lease_until < now))
            .order_by(cursors.c.destination_id, cursors.c.partition)
            .limit(share - len(held))
        ).all()
        for row in free:
            conn.execute(
                update(cursors)
                .where(
                    cursors.c.destination_id == row.destination_id,
                    cursors.c.partition == row.partition,
                    or_(cursors.c.owner.is_(None), cursors.c.lease_until < now),
                )
                .values(owner=owner, lease_until=now + LEASE_SECONDS)
            )
    return _held(conn, owner, destination_ids, now)


def _held(conn: Connection, owner: str, destination_ids: list[int], now: float) -> set[tuple[int, int]]:
    rows = conn.execute(
        select(cursors.c.destination_id, cursors.c.partition).where(
            and_(cursors.c.destination_id.in_(destination_ids), cursors.c.owner == owner, cursors.c.lease_until >= now)
        )
    ).all()
    return {(row.destination_id, row.partition) for row in rows}


def fence(conn: Connection, owner: str, destination_id: int, now: float | None = None) -> dict[int, int]:
    """Inside a processing transaction: confirm (and extend) this worker's leases of a destination.

    Returns partition -> position for the partitions still held. On PostgreSQL the UPDATE also locks those
    rows until commit, so no other worker can take a partition while it is being processed.
    """
    now = time.time() if now is None else now
    # A destination turned off stops here at once, not when this worker next reloads its destinations.
    enabled = select(destinations.c.id).where(destinations.c.id == destination_id, destinations.c.enabled.is_(True))
    rows = conn.execute(
        update(cursors)
        .where(
            cursors.c.destination_id == destination_id,
            cursors.c.destination_id.in_(enabled),
            cursors.c.owner == owner,
            cursors.c.lease_until >= now,
        )
        .values(lease_until=now + LEASE_SECONDS)
        .returning(cursors.c.partition, cursors.c.position)
    ).all()
    return {row.partition: int(row.position) for row in rows}


def advance(conn: Connection, destination_id: int, positions: dict[int, int]) -> None:
    """Move cursors forward only: a destination turned off and on again while a batch of it was in flight has
    been moved to the end of the log, and that batch must not pull it back."""
    by_position: dict[int, list[int]] = {}
    for partition, position in positions.items():
        by_position.setdefault(position, []).append(partition)
    for position, partitions in by_position.items():
        conn.execute(
            update(cursors)
            .where(
                cursors.c.destination_id == destination_id,
                cursors.c.partition.in_(partitions),
                cursors.c.position < position,
            )
            .values(position=position)
        )

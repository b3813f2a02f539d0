"""One sender per destination at a time, across processes (SQLite and PostgreSQL), through a lease row."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from segcio.store import Database
from segcio.store.tables.delivery import delivery_leases as leases


def take_lease(db: Database, destination_id: int, owner: str, seconds: float, now: float) -> bool:
    """Take or renew the lease; False when another live sender holds it."""
    with db.begin() as conn:
        renewed = conn.execute(
            leases.update()
            .where(
                leases.c.destination_id == destination_id,
                sa.or_(leases.c.owner == owner, leases.c.expires_at < now),
            )
            .values(owner=owner, expires_at=now + seconds)
        ).rowcount
        if renewed:
            return True
        exists = conn.execute(sa.select(leases.c.owner).where(leases.c.destination_id == destination_id)).first()
        if exists is not None:
            return False
        try:
            with conn.begin_nested():
                conn.execute(
                    leases.insert().values(destination_id=destination_id, owner=owner, expires_at=now + seconds)
                )
        except IntegrityError:
            return False  # another process inserted it first
        return True


def release_lease(db: Database, destination_id: int, owner: str) -> None:
    with db.begin() as conn:
        conn.execute(leases.delete().where(leases.c.destination_id == destination_id, leases.c.owner == owner))

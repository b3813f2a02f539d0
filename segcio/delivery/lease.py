"""One sender per destination at a time, across processes (SQLite and PostgreSQL), through a lease row.

The holder renews its lease while it works (rounds included), so a lease outlives its holder by at most its
length: the pipeline gives senders the routing lease's length, and a killed process's sending is taken over as
soon as its routing is. A round's outcomes are recorded only under the lease (`hold_lease`), so a sender that
lost its lease mid-round leaves its rows to the new holder instead of overwriting what that one records.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy import Connection
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


def hold_lease(conn: Connection, destination_id: int, owner: str, seconds: float, now: float) -> bool:
    """Inside the transaction that records a round: True (and the lease renewed) if `owner` still holds it.

    A lease that ran out but was not taken by anyone is still this owner's: nobody else sent in the meantime.
    On PostgreSQL the UPDATE locks the lease row until commit, so no one takes it while the round is recorded.
    """
    return bool(
        conn.execute(
            leases.update()
            .where(leases.c.destination_id == destination_id, leases.c.owner == owner)
            .values(expires_at=now + seconds)
        ).rowcount
    )


def release_lease(db: Database, destination_id: int, owner: str) -> None:
    with db.begin() as conn:
        conn.execute(leases.delete().where(leases.c.destination_id == destination_id, leases.c.owner == owner))

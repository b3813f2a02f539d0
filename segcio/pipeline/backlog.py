"""How many events are not yet fully delivered, and the ingestion backpressure that follows from it."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import operator
import time

from sqlalchemy import Connection, func, select

from segcio.eventlog.partitions import PARTITIONS
from segcio.store import Database
from segcio.store.tables.core import destinations, events
from segcio.store.tables.routing import cursors

log = logging.getLogger(__name__)


def routed_positions(conn: Connection) -> list[int] | None:
    """Per partition, the position every enabled destination has routed up to; None when none is enabled."""
    enabled = [row.id for row in conn.execute(select(destinations.c.id).where(destinations.c.enabled.is_(True)))]
    if not enabled:
        return None
    positions: dict[tuple[int, int], int] = {
        (row.destination_id, row.partition): int(row.position)
        for row in conn.execute(
            select(cursors.c.destination_id, cursors.c.partition, cursors.c.position).where(
                cursors.c.destination_id.in_(enabled)
            )
        )
    }
    return [min(positions.get((d, p), 0) for d in enabled) for p in range(PARTITIONS)]


def event_backlog(conn: Connection) -> int:
    """Events that at least one enabled destination has not processed yet."""
    lowest = routed_positions(conn)
    if lowest is None:
        return 0
    # One count per partition, added up. A single count over "partition = p AND seq > low OR ..." makes SQLite
    # gather the row ids of every matching event in memory first (70 MB for 3 million) and runs 10x slower.
    per_partition = [
        select(func.count()).select_from(events).where(events.c.partition == p, events.c.seq > low).scalar_subquery()
        for p, low in enumerate(lowest)
    ]
    return int(conn.execute(select(functools.reduce(operator.add, per_partition))).scalar_one())


class Backpressure:
    """Tracks the backlog in the background; ingestion asks it whether to answer 429."""

    INTERVAL = 1.0
    COST_RATIO = 20

    def __init__(self, db: Database, max_backlog: int) -> None:
        self._db = db
        self._max = max_backlog
        self.backlog = 0
        self._task: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()

    def refresh(self) -> int:
        """Events not yet routed by every destination, plus requests still waiting in the remote outbox."""
        from segcio.delivery.outbox import backlog as outbox_backlog

        with self._db.connect() as conn:
            events_behind = event_backlog(conn)
        self.backlog = events_behind + outbox_backlog(self._db).pending
        return self.backlog

    def retry_after(self) -> int | None:
        """Seconds a client should wait, when the log is over its bound; None otherwise."""
        return 5 if self.backlog > self._max else None

    async def _loop(self, stopping: asyncio.Event) -> None:
        while not stopping.is_set():
            started = time.monotonic()
            try:
                await asyncio.to_thread(self.refresh)
            except Exception:
                log.exception("backlog refresh failed")
            # Counting a long backlog takes a while: keep the counting under about 5% of one core.
            pause = max(self.INTERVAL, (time.monotonic() - started) * self.COST_RATIO)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stopping.wait(), pause)

    def start(self) -> None:
        self._stopping = asyncio.Event()
        self._task = asyncio.get_running_loop().create_task(self._loop(self._stopping))

    async def stop(self) -> None:
        """Stop after the count in progress, if any: cancelling would leave its thread running, and the thread
        would return its connection to a pool the caller is about to close."""
        if self._task is not None:
            self._stopping.set()
            await self._task
            self._task = None

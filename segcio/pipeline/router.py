"""The router: each destination reads the event log in order from its own cursor and delivers what it produces.

One transaction per destination and step: confirm the leases, read new events of the held partitions, run the
destination, deliver (apply to the local workspace, or write the remote outbox) and advance the cursors.
Delivery and cursor commit together, so after a crash nothing is applied twice and nothing is skipped. An event
that raises is parked in the destination's failed state in that same transaction, and the rest go on
(see `isolation`).
"""

from __future__ import annotations

import socket
import time
import uuid

from sqlalchemy import Connection, delete, update

from segcio.delivery.log import prune as prune_log
from segcio.eventlog.reads import next_events
from segcio.pipeline import isolation, leases
from segcio.pipeline.destinations import Destination, DestinationCache
from segcio.pipeline.logged import LoggedEvent
from segcio.store import Database
from segcio.store.tables.routing import cursors, routing_workers

# Events per routing transaction, adapted to how long the transaction takes (BatchSize). Measured with
# benchmarks/routing_batch.py (docs/benchmarks.md, "Routing batch size"): a transaction has a fixed cost (leases,
# cursors, the commit) that 250 events did not cover, and beyond about 2,000 events SQLite routes no faster; the
# time budget bounds how long ingestion waits for the write lock while routing holds it.
READ_LIMIT = 250
MIN_READ_LIMIT = 250
MAX_READ_LIMIT = 2000
TRANSACTION_BUDGET_SECONDS = 0.25
DELIVERY_LOG_KEEP = 10_000  # newest delivery-log rows kept per destination
PRUNE_EVERY = 50


class BatchSize:
    """The next batch's size: doubled after a full batch that took under half the budget, halved after one
    over the budget, within [MIN_READ_LIMIT, MAX_READ_LIMIT]. Only full batches count: a shorter one says
    nothing about what a full one would cost."""

    def __init__(self) -> None:
        self.limit = READ_LIMIT

    def observe(self, read: int, seconds: float) -> None:
        if read < self.limit:
            return
        if seconds < TRANSACTION_BUDGET_SECONDS / 2:
            self.limit = min(MAX_READ_LIMIT, self.limit * 2)
        elif seconds > TRANSACTION_BUDGET_SECONDS:
            self.limit = max(MIN_READ_LIMIT, self.limit // 2)


class Router:
    """One worker's share of the routing work (all of it when it is the only worker)."""

    REBALANCE_EVERY = 2.0

    def __init__(self, db: Database, owner: str | None = None) -> None:
        self.db = db
        self.owner = owner or f"{socket.gethostname()}:{uuid.uuid4().hex[:8]}"
        self.cache = DestinationCache()
        self.destinations: list[Destination] = []
        self.held: set[tuple[int, int]] = set()
        self._rebalanced_at = 0.0
        self._steps = 0
        self.batch = BatchSize()

    def step(self) -> int:
        """Process what is ready; returns how many events were routed (0 when idle)."""
        now = time.monotonic()
        if now - self._rebalanced_at > self.REBALANCE_EVERY or not self.destinations:
            self._rebalance()
            self._rebalanced_at = now
        routed = 0
        for destination in self.destinations:
            if any(d == destination.id for d, _ in self.held):
                routed += self._route(destination)
        return routed

    def _rebalance(self) -> None:
        with self.db.begin() as conn:
            self.destinations = self.cache.load(conn)
            ids = [d.id for d in self.destinations]
            leases.ensure_cursors(conn, ids)
            self.held = leases.rebalance(conn, self.owner, ids) if ids else set()

    def release(self) -> None:
        """Give up every lease (clean shutdown), so other workers can continue at once."""
        with self.db.begin() as conn:
            conn.execute(update(cursors).where(cursors.c.owner == self.owner).values(owner=None, lease_until=0.0))
            conn.execute(delete(routing_workers).where(routing_workers.c.owner == self.owner))
        self.held = set()

    def _route(self, destination: Destination) -> int:
        started = time.monotonic()
        limit = self.batch.limit
        with self.db.begin() as conn:
            positions = leases.fence(conn, self.owner, destination.id)
            if not positions:
                self.held = {h for h in self.held if h[0] != destination.id}
                return 0
            batch, read, read_up_to = self._read(conn, destination, positions, limit)
            if not read_up_to:
                return 0
            for item in batch:
                isolation.process(destination, item)
            failures = isolation.deliver_isolated(conn, self.db, destination, batch) if batch else []
            isolation.park(conn, destination, failures)
            leases.advance(conn, destination.id, read_up_to)
            self._steps += 1
            if self._steps % PRUNE_EVERY == 0:
                prune_log(conn, destination.id, DELIVERY_LOG_KEEP)
        self.batch.observe(read, time.monotonic() - started)
        for item in failures:
            isolation.log_failure(destination.id, item, item.failure or "failed")
        return len(batch) or 1  # passing over other sources' events is progress too: not idle

    def _read(
        self, conn: Connection, destination: Destination, positions: dict[int, int], limit: int
    ) -> tuple[list[LoggedEvent], int, dict[int, int]]:
        """The next (at most `limit`) events of the destination's source, how many rows were read, and the position
        each partition was read up to (events of other sources in between are passed over)."""
        rows = next_events(conn, positions, limit)
        # The rows are the lowest seqs after every held partition's position, and the log makes seqs visible in
        # order: no event of these partitions up to the last seq read is left behind, so each may move there. They
        # then share one position, and the next read is one range of the log.
        read_up_to = dict.fromkeys(positions, int(rows[-1].seq)) if rows else {}
        batch = [
            isolation.read(int(row.seq), row.partition, row.message_id, row.body)
            for row in rows
            if row.source_id == destination.source_id
        ]
        return batch, len(rows), read_up_to

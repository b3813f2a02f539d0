"""The group-commit writer: many concurrent requests share one transaction (and one fsync).

A request is acknowledged only after the transaction holding its events has committed.
"""

from __future__ import annotations

import asyncio
import functools
import itertools
import logging
import queue
import threading
import time
import zlib
from collections import Counter
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, insert
from sqlalchemy.dialects import postgresql

from segcio import metrics
from segcio.store import Database
from segcio.store.counters import increment
from segcio.store.tables.core import events, rejected_events

log = logging.getLogger(__name__)

PARTITIONS = 64
EVENT_COLUMNS = ("source_id", "message_id", "type", "user_id", "anonymous_id", "partition", "received_at", "body")
# One event as stored, in EVENT_COLUMNS order.
EventRow = tuple[int, str, str, str | None, str | None, int, float, str]
# Rows per INSERT statement on SQLite (8 parameters each; SQLite allows 32,766 per statement).
ROWS_PER_STATEMENT = 2500
MAX_GROUP_EVENTS = 20_000


@functools.lru_cache(maxsize=64)
def sqlite_insert(rows: int) -> str:
    """A multi-row INSERT: the driver releases the GIL once per statement rather than once per row, so the
    writer thread does not queue behind the request handlers for every event it stores."""
    values = ",".join(["(" + ",".join("?" * len(EVENT_COLUMNS)) + ")"] * rows)
    return f"INSERT INTO events ({', '.join(EVENT_COLUMNS)}) VALUES {values} ON CONFLICT DO NOTHING"


def partition_of(message: dict[str, Any]) -> int:
    """The log partition of a message: one person's events (keyed by anonymousId, else userId) share one."""
    key = message.get("anonymousId") or message.get("userId") or ""
    return zlib.crc32(str(key).encode()) % PARTITIONS


@dataclass
class Rejected:
    code: str
    reason: str
    body: str


@dataclass
class WriteRequest:
    source_id: int | None
    rows: list[EventRow]
    rejected: list[Rejected] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)
    future: Future[None] = field(default_factory=Future)


class EventWriter:
    """A thread that commits queued write requests in groups."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._queue: queue.Queue[WriteRequest | None] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="segcio-ingest-writer", daemon=True)
        # RETURNING counts what was new (executemany rowcount is not reliable on psycopg).
        self._insert = postgresql.insert(events).on_conflict_do_nothing().returning(events.c.seq)
        self._started = False

    def start(self) -> None:
        if not self._started:
            self._started = True
            self._thread.start()

    def stop(self) -> None:
        if self._started:
            self._queue.put(None)
            self._thread.join(timeout=30)
            self._started = False

    async def write(self, request: WriteRequest) -> None:
        """Queue a request and wait until it is durably committed (a known messageId is counted, not stored)."""
        self._queue.put(request)
        return await asyncio.wrap_future(request.future)

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            group = [first]
            size = len(first.rows)
            while size < MAX_GROUP_EVENTS:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is None:
                    self._queue.put(None)
                    break
                group.append(item)
                size += len(item.rows)
            self._commit(group)

    def _commit(self, group: list[WriteRequest]) -> None:
        try:
            with self._db.begin() as conn:
                counts = self._store(conn, group)
                for scope, deltas in counts.items():
                    increment(conn, scope, deltas)
        except Exception as exc:  # the clients get 503 and retry; nothing was acknowledged
            log.exception("ingest commit failed")
            for request in group:
                request.future.set_exception(exc)
            return
        for deltas in counts.values():
            metrics.ingest_messages.labels("accepted").inc(deltas["accepted"])
            metrics.ingest_messages.labels("deduplicated").inc(deltas["deduplicated"])
        for request in group:
            request.future.set_result(None)

    def _store(self, conn: Connection, group: list[WriteRequest]) -> dict[str, Counter[str]]:
        """Store the group's events (one insert per source, not per request) and rejections; returns the
        counter deltas by scope."""
        counts: dict[str, Counter[str]] = {}
        rows_by_scope: dict[str, list[EventRow]] = {}
        rejected: list[dict[str, Any]] = []
        for request in group:
            scope = f"source:{request.source_id}" if request.source_id is not None else "ingest"
            counts.setdefault(scope, Counter()).update(request.counts)
            rows_by_scope.setdefault(scope, []).extend(request.rows)
            rejected.extend(
                {
                    "source_id": request.source_id,
                    "received_at": time.time(),
                    "code": r.code,
                    "reason": r.reason,
                    "body": r.body,
                }
                for r in request.rejected
            )
        for scope, rows in rows_by_scope.items():
            if rows:
                stored = self._insert_events(conn, rows)
                counts[scope]["accepted"] += stored
                counts[scope]["deduplicated"] += len(rows) - stored
        if rejected:
            conn.execute(insert(rejected_events), rejected)
        return counts

    def _insert_events(self, conn: Connection, rows: list[EventRow]) -> int:
        """Insert new events (a known (source, messageId) is skipped); returns how many were new."""
        if not self._db.is_sqlite:
            return len(conn.execute(self._insert, [dict(zip(EVENT_COLUMNS, row, strict=True)) for row in rows]).all())
        raw = conn.connection.driver_connection
        assert raw is not None
        before = raw.total_changes
        for start in range(0, len(rows), ROWS_PER_STATEMENT):
            chunk = rows[start : start + ROWS_PER_STATEMENT]
            raw.execute(sqlite_insert(len(chunk)), list(itertools.chain.from_iterable(chunk)))
        return int(raw.total_changes - before)

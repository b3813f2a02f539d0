"""The group-commit writer: many concurrent requests share one transaction (and one fsync).

A request is acknowledged only after the transaction holding its events has committed.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
import time
from collections import Counter
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, insert

from segcio import metrics
from segcio.eventlog.append import EventLog, EventRow
from segcio.eventlog.writes import count
from segcio.ingest.rejections import Rejections
from segcio.store.tables.core import rejected_events

log = logging.getLogger(__name__)

MAX_GROUP_EVENTS = 20_000


@dataclass
class WriteRequest:
    source_id: int | None
    rows: list[EventRow]
    rejected: Rejections = field(default_factory=Rejections)
    counts: Counter[str] = field(default_factory=Counter)
    future: Future[None] = field(default_factory=Future)


class EventWriter:
    """A thread that commits queued write requests in groups."""

    def __init__(self, event_log: EventLog) -> None:
        self.event_log = event_log
        self._queue: queue.Queue[WriteRequest | None] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="segcio-ingest-writer", daemon=True)
        self._started = False

    def start(self) -> None:
        if not self._started:
            self.event_log.open()
            self._started = True
            self._thread.start()

    def stop(self) -> None:
        if self._started:
            self._queue.put(None)
            self._thread.join(timeout=30)
            self._started = False
            self.event_log.close()

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
        started = time.perf_counter()
        try:
            with self.event_log.transaction() as conn:
                counts = self._store(conn, group)
                for scope, deltas in counts.items():
                    count(conn, scope, deltas)
                inserted = time.perf_counter()
        except Exception as exc:
            self.event_log.rolled_back()
            if len(group) > 1:
                # Messages are checked before they are queued, so this should be the storage failing; should one
                # request still be at fault, committing each alone keeps the others from sharing its failure.
                log.warning("ingest commit of %d requests failed (%s); committing each alone", len(group), exc)
                for request in group:
                    self._commit([request])
                return
            log.exception("ingest commit failed")  # the client gets 503 and retries; nothing was acknowledged
            group[0].future.set_exception(exc)
            return
        committed = time.perf_counter()
        self.event_log.committed()
        _observe(group, started, inserted, committed)
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
            rejected.extend(request.rejected.rows(request.source_id, time.time()))
        for scope, rows in rows_by_scope.items():
            if rows:
                stored = self.event_log.append(conn, rows)
                counts[scope]["accepted"] += stored
                counts[scope]["deduplicated"] += len(rows) - stored
        if rejected:
            conn.execute(insert(rejected_events), rejected)
        return counts


def _observe(group: list[WriteRequest], started: float, inserted: float, committed: float) -> None:
    metrics.ingest_writer.labels("insert").observe(inserted - started)
    metrics.ingest_writer.labels("commit").observe(committed - inserted)
    metrics.ingest_writer.labels("checkpoint").observe(time.perf_counter() - committed)
    metrics.ingest_group_events.observe(sum(len(request.rows) for request in group))

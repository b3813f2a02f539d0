"""Retention: old events that every enabled destination has routed are deleted, old rejections too, and the
workspaces' anonymous events past their retention.

The log is append-only, so its oldest events come first in seq order: a sweep reads the log from its start in
chunks and ends at the first chunk that reaches the cutoff. An event some enabled destination has not routed yet is
kept, however old (nothing accepted is lost); with no destination enabled, age alone decides. A pass reads at most
CHUNKS_PER_PASS chunks and the next pass resumes after it, so a long sweep never holds the worker for long.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from sqlalchemy import Connection, select, text

from segcio import metrics
from segcio.eventlog import writes as eventlog
from segcio.eventlog.reads import oldest
from segcio.pipeline.backlog import routed_positions
from segcio.store import Database
from segcio.store.tables.core import workspaces
from segcio.workspace.engine import Workspace

log = logging.getLogger(__name__)

CHUNK = 5000  # rows per delete transaction: short, so that ingestion never waits long for SQLite's write lock
CHUNKS_PER_PASS = 10  # a pass of up to 50,000 rows holds the routing worker for about 0.3 s
# Any fixed number: on PostgreSQL one worker prunes at a time (the others skip the pass).
PRUNE_LOCK_KEY = 7_210_331_458


@dataclass
class PruneResult:
    events: int = 0
    rejected: int = 0
    resume_after: int | None = None  # the pass stopped at its chunk limit: the next one starts after this seq


def prune(db: Database, keep_seconds: float, now: float | None = None, start_after: int = 0) -> PruneResult:
    """One pass: delete events and rejections received more than `keep_seconds` ago (events only once routed)."""
    cutoff = (time.time() if now is None else now) - keep_seconds
    result = PruneResult()
    after = start_after
    for _ in range(CHUNKS_PER_PASS):
        # The log's own write transaction; the cursors are read beside it. A cursor only moves forward, so an event
        # seen routed here stays routed until it is deleted.
        with eventlog.transaction(db) as log_conn:
            if not _prune_lock(log_conn):
                return result
            with eventlog.reading(db, log_conn) as conn:
                routed = routed_positions(conn)
                rows = oldest(conn, after, CHUNK)
            doomed = [
                row.seq
                for row in rows
                if row.received_at < cutoff and (routed is None or row.seq <= routed[row.partition])
            ]
            eventlog.delete_seqs(log_conn, doomed)
            result.events += len(doomed)
        if len(rows) < CHUNK or rows[-1].received_at >= cutoff:
            break
        after = rows[-1].seq
    else:
        result.resume_after = after
    result.rejected = _prune_rejected(db, cutoff)
    metrics.log_pruned.labels("events").inc(result.events)
    metrics.log_pruned.labels("rejected").inc(result.rejected)
    if result.events or result.rejected:
        log.info("event log retention: deleted %d events and %d rejections", result.events, result.rejected)
    return result


def _prune_rejected(db: Database, cutoff: float) -> int:
    deleted = 0
    for _ in range(CHUNKS_PER_PASS):
        with eventlog.transaction(db) as conn:
            chunk = eventlog.prune_rejected(conn, cutoff, CHUNK)
        deleted += chunk
        if chunk < CHUNK:
            break
    return deleted


def _prune_lock(conn: Connection) -> bool:
    if conn.dialect.name != "postgresql":
        return True  # SQLite: one process routes
    return bool(conn.execute(text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": PRUNE_LOCK_KEY}).scalar())


def expire_anonymous(db: Database, now: float | None = None) -> tuple[int, int]:
    """Every workspace's anonymous events and held group calls past `anonymous_retention_days` (they can no longer
    join a person), in transactions of at most CHUNK rows of each; (events, held) counts."""
    with db.connect() as conn:
        workspace_ids = conn.execute(select(workspaces.c.id)).scalars().all()
    events_deleted = held_deleted = 0
    for workspace_id in workspace_ids:
        workspace = Workspace(db, workspace_id)
        for _ in range(CHUNKS_PER_PASS):
            deleted_events, deleted_held = workspace.expire_anonymous(now=now, limit=CHUNK)
            events_deleted += deleted_events
            held_deleted += deleted_held
            if deleted_events < CHUNK and deleted_held < CHUNK:
                break
    metrics.log_pruned.labels("anonymous_events").inc(events_deleted)
    metrics.log_pruned.labels("held_relationships").inc(held_deleted)
    return events_deleted, held_deleted


class Pruner:
    """For the routing worker: a retention pass every INTERVAL seconds (every SOON seconds while passes delete whole
    chunks), and the workspaces' anonymous expiry every ANONYMOUS_INTERVAL seconds."""

    INTERVAL = 60.0
    SOON = 1.0
    ANONYMOUS_INTERVAL = 3600.0

    def __init__(self, db: Database, keep_seconds: float | None) -> None:
        self._db = db
        self.keep_seconds = keep_seconds
        self._next = 0.0
        self._next_anonymous = 0.0
        self._resume_after = 0

    def maybe_prune(self, now: float | None = None) -> PruneResult | None:
        now = time.monotonic() if now is None else now
        if now >= self._next_anonymous:
            self._next_anonymous = now + self.ANONYMOUS_INTERVAL
            try:
                expire_anonymous(self._db)
            except Exception:
                log.exception("anonymous expiry failed; retrying later")
        if self.keep_seconds is None or now < self._next:
            return None
        try:
            result = prune(self._db, self.keep_seconds, start_after=self._resume_after)
        except Exception:
            log.exception("event log retention pass failed; retrying later")
            self._next = now + self.INTERVAL
            return None
        self._resume_after = result.resume_after or 0
        # A sweep through events nobody may delete yet (a destination far behind) goes on at the usual pace.
        busy = result.resume_after is not None and result.events > 0
        self._next = now + (self.SOON if busy else self.INTERVAL)
        return result

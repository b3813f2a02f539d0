"""The log's writers other than the ingest appender: retention's pruning, a regulation deleting a person's events
and appending its delete messages, and ingest's counters.

On SQLite with a file, each write is a short transaction of its own on the log file (`transaction`), never inside a
transaction of the main file; ordering and idempotence keep that safe (docs/architecture.md, "Transaction
boundaries"). Elsewhere the log shares the database, and a write joins the caller's transaction when there is one.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, delete, insert, select, text

from segcio.store import Database, counters
from segcio.store.tables.core import events, log_counters, rejected_events

# Any fixed number, the same in every process that appends to a PostgreSQL log.
APPEND_LOCK_KEY = 7_210_331_457


def lock_appends(conn: Connection) -> None:
    """Hold the log's append lock until the caller's transaction ends (PostgreSQL; SQLite has one writer at a time
    anyway). Transactions then commit in the order they drew their sequence numbers: without it, a router that read
    up to seq N could later see a smaller seq appear, from a transaction that committed after it, and skip it."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": APPEND_LOCK_KEY})


@contextmanager
def transaction(db: Database, within: Connection | None = None) -> Iterator[Connection]:
    """A write transaction on the log, committed on success. `within`: the caller's open transaction on the main
    database, joined when the log shares that database; on SQLite with a file the log's transaction is separate
    and commits first (the caller's commits after it, or not at all)."""
    if within is not None and not db.log_is_separate:
        yield within
        return
    with db.begin_log() as conn:
        yield conn


@contextmanager
def reading(db: Database, log_conn: Connection) -> Iterator[Connection]:
    """A connection that sees the log and the main database beside the log's write transaction `log_conn`."""
    if not db.log_is_separate:
        yield log_conn
        return
    with db.connect() as conn:
        yield conn


def append(conn: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
    """Append events given as column dicts (a regulation's delete messages), in the log's write transaction."""
    if rows:
        lock_appends(conn)
        conn.execute(insert(events), list(rows))


def delete_seqs(conn: Connection, seqs: Sequence[int]) -> None:
    if seqs:
        conn.execute(delete(events).where(events.c.seq.in_(seqs)))


def delete_people(conn: Connection, user_ids: Sequence[str]) -> None:
    """Every logged event of these userIds."""
    conn.execute(delete(events).where(events.c.user_id.in_(user_ids)))


def prune_rejected(conn: Connection, cutoff: float, limit: int) -> int:
    """Delete up to `limit` rejections received before `cutoff`; returns how many."""
    ids = (
        conn.execute(select(rejected_events.c.id).where(rejected_events.c.received_at < cutoff).limit(limit))
        .scalars()
        .all()
    )
    if ids:
        conn.execute(delete(rejected_events).where(rejected_events.c.id.in_(ids)))
    return len(ids)


def count(conn: Connection, scope: str, deltas: Mapping[str, int]) -> None:
    """Add to ingest's counters (`log_counters`, in the log's database) inside the log's write transaction;
    `segcio.store.counters` reads them summed with the main database's counters."""
    counters.increment(conn, scope, deltas, log_counters)

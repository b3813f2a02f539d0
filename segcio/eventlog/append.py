"""Appending events to the durable log (the ingest writer's side), skipping a (source, messageId) the log already
holds.

PostgreSQL: a unique index is the authority, shared by every process (INSERT ... ON CONFLICT DO NOTHING).
SQLite: one process appends (a lock file makes a second one fail at start), and the ids of the dedupe window
are remembered in memory (see dedupe.py), so the log needs no index keyed by random message ids.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import itertools
import os
import time
from array import array
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Protocol

from sqlalchemy import Connection
from sqlalchemy.dialects import postgresql

from segcio import metrics
from segcio.eventlog.dedupe import DEFAULT_CAPACITY, RecentMessageIds
from segcio.eventlog.writes import lock_appends
from segcio.store import Database
from segcio.store.checkpoint import WalCheckpointer
from segcio.store.db import open_private
from segcio.store.tables.core import events

EVENT_COLUMNS = ("source_id", "message_id", "type", "user_id", "anonymous_id", "partition", "received_at", "body")
# One event as stored, in EVENT_COLUMNS order.
EventRow = tuple[int, str, str, str | None, str | None, int, float, str]
# Rows per INSERT statement on SQLite: a group is stored in statements of 512 rows, then of the powers of two
# that make up the rest. The driver caches every statement it prepared (128 per connection) and a prepared
# statement grows with its rows, so a few fixed sizes keep that cache to about a megabyte where one statement
# per group size filled hundreds.
ROWS_PER_STATEMENT = 512
WRITER_CACHE_KIB = 2048


class EventLog(Protocol):
    def open(self) -> None: ...

    def transaction(self) -> contextlib.AbstractContextManager[Connection]:
        """A write transaction of the appender, committed on success."""
        ...

    def append(self, conn: Connection, rows: list[EventRow]) -> int:
        """Insert the rows not already in the log (inside the caller's transaction); returns how many."""
        ...

    def committed(self) -> None: ...

    def rolled_back(self) -> None: ...

    def close(self) -> None: ...


def event_log(db: Database, dedupe_window_seconds: float, dedupe_capacity: int = DEFAULT_CAPACITY) -> EventLog:
    if db.is_sqlite:
        return SqliteEventLog(db, RecentMessageIds(dedupe_window_seconds, dedupe_capacity))
    return IndexedEventLog(db)


class IndexedEventLog:
    """The database's unique index on (source_id, message_id) decides."""

    def __init__(self, db: Database) -> None:
        self._db = db
        # RETURNING counts what was new (executemany rowcount is not reliable on psycopg).
        self._insert = postgresql.insert(events).on_conflict_do_nothing().returning(events.c.seq)

    def open(self) -> None:
        pass

    def transaction(self) -> contextlib.AbstractContextManager[Connection]:
        return self._db.begin_log()

    def append(self, conn: Connection, rows: list[EventRow]) -> int:
        lock_appends(conn)
        return len(conn.execute(self._insert, [dict(zip(EVENT_COLUMNS, row, strict=True)) for row in rows]).all())

    def committed(self) -> None:
        pass

    def rolled_back(self) -> None:
        pass

    def close(self) -> None:
        pass


class SqliteEventLog:
    """The only appender of a SQLite log, on a connection of its own to the log's file; message ids of the dedupe
    window are remembered in memory, and the log file's WAL is checkpointed beside the appender
    (store/checkpoint.py). The main file's WAL is checkpointed by its own writers' commits (SQLite's automatic
    checkpoint)."""

    def __init__(self, db: Database, recent: RecentMessageIds) -> None:
        self._db = db
        self.recent = recent
        self._pending: array[int] = array("q")
        self._pending_set: set[int] = set()
        self._lock: IO[bytes] | None = None
        self._conn: Connection | None = None
        self._checkpointer: WalCheckpointer | None = None

    def open(self) -> None:
        self._lock = _lock_appender(self._db)
        with self._db.connect() as conn:
            self.recent.load(conn)
        self._conn = self._db.writer_connection()
        # A multi-row INSERT keeps a statement journal (the pages it changed, to undo it alone on a constraint
        # error); on disk, that is a temporary file written during every group.
        self._conn.exec_driver_sql("PRAGMA temp_store=MEMORY")
        # The appender touches the log's last pages and its index's 64 insertion points; the 16 MB page cache of
        # a pooled connection would fill with pages it never reads again.
        self._conn.exec_driver_sql(f"PRAGMA cache_size=-{WRITER_CACHE_KIB}")
        path = self._db.eventlog_path
        if path is not None:
            self._conn.exec_driver_sql("PRAGMA wal_autocheckpoint=0")
            self._checkpointer = WalCheckpointer(path)
            self._checkpointer.start()
        self._conn.commit()  # the statements began SQLAlchemy's transaction

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        assert self._conn is not None, "open() first"
        with self._conn.begin():
            yield self._conn

    def append(self, conn: Connection, rows: list[EventRow]) -> int:
        self.recent.expire(time.time())
        fresh = []
        known, pending, pending_set = self.recent.key_sets(), self._pending, self._pending_set
        for row in rows:
            key = hash((row[0], row[1]))  # message_key(), inlined: this loop runs for every event
            if key in pending_set:
                continue
            for keys in known:
                if key in keys:
                    break
            else:
                pending_set.add(key)
                pending.append(key)
                fresh.append(row)
        raw = conn.connection.driver_connection
        assert raw is not None
        start = 0
        for size in _statement_sizes(len(fresh)):
            chunk = fresh[start : start + size]
            raw.execute(_multi_row_insert(size), list(itertools.chain.from_iterable(chunk)))
            start += size
        return len(fresh)

    def committed(self) -> None:
        now = time.time()
        self.recent.remember(self._pending, now)
        self._forget_pending()
        metrics.dedupe_ids.set(len(self.recent))
        metrics.dedupe_window.set(self.recent.effective_window(now))
        if self._checkpointer is not None and self._conn is not None:
            raw = self._conn.connection.driver_connection
            assert raw is not None
            self._checkpointer.committed(raw)

    def rolled_back(self) -> None:
        self._forget_pending()

    def _forget_pending(self) -> None:
        self._pending = array("q")
        self._pending_set = set()

    def close(self) -> None:
        if self._checkpointer is not None:
            self._checkpointer.stop()
            self._checkpointer = None
        if self._conn is not None:
            self._conn.close()
            self._conn = None
        if self._lock is not None:
            self._lock.close()
            self._lock = None


def _statement_sizes(rows: int) -> list[int]:
    """512, 512, ..., then the binary digits of the rest: 1,300 rows -> [512, 512, 256, 16, 4]."""
    sizes = [ROWS_PER_STATEMENT] * (rows // ROWS_PER_STATEMENT)
    rest = rows % ROWS_PER_STATEMENT
    bit = ROWS_PER_STATEMENT
    while rest:
        bit //= 2
        if rest & bit:
            sizes.append(bit)
            rest -= bit
    return sizes


@functools.cache
def _multi_row_insert(rows: int) -> str:
    """One statement for many rows: the driver releases the GIL once per statement rather than once per row,
    so the writer thread does not queue behind the request handlers for every event it stores."""
    values = ",".join(["(" + ",".join("?" * len(EVENT_COLUMNS)) + ")"] * rows)
    return f"INSERT INTO events ({', '.join(EVENT_COLUMNS)}) VALUES {values}"


def _lock_appender(db: Database) -> IO[bytes] | None:
    """Hold `<database>.ingest-lock` while this process appends; a second appender is refused, since it could
    not know which message ids the first one stored."""
    path = db.sqlite_path
    if path is None:  # an in-memory database belongs to this process alone
        return None
    handle = open_private(Path(f"{path}.ingest-lock"))  # held open until close()
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        raise RuntimeError(
            f"Another segcio process is already ingesting into the SQLite database {path}. Run one "
            "`segcio serve` per SQLite database (it uses every core it needs), or use PostgreSQL "
            "(--database postgresql://...) to run several."
        ) from None
    handle.write(str(os.getpid()).encode())
    handle.flush()
    return handle

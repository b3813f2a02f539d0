"""Filling the event log directly, for tests of what reads it."""

from __future__ import annotations

import contextlib

from sqlalchemy import Connection, insert, select

from segcio.eventlog import writes as eventlog
from segcio.store import Database
from segcio.store.tables.core import events


def append_events(db: Database, rows: list[tuple[int, float]], message_prefix: str = "m") -> list[int]:
    """One event of source 1 per (partition, received_at), in this order; returns every seq in the log, in order."""
    with log_transaction(db) as conn:
        conn.execute(
            insert(events),
            [
                {
                    "source_id": 1,
                    "message_id": f"{message_prefix}{i}",
                    "type": "track",
                    "user_id": "u",
                    "anonymous_id": None,
                    "partition": partition,
                    "received_at": at,
                    "body": "{}",
                }
                for i, (partition, at) in enumerate(rows)
            ],
        )
    return logged_seqs(db)


def logged_seqs(db: Database) -> list[int]:
    with db.connect() as conn:
        return [int(s) for (s,) in conn.execute(select(events.c.seq).order_by(events.c.seq))]


def log_transaction(db: Database) -> contextlib.AbstractContextManager[Connection]:
    """A write transaction on the log: the log's own, or the main database's while a migration test holds the
    schema from before the log had a file of its own."""
    if db.log_is_separate:
        with db.connect() as conn:
            query = "SELECT 1 FROM main.sqlite_master WHERE type = 'table' AND name = 'events'"
            if conn.exec_driver_sql(query).first() is not None:
                return db.begin()
    return eventlog.transaction(db)

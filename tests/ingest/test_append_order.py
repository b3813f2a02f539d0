"""On PostgreSQL, appends to the event log commit in the order of their sequence numbers.

Routers read "after the last seq I processed". If a transaction holding seq 10 could commit after one holding
seq 11 had been read, seq 10 would never be routed. Several processes append at once on PostgreSQL (ingest
processes, a regulation request), so each append holds the log's append lock until it commits.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest
from sqlalchemy import Connection, select

from segcio.bootstrap import ensure_defaults
from segcio.eventlog.append import EventRow, IndexedEventLog
from segcio.pipeline import regulations
from segcio.store import Database, open_database
from segcio.store.tables.core import events


def _row(message_id: str) -> EventRow:
    return (1, message_id, "track", "u1", None, 0, time.time(), "{}")


def _ingest_append(db: Database) -> None:
    with db.begin() as conn:
        IndexedEventLog(db).append(conn, [_row("second")])


def _regulation_fan_out(db: Database) -> None:
    regulations.create(db, {"regulationType": "DELETE_ONLY", "subjectType": "USER_ID", "subjectIds": ["u9"]})


@pytest.mark.parametrize("second_appender", [_ingest_append, _regulation_fan_out], ids=["ingest", "regulation"])
def test_a_second_append_waits_for_the_first_to_commit(
    postgres_url: str, second_appender: Callable[[Database], None]
) -> None:
    db = open_database(postgres_url)
    ensure_defaults(db)
    try:
        first: Connection = db.engine.connect()
        transaction = first.begin()
        IndexedEventLog(db).append(first, [_row("first")])
        done = threading.Event()

        def append_second() -> None:
            second_appender(db)
            done.set()

        thread = threading.Thread(target=append_second)
        thread.start()
        waited = not done.wait(0.5)
        transaction.commit()
        first.close()
        assert done.wait(10), "the second append never finished"
        thread.join()

        assert waited, "the second append committed while the first, holding a smaller seq, was still open"
        with db.connect() as conn:
            order = [row.message_id for row in conn.execute(select(events.c.message_id).order_by(events.c.seq))]
        assert order[0] == "first" and len(order) == 2
    finally:
        db.dispose()

"""The undelivered backlog: per partition, the events after the slowest enabled destination's position."""

from __future__ import annotations

import time
from pathlib import Path

from sqlalchemy import insert

from segcio.bootstrap import ensure_defaults
from segcio.pipeline.backlog import event_backlog
from segcio.pipeline.leases import advance, ensure_cursors
from segcio.store import Database, open_database
from segcio.store.tables.core import destinations
from tests.pipeline.log_helpers import append_events


def test_each_partition_counts_after_the_slowest_enabled_destination(db: Database) -> None:
    ensure_defaults(db)
    seqs = append_events(db, [(p, time.time()) for p in (0, 0, 0, 1, 1, 5, 5, 5, 5)])
    with db.begin() as conn:
        second = conn.execute(
            insert(destinations).values(source_id=1, kind="customerio-actions", name="second", created_at=0.0)
        ).inserted_primary_key[0]
        disabled = conn.execute(
            insert(destinations).values(
                source_id=1, kind="customerio-actions", name="off", enabled=False, created_at=0.0
            )
        ).inserted_primary_key[0]
        ensure_cursors(conn, [1, second, disabled])
        # The default destination is done with partitions 0 and 5; the second one only with partition 0 up to
        # its second event. The disabled one never moved and does not count.
        advance(conn, 1, {0: seqs[2], 1: seqs[3], 5: seqs[8]})
        advance(conn, second, {0: seqs[1], 5: seqs[6]})
    with db.connect() as conn:
        # partition 0: seqs[2] left (by second); partition 1: both (second is at 0); partition 5: seqs[7], seqs[8]
        assert event_backlog(conn) == 1 + 2 + 2


def test_sqlite_counts_without_gathering_every_row_id(tmp_path: Path) -> None:
    """SQLite answers "p = 0 AND seq > a OR p = 1 AND seq > b ..." by collecting every matching row id in memory
    (a MULTI-INDEX OR): tens of MB for millions of undelivered events, held by the process afterwards."""
    db = open_database(f"sqlite:///{tmp_path / 'segcio.db'}")
    try:
        ensure_defaults(db)
        append_events(db, [(p, time.time()) for p in (0, 1, 2)])
        with db.connect() as conn:
            raw = conn.connection.driver_connection
            statements: list[str] = []
            raw.set_trace_callback(statements.append)
            assert event_backlog(conn) == 3
            raw.set_trace_callback(None)
            count = next(s for s in statements if "count(" in s)
            plan = " ".join(str(row[-1]) for row in raw.execute(f"EXPLAIN QUERY PLAN {count}"))
        assert "MULTI-INDEX OR" not in plan
        assert "USING COVERING INDEX ix_events_partition_seq" in plan
    finally:
        db.dispose()

"""Migration 0024 moves the event log into its own file (SQLite with a file): every row and seq kept, the seq
high-water mark too, ingest's counters summed as before; run again after a crash midway, it ends the same."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from alembic import command
from sqlalchemy import insert, select

from segcio.store import Database
from segcio.store.counters import increment, read
from segcio.store.db import alembic_config
from segcio.store.tables.core import counters, events, rejected_events
from tests.pipeline.log_helpers import append_events, logged_seqs

BEFORE = "0022_delivery_log_events"


def _old_layout(path: Path) -> tuple[Database, list[int], dict[tuple[str, str], int]]:
    db = Database(f"sqlite:///{path}")
    command.upgrade(alembic_config(db.url), BEFORE)
    seqs = append_events(db, [(p % 5, float(p)) for p in range(40)])
    with db.begin() as conn:
        conn.execute(
            insert(rejected_events),
            [{"source_id": 1, "received_at": 1.0, "code": "c", "reason": "r", "body": str(n)} for n in range(3)],
        )
        conn.execute(events.delete().where(events.c.seq > seqs[29]))  # the newest gone; their seqs stay issued
        increment(conn, "source:1", {"accepted": 40, "deduplicated": 2})
        increment(conn, "destination:1", {"delivered": 30})
        counted = {(row.scope, row.name): int(row.value) for row in conn.execute(select(counters))}
    return db, seqs, counted


def _check(db: Database, seqs: list[int], counted: dict[tuple[str, str], int], path: Path) -> None:
    assert logged_seqs(db) == seqs[:30]
    with db.connect() as conn:
        assert read(conn) == counted
        assert [
            int(b) for b in conn.execute(select(rejected_events.c.body).order_by(rejected_events.c.id)).scalars()
        ] == [0, 1, 2]
    main = sqlite3.connect(path)
    assert main.execute("SELECT name FROM sqlite_master WHERE name IN ('events', 'rejected_events')").fetchall() == []
    assert main.execute("SELECT count(*) FROM counters WHERE scope = 'source:1'").fetchone() == (0,)
    main.close()
    new = append_events(db, [(0, 99.0)], message_prefix="new-")[-1]
    assert new > seqs[-1]


def test_the_log_moves_to_its_own_file_with_every_seq(tmp_path: Path) -> None:
    path = tmp_path / "segcio.db"
    db, seqs, counted = _old_layout(path)
    try:
        db.upgrade()
        _check(db, seqs, counted, path)
    finally:
        db.dispose()


def test_a_run_interrupted_after_copying_ends_the_same_when_run_again(tmp_path: Path) -> None:
    path = tmp_path / "segcio.db"
    db, seqs, counted = _old_layout(path)
    db.dispose()
    # As a crash would leave it: part of the log copied into the log file, nothing dropped from the main file.
    raw = sqlite3.connect(path, isolation_level=None)
    raw.execute(f"ATTACH DATABASE '{tmp_path / 'segcio-events.db'}' AS eventlog")
    raw.execute(
        str(raw.execute("SELECT sql FROM sqlite_master WHERE name = 'events'").fetchone()[0]).replace(
            "CREATE TABLE events", "CREATE TABLE eventlog.events", 1
        )
    )
    raw.execute("INSERT INTO eventlog.events SELECT * FROM main.events WHERE seq <= ?", (seqs[9],))
    raw.execute("CREATE TABLE eventlog.log_counters (scope, name, value, PRIMARY KEY (scope, name))")
    raw.execute("INSERT INTO eventlog.log_counters SELECT * FROM main.counters WHERE scope = 'source:1'")
    raw.close()
    db = Database(f"sqlite:///{path}")
    try:
        db.upgrade()
        _check(db, seqs, counted, path)
    finally:
        db.dispose()

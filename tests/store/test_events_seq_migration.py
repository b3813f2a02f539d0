"""Migration 0010 on a database whose newest events were already deleted: the log keeps its rows and indexes, and
new events are numbered above every seq the database still refers to (SQLite and PostgreSQL)."""

from __future__ import annotations

from alembic import command
from sqlalchemy import delete, insert, inspect

from segcio.pipeline.leases import advance, ensure_cursors
from segcio.store import Database
from segcio.store.db import alembic_config
from segcio.store.tables.core import events
from segcio.store.tables.delivery import dead_letters
from tests.pipeline.log_helpers import append_events, logged_seqs

BEFORE = "0009_events_delete_index"


def test_upgrade_keeps_the_log_and_numbers_new_events_above_cursors_and_dead_letters(database_url: str) -> None:
    db = Database(database_url)
    try:
        command.upgrade(alembic_config(db.url), BEFORE)
        seqs = append_events(db, [(p % 4, float(p)) for p in range(15)])
        with db.begin() as conn:
            ensure_cursors(conn, [1])
            advance(conn, 1, {0: seqs[8]})  # routed up to the ninth event
            # The newest event's request, given up on.
            conn.execute(insert(dead_letters).values(_dead_letter(event_seq=seqs[14])))
            conn.execute(delete(events).where(events.c.seq >= seqs[6]))  # the newest rows, deleted before upgrade

        db.upgrade()

        assert logged_seqs(db) == seqs[:6]
        new = append_events(db, [(0, 11.0)], message_prefix="after-upgrade-")[-1]
        assert new > seqs[14]
        with db.log_engine.connect() as conn:  # the log's own file on SQLite
            indexes = {index["name"] for index in inspect(conn).get_indexes("events")}
            assert {"ix_events_partition_seq", "ix_events_regulation_deletes"} <= indexes
            if db.is_sqlite:  # still partial: only delete events are in it
                statement = "SELECT sql FROM sqlite_master WHERE name = 'ix_events_regulation_deletes'"
                assert str(conn.exec_driver_sql(statement).scalar()).endswith("WHERE type = 'delete'")
    finally:
        db.dispose()


def _dead_letter(event_seq: int) -> dict[str, object]:
    return {
        "destination_id": 1,
        "person_key": "u",
        "event_seq": event_seq,
        "method": "POST",
        "url": "https://track.customer.io/api/v2/batch",
        "headers": "{}",
        "reason": "rejected",
        "attempts": 1,
        "created_at": 1.0,
    }

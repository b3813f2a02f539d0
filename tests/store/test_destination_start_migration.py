"""Migration 0016 on existing data: destinations that routed the log from seq 0 are recorded as having covered it,
so a replay into the local workspace never applies an event to them twice (SQLite and PostgreSQL)."""

from __future__ import annotations

from alembic import command
from sqlalchemy import insert, select

from segcio.pipeline.replay import already_applied
from segcio.store import Database
from segcio.store.db import alembic_config
from segcio.store.tables.core import destinations
from segcio.store.tables.routing import destination_periods
from tests.pipeline.log_helpers import append_events

BEFORE = "0014_outbox_no_credentials"


def test_existing_destinations_are_taken_to_have_routed_the_log(database_url: str) -> None:
    db = Database(database_url)
    try:
        command.upgrade(alembic_config(db.url), BEFORE)
        seqs = append_events(db, [(p % 4, float(p)) for p in range(5)])
        with db.begin() as conn:
            for enabled in (True, False):
                conn.execute(
                    insert(destinations).values(
                        source_id=1, kind="customerio-actions", name="d", settings="{}", enabled=enabled, created_at=1.0
                    )
                )

        db.upgrade()

        with db.connect() as conn:
            c = destination_periods.c
            periods = conn.execute(select(c.destination_id, c.start_seq, c.end_seq).order_by(c.destination_id)).all()
            assert [tuple(p) for p in periods] == [(1, 0, None), (2, 0, seqs[-1])]
            assert already_applied(conn, 1, seqs) == set(seqs)
            assert already_applied(conn, 2, seqs) == set(seqs)
    finally:
        db.dispose()

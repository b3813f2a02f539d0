"""The outbox on SQLite and PostgreSQL: written in the caller's transaction, read in per-person order."""

from __future__ import annotations

import time

import pytest
import sqlalchemy as sa

from segcio.delivery import outbox
from segcio.store import Database
from segcio.store.tables.delivery import outbox as outbox_table
from tests.delivery.conftest import DEST, entity, queue, v1

BASE = "https://track.customer.io"


def test_enqueue_commits_or_rolls_back_with_the_callers_transaction(db: Database) -> None:
    with pytest.raises(RuntimeError), db.begin() as conn:
        outbox.enqueue(conn, DEST, "u", [entity(BASE, "u", 0)], 1)
        raise RuntimeError("router failed after planning")
    assert outbox.backlog(db, DEST).pending == 0
    with db.begin() as conn:
        assert (
            outbox.enqueue(conn, DEST, "u", [entity(BASE, "u", 0), v1(BASE, "DELETE", "/api/v1/customers/u")], 1) == 2
        )
    with db.connect() as conn:
        rows = conn.execute(sa.select(outbox_table).order_by(outbox_table.c.id)).all()
    assert [(r.method, r.url, r.event_seq, r.attempts) for r in rows] == [
        ("POST", f"{BASE}/api/v2/entity", 1, 0),
        ("DELETE", f"{BASE}/api/v1/customers/u", 1, 0),
    ]
    assert rows[0].body.startswith('{"type":"person"') and rows[1].body is None


def test_enqueue_many_keeps_order(db: Database) -> None:
    with db.begin() as conn:
        added = outbox.enqueue_many(
            conn, [outbox.Planned(DEST, f"p{i}", [entity(BASE, f"p{i}", i)], i) for i in range(5)], now=10.0
        )
    assert added == 5
    with db.connect() as conn:
        ready = outbox.fetch_ready(conn, DEST, now=10.0, limit=100)
    assert [r.person_key for r in ready] == [f"p{i}" for i in range(5)]


def test_rows_behind_a_waiting_row_of_the_same_person_are_not_ready(db: Database) -> None:
    for n in range(3):
        queue(db, "slow", [entity(BASE, "slow", n)])
        queue(db, "fast", [entity(BASE, "fast", n)])
    with db.begin() as conn:
        first = conn.execute(sa.select(sa.func.min(outbox_table.c.id)).where(outbox_table.c.person_key == "slow"))
        conn.execute(
            outbox_table.update()
            .where(outbox_table.c.id == first.scalar_one())
            .values(next_attempt_at=outbox_table.c.next_attempt_at + 3600, attempts=1)
        )
    with db.connect() as conn:
        ready = outbox.fetch_ready(conn, DEST, now=time.time(), limit=100)
    assert [r.person_key for r in ready] == ["fast"] * 3
    counts = outbox.backlog(db, DEST)
    assert (counts.pending, counts.retrying, counts.dead_letters) == (6, 1, 0)
    assert outbox.backlog(db).pending == 6

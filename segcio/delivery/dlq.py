"""The dead-letter queue: requests given up on, with the reason; list, show, replay (back into the outbox), drop."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection

from segcio.delivery.log import LogEntry, summary
from segcio.delivery.log import write as log_entries
from segcio.delivery.outbox import OutboxRow
from segcio.jsonutil import loads
from segcio.store import Database
from segcio.store.tables.delivery import dead_letters, outbox


@dataclass(frozen=True)
class Burial:
    """One outbox row to move to the dead-letter queue."""

    row: OutboxRow
    reason: str
    status: int | None
    response_body: str | None
    attempts: int


def bury(conn: Connection, destination_id: int, burials: Sequence[Burial], now: float) -> None:
    """Move rows from the outbox to the dead-letter queue (same transaction as the rest of the round)."""
    if not burials:
        return
    conn.execute(
        dead_letters.insert(),
        [
            {
                "destination_id": destination_id,
                "person_key": b.row.person_key,
                "event_seq": b.row.event_seq,
                "method": b.row.method,
                "url": b.row.url,
                "headers": b.row.headers,
                "body": b.row.body,
                "reason": b.reason,
                "status": b.status,
                "response_body": b.response_body,
                "attempts": b.attempts,
                "created_at": now,
            }
            for b in burials
        ],
    )
    delete_outbox_rows(conn, [b.row.id for b in burials])


def delete_outbox_rows(conn: Connection, ids: Sequence[int]) -> None:
    for start in range(0, len(ids), 500):
        conn.execute(outbox.delete().where(outbox.c.id.in_(ids[start : start + 500])))


_LIST_COLUMNS = (
    dead_letters.c.id,
    dead_letters.c.destination_id,
    dead_letters.c.person_key,
    dead_letters.c.event_seq,
    dead_letters.c.method,
    dead_letters.c.url,
    dead_letters.c.reason,
    dead_letters.c.status,
    dead_letters.c.attempts,
    dead_letters.c.created_at,
)


def list_dead(db: Database, destination_id: int | None = None, limit: int = 100) -> list[dict[str, Any]]:
    """Newest first, without bodies."""
    q = sa.select(*_LIST_COLUMNS).order_by(dead_letters.c.id.desc()).limit(limit)
    if destination_id is not None:
        q = q.where(dead_letters.c.destination_id == destination_id)
    with db.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(q)]


def show(db: Database, dead_id: int) -> dict[str, Any] | None:
    """One dead letter in full; `body` is parsed JSON (headers never hold credentials: see outbox.py)."""
    with db.connect() as conn:
        row = conn.execute(sa.select(dead_letters).where(dead_letters.c.id == dead_id)).first()
    if row is None:
        return None
    out = dict(row._mapping)
    out["headers"] = loads(out["headers"])
    out["body"] = None if out["body"] is None else loads(out["body"])
    return out


def _selection(ids: Sequence[int] | None, destination_id: int | None) -> sa.ColumnElement[bool]:
    if ids is None and destination_id is None:
        return sa.true()
    clauses: list[sa.ColumnElement[bool]] = []
    if ids is not None:
        clauses.append(dead_letters.c.id.in_(list(ids)))
    if destination_id is not None:
        clauses.append(dead_letters.c.destination_id == destination_id)
    return sa.and_(*clauses)


def replay(
    db: Database, ids: Sequence[int] | None = None, destination_id: int | None = None, now: float | None = None
) -> int:
    """Move dead letters back into the outbox of the destination that failed them, at the end of its queue,
    with fresh attempts (the sender authenticates them with the destination's current credentials).
    `ids=None`: all (of `destination_id`)."""
    at = time.time() if now is None else now
    with db.begin() as conn:
        rows = conn.execute(
            sa.select(dead_letters).where(_selection(ids, destination_id)).order_by(dead_letters.c.id)
        ).all()
        moved = [
            {
                "destination_id": r.destination_id,
                "person_key": r.person_key,
                "event_seq": r.event_seq,
                "method": r.method,
                "url": r.url,
                "headers": r.headers,
                "body": r.body,
                "attempts": 0,
                "next_attempt_at": at,
                "first_attempt_at": None,
                "last_error": None,
                "created_at": at,
            }
            for r in rows
        ]
        if moved:
            conn.execute(outbox.insert(), moved)
            conn.execute(dead_letters.delete().where(dead_letters.c.id.in_([r.id for r in rows])))
            log_entries(conn, [_replayed_entry(r, at) for r in rows])
    return len(moved)


def _replayed_entry(row: Any, at: float) -> LogEntry:
    """The delivery-log row that keeps a replayed dead letter in its event's history (its row is gone)."""
    return LogEntry(
        destination_id=row.destination_id,
        outcome="replayed",
        created_at=at,
        method=row.method,
        url=row.url,
        status=row.status,
        items=1,
        person_key=row.person_key,
        event_seq=row.event_seq,
        request_summary=summary(row.body),
        response_summary=f"dead letter {row.id} moved back to the outbox (was: {summary(row.reason, 300)})",
    )


def drop(db: Database, ids: Sequence[int] | None = None, destination_id: int | None = None) -> int:
    """Delete dead letters for good. `ids=None`: all (of `destination_id`)."""
    with db.begin() as conn:
        return int(conn.execute(dead_letters.delete().where(_selection(ids, destination_id))).rowcount)

"""The delivery log: recent requests, failures and drops per destination (bounded), for the UI."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection

from segcio.store.tables.delivery import delivery_log

SUMMARY_CHARS = 500


def summary(text: str | bytes | None, limit: int = SUMMARY_CHARS) -> str | None:
    """The start of a request/response body, for display."""
    if text is None:
        return None
    if isinstance(text, bytes):
        text = text[: limit * 4].decode("utf-8", "replace")
    return text if len(text) <= limit else text[:limit] + "…"


@dataclass
class LogEntry:
    destination_id: int
    outcome: str  # delivered | partial | retry | dead_letter | dropped | failed | parked | filtered
    created_at: float
    method: str | None = None
    url: str | None = None
    status: int | None = None
    items: int = 0
    duration_ms: float | None = None
    person_key: str | None = None
    event_seq: int | None = None
    event_seqs: str | None = None  # a batch's items' events: JSON list, item i at batch_index i
    request_summary: str | None = None
    response_summary: str | None = None


def write(conn: Connection, entries: Sequence[LogEntry]) -> None:
    if entries:
        conn.execute(delivery_log.insert(), [asdict(e) for e in entries])


def log_dropped(
    conn: Connection,
    destination_id: int,
    reason: str,
    *,
    person_key: str | None = None,
    event_seq: int | None = None,
    event_summary: str | None = None,
    now: float | None = None,
) -> None:
    """Record an event a destination did not send (e.g. classic: anonymous, alias, group) with the reason."""
    write(
        conn,
        [
            LogEntry(
                destination_id=destination_id,
                outcome="dropped",
                created_at=time.time() if now is None else now,
                person_key=person_key,
                event_seq=event_seq,
                request_summary=summary(event_summary),
                response_summary=reason,
            )
        ],
    )


def prune(conn: Connection, destination_id: int, keep: int) -> None:
    """Keep only the newest `keep` log rows of the destination."""
    cutoff = conn.execute(
        sa.select(delivery_log.c.id)
        .where(delivery_log.c.destination_id == destination_id)
        .order_by(delivery_log.c.id.desc())
        .offset(keep)
        .limit(1)
    ).scalar()
    if cutoff is not None:
        conn.execute(
            delivery_log.delete().where(delivery_log.c.destination_id == destination_id, delivery_log.c.id <= cutoff)
        )


def recent(conn: Connection, destination_id: int | None = None, limit: int = 100) -> list[dict[str, Any]]:
    """Newest log rows first."""
    q = sa.select(delivery_log).order_by(delivery_log.c.id.desc()).limit(limit)
    if destination_id is not None:
        q = q.where(delivery_log.c.destination_id == destination_id)
    return [dict(r._mapping) for r in conn.execute(q)]

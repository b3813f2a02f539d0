"""The failed state of each destination: events its processing or delivery raised on, parked with the reason.

The router parks an event in the same transaction that moves its cursor past it, so an event is either routed,
or parked, never both and never neither. A replay that succeeds deletes the row in the transaction that delivers
the event, so a replayed event is applied once.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, delete, func, select, update
from sqlalchemy.exc import StatementError

from segcio import jsonutil
from segcio.store.tables.routing import failed_events

REASON_CHARS = 2000


@dataclass(frozen=True)
class FailedEvent:
    id: int
    destination_id: int
    event_seq: int
    message_id: str
    person_key: str
    type: str
    body: str
    reason: str
    attempts: int
    failed_at: float
    last_attempt_at: float

    def as_dict(self) -> dict[str, Any]:
        """The listing's shape (CLI, admin API): everything but the body."""
        return {k: v for k, v in self.__dict__.items() if k != "body"}


def describe(exc: BaseException) -> str:
    """`Class: message` on one line, made storable: no NUL, no lone surrogate, bounded length, no traceback. A
    database error is named by the driver's own error (not the statement and parameters around it)."""
    if isinstance(exc, StatementError) and isinstance(exc.orig, BaseException):
        exc = exc.orig
    message = " | ".join(line.strip() for line in str(exc).splitlines() if line.strip())
    text = f"{type(exc).__name__}: {message}" if message else type(exc).__name__
    text = storable(text)
    return text if len(text) <= REASON_CHARS else text[: REASON_CHARS - 1] + "…"


def park(
    conn: Connection,
    destination_id: int,
    *,
    event_seq: int,
    message_id: str,
    person_key: str,
    body: str,
    reason: str,
    now: float | None = None,
) -> None:
    now = time.time() if now is None else now
    conn.execute(
        failed_events.insert().values(
            destination_id=destination_id,
            event_seq=event_seq,
            message_id=storable(message_id),
            person_key=storable(person_key),
            body=body,
            reason=reason,
            attempts=1,
            failed_at=now,
            last_attempt_at=now,
        )
    )


def failed_again(conn: Connection, failed_id: int, reason: str, now: float | None = None) -> None:
    """A replay failed too: the newest reason, one more attempt."""
    now = time.time() if now is None else now
    conn.execute(
        update(failed_events)
        .where(failed_events.c.id == failed_id)
        .values(reason=reason, attempts=failed_events.c.attempts + 1, last_attempt_at=now)
    )


def resolve(conn: Connection, failed_id: int) -> bool:
    """Remove a replayed event from the failed state; False when it was not there (already replayed)."""
    return bool(conn.execute(delete(failed_events).where(failed_events.c.id == failed_id)).rowcount)


def forget_people(conn: Connection, person_keys: list[str]) -> None:
    """A deletion regulation: these people's failed events go (a replay must not bring a deleted person back)."""
    conn.execute(delete(failed_events).where(failed_events.c.person_key.in_(person_keys)))


def forget_destination(conn: Connection, destination_id: int) -> None:
    """A destination removed: its failed events go with its routing state."""
    conn.execute(delete(failed_events).where(failed_events.c.destination_id == destination_id))


def get(conn: Connection, failed_id: int, *, for_update: bool = False) -> FailedEvent | None:
    query = select(failed_events).where(failed_events.c.id == failed_id)
    row = conn.execute(query.with_for_update() if for_update else query).first()
    return None if row is None else _event(row)


def list_failed(conn: Connection, destination_id: int | None = None, limit: int | None = None) -> list[FailedEvent]:
    """Oldest first (the order a replay of all of them runs in)."""
    query = select(failed_events).order_by(failed_events.c.destination_id, failed_events.c.event_seq)
    if destination_id is not None:
        query = query.where(failed_events.c.destination_id == destination_id)
    if limit is not None:
        query = query.limit(limit)
    return [_event(row) for row in conn.execute(query)]


def ids(conn: Connection, destination_id: int | None = None) -> list[int]:
    query = select(failed_events.c.id).order_by(failed_events.c.destination_id, failed_events.c.event_seq)
    if destination_id is not None:
        query = query.where(failed_events.c.destination_id == destination_id)
    return [int(i) for i in conn.execute(query).scalars()]


def counts(conn: Connection) -> dict[int, int]:
    """Unresolved failed events per destination (destinations without any left out)."""
    rows = conn.execute(
        select(failed_events.c.destination_id, func.count()).group_by(failed_events.c.destination_id)
    ).all()
    return {int(destination_id): int(n) for destination_id, n in rows}


def _event(row: Any) -> FailedEvent:
    try:
        kind = jsonutil.loads(row.body).get("type")
    except Exception:  # a body that cannot be read back is listed all the same
        kind = None
    return FailedEvent(
        id=int(row.id),
        destination_id=int(row.destination_id),
        event_seq=int(row.event_seq),
        message_id=row.message_id,
        person_key=row.person_key,
        type=str(kind or ""),
        body=row.body,
        reason=row.reason,
        attempts=int(row.attempts),
        failed_at=float(row.failed_at),
        last_attempt_at=float(row.last_attempt_at),
    )


def storable(text: str) -> str:
    """Text any backend can store: NUL and lone surrogates escaped."""
    return text.replace("\x00", "\\x00").encode("utf-8", "backslashreplace").decode("utf-8")

"""The durable outbox: requests planned for a remote destination, written in the router's transaction."""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import sqlalchemy as sa
from sqlalchemy import Connection

from segcio.jsonutil import dumps
from segcio.store import Database
from segcio.store.tables.delivery import dead_letters, outbox

# Headers never stored: the sender adds credentials when it sends a request, from the destination's current
# settings, so no queued request or dead letter holds them and a fixed key applies to everything queued.
CREDENTIAL_HEADERS = frozenset({"authorization", "proxy-authorization"})


def without_credentials(headers: Mapping[str, str]) -> dict[str, str]:
    return {name: value for name, value in headers.items() if name.lower() not in CREDENTIAL_HEADERS}


class RequestLike(Protocol):
    """The shape of `segcio.actions.definition.PlannedRequest` (anything with these attributes will do)."""

    @property
    def method(self) -> str: ...
    @property
    def url(self) -> str: ...
    @property
    def headers(self) -> dict[str, str]: ...
    @property
    def json(self) -> Any: ...


def _rows(
    destination_id: int, person_key: str, requests: Iterable[RequestLike], event_seq: int | None, now: float
) -> list[dict[str, Any]]:
    return [
        {
            "destination_id": destination_id,
            "person_key": person_key,
            "event_seq": event_seq,
            "method": r.method.upper(),
            "url": r.url,
            "headers": dumps(without_credentials(r.headers)),
            "body": None if r.json is None else dumps(r.json),
            "attempts": 0,
            "next_attempt_at": now,
            "first_attempt_at": None,
            "last_error": None,
            "created_at": now,
        }
        for r in requests
    ]


def enqueue(
    conn: Connection,
    destination_id: int,
    person_key: str,
    requests: Sequence[RequestLike],
    event_seq: int | None,
    *,
    now: float | None = None,
) -> int:
    """Queue one event's requests for `destination_id`; call inside the router's transaction. Returns rows added."""
    return enqueue_many(conn, [Planned(destination_id, person_key, requests, event_seq)], now=now)


@dataclass(frozen=True)
class Planned:
    """One event's requests for one destination, for `enqueue_many`."""

    destination_id: int
    person_key: str
    requests: Sequence[RequestLike]
    event_seq: int | None = None


def enqueue_many(conn: Connection, items: Iterable[Planned], *, now: float | None = None) -> int:
    """Queue many events' requests in one statement (keeps their order). Returns rows added."""
    at = time.time() if now is None else now
    rows: list[dict[str, Any]] = []
    for p in items:
        rows.extend(_rows(p.destination_id, p.person_key, p.requests, p.event_seq, at))
    if rows:
        conn.execute(outbox.insert(), rows)
    return len(rows)


@dataclass(frozen=True)
class OutboxRow:
    id: int
    person_key: str
    event_seq: int | None
    method: str
    url: str
    headers: str
    body: str | None
    attempts: int
    first_attempt_at: float | None


_earlier_not_due = sa.alias(outbox, "earlier")


def fetch_ready(conn: Connection, destination_id: int, now: float, limit: int) -> list[OutboxRow]:
    """Due rows in queue order, leaving out every row behind a not-yet-due row of the same person
    (a person whose delivery is failing holds back only their own later requests)."""
    e = _earlier_not_due
    blocked = (
        sa.select(sa.literal(1))
        .where(
            e.c.destination_id == outbox.c.destination_id,
            e.c.person_key == outbox.c.person_key,
            e.c.id < outbox.c.id,
            e.c.next_attempt_at > now,
        )
        .exists()
    )
    query = (
        sa.select(
            outbox.c.id,
            outbox.c.person_key,
            outbox.c.event_seq,
            outbox.c.method,
            outbox.c.url,
            outbox.c.headers,
            outbox.c.body,
            outbox.c.attempts,
            outbox.c.first_attempt_at,
        )
        .where(outbox.c.destination_id == destination_id, outbox.c.next_attempt_at <= now, ~blocked)
        .order_by(outbox.c.id)
        .limit(limit)
    )
    return [OutboxRow(*row) for row in conn.execute(query)]


def next_due_at(conn: Connection, destination_id: int) -> float | None:
    """When the earliest queued row of the destination becomes due (None: outbox empty)."""
    value = conn.execute(
        sa.select(sa.func.min(outbox.c.next_attempt_at)).where(outbox.c.destination_id == destination_id)
    ).scalar()
    return None if value is None else float(value)


@dataclass(frozen=True)
class Backlog:
    pending: int  # requests queued (incl. retrying)
    retrying: int  # of which already tried at least once
    dead_letters: int
    oldest_created_at: float | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "pending": self.pending,
            "retrying": self.retrying,
            "dead_letters": self.dead_letters,
            "oldest_created_at": self.oldest_created_at,
        }


def backlog(db: Database, destination_id: int | None = None) -> Backlog:
    """Queue counts for one destination (or all of them): for /healthz, the UI and `segcio delivery status`."""
    with db.connect() as conn:
        q = sa.select(
            sa.func.count(),
            sa.func.coalesce(sa.func.sum(sa.case((outbox.c.attempts > 0, 1), else_=0)), 0),
            sa.func.min(outbox.c.created_at),
        )
        d = sa.select(sa.func.count()).select_from(dead_letters)
        if destination_id is not None:
            q = q.where(outbox.c.destination_id == destination_id)
            d = d.where(dead_letters.c.destination_id == destination_id)
        else:
            q = q.select_from(outbox)
        pending, retrying, oldest = conn.execute(q).one()
        dead = conn.execute(d).scalar_one()
    return Backlog(int(pending), int(retrying), int(dead), None if oldest is None else float(oldest))

"""The delivery log: recent requests, failures and drops per destination (bounded), for the UI and the CLI."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection

from segcio import jsonutil
from segcio.store.tables.delivery import delivery_log

SUMMARY_CHARS = 500
# What `url` holds for a row applied to a local workspace (it went to no URL).
LOCAL_WORKSPACE = "local workspace"

# The outcome filter of the Deliveries page and `segcio delivery status --outcome`: a name for the user, the log
# outcomes it selects. "failed" selects every row of an event or request that did not reach the destination (see
# segcio/pipeline/failures.py for what the failure counts count).
OUTCOME_GROUPS: dict[str, tuple[str, ...]] = {
    "ok": ("delivered",),
    "failed": ("failed", "parked", "dead_letter", "partial"),
    "retried": ("retry",),
    "dead-lettered": ("dead_letter", "partial"),
    "parked": ("parked",),
    "refused": ("failed",),
    "split": ("split",),
    "dropped": ("dropped",),
    "filtered": ("filtered",),
}


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
    request_summary: str | None = None
    response_summary: str | None = None
    event_name: str | None = None
    message_id: str | None = None
    person_keys: str | None = None  # of a request carrying several people's events: see `people`
    event_seqs: str | None = None  # a batch's items' events: JSON list, item i at batch_index i


def people(keys: Sequence[str]) -> str | None:
    """The `person_keys` of a row about several people (None: about one, in `person_key`)."""
    distinct = list(dict.fromkeys(keys))
    return None if len(distinct) < 2 else "\n" + "\n".join(distinct) + "\n"


def write(conn: Connection, entries: Sequence[LogEntry]) -> None:
    if entries:
        conn.execute(delivery_log.insert(), [asdict(e) for e in entries])


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
    return search(conn, LogFilter(destination_id=destination_id), limit).rows


@dataclass(frozen=True)
class LogFilter:
    destination_id: int | None = None
    outcome: str | None = None  # a key of OUTCOME_GROUPS
    person: str | None = None
    event: str | None = None  # event name
    since: float | None = None
    until: float | None = None


@dataclass
class LogPage:
    rows: list[dict[str, Any]]
    newer: int | None  # `after=` of the page of newer rows (None: this is the newest)
    older: int | None  # `before=` of the page of older rows (None: nothing older)


def _row(row: sa.Row[Any]) -> dict[str, Any]:
    """A log row with `seqs`: the seqs of the events it is about (a batch's items', or its one event's)."""
    out = dict(row._mapping)
    items = jsonutil.loads(out["event_seqs"]) if out["event_seqs"] else [out["event_seq"]]
    out["seqs"] = [seq for seq in items if seq is not None]
    return out


def search(
    conn: Connection, where: LogFilter, limit: int = 100, *, before: int | None = None, after: int | None = None
) -> LogPage:
    """One page of log rows matching `where`, newest first; keyset paging by row id: `before` gives the rows
    older than that id, `after` the rows newer than it."""
    c = delivery_log.c
    q = sa.select(delivery_log)
    if where.destination_id is not None:
        q = q.where(c.destination_id == where.destination_id)
    if where.outcome:
        q = q.where(c.outcome.in_(OUTCOME_GROUPS[where.outcome]))
    if where.person:
        # A substring test, not LIKE: SQLite's LIKE ignores case, and people's ids are compared exactly.
        find = sa.func.strpos if conn.dialect.name == "postgresql" else sa.func.instr
        q = q.where(sa.or_(c.person_key == where.person, find(c.person_keys, f"\n{where.person}\n") > 0))
    if where.event:
        q = q.where(c.event_name == where.event)
    if where.since is not None:
        q = q.where(c.created_at >= where.since)
    if where.until is not None:
        q = q.where(c.created_at < where.until)
    if after is not None:
        rows = [_row(r) for r in conn.execute(q.where(c.id > after).order_by(c.id).limit(limit + 1))]
        more_newer = len(rows) > limit
        rows = rows[:limit][::-1]
        return LogPage(rows, rows[0]["id"] if more_newer and rows else None, rows[-1]["id"] if rows else None)
    if before is not None:
        q = q.where(c.id < before)
    rows = [_row(r) for r in conn.execute(q.order_by(c.id.desc()).limit(limit + 1))]
    more_older = len(rows) > limit
    rows = rows[:limit]
    return LogPage(
        rows,
        rows[0]["id"] if before is not None and rows else None,
        rows[-1]["id"] if more_older and rows else None,
    )

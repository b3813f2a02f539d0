"""One event never stops a destination: processing and delivery failures are confined to the event that raised.

A batch is delivered inside a savepoint; when it raises, each event is delivered again on its own, in its own
savepoint, and the events that still raise are returned with their reason for the caller to park. A passing
condition of the database (lock timeout, lost connection, deadlock) is not the event's fault: it is raised, and
the whole step is retried, as before.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from typing import TYPE_CHECKING

from sqlalchemy import Connection

from segcio import jsonutil
from segcio.delivery.log import write as log_entries
from segcio.destinations.integrations import filtered_reason
from segcio.pipeline import failed
from segcio.pipeline.deliver import deliver, parked_entry
from segcio.pipeline.logged import LoggedEvent
from segcio.pipeline.processors import Processed
from segcio.store import Database
from segcio.store.counters import increment
from segcio.store.db import transient_failure

if TYPE_CHECKING:
    from segcio.pipeline.destinations import Destination

log = logging.getLogger(__name__)

PARKED = "parked"


def read(seq: int, partition: int, message_id: str, body: str) -> LoggedEvent:
    """A logged event; one whose body cannot be read back carries the reason instead of a message."""
    try:
        message = jsonutil.loads(body)
        if not isinstance(message, dict):
            raise ValueError(f"a logged event must be a JSON object, not {type(message).__name__}")
    except Exception as exc:  # RecursionError included: a body nested too deep for the parser
        return LoggedEvent(seq, partition, {}, message_id, body, failure=failed.describe(exc))
    return LoggedEvent(seq, partition, message, message_id, body)


def process(destination: Destination, item: LoggedEvent) -> None:
    """Run the destination's processor on the event, unless the event's `integrations` turn the destination off
    (then it is only marked filtered); an exception becomes the event's failure."""
    if item.failure is not None:
        return
    if reason := filtered_reason(destination.kind, item.message):
        item.processed = Processed(filtered=reason)
        return
    try:
        item.processed = destination.processor.process(item.message)
    except Exception as exc:  # a destination bug must not stop the log: the event is parked with the reason
        item.failure = failed.describe(exc)


def deliver_isolated(
    conn: Connection, db: Database, destination: Destination, batch: list[LoggedEvent]
) -> list[LoggedEvent]:
    """Deliver what can be delivered; returns the events that failed (their `failure` set), in log order."""
    ready = [item for item in batch if item.failure is None]
    if ready:
        try:
            with conn.begin_nested():
                deliver(conn, db, destination, ready)
        except Exception as exc:
            if transient_failure(exc):
                raise
            if len(ready) == 1:
                ready[0].failure = failed.describe(exc)
            else:
                _deliver_one_by_one(conn, db, destination, ready)
    return [item for item in batch if item.failure is not None]


def _deliver_one_by_one(conn: Connection, db: Database, destination: Destination, items: list[LoggedEvent]) -> None:
    for item in items:
        try:
            with conn.begin_nested():
                deliver(conn, db, destination, [item])
        except Exception as exc:
            if transient_failure(exc):
                raise
            item.failure = failed.describe(exc)


def park(conn: Connection, destination: Destination, items: list[LoggedEvent], now: float | None = None) -> None:
    """Put failed events in the destination's failed state (same transaction as the cursor that passes them);
    the caller logs each with `log_failure` once that transaction is committed."""
    if not items:
        return
    now = time.time() if now is None else now
    for item in items:
        reason = item.failure or "failed"
        failed.park(
            conn,
            destination.id,
            event_seq=item.seq,
            message_id=item.message_id,
            person_key=item.person_key,
            body=item.body,
            reason=reason,
            now=now,
        )
    log_entries(conn, [parked_entry(destination, item) for item in items])
    increment(conn, f"destination:{destination.id}", Counter({PARKED: len(items)}))


def log_failure(destination_id: int, item: LoggedEvent, reason: str) -> None:
    """The one log line of a failure (no traceback: the reason says what failed, and it is kept with the event)."""
    log.error(
        "destination %s: event %s (seq %s, person %r) failed and is in the failed state: %s",
        destination_id, item.message_id, item.seq, item.person_key, reason,
    )  # fmt: skip

"""Delivering routed events: applied in-process to a local workspace, or written to the remote outbox."""

from __future__ import annotations

import logging
import time
from collections import Counter
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from sqlalchemy import Connection

from segcio.actions.definition import PlannedRequest
from segcio.delivery.log import LOCAL_WORKSPACE, LogEntry, summary
from segcio.delivery.log import write as log_entries
from segcio.errors import Invalid
from segcio.jsonutil import dumps
from segcio.pipeline.failed import storable
from segcio.pipeline.operations import operations_for
from segcio.store import Database
from segcio.store.counters import increment

if TYPE_CHECKING:
    from segcio.pipeline.destinations import Destination
    from segcio.pipeline.logged import LoggedEvent

log = logging.getLogger(__name__)

SIDE_BY_SIDE_NOTE = "classic and actions destinations are both on for this source: duplicates are expected"


def deliver(conn: Connection, db: Database, destination: Destination, batch: list[LoggedEvent]) -> None:
    """Deliver processed events the destination's way, inside the caller's transaction."""
    if destination.is_local:
        deliver_local(conn, db, destination, batch)
    else:
        deliver_remote(conn, destination, batch)


def deliver_local(conn: Connection, db: Database, destination: Destination, batch: list[LoggedEvent]) -> None:
    """Apply every event's requests to the destination's workspace, inside the router's transaction."""
    from segcio.workspace.engine import Workspace
    from segcio.workspace.settings import load_settings

    workspace = Workspace(db, destination.workspace_id)
    email_identifiers = load_settings(conn, destination.workspace_id).identifiers == "email_or_id"
    ops: list[dict[str, Any]] = []
    seqs: list[int] = []
    spans: list[tuple[int, int, list[str]]] = []
    for item in batch:
        start, problems = len(ops), list(item.processed.errors)
        for request in item.processed.requests:
            try:
                ops.extend(operations_for(request, email_identifiers=email_identifiers))
            except Invalid as exc:  # a request this event cannot make; anything else is parked by the caller
                problems.append(f"{request.method} {urlsplit(request.url).path}: {exc}")
        seqs.extend([item.seq] * (len(ops) - len(seqs)))
        spans.append((start, len(ops), problems))
    started = time.perf_counter()
    source = f"destination:{destination.id}"
    results = workspace.apply(ops, conn=conn, source=source, event_seqs=seqs) if ops else []
    # The workspace applies the batch at once: each applied event is shown its share of that time.
    applied = sum(1 for start, end, _ in spans if end > start)
    share_ms = (time.perf_counter() - started) * 1000 / applied if applied else None
    outcomes: Counter[str] = Counter()
    entries = []
    for item, (start, end, problems) in zip(batch, spans, strict=True):
        problems += [r.message or r.reason or "failed" for r in results[start:end] if not r.ok]
        outcome = _outcome(item, problems, end > start)
        outcomes[outcome] += 1
        if outcome != "no_match":
            entry = _entry(destination, item, outcome, problems, status=200 if outcome == "delivered" else None)
            if end > start and share_ms is not None:
                entry.duration_ms = round(share_ms, 3)
            entries.append(entry)
    log_entries(conn, entries)
    increment(conn, f"destination:{destination.id}", outcomes)


def deliver_remote(conn: Connection, destination: Destination, batch: list[LoggedEvent]) -> None:
    """Queue every event's requests in the outbox; the sender delivers them with batching and retries."""
    from segcio.delivery.outbox import Planned, enqueue_many

    outcomes: Counter[str] = Counter()
    base_url = destination.settings.get("base_url")
    planned, entries = [], []
    for item in batch:
        requests = [_rebase(r, base_url) for r in item.processed.requests] if base_url else item.processed.requests
        if requests:
            planned.append(Planned(destination.id, item.person_key, requests, item.seq))
        outcome = _outcome(item, list(item.processed.errors), bool(requests), queued=True)
        outcomes[outcome] += 1
        if outcome in ("dropped", "failed", "filtered"):
            entries.append(_entry(destination, item, outcome, list(item.processed.errors)))
    enqueue_many(conn, planned)
    log_entries(conn, entries)
    increment(conn, f"destination:{destination.id}", outcomes)


def parked_entry(destination: Destination, item: LoggedEvent) -> LogEntry:
    """The delivery-log row of an event put in the failed state (from the stored body: the message may be what
    cannot be serialised)."""
    return LogEntry(
        destination_id=destination.id,
        outcome="parked",
        created_at=time.time(),
        method=None,
        url=None,
        status=None,
        items=0,
        person_key=storable(item.person_key),
        event_seq=item.seq,
        request_summary=summary(item.body),
        response_summary=summary(item.failure or "failed"),
        event_name=None if (name := _event_name(item.message)) is None else storable(name),
        message_id=storable(item.message_id),
    )


def _entry(
    destination: Destination, item: LoggedEvent, outcome: str, problems: list[str], status: int | None = None
) -> LogEntry:
    """One delivery-log row: what the event was and what became of it (shown in the UI's Deliveries)."""
    requests = item.processed.requests
    first = requests[0] if requests else None
    notes = [item.processed.dropped] if item.processed.dropped else problems
    if item.processed.filtered:
        notes = [f"{item.processed.filtered} (message {item.message_id})"]  # not sent: no duplicate to note
    elif destination.side_by_side:
        notes = [*notes, SIDE_BY_SIDE_NOTE]
    if first is None:
        method = url = None
    elif destination.is_local:
        method, url = None, LOCAL_WORKSPACE  # applied in-process: the planned Customer.io URL was never called
    else:
        method, url = first.method, first.url
    return LogEntry(
        destination_id=destination.id,
        outcome=outcome,
        created_at=time.time(),
        method=method,
        url=url,
        status=status,
        items=len(requests),
        person_key=item.person_key,
        event_seq=item.seq,
        request_summary=summary(dumps(first.json if first else item.message)),
        response_summary=summary("; ".join(notes) or None),
        event_name=_event_name(item.message),
        message_id=item.message_id or None,
    )


def _event_name(message: dict[str, Any]) -> str | None:
    """What the Deliveries page filters on as the event name: a track's event, a page's or screen's name."""
    name = message.get("event") if message.get("type") == "track" else message.get("name")
    return name if isinstance(name, str) and name else None


def _outcome(item: LoggedEvent, problems: list[str], sent: bool, queued: bool = False) -> str:
    if item.processed.filtered:
        return "filtered"
    if item.processed.dropped:
        return "dropped"
    if problems:
        return "failed"
    if not sent:
        return "no_match"
    return "queued" if queued else "delivered"


def _rebase(request: PlannedRequest, base_url: str) -> PlannedRequest:
    """Point a request at another Customer.io-compatible base URL (e.g. another segcio)."""
    parts = urlsplit(request.url)
    tail = parts.path + (f"?{parts.query}" if parts.query else "")
    return PlannedRequest(
        method=request.method, url=base_url.rstrip("/") + tail, headers=request.headers, json=request.json
    )

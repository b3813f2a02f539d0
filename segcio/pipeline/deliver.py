"""Delivering routed events: applied in-process to a local workspace, or written to the remote outbox."""

from __future__ import annotations

import logging
from collections import Counter
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from sqlalchemy import Connection

from segcio.pipeline.operations import UnsupportedRequest, operations_for
from segcio.store import Database
from segcio.store.counters import increment

if TYPE_CHECKING:
    from segcio.actions.definition import PlannedRequest
    from segcio.pipeline.destinations import Destination
    from segcio.pipeline.router import LoggedEvent

log = logging.getLogger(__name__)


def deliver_local(conn: Connection, db: Database, destination: Destination, batch: list[LoggedEvent]) -> None:
    """Apply every event's requests to the destination's workspace, inside the router's transaction."""
    from segcio.workspace.engine import Workspace
    from segcio.workspace.settings import load_settings

    workspace = Workspace(db, destination.workspace_id)
    email_identifiers = load_settings(conn, destination.workspace_id).identifiers == "email_or_id"
    ops: list[dict[str, Any]] = []
    spans: list[tuple[int, int, list[str]]] = []
    for item in batch:
        start, problems = len(ops), list(item.processed.errors)
        for request in item.processed.requests:
            try:
                ops.extend(operations_for(request, email_identifiers=email_identifiers))
            except (UnsupportedRequest, ValueError) as exc:
                problems.append(f"{request.method} {urlsplit(request.url).path}: {exc}")
        spans.append((start, len(ops), problems))
    results = workspace.apply(ops, conn=conn, source=f"destination:{destination.id}") if ops else []
    outcomes: Counter[str] = Counter()
    for item, (start, end, problems) in zip(batch, spans, strict=True):
        problems += [r.message or r.reason or "failed" for r in results[start:end] if not r.ok]
        outcomes[_outcome(item, problems, end > start)] += 1
    increment(conn, f"destination:{destination.id}", outcomes)


def deliver_remote(conn: Connection, destination: Destination, batch: list[LoggedEvent]) -> None:
    """Queue every event's requests in the outbox; the sender delivers them with batching and retries."""
    from segcio.delivery.outbox import Planned, enqueue_many

    outcomes: Counter[str] = Counter()
    base_url = destination.settings.get("base_url")
    planned = []
    for item in batch:
        requests = [_rebase(r, base_url) for r in item.processed.requests] if base_url else item.processed.requests
        if requests:
            planned.append(Planned(destination.id, item.person_key, requests, item.seq))
        outcomes[_outcome(item, list(item.processed.errors), bool(requests), queued=True)] += 1
    enqueue_many(conn, planned)
    increment(conn, f"destination:{destination.id}", outcomes)


def _outcome(item: LoggedEvent, problems: list[str], sent: bool, queued: bool = False) -> str:
    if item.processed.dropped:
        return "dropped"
    if problems:
        return "failed"
    if not sent:
        return "no_match"
    return "queued" if queued else "delivered"


def _rebase(request: PlannedRequest, base_url: str) -> PlannedRequest:
    """Point a request at another Customer.io-compatible base URL (e.g. another segcio)."""
    from segcio.actions.definition import PlannedRequest

    parts = urlsplit(request.url)
    tail = parts.path + (f"?{parts.query}" if parts.query else "")
    return PlannedRequest(
        method=request.method, url=base_url.rstrip("/") + tail, headers=request.headers, json=request.json
    )

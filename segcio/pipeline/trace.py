"""One event's way through segcio, from the database: how it was received, whether ingestion or its
`integrations` stopped it, and per destination what the subscriptions make of it and what became of it.

Used by the trace page (`/ui/events/{seq}`), `segcio events trace` and `GET /admin/api/events/{seq}/trace`; finding
events is `segcio.pipeline.event_search`. What links an event to each piece: its `seq` in the outbox, dead letters,
failed events, replays and the delivery log (a batch request lists its items' seqs in `event_seqs`, item i at
batch_index i), and the `event_seq` of the workspace events and activity entries a destination applied from it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, and_, or_, select

from segcio import jsonutil
from segcio.delivery.sender import item_errors
from segcio.destinations.integrations import filtered_reason
from segcio.destinations.kinds import ACTIONS_KIND
from segcio.destinations.subscriptions import load_subscriptions
from segcio.destinations.tester import test_event
from segcio.pipeline.processors import processor_for
from segcio.spec.timestamps import parse_iso
from segcio.store import Database
from segcio.store.counters import read as read_counters
from segcio.store.tables.core import destinations, events, sources
from segcio.store.tables.delivery import dead_letters, delivery_log, outbox
from segcio.store.tables.routing import (
    cursors,
    destination_periods,
    failed_events,
    regulations,
    replayed_events,
    suppressions,
)
from segcio.store.tables.workspace import ws_activities, ws_events, ws_objects
from segcio.workspace.identity import cio_id_for

VERDICTS_NOTE = (
    "Subscription verdicts are computed now, with the destination's subscriptions and settings as they are now "
    "(by the Event Tester); the event was routed with those of its time."
)
REQUEST_NOTE = (
    "The HTTP request the event came in is not recorded: each message is stored on its own, with the batch's "
    "context, integrations and sentAt merged in."
)
DEDUPE_NOTE = (
    "A messageId is stored once per source: copies received later within the dedupe window (24 h by default) are "
    "acknowledged and dropped, not stored, so this is the first copy that arrived. Dropped copies are only counted "
    "(per source), not kept: whether one came, and what it held, cannot be told."
)
SUPPRESSED_NOTE = (
    "Events of a suppressed userId are acknowledged and dropped at ingestion, before the log: they are not stored "
    "and have no trace (counted as `suppressed` for their source)."
)
LINK_NOTE = (
    "Workspace rows and batch requests written before segcio recorded their event (migration 0020) are not linked "
    "to it."
)
SECRET_HEADERS = frozenset({"authorization", "proxy-authorization"})


def iso(seconds: float | None) -> str | None:
    if seconds is None:
        return None
    return datetime.fromtimestamp(float(seconds), UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def suppression_of(conn: Connection, user_id: str | None) -> dict[str, Any] | None:
    """The suppression of a userId (regulation, type, since when), or None."""
    if not user_id:
        return None
    row = conn.execute(
        select(suppressions.c.regulation_id, suppressions.c.created_at, regulations.c.regulation_type)
        .select_from(suppressions.outerjoin(regulations, regulations.c.id == suppressions.c.regulation_id))
        .where(suppressions.c.user_id == user_id)
    ).first()
    if row is None:
        return None
    return {
        "user_id": user_id,
        "regulation_id": int(row.regulation_id),
        "regulation_type": row.regulation_type,
        "since": iso(row.created_at),
        "since_ts": float(row.created_at),
    }


def trace(db: Database, seq: int) -> dict[str, Any] | None:
    """Everything segcio knows about the event `seq` of the log, or None when the log no longer holds it."""
    with db.connect() as conn:
        row = conn.execute(select(events).where(events.c.seq == seq)).first()
        if row is None:
            return None
        message = _message(row.body)
        source = conn.execute(select(sources.c.id, sources.c.name).where(sources.c.id == row.source_id)).first()
        suppression = suppression_of(conn, row.user_id)
        if suppression is not None:
            before = suppression["since_ts"] >= row.received_at
            suppression["applies_to_this_event"] = not before
            suppression["note"] = SUPPRESSED_NOTE + (" This event arrived before the suppression." if before else "")
        deduplicated = read_counters(conn, f"source:{row.source_id}").get(
            (f"source:{row.source_id}", "deduplicated")
        )
        destination_rows = conn.execute(
            select(destinations).where(destinations.c.source_id == row.source_id).order_by(destinations.c.id)
        ).all()
        traced = [_destination(conn, d, row, message) for d in destination_rows]
    return {
        "seq": int(row.seq),
        "message_id": row.message_id,
        "type": row.type,
        "user_id": row.user_id,
        "anonymous_id": row.anonymous_id,
        "partition": int(row.partition),
        "source": {"id": int(row.source_id), "name": source.name if source else None},
        "received": {
            "received_at": iso(row.received_at),
            "request": REQUEST_NOTE,
            "timestamps": _timestamps(message),
        },
        "event": message,
        "ingest": {
            "suppression": suppression,
            "deduplication": {"note": DEDUPE_NOTE, "source_deduplicated_total": int(deduplicated or 0)},
        },
        "verdicts_note": VERDICTS_NOTE,
        "destinations": traced,
        "notes": [LINK_NOTE],
    }


def _message(body: str) -> dict[str, Any]:
    try:
        message = jsonutil.loads(body)
    except ValueError:
        return {"_unreadable": body[:2000]}
    return message if isinstance(message, dict) else {"_unreadable": body[:2000]}


def _timestamps(message: dict[str, Any]) -> dict[str, Any]:
    """The clock-skew correction: timestamp = receivedAt - (sentAt - originalTimestamp)."""
    original, corrected = message.get("originalTimestamp"), message.get("timestamp")
    parsed_original, parsed_corrected = parse_iso(original), parse_iso(corrected)
    correction = None
    if parsed_original is not None and parsed_corrected is not None:
        correction = round((parsed_corrected - parsed_original).total_seconds(), 3)
    if message.get("sentAt") is None:
        how = "no sentAt: timestamp is the client's own (or receivedAt when it sent none)"
    else:
        how = "timestamp = receivedAt - (sentAt - originalTimestamp), correcting the device's clock"
    return {
        "original": original,
        "sent_at": message.get("sentAt"),
        "received_at": message.get("receivedAt"),
        "corrected": corrected,
        "correction_seconds": correction,
        "how": how,
    }


def _destination(conn: Connection, d: Any, row: Any, message: dict[str, Any]) -> dict[str, Any]:
    settings = jsonutil.loads(d.settings) if d.settings else {}
    settings = settings if isinstance(settings, dict) else {}
    target = str(settings.get("target") or "local")
    out: dict[str, Any] = {
        "id": int(d.id),
        "name": d.name,
        "kind": d.kind,
        "enabled": bool(d.enabled),
        "target": target,
        "workspace_id": int(settings.get("workspace_id") or 1) if target == "local" else None,
        "routing": _routing(conn, int(d.id), bool(d.enabled), int(row.partition), int(row.seq)),
        "integrations": filtered_reason(d.kind, message),
        "verdicts": _verdicts(conn, d, settings, message),
        "delivery_log": _delivery_log(conn, int(d.id), int(row.seq)),
        "outbox": _outbox(conn, int(d.id), int(row.seq)),
        "dead_letters": _dead_letters(conn, int(d.id), int(row.seq)),
        "failed_events": _failed(conn, int(d.id), int(row.seq)),
        "replays": _replays(conn, int(d.id), int(row.seq)),
        "workspace": _workspace(conn, int(row.seq), int(d.id), int(settings.get("workspace_id") or 1))
        if target == "local"
        else None,
    }
    out["fate"] = _fate(out)
    return out


def _routing(conn: Connection, destination_id: int, enabled: bool, partition: int, seq: int) -> dict[str, Any]:
    position = conn.execute(
        select(cursors.c.position).where(cursors.c.destination_id == destination_id, cursors.c.partition == partition)
    ).scalar()
    periods = conn.execute(
        select(destination_periods.c.start_seq, destination_periods.c.end_seq).where(
            destination_periods.c.destination_id == destination_id
        )
    ).all()
    live = any(seq > p.start_seq and (p.end_seq is None or seq <= p.end_seq) for p in periods)
    passed = position is not None and seq <= int(position)
    if passed and live:
        state, detail = "routed", "the destination's cursor has passed this event: it was routed live"
    elif live and enabled:
        state, detail = "waiting", "the destination has not reached this event yet (backlog)"
    elif live:
        state, detail = "off", "the destination was turned off before it reached this event"
    else:
        state = "not_routed"
        detail = (
            "the destination was off (or did not exist yet) when this event arrived: a destination receives what "
            "arrives while it is on, and history only through an explicit replay"
        )
    return {"state": state, "detail": detail, "cursor": None if position is None else int(position)}


def _verdicts(conn: Connection, d: Any, settings: dict[str, Any], message: dict[str, Any]) -> dict[str, Any]:
    """What the destination makes of the event now: the Event Tester's report (Actions) or the classic calls."""
    if message.get("type") == "delete" or d.kind != ACTIONS_KIND:
        try:
            processed = processor_for(d.kind, settings, []).process(message)
        except Exception as exc:  # a destination that raises on the event: its failed state says the same
            return {"requests": [], "error": f"{type(exc).__name__}: {exc}"}
        requests = [_redact(r.to_dict()) for r in processed.requests]
        return {"requests": requests, "dropped": processed.dropped, "subscriptions": [], "details": []}
    report = test_event(message, settings, load_subscriptions(conn, int(d.id)))
    report["requests"] = [_redact(r) for r in report.get("requests", [])]
    return report


def _redact(request: dict[str, Any]) -> dict[str, Any]:
    headers = request.get("headers")
    if isinstance(headers, dict):
        request = {**request, "headers": {k: ("***" if k.lower() in SECRET_HEADERS else v) for k, v in headers.items()}}
    return request


def _delivery_log(conn: Connection, destination_id: int, seq: int) -> list[dict[str, Any]]:
    """Delivery-log rows of the event: its own rows, and the batch requests that carried it (with its items'
    batch_index and any per-item error of a 207 at that index)."""
    text = str(seq)
    rows = conn.execute(
        select(delivery_log)
        .where(
            delivery_log.c.destination_id == destination_id,
            or_(delivery_log.c.event_seq == seq, delivery_log.c.event_seqs.like(f"%{text}%")),
        )
        .order_by(delivery_log.c.id)
    ).all()
    out = []
    for r in rows:
        entry: dict[str, Any] = {
            "id": int(r.id),
            "at": iso(r.created_at),
            "outcome": r.outcome,
            "method": r.method,
            "url": r.url,
            "status": r.status,
            "items": int(r.items or 0),
            "duration_ms": r.duration_ms,
            "request": r.request_summary,
            "response": r.response_summary,
        }
        if r.event_seqs:
            seqs = jsonutil.loads(r.event_seqs)
            indexes = [i for i, s in enumerate(seqs) if s == seq]
            if not indexes:
                continue  # the digits matched another seq
            errors = item_errors(r.response_summary or "", len(seqs))
            entry["batch_index"] = indexes
            entry["item_errors"] = {str(i): errors[i] for i in indexes if i in errors}
        elif r.event_seq != seq:
            continue
        out.append(entry)
    return out


def _outbox(conn: Connection, destination_id: int, seq: int) -> list[dict[str, Any]]:
    rows = conn.execute(
        select(outbox).where(outbox.c.destination_id == destination_id, outbox.c.event_seq == seq).order_by(outbox.c.id)
    ).all()
    return [
        {
            "id": int(r.id),
            "method": r.method,
            "url": r.url,
            "attempts": int(r.attempts),
            "next_attempt_at": iso(r.next_attempt_at),
            "last_error": r.last_error,
            "queued_at": iso(r.created_at),
            "body": None if r.body is None else jsonutil.loads(r.body),
        }
        for r in rows
    ]


def _dead_letters(conn: Connection, destination_id: int, seq: int) -> list[dict[str, Any]]:
    rows = conn.execute(
        select(dead_letters)
        .where(dead_letters.c.destination_id == destination_id, dead_letters.c.event_seq == seq)
        .order_by(dead_letters.c.id)
    ).all()
    return [
        {
            "id": int(r.id),
            "method": r.method,
            "url": r.url,
            "reason": r.reason,
            "status": r.status,
            "attempts": int(r.attempts),
            "at": iso(r.created_at),
        }
        for r in rows
    ]


def _failed(conn: Connection, destination_id: int, seq: int) -> list[dict[str, Any]]:
    rows = conn.execute(
        select(failed_events)
        .where(failed_events.c.destination_id == destination_id, failed_events.c.event_seq == seq)
        .order_by(failed_events.c.id)
    ).all()
    return [
        {
            "id": int(r.id),
            "reason": r.reason,
            "attempts": int(r.attempts),
            "failed_at": iso(r.failed_at),
            "last_attempt_at": iso(r.last_attempt_at),
        }
        for r in rows
    ]


def _replays(conn: Connection, destination_id: int, seq: int) -> list[dict[str, Any]]:
    """Replays by `segcio replay` into the local workspace (failed-event and dead-letter replays are in the
    delivery log, outcome `replayed`)."""
    rows = conn.execute(
        select(replayed_events.c.replayed_at).where(
            and_(replayed_events.c.destination_id == destination_id, replayed_events.c.event_seq == seq)
        )
    ).all()
    return [{"at": iso(r.replayed_at), "how": "segcio replay (range)"} for r in rows]


def _workspace(conn: Connection, seq: int, destination_id: int, workspace_id: int) -> dict[str, Any]:
    """The workspace events and activity entries the destination applied from the event."""
    event_rows = conn.execute(
        select(ws_events)
        .where(ws_events.c.event_seq == seq, ws_events.c.workspace_id == workspace_id)
        .order_by(ws_events.c.id)
    ).all()
    activity_rows = conn.execute(
        select(ws_activities)
        .where(ws_activities.c.event_seq == seq, ws_activities.c.source == f"destination:{destination_id}")
        .order_by(ws_activities.c.id)
    ).all()
    object_pks = {int(r.object_pk) for r in activity_rows if r.object_pk is not None}
    objects = (
        {
            int(o.id): {"type_id": int(o.type_id), "object_id": o.object_id, "cio_object_id": cio_id_for(int(o.id))}
            for o in conn.execute(
                select(ws_objects.c.id, ws_objects.c.type_id, ws_objects.c.object_id).where(
                    ws_objects.c.id.in_(object_pks)
                )
            )
        }
        if object_pks
        else {}
    )
    return {
        "events": [
            {
                "id": int(r.id),
                "workspace_id": int(r.workspace_id),
                "type": r.type,
                "name": r.name,
                "event_id": r.event_id,
                "timestamp": iso(r.timestamp),
                "person": None if r.person_id is None else cio_id_for(int(r.person_id)),
                "anonymous_id": r.anonymous_id,
            }
            for r in event_rows
        ],
        "activities": [
            {
                "id": int(r.id),
                "workspace_id": int(r.workspace_id),
                "type": r.type,
                "name": r.name,
                "timestamp": iso(r.timestamp),
                "person": None if r.person_id is None else cio_id_for(int(r.person_id)),
                "object": objects.get(int(r.object_pk)) if r.object_pk is not None else None,
                "data": jsonutil.loads(r.data),
            }
            for r in activity_rows
        ],
    }


def _fate(d: dict[str, Any]) -> str:
    """One line: what became of the event at this destination."""
    routing = d["routing"]
    if routing["state"] != "routed":
        return str(routing["detail"])
    if d["integrations"]:
        return f"not sent: {d['integrations']}"
    if d["failed_events"]:
        return f"in the failed state: {d['failed_events'][-1]['reason']}"
    outcomes = [entry["outcome"] for entry in d["delivery_log"]]
    if d["target"] == "local":
        workspace = d["workspace"] or {}
        applied = len(workspace.get("events", [])) + len(workspace.get("activities", []))
        if "failed" in outcomes:
            if applied:
                return "applied to the local workspace with errors (see the delivery log and activities)"
            return "not applied: the destination or the workspace refused it (see the delivery log)"
        if applied:
            return f"applied to the local workspace ({applied} workspace row(s))"
        if "dropped" in outcomes:
            return "dropped by the destination (see the delivery log)"
        return "no request: no subscription matched, or nothing was recorded for it"
    if d["dead_letters"]:
        return f"dead-lettered: {d['dead_letters'][-1]['reason']}"
    if d["outbox"]:
        tried = max(o["attempts"] for o in d["outbox"])
        return "queued in the outbox" + (f", retried {tried} time(s)" if tried else "")
    if any(o in ("delivered", "partial") for o in outcomes):
        return "sent to Customer.io (see the batch in the delivery log)"
    if "dropped" in outcomes or "failed" in outcomes:
        return "not sent (see the delivery log)"
    return "no request queued: no subscription matched, or the delivery log no longer holds it"

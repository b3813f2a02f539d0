"""Events, page and screen views (person or anonymous), and delivery metrics."""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert

from segcio import jsonutil
from segcio.customerio.limits import MAX_EVENT_DATA_BYTES, MAX_EVENT_NAME_BYTES
from segcio.store.tables.workspace import ws_delivery_metrics
from segcio.workspace.attributes import event_time
from segcio.workspace.identity import IdentifierError, identifier_text
from segcio.workspace.prefetch import Wanted
from segcio.workspace.resolve import person_identifier, resolve_or_create
from segcio.workspace.results import DUPLICATE, OK, OpResult, invalid
from segcio.workspace.unit import Unit

# Events for an anonymous id arriving this long after its identify still join the person.
LATE_ANONYMOUS_SECONDS = 300.0


def _event_parts(op: dict[str, Any], now: float) -> tuple[str, dict[str, Any], str, float, str | None]:
    name = op.get("name")
    if not isinstance(name, str) or not name.strip():
        raise invalid("name", "name is required: a non-empty string naming the event")
    name = name.strip()  # "We automatically trim leading and trailing spaces from event names."
    if len(name.encode()) > MAX_EVENT_NAME_BYTES:
        raise invalid("name", f"name is longer than {MAX_EVENT_NAME_BYTES} bytes; shorten it")
    data = op.get("attributes", op.get("data"))
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise invalid("attributes", "attributes must be an object of event properties")
    encoded = jsonutil.dumps(data)
    if len(encoded) > MAX_EVENT_DATA_BYTES:
        raise invalid("attributes", f"event data is larger than {MAX_EVENT_DATA_BYTES} bytes; send less data")
    timestamp = event_time(op.get("timestamp"), now)
    if timestamp is None:
        raise invalid("timestamp", "timestamp must be Unix seconds (or an ISO-8601 date)")
    event_id = op.get("id")
    if event_id is not None and event_id != "":
        try:
            event_id = identifier_text(event_id, "id")
        except IdentifierError as exc:
            raise invalid(exc.field, exc.message) from None
    else:
        event_id = None
    return name, data, encoded, timestamp, event_id


def track_needs(wanted: Wanted, op: dict[str, Any]) -> None:
    wanted.person_of(op)
    wanted.event_id(op.get("id"))


def track(unit: Unit, op: dict[str, Any]) -> OpResult:
    """event / page / screen (and the content actions), for a person or an anonymous id."""
    kind_of_event = str(op.get("action") or "event")
    name, _data, encoded, timestamp, event_id = _event_parts(op, unit.now)
    identifiers = op.get("identifiers")
    if not identifiers and kind_of_event == "event" and isinstance(_data.get("recipient"), str):
        kind, value = "anonymous_id", ""  # the legacy "invite" event: no person, no anonymous id
    else:
        kind, value = person_identifier(unit, op, allow_anonymous=True)
    if event_id is not None and unit.seen_event_ids.get(event_id):
        return OpResult(True, DUPLICATE, "id", f"an event with id {event_id!r} was already received; ignored")
    person_pk: int | None = None
    anonymous_id: str | None = None
    if kind == "anonymous_id":
        anonymous_id = value or None
        owner = unit.anonymous_owner.get(value) if value else None
        if owner is not None and unit.settings.anonymous_merge and unit.now - owner[1] <= LATE_ANONYMOUS_SECONDS:
            person_pk = owner[0] if unit.by_pk(owner[0]) is not None else None
    else:
        person_pk = resolve_or_create(unit, kind, value, why=kind_of_event).pk
    unit.add_event(
        {
            "workspace_id": unit.ws,
            "person_id": person_pk,
            "anonymous_id": anonymous_id,
            "event_id": event_id,
            "type": kind_of_event[:16],
            "name": name,
            "timestamp": timestamp,
            "received_at": unit.now,
            "data": encoded,
        }
    )
    if event_id is not None:
        unit.seen_event_ids.set(event_id, True)
    return OK


def delivery_event(unit: Unit, op: dict[str, Any]) -> OpResult:
    """A delivery metric (v2 type "delivery", v1 /metrics): stored as received."""
    identifiers = op.get("identifiers") or {}
    delivery_id = identifiers.get("id") if isinstance(identifiers, dict) else None
    delivery_id = delivery_id or op.get("delivery_id")
    if not isinstance(delivery_id, str) or not delivery_id:
        raise invalid("identifiers.id", "identifiers.id must be the delivery id")
    metric = op.get("name") or op.get("metric")
    if not isinstance(metric, str) or not metric:
        raise invalid("name", "name must be the metric (opened, converted, delivered, ...)")
    data = op.get("attributes") or {}
    if not isinstance(data, dict):
        raise invalid("attributes", "attributes must be an object")
    extra = {
        k: v for k, v in op.items() if k not in ("type", "action", "identifiers", "name", "attributes", "timestamp")
    }
    timestamp = event_time(op.get("timestamp"), unit.now)
    if timestamp is None:
        raise invalid("timestamp", "timestamp must be Unix seconds")
    unit.conn.execute(
        insert(ws_delivery_metrics).values(
            workspace_id=unit.ws,
            delivery_id=delivery_id,
            metric=metric[:32],
            timestamp=timestamp,
            data=jsonutil.dumps({**extra, **data}),
            received_at=unit.now,
        )
    )
    return OK

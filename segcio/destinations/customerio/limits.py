"""Customer.io's documented limits, checked on a planned request: what Customer.io would refuse, or accept and
then drop or treat specially. Nothing here changes a request; the Event Tester shows the warnings.

Figures (docs/destination-actions.md#customerios-limits lists them with their sources):
https://docs.customer.io/api/track/ ("Customer limits", "Object and relationship limits", "Track API Event
limits", "v2 API Limits"; the event `timestamp`: "Events with a timestamp in the past 72 hours can trigger
campaigns") and https://docs.customer.io/journeys/faq-timestamps/ (timestamps are Unix seconds; milliseconds do
not match timestamp rules; a future `created_at` triggers Signed Up campaigns only once that time comes).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator, Mapping
from typing import Any

from segcio import jsonutil
from segcio.customerio.limits import (
    MAX_ATTRIBUTE_NAME_BYTES,
    MAX_ATTRIBUTE_VALUE_BYTES,
    MAX_ATTRIBUTES,
    MAX_BATCH_BYTES,
    MAX_ENTITY_BYTES,
    MAX_EVENT_DATA_BYTES,
    MAX_EVENT_NAME_BYTES,
    MAX_OBJECT_ATTRIBUTES_KB,
)
from segcio.customerio.limits import MAX_IDENTIFIER_BYTES as MAX_ID_BYTES

# Decimal kilobytes: see segcio.customerio.limits.
MAX_OBJECT_ATTRIBUTES_BYTES = MAX_OBJECT_ATTRIBUTES_KB * 1000
CAMPAIGN_WINDOW_SECONDS = 72 * 3600
# A Unix time in seconds at or above this is after the year 5000: a milliseconds value.
MILLISECONDS_FROM = 100_000_000_000

_EVENT_ACTIONS = frozenset({"event", "page", "screen"})
_IDENTIFIER_KEYS = ("id", "email", "cio_id", "anonymous_id", "object_id")

Warning = dict[str, str]


def _warning(field: str, limit: str, message: str) -> Warning:
    return {"field": field, "limit": limit, "message": message}


def size(value: Any) -> int:
    """Bytes Customer.io counts for a value: a string's UTF-8, anything else as JSON."""
    if isinstance(value, str):
        return len(value.encode("utf-8", "surrogatepass"))
    return _json_size(value)


def _json_size(value: Any) -> int:
    try:
        return len(jsonutil.dumpb(value))
    except (TypeError, ValueError):  # a lone surrogate: measured as JSON text writes it
        return len(json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8", "surrogatepass"))


def _identifiers(prefix: str, identifiers: Any) -> Iterator[Warning]:
    if not isinstance(identifiers, Mapping):
        return
    for key in _IDENTIFIER_KEYS:
        found = identifiers.get(key)
        if found is not None and size(str(found)) > MAX_ID_BYTES:
            yield _warning(f"{prefix}{key}", f"{MAX_ID_BYTES} bytes",
                           f"{key} is {size(str(found))} bytes; Customer.io refuses identifiers over "
                           f"{MAX_ID_BYTES} bytes")


def _attributes(prefix: str, attributes: Any, *, total: bool) -> Iterator[Warning]:
    """A person's, object's or relationship's attributes: count, name and value sizes (and the total for objects
    and relationships)."""
    if not isinstance(attributes, Mapping):
        return
    if len(attributes) > MAX_ATTRIBUTES:
        yield _warning(prefix.rstrip("."), f"{MAX_ATTRIBUTES} attributes",
                       f"{len(attributes)} attributes; Customer.io stores at most {MAX_ATTRIBUTES} per call and "
                       "drops the rest")
    for name, value in attributes.items():
        if size(name) > MAX_ATTRIBUTE_NAME_BYTES:
            yield _warning(f"{prefix}{name}", f"{MAX_ATTRIBUTE_NAME_BYTES} bytes",
                           f"the attribute name is {size(name)} bytes; Customer.io drops attributes whose name is "
                           f"over {MAX_ATTRIBUTE_NAME_BYTES} bytes")
        if value is not None and size(value) > MAX_ATTRIBUTE_VALUE_BYTES:
            yield _warning(f"{prefix}{name}", f"{MAX_ATTRIBUTE_VALUE_BYTES} bytes",
                           f"the value is {size(value)} bytes; Customer.io drops attribute values over "
                           f"{MAX_ATTRIBUTE_VALUE_BYTES} bytes")
    if total and _json_size(attributes) > MAX_OBJECT_ATTRIBUTES_BYTES:
        yield _warning(prefix.rstrip("."), f"{MAX_OBJECT_ATTRIBUTES_BYTES} bytes",
                       f"the attributes take {_json_size(attributes)} bytes; Customer.io keeps at most "
                       f"{MAX_OBJECT_ATTRIBUTES_BYTES} bytes of attributes per object or relationship")


def _timestamp(field: str, value: Any, now: float, *, event: bool, created_at: bool = False) -> Iterator[Warning]:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return
    if value >= MILLISECONDS_FROM:
        yield _warning(field, "Unix seconds",
                       f"{value} looks like milliseconds; Customer.io reads Unix seconds, so this is a date "
                       "thousands of years ahead and timestamp rules will not match it")
    elif event and value < now - CAMPAIGN_WINDOW_SECONDS:
        yield _warning(field, "72 hours",
                       "the event is more than 72 hours old; Customer.io records it but it cannot trigger campaigns")
    elif created_at and value > now:
        yield _warning(field, "future",
                       "created_at is in the future; a campaign triggered by the Signed Up segment starts for this "
                       "person only at that time")


def _entity(prefix: str, entity: Any, now: float) -> Iterator[Warning]:
    if not isinstance(entity, Mapping):
        return
    yield from _identifiers(f"{prefix}identifiers.", entity.get("identifiers"))
    for side in ("primary", "secondary"):
        yield from _identifiers(f"{prefix}{side}.", entity.get(side))
    action = entity.get("action")
    attributes = entity.get("attributes")
    if action in _EVENT_ACTIONS:
        name = entity.get("name")
        if isinstance(name, str) and size(name) > MAX_EVENT_NAME_BYTES:
            yield _warning(f"{prefix}name", f"{MAX_EVENT_NAME_BYTES} bytes",
                           f"the event name is {size(name)} bytes; Customer.io refuses event names over "
                           f"{MAX_EVENT_NAME_BYTES} bytes")
        data = _json_size(attributes) if attributes is not None else 0
        if data > MAX_EVENT_DATA_BYTES:
            yield _warning(f"{prefix}attributes", f"{MAX_EVENT_DATA_BYTES} bytes",
                           f"the event data is {data} bytes; Customer.io refuses event data over "
                           f"{MAX_EVENT_DATA_BYTES} bytes")
        yield from _timestamp(f"{prefix}timestamp", entity.get("timestamp"), now, event=True)
    else:
        is_object = entity.get("type") == "object"
        yield from _attributes(f"{prefix}attributes.", attributes, total=is_object)
        yield from _timestamp(f"{prefix}timestamp", entity.get("timestamp"), now, event=False)
        if isinstance(attributes, Mapping) and not is_object:
            yield from _timestamp(f"{prefix}attributes.created_at", attributes.get("created_at"), now,
                                  event=False, created_at=True)
    relationships = entity.get("cio_relationships")
    if isinstance(relationships, list):
        for index, relationship in enumerate(relationships):
            if isinstance(relationship, Mapping):
                at = f"{prefix}cio_relationships[{index}]."
                yield from _identifiers(f"{at}identifiers.", relationship.get("identifiers"))
                yield from _attributes(f"{at}relationship_attributes.", relationship.get("relationship_attributes"),
                                       total=True)
    device = entity.get("device")
    if isinstance(device, Mapping):
        yield from _timestamp(f"{prefix}device.last_used", device.get("last_used"), now, event=False)


def check_request(method: str, url: str, body: Any, now: float | None = None) -> list[Warning]:
    """Warnings for one planned Track API request (empty when Customer.io would take all of it as sent)."""
    if body is None:
        return []
    at = time.time() if now is None else now
    path = url.split("?", 1)[0]
    warnings: list[Warning] = []
    if path.endswith("/api/v2/batch") and isinstance(body, Mapping):
        total = _json_size(body)
        if total > MAX_BATCH_BYTES:
            warnings.append(_warning("batch", f"{MAX_BATCH_BYTES} bytes",
                                     f"the batch is {total} bytes; Customer.io refuses batches over "
                                     f"{MAX_BATCH_BYTES} bytes"))
        items = body.get("batch")
        for index, item in enumerate(items if isinstance(items, list) else []):
            prefix = f"batch[{index}]."
            item_size = _json_size(item)
            if item_size > MAX_ENTITY_BYTES:
                warnings.append(_warning(f"batch[{index}]", f"{MAX_ENTITY_BYTES} bytes",
                                         f"the operation is {item_size} bytes; Customer.io refuses batch items "
                                         f"over {MAX_ENTITY_BYTES} bytes"))
            warnings.extend(_entity(prefix, item, at))
    elif path.endswith("/api/v2/entity"):
        entity_size = _json_size(body)
        if entity_size > MAX_ENTITY_BYTES:
            warnings.append(_warning("body", f"{MAX_ENTITY_BYTES} bytes",
                                     f"the request is {entity_size} bytes; Customer.io refuses /api/v2/entity "
                                     f"requests over {MAX_ENTITY_BYTES} bytes"))
        warnings.extend(_entity("", body, at))
    return warnings

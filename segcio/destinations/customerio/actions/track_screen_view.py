"""Track Screen View: screen -> Track API v2 `person` / `screen`."""

from __future__ import annotations

from typing import Any

from segcio.actions.fields import Field
from segcio.actions.jscompat import truthy
from segcio.destinations.customerio.fields import BATCHING, CONVERT_TIMESTAMP, anonymous_id, path
from segcio.destinations.customerio.payload import UNDEFINED, entity_action, rest_of

FIELDS: dict[str, Field] = {
    "id": Field(label="Person ID", type="string", default=path("$.userId"),
                description="The person's id; `cio_<id>` or an email address are recognised as such."),
    "anonymous_id": anonymous_id(),
    "event_id": Field(label="Event ID", type="string", default=path("$.messageId"),
                      description="An id Customer.io uses to deduplicate the screen view."),
    "name": Field(label="Screen name", type="string", required=True, default=path("$.name"),
                  description="The name of the screen viewed."),
    "timestamp": Field(label="Timestamp", type="string", default=path("$.timestamp"),
                       description="When the screen was viewed."),
    "data": Field(label="Event Attributes", type="object", default=path("$.properties"),
                  description="Data sent with the screen view."),
    "convert_timestamp": CONVERT_TIMESTAMP,
    **BATCHING,
}


def map_payload(payload: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    mapped = rest_of(payload, "id", "event_id", "data")
    mapped["person_id"] = payload.get("id", UNDEFINED)
    mapped["attributes"] = payload.get("data", UNDEFINED)
    if truthy(payload.get("event_id")):
        mapped["id"] = payload["event_id"]
    return "screen", mapped


ACTION = entity_action(
    key="trackScreenView",
    title="Track Screen View",
    description="Track a screen view for a known or anonymous person.",
    default_subscription='type = "screen"',
    fields=FIELDS,
    entity_type="person",
    map_payload=map_payload,
)

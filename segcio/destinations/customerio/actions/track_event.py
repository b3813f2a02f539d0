"""Track Event: track -> Track API v2 `person` / `event`."""

from __future__ import annotations

from typing import Any

from segcio.actions.fields import Field
from segcio.destinations.customerio.fields import BATCHING, CONVERT_TIMESTAMP, anonymous_id, path
from segcio.destinations.customerio.payload import UNDEFINED, entity_action, rest_of

# Events other actions handle; Track Event leaves them alone.
RESERVED_EVENTS = (
    "Application Installed", "Application Opened", "Application Uninstalled", "Device Created or Updated",
    "Device Deleted", "Relationship Deleted", "User Deleted", "User Suppressed", "User Unsuppressed",
    "Object Deleted", "Report Delivery Event", "Report Content Event",
)
SUBSCRIPTION = 'type = "track" and ' + " and ".join(f'event != "{name}"' for name in RESERVED_EVENTS)

FIELDS: dict[str, Field] = {
    "id": Field(label="Person ID", type="string", default=path("$.userId"),
                description="The person's id; `cio_<id>` or an email address are recognised as such."),
    "anonymous_id": anonymous_id(),
    "name": Field(label="Event Name", type="string", required=True, default=path("$.event"),
                  description="The name of the event."),
    "event_id": Field(label="Event ID", type="string", default=path("$.messageId"),
                      description="An id Customer.io uses to deduplicate the event."),
    "timestamp": Field(label="Timestamp", type="string", default=path("$.timestamp"),
                       description="When the event happened."),
    "data": Field(label="Event Attributes", type="object", default=path("$.properties"),
                  description="Data sent with the event."),
    "convert_timestamp": CONVERT_TIMESTAMP,
    **BATCHING,
}


def map_payload(payload: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    mapped = rest_of(payload, "id", "event_id", "data")
    mapped["person_id"] = payload.get("id", UNDEFINED)
    mapped["id"] = payload.get("event_id", UNDEFINED)
    mapped["attributes"] = payload.get("data", UNDEFINED)
    return "event", mapped


ACTION = entity_action(
    key="trackEvent",
    title="Track Event",
    description="Track an event for a known or anonymous person.",
    default_subscription=SUBSCRIPTION,
    fields=FIELDS,
    entity_type="person",
    map_payload=map_payload,
)

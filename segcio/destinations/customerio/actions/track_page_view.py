"""Track Page View: page -> Track API v2 `person` / `page` (the event name is the URL)."""

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
                      description="An id Customer.io uses to deduplicate the page view."),
    "url": Field(label="Page URL", type="string", required=True, default=path("$.properties.url"),
                 description="The URL of the page viewed."),
    "timestamp": Field(label="Timestamp", type="string", default=path("$.timestamp"),
                       description="When the page was viewed."),
    "data": Field(label="Event Attributes", type="object", default=path("$.properties"),
                  description="Data sent with the page view."),
    "convert_timestamp": CONVERT_TIMESTAMP,
    **BATCHING,
}


def map_payload(payload: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    mapped = rest_of(payload, "id", "event_id", "url", "data")
    mapped["person_id"] = payload.get("id", UNDEFINED)
    mapped["name"] = payload.get("url", UNDEFINED)
    mapped["attributes"] = payload.get("data", UNDEFINED)
    if truthy(payload.get("event_id")):
        mapped["id"] = payload["event_id"]
    return "page", mapped


ACTION = entity_action(
    key="trackPageView",
    title="Track Page View",
    description="Track a page view for a known or anonymous person.",
    default_subscription='type = "page"',
    fields=FIELDS,
    entity_type="person",
    map_payload=map_payload,
)

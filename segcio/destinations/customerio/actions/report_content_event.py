"""Report Content Event: "Report Content Event" -> Track API v2 `person` / `viewed_content`|`clicked_content`."""

from __future__ import annotations

from typing import Any

from segcio.actions.fields import Field
from segcio.actions.jsvalues import truthy
from segcio.destinations.customerio.fields import BATCHING, CONVERT_TIMESTAMP, anonymous_id, path
from segcio.destinations.customerio.payload import UNDEFINED, entity_action, value

FIELDS: dict[str, Field] = {
    "anonymous_id": anonymous_id(),
    "actionType": Field(label="Action Type", type="string", required=True, default=path("$.properties.actionType"),
                        choices=("viewed_content", "clicked_content"),
                        description="What the person did with the content."),
    "timestamp": Field(label="Timestamp", type="string", default=path("$.timestamp"),
                       description="When it happened."),
    "data": Field(label="Event Attributes", type="object", default=path("$.properties"),
                  description="Data sent with the event."),
    "convert_timestamp": CONVERT_TIMESTAMP,
    **BATCHING,
}


def map_payload(payload: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    data = value(payload, "data")
    # The reference deletes `data.actionType` only when it is truthy: "", 0, false and null stay.
    if isinstance(data, dict) and truthy(data.get("actionType")):
        data = {k: v for k, v in data.items() if k != "actionType"}
    action_type = value(payload, "actionType")
    mapped: dict[str, Any] = {
        "anonymous_id": payload.get("anonymous_id", UNDEFINED),
        "timestamp": payload.get("timestamp", UNDEFINED),
    }
    for key in ("convert_timestamp", "enable_batching", "batch_size"):
        if key in payload:
            mapped[key] = payload[key]
    mapped["name"] = action_type
    mapped["attributes"] = UNDEFINED if data is None else data
    return str(action_type), mapped


ACTION = entity_action(
    key="reportContentEvent",
    title="Report Content Event",
    description="Report a Viewed or Clicked Content event.",
    default_subscription='event = "Report Content Event"',
    fields=FIELDS,
    entity_type="person",
    map_payload=map_payload,
)

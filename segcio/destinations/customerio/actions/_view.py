"""Page and screen views: the same action but for what names the view (a page's URL, a screen's name)."""

from __future__ import annotations

from typing import Any

from segcio.actions.definition import ActionDefinition
from segcio.actions.fields import Field
from segcio.actions.jscompat import truthy
from segcio.destinations.customerio.fields import BATCHING, CONVERT_TIMESTAMP, anonymous_id, path
from segcio.destinations.customerio.payload import UNDEFINED, entity_action, rest_of


def view_action(
    kind: str, key: str, title: str, name_key: str, name_field: Field, *, name_from_field: bool
) -> ActionDefinition:
    """The Track Page/Screen View action. `name_key` is the field naming the view; `name_from_field`: the
    request's `name` is set from it after `person_id` (a page's `url`), else the field is the `name` itself."""
    fields: dict[str, Field] = {
        "id": Field(label="Person ID", type="string", default=path("$.userId"),
                    description="The person's id; `cio_<id>` or an email address are recognised as such."),
        "anonymous_id": anonymous_id(),
        "event_id": Field(label="Event ID", type="string", default=path("$.messageId"),
                          description=f"An id Customer.io uses to deduplicate the {kind} view."),
        name_key: name_field,
        "timestamp": Field(label="Timestamp", type="string", default=path("$.timestamp"),
                           description=f"When the {kind} was viewed."),
        "data": Field(label="Event Attributes", type="object", default=path("$.properties"),
                      description=f"Data sent with the {kind} view."),
        "convert_timestamp": CONVERT_TIMESTAMP,
        **BATCHING,
    }  # fmt: skip
    taken = ("id", "event_id", name_key, "data") if name_from_field else ("id", "event_id", "data")

    def map_payload(payload: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        mapped = rest_of(payload, *taken)
        mapped["person_id"] = payload.get("id", UNDEFINED)
        if name_from_field:
            mapped["name"] = payload.get(name_key, UNDEFINED)
        mapped["attributes"] = payload.get("data", UNDEFINED)
        if truthy(payload.get("event_id")):
            mapped["id"] = payload["event_id"]
        return kind, mapped

    return entity_action(
        key=key,
        title=title,
        description=f"Track a {kind} view for a known or anonymous person.",
        default_subscription=f'type = "{kind}"',
        fields=fields,
        entity_type="person",
        map_payload=map_payload,
    )

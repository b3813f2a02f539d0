"""Delete Object: "Object Deleted" -> Track API v2 `object` / `delete`."""

from __future__ import annotations

from typing import Any

from segcio.actions.fields import Field
from segcio.destinations.customerio.fields import BATCHING, path, path_or
from segcio.destinations.customerio.payload import entity_action

FIELDS: dict[str, Field] = {
    "object_id": Field(label="Object ID", type="string", default=path("$.properties.objectId"),
                       description="The id of the object to delete."),
    "object_type_id": Field(label="Object Type ID", type="string",
                            default=path_or("$.properties.object_type_id", "$.properties.objectTypeId"),
                            description="The type of the object (default 1)."),
    **BATCHING,
}


def map_payload(payload: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    return "delete", payload


ACTION = entity_action(
    key="deleteObject",
    title="Delete Object",
    description="Delete an object in Customer.io.",
    default_subscription='event = "Object Deleted"',
    fields=FIELDS,
    entity_type="object",
    map_payload=map_payload,
)

"""Delete Relationship: "Relationship Deleted" -> Track API v2 `object` / `delete_relationships`."""

from __future__ import annotations

from typing import Any

from segcio.actions.fields import Field
from segcio.destinations.customerio.fields import BATCHING, anonymous_id, path, path_or, person_id
from segcio.destinations.customerio.payload import entity_action, resolve_identifiers, value

FIELDS: dict[str, Field] = {
    "person_id": person_id(),
    "anonymous_id": anonymous_id(),
    "object_id": Field(label="Object ID", type="string", required=True, default=path("$.properties.objectId"),
                       description="The id of the object."),
    "object_type_id": Field(label="Object Type ID", type="string",
                            default=path_or("$.properties.object_type_id", "$.properties.objectTypeId"),
                            description="The type of the object (default 1)."),
    **BATCHING,
}


def map_payload(payload: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    person = resolve_identifiers(anonymous_id=value(payload, "anonymous_id"), person_id=value(payload, "person_id"))
    return "delete_relationships", {**payload, "cio_relationships": [{"identifiers": person}]}


ACTION = entity_action(
    key="deleteRelationship",
    title="Delete Relationship",
    description="Delete a relationship between a person and an object in Customer.io.",
    default_subscription='event = "Relationship Deleted"',
    fields=FIELDS,
    entity_type="object",
    map_payload=map_payload,
)

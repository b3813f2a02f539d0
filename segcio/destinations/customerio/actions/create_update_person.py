"""Create or Update Person: identify -> Track API v2 `person` / `identify`."""

from __future__ import annotations

from typing import Any

from segcio.actions.fields import Field
from segcio.actions.jscompat import truthy
from segcio.customerio.timestamps import convert_created_at
from segcio.destinations.customerio.fields import BATCHING, CONVERT_TIMESTAMP, anonymous_id, path, path_or
from segcio.destinations.customerio.payload import UNDEFINED, entity_action, rest_of, value

FIELDS: dict[str, Field] = {
    "id": Field(label="Person ID", type="string", default=path_or("$.userId", "$.traits.email"),
                description="The person's id (the userId; the email trait when there is no userId)."),
    "anonymous_id": anonymous_id(),
    "email": Field(label="Email Address", type="string", default={"@template": "{{traits.email}}"},
                   description="The person's email address."),
    "created_at": Field(label="Created At", type="string",
                        default=path_or("$.traits.created_at", "$.traits.createdAt"),
                        description="When the person was created."),
    "group_id": Field(label="Object ID", type="string", default=path("$.traits.objectId"),
                      description="An object to relate the person to."),
    "custom_attributes": Field(label="Person Attributes", type="object", default=path("$.traits"),
                               description="Attributes to set on the person (added or updated, never removed)."),
    "relationship_attributes": Field(label="Relationship Attributes", type="object",
                                     default=path("$.traits.relationshipAttributes"),
                                     description="Attributes of the relationship between the person and the object."),
    "timestamp": Field(label="Timestamp", type="string", default=path("$.timestamp"),
                       description="When the update happened."),
    "object_type_id": Field(label="Object Type Id", type="string",
                            default=path_or("$.traits.object_type_id", "$.traits.objectTypeId"),
                            description="The type of the related object (default 1)."),
    "convert_timestamp": CONVERT_TIMESTAMP,
    **BATCHING,
}

# Traits that steer the call and are not person attributes.
_NOT_ATTRIBUTES = ("createdAt", "created_at", "object_type_id", "relationshipAttributes", "objectTypeId")


def map_payload(payload: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    attributes = dict(value(payload, "custom_attributes") or {})
    for key in _NOT_ATTRIBUTES:
        attributes.pop(key, None)
    created_at = value(payload, "created_at")
    if truthy(created_at):
        converting = "convert_timestamp" in payload and payload["convert_timestamp"] is not False
        attributes["created_at"] = convert_created_at(created_at) if converting else created_at
    email = value(payload, "email")
    if truthy(email):
        attributes["email"] = email
    mapped = rest_of(payload, "id", "created_at", "group_id", "custom_attributes", "relationship_attributes",
                     "object_type_id")
    mapped["person_id"] = payload.get("id", UNDEFINED)
    mapped["attributes"] = attributes
    group_id = value(payload, "group_id")
    if truthy(group_id):
        object_type_id = value(payload, "object_type_id")
        relationship: dict[str, Any] = {
            "identifiers": {"object_type_id": "1" if object_type_id is None else object_type_id, "object_id": group_id}
        }
        relationship_attributes = value(payload, "relationship_attributes")
        if truthy(relationship_attributes):
            relationship["relationship_attributes"] = relationship_attributes
        mapped["cio_relationships"] = [relationship]
    return "identify", mapped


ACTION = entity_action(
    key="createUpdatePerson",
    title="Create or Update Person",
    description="Create a person in Customer.io or update them if they exist.",
    default_subscription='type = "identify"',
    fields=FIELDS,
    entity_type="person",
    map_payload=map_payload,
)

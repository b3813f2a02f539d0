"""Create or Update Object: group -> Track API v2 `object` / `identify` (or `identify_anonymous`), related to the
person who sent the call."""

from __future__ import annotations

from typing import Any

from segcio.actions.definition import ActionDefinition, PlannedRequest, RequestContext
from segcio.actions.fields import Field
from segcio.actions.jscompat import truthy
from segcio.customerio.timestamps import convert_attribute_timestamps, convert_created_at
from segcio.destinations.customerio.fields import BATCHING, CONVERT_TIMESTAMP, anonymous_id, path, path_or
from segcio.destinations.customerio.payload import (
    UNDEFINED,
    build_payload,
    resolve_identifiers,
    rest_of,
    send_batch,
    send_single,
    value,
)

FIELDS: dict[str, Field] = {
    "id": Field(label="Object ID", type="string", required=True, default=path("$.groupId"),
                description="The object's id."),
    "created_at": Field(label="Created At", type="string",
                        default=path_or("$.traits.created_at", "$.traits.createdAt"),
                        description="When the object was created."),
    "custom_attributes": Field(label="Object Attributes", type="object", default=path("$.traits.objectAttributes"),
                               description="Attributes of the object."),
    "relationship_attributes": Field(label="Relationship Attributes", type="object",
                                     default=path("$.traits.relationshipAttributes"),
                                     description="Attributes of the relationship between the person and the object."),
    "user_id": Field(label="User ID", type="string", default=path("$.userId"),
                     description="The person related to the object."),
    "anonymous_id": anonymous_id(),
    "object_type_id": Field(label="Object Type Id", type="string",
                            default=path_or("$.traits.object_type_id", "$.traits.objectTypeId"),
                            description="The object's type (default 1)."),
    "convert_timestamp": CONVERT_TIMESTAMP,
    **BATCHING,
}

ENTITY_ACTIONS = ("identify", "identify_anonymous")


def map_payload(payload: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    attributes = value(payload, "custom_attributes")
    if isinstance(attributes, dict):
        attributes = {k: v for k, v in attributes.items()
                      if k not in ("object_type_id", "objectTypeId", "relationshipAttributes")}
    object_type_id = value(payload, "object_type_id")
    body = rest_of(payload, "id", "custom_attributes", "relationship_attributes", "user_id", "anonymous_id",
                   "object_type_id", "convert_timestamp")
    body["anonymous_id"] = payload.get("anonymous_id", UNDEFINED)
    body["person_id"] = payload.get("user_id", UNDEFINED)
    body["attributes"] = UNDEFINED if attributes is None else attributes
    body["object_type_id"] = "1" if object_type_id is None else object_type_id
    body["object_id"] = payload.get("id", UNDEFINED)
    relationship_attributes = value(payload, "relationship_attributes")
    if "convert_timestamp" in payload and payload["convert_timestamp"] is not False:
        if "created_at" in body:
            body["created_at"] = convert_created_at(body["created_at"])
        body = convert_attribute_timestamps(body)
        if truthy(relationship_attributes):
            relationship_attributes = convert_attribute_timestamps(relationship_attributes)
    if "created_at" in body and not truthy(body["created_at"]):
        del body["created_at"]
    if isinstance(body["attributes"], dict):
        body["attributes"].pop("object_type_id", None)
    user_id = value(payload, "user_id")
    anonymous = value(payload, "anonymous_id")
    action = "identify"
    relationship: dict[str, Any] | None = None
    if truthy(user_id):
        relationship = {"identifiers": resolve_identifiers(person_id=user_id)}
    elif truthy(anonymous):
        action = "identify_anonymous"
        relationship = {"identifiers": {"anonymous_id": anonymous}}
    if relationship is not None:
        if truthy(relationship_attributes):
            relationship["relationship_attributes"] = relationship_attributes
        body["cio_relationships"] = [relationship]
    return action, body


def perform(ctx: RequestContext, payload: dict[str, Any]) -> list[PlannedRequest]:
    action, body = map_payload(payload)
    return send_single(ctx, build_payload("object", action, body))


def perform_batch(ctx: RequestContext, payloads: list[dict[str, Any]]) -> list[PlannedRequest]:
    """One batch request per entity action (identify, then identify_anonymous); empty groups send nothing."""
    groups: dict[str, list[dict[str, Any]]] = {name: [] for name in ENTITY_ACTIONS}
    for payload in payloads:
        action, body = map_payload(payload)
        groups[action].append(build_payload("object", action, body))
    return [request for name in ENTITY_ACTIONS for request in send_batch(ctx, groups[name])]


ACTION = ActionDefinition(
    key="createUpdateObject",
    title="Create or Update Object",
    description="Create an object in Customer.io or update them if they exist.",
    default_subscription='type = "group"',
    fields=FIELDS,
    perform=perform,
    perform_batch=perform_batch,
)

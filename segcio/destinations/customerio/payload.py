"""Identifier resolution, the Track API v2 entity body (`buildPayload`) and the requests that carry it."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from segcio.actions.definition import ActionDefinition, PlannedRequest, RequestContext
from segcio.actions.fields import Field
from segcio.actions.jsvalues import MISSING, truthy
from segcio.actions.validation import EMAIL_RE
from segcio.customerio.timestamps import (
    convert_attribute_timestamps,
    convert_string,
    convert_valid_timestamp,
)

# A JS `undefined` member of an object we build: it keeps its key's position (a later assignment fills it in
# place, as in JS) and disappears from the JSON.
UNDEFINED: Any = MISSING
# Keys buildPayload takes out of the mapped payload; the batching knobs are never sent either.
_TAKEN = frozenset(
    {"convert_timestamp", "person_id", "anonymous_id", "email", "object_id", "object_type_id", "timestamp",
     "enable_batching", "batch_size"}
)


def resolve_identifiers(
    *,
    person_id: Any = None,
    email: Any = None,
    anonymous_id: Any = None,
    object_id: Any = None,
    object_type_id: Any = UNDEFINED,
) -> dict[str, Any] | None:
    """The entity's identifiers, first match wins: object, `cio_<id>`, email-shaped id, id, email, anonymous id."""
    if object_type_id is UNDEFINED:
        object_type_id = "1"
    if truthy(object_id) and truthy(object_type_id):
        return {"object_id": object_id, "object_type_id": object_type_id}
    if isinstance(person_id, str):
        if person_id.startswith("cio_"):
            return {"cio_id": person_id[4:]}
        if EMAIL_RE.match(person_id):
            return {"email": person_id}
    if truthy(person_id):
        return {"id": person_id}
    if truthy(email):
        return {"email": email}
    if truthy(anonymous_id):
        return {"anonymous_id": anonymous_id}
    return None


def value(payload: Mapping[str, Any], key: str) -> Any:
    """The payload's value for `key`; None when missing or undefined."""
    found = payload.get(key)
    return None if found is UNDEFINED else found


def rest_of(payload: Mapping[str, Any], *consumed: str) -> dict[str, Any]:
    """`const {a, b, ...rest} = payload`: the other keys, in payload order."""
    return {key: val for key, val in payload.items() if key not in consumed}


def build_payload(entity_type: str, action: str, payload: Mapping[str, Any]) -> dict[str, Any]:
    """The Track API v2 entity for a mapped payload (key order as the reference's JSON)."""
    convert = "convert_timestamp" in payload and payload["convert_timestamp"] is not False
    body: dict[str, Any] = {"type": entity_type, "action": action}
    undefined_seen = False
    for key, val in payload.items():
        if key in _TAKEN:
            continue
        if val is UNDEFINED:
            undefined_seen = True
        elif convert:
            cls = val.__class__
            if cls is str:
                if len(val) >= 10 and val[4] == "-":
                    val = convert_string(val)
            elif cls is dict:
                val = convert_attribute_timestamps(val)
        body[key] = val
    get = payload.get
    timestamp = get("timestamp")
    if timestamp is not UNDEFINED and truthy(timestamp):
        body["timestamp"] = convert_valid_timestamp(timestamp)
    anonymous_id = get("anonymous_id")
    if anonymous_id is UNDEFINED:
        anonymous_id = None
    if truthy(anonymous_id):
        attributes = body.get("attributes")
        body["attributes"] = {**(attributes if isinstance(attributes, dict) else {}), "anonymous_id": anonymous_id}
    if action != "merge":
        identifiers = resolve_identifiers(
            person_id=get("person_id"),
            email=get("email"),
            anonymous_id=anonymous_id,
            object_id=get("object_id"),
            object_type_id=get("object_type_id", UNDEFINED),
        )
        if identifiers is not None:
            body["identifiers"] = identifiers
            if "anonymous_id" in identifiers:
                del body["attributes"]["anonymous_id"]
    if undefined_seen:
        body = {key: val for key, val in body.items() if val is not UNDEFINED}
    return body


def send_single(ctx: RequestContext, body: dict[str, Any]) -> list[PlannedRequest]:
    return [ctx.request("POST", f"{ctx.base_url}/api/v2/entity", body)]


def send_batch(ctx: RequestContext, bodies: list[dict[str, Any]]) -> list[PlannedRequest]:
    if not bodies:
        return []
    return [ctx.request("POST", f"{ctx.base_url}/api/v2/batch", {"batch": bodies})]


MapPayload = Callable[[dict[str, Any]], tuple[str, dict[str, Any]]]


def entity_action(
    *,
    key: str,
    title: str,
    description: str,
    default_subscription: str,
    fields: dict[str, Field],
    entity_type: str,
    map_payload: MapPayload,
) -> ActionDefinition:
    """An action that sends one Track API v2 entity per event: `/api/v2/entity`, or `/api/v2/batch` in batches.
    `map_payload` turns a validated payload into (entity action, mapped payload for `build_payload`)."""

    def perform(ctx: RequestContext, payload: dict[str, Any]) -> list[PlannedRequest]:
        action, mapped = map_payload(payload)
        return send_single(ctx, build_payload(entity_type, action, mapped))

    def perform_batch(ctx: RequestContext, payloads: list[dict[str, Any]]) -> list[PlannedRequest]:
        return send_batch(ctx, [build_payload(entity_type, *map_payload(p)) for p in payloads])

    return ActionDefinition(key=key, title=title, description=description,
                            default_subscription=default_subscription, fields=fields,
                            perform=perform, perform_batch=perform_batch)

"""Track API v1 requests translated into Track API v2 operations (pure functions, no I/O).

The workspace engine implements Customer.io's semantics once, for v2 operations; the v1 routes only reshape
their requests here. A request the v1 API answers with 400 raises `V1Error`; everything else (identity
conflicts, unknown people, suppressed identifiers) is left to the engine, which records it and lets the route
answer `200 {}` as Customer.io does.
"""

from __future__ import annotations

import math
from typing import Any

from segcio.errors import Invalid
from segcio.workspace.attributes import event_time
from segcio.workspace.identity import looks_like_email

Op = dict[str, Any]

CIO_ID_PREFIX = "cio_"
EVENT_TYPES = ("event", "page", "screen")
MERGE_IDENTIFIERS = ("id", "email", "cio_id")
# Allowed values of `metric` on POST /api/v1/metrics (union over channels, per the Track spec).
DELIVERY_METRICS = ("bounced", "clicked", "converted", "deferred", "delivered", "dropped", "opened", "spammed")
PUSH_EVENTS = ("opened", "converted", "delivered")
# Form fields Customer.io ignores rather than storing as attributes.
FORM_RESERVED = frozenset({"form_id", "form_name", "form_type", "form_url", "form_url_param"})


class V1Error(Invalid, ValueError):
    """A 400 answer. `singular` selects the `{"meta":{"error":...}}` shape used by merge_customers."""

    def __init__(self, message: str, *, singular: bool = False) -> None:
        super().__init__(message)
        self.singular = singular


def path_identifiers(value: str, *, email_identifiers: bool) -> dict[str, str]:
    """The v2 `identifiers` object for the `{identifier}` in a v1 path.

    `cio_<x>` addresses cio_id `x`; in an email-or-id workspace a value shaped like an email ("we determine the
    identifier type from the shape of the value") is an email; anything else (including phone numbers) is an id.
    An ID-only workspace treats everything but `cio_...` as an id.
    """
    if not value:
        raise V1Error("The customer identifier in the path is empty; put the person's id, email or cio_<id> there.")
    if value.startswith(CIO_ID_PREFIX) and len(value) > len(CIO_ID_PREFIX):
        return {"cio_id": value[len(CIO_ID_PREFIX) :]}
    if email_identifiers and looks_like_email(value):
        return {"email": value}
    return {"id": value}


def _person(identifiers: dict[str, str], action: str, **fields: Any) -> Op:
    return {"type": "person", "action": action, "identifiers": identifiers, **fields}


def _relationships(value: Any) -> tuple[str, list[Any]]:
    """(action, relationships) from v1 `cio_relationships` (the v2 list form is accepted as add_relationships)."""
    if isinstance(value, list):
        return "add_relationships", value
    if not isinstance(value, dict):
        raise V1Error('cio_relationships must be an object like {"action":"add_relationships","relationships":[...]}.')
    action = value.get("action", "add_relationships")
    if action not in ("add_relationships", "delete_relationships"):
        raise V1Error(f"cio_relationships.action must be add_relationships or delete_relationships, not {action!r}.")
    relationships = value.get("relationships")
    if not isinstance(relationships, list):
        raise V1Error("cio_relationships.relationships must be a list of {identifiers, relationship_attributes}.")
    return action, relationships


def identify(path_id: str, body: dict[str, Any], *, email_identifiers: bool) -> list[Op]:
    """PUT /api/v1/customers/{identifier}: add or update a person (and relate them to objects)."""
    identifiers = path_identifiers(path_id, email_identifiers=email_identifiers)
    attributes = dict(body)
    # Ruby's client keeps `cio_id` in the body next to the `cio_<id>` path; the path already says it.
    attributes.pop("cio_id", None)
    relationships = attributes.pop("cio_relationships", None)
    op = _person(identifiers, "identify", attributes=attributes)
    if "_timestamp" in attributes:
        op["timestamp"] = attributes.pop("_timestamp")
        if event_time(op["timestamp"], 0.0) is None:
            raise V1Error("_timestamp must be Unix seconds (an integer): when the attributes changed; fix or omit it.")
    ops = [op]
    if relationships is not None:
        action, items = _relationships(relationships)
        if action == "add_relationships":
            op["cio_relationships"] = items
        elif items:
            ops.append(_person(identifiers, "delete_relationships", cio_relationships=items))
    return ops


def delete(path_id: str, *, email_identifiers: bool) -> list[Op]:
    return [_person(path_identifiers(path_id, email_identifiers=email_identifiers), "delete")]


def suppress(path_id: str, *, email_identifiers: bool) -> list[Op]:
    return [_person(path_identifiers(path_id, email_identifiers=email_identifiers), "suppress")]


def unsuppress(path_id: str, *, email_identifiers: bool) -> list[Op]:
    return [_person(path_identifiers(path_id, email_identifiers=email_identifiers), "unsuppress")]


def _event_fields(body: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """(v2 action, fields) shared by person and anonymous events."""
    name = body.get("name")
    if not isinstance(name, str) or not name.strip():
        raise V1Error("name is required: send the event name as a non-empty string in 'name'.")
    kind = body.get("type") or "event"
    if kind not in EVENT_TYPES:
        raise V1Error(f"type must be one of event, page, screen (got {kind!r}).")
    data = body.get("data")
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise V1Error("data must be a JSON object of event properties.")
    # "We automatically trim leading and trailing spaces from event names."
    fields: dict[str, Any] = {"name": name.strip(), "attributes": data}
    for key in ("id", "timestamp"):
        if body.get(key) is not None:
            fields[key] = body[key]
    return kind, fields


def event(path_id: str, body: dict[str, Any], *, email_identifiers: bool) -> list[Op]:
    """POST /api/v1/customers/{identifier}/events: an event, page view or screen view."""
    identifiers = path_identifiers(path_id, email_identifiers=email_identifiers)
    kind, fields = _event_fields(body)
    return [_person(identifiers, kind, **fields)]


def anonymous_event(body: dict[str, Any]) -> list[Op]:
    """POST /api/v1/events: an anonymous event; without `anonymous_id` it is a legacy "invite" event.

    An invite event names its person only through `data.recipient`; it is kept as an anonymous event keyed by
    that recipient (a guess: Customer.io does not say how it stores invites), so it is never lost silently.
    """
    kind, fields = _event_fields(body)
    anonymous_id = body.get("anonymous_id")
    if anonymous_id is None or anonymous_id == "":
        recipient = fields["attributes"].get("recipient")
        if not isinstance(recipient, str) or not recipient:
            raise V1Error("anonymous_id is required; an event without one is an invite event and needs data.recipient.")
        return [_person({"anonymous_id": f"invite:{recipient}"}, kind, **fields)]
    if not isinstance(anonymous_id, str | int):
        raise V1Error("anonymous_id must be a string.")
    return [_person({"anonymous_id": str(anonymous_id)}, kind, **fields)]


def _unix_seconds(value: Any, field: str) -> int:
    """Unix seconds from an int, a float or a digit string (the Go client sends `last_used` as a string)."""
    if isinstance(value, bool):
        raise V1Error(f"{field} must be unix seconds (an integer).")
    if isinstance(value, int) or (isinstance(value, float) and math.isfinite(value)):
        return int(value)
    if isinstance(value, str) and value.strip().isdecimal():
        return int(value.strip())
    raise V1Error(f"{field} must be unix seconds (an integer), got {value!r}.")


def add_device(path_id: str, body: dict[str, Any], *, email_identifiers: bool) -> list[Op]:
    """PUT /api/v1/customers/{identifier}/devices: add or update a device (v1 `device.id` is the v2 `token`)."""
    identifiers = path_identifiers(path_id, email_identifiers=email_identifiers)
    device = body.get("device")
    if not isinstance(device, dict):
        raise V1Error('device is required: send {"device":{"id":"<token>","platform":"ios|android"}}.')
    token = device.get("id")
    if not isinstance(token, str) or not token:
        raise V1Error("device.id is required: send the device token as a string in device.id.")
    platform = device.get("platform")
    if not isinstance(platform, str) or not platform:
        raise V1Error("device.platform is required: send ios or android in device.platform.")
    nested = device.get("attributes")
    if nested is not None and not isinstance(nested, dict):
        raise V1Error("device.attributes must be an object of string values.")
    # Older clients put custom keys flat inside `device`; Node nests them under `attributes`. Accept both.
    attributes = {k: v for k, v in device.items() if k not in ("id", "platform", "last_used", "attributes")}
    attributes.update(nested or {})
    v2_device: dict[str, Any] = {"token": token, "platform": platform}
    if device.get("last_used") not in (None, ""):
        v2_device["last_used"] = _unix_seconds(device["last_used"], "device.last_used")
    if attributes:
        v2_device["attributes"] = attributes
    return [_person(identifiers, "add_device", device=v2_device)]


def delete_device(path_id: str, device_id: str, *, email_identifiers: bool) -> list[Op]:
    identifiers = path_identifiers(path_id, email_identifiers=email_identifiers)
    if not device_id:
        raise V1Error("The device token in the path is empty; use /customers/{identifier}/devices/{token}.")
    return [_person(identifiers, "delete_device", device={"token": device_id})]


def _merge_side(body: dict[str, Any], side: str) -> dict[str, str]:
    value = body.get(side)
    if not isinstance(value, dict):
        raise V1Error(f'{side} is required: send {{"{side}":{{"id"|"email"|"cio_id": "..."}}}}.', singular=True)
    keys = [k for k in value if k in MERGE_IDENTIFIERS]
    unknown = [k for k in value if k not in MERGE_IDENTIFIERS]
    if unknown:
        raise V1Error(
            f"{side} has unknown identifier {unknown[0]!r}; use exactly one of id, email, cio_id.", singular=True
        )
    if len(keys) != 1:
        raise V1Error(f"{side} must contain exactly one of id, email, cio_id (got {len(keys)}).", singular=True)
    identifier = value[keys[0]]
    if isinstance(identifier, bool) or not isinstance(identifier, str | int) or identifier == "":
        raise V1Error(f"{side}.{keys[0]} must be a non-empty string.", singular=True)
    return {keys[0]: str(identifier)}


def merge(body: dict[str, Any]) -> list[Op]:
    """POST /api/v1/merge_customers: merge `secondary` into `primary` (cio_id without the `cio_` prefix here)."""
    primary = _merge_side(body, "primary")
    secondary = _merge_side(body, "secondary")
    return [{"type": "person", "action": "merge", "primary": primary, "secondary": secondary}]


def form_submit(form_id: str, body: dict[str, Any], *, email_identifiers: bool) -> list[Op]:
    """POST /api/v1/forms/{form_id}/submit: identify the submitter from `data.email` or `data.id`.

    When both are present the email identifies the person in an email-or-id workspace and the id is stored on them;
    an ID-only workspace uses the id. (Customer.io says one of them must map to an identifier; the tie-break is ours.)
    """
    if not form_id:
        raise V1Error("The form id in the path is empty; use /api/v1/forms/{form_id}/submit.")
    data = body.get("data")
    if not isinstance(data, dict):
        raise V1Error('data is required: send {"data":{"email":"...", ...}} with string values.')
    not_strings = sorted(k for k, v in data.items() if not isinstance(v, str))
    if not_strings:
        raise V1Error(f"Form values must be strings; convert these fields: {', '.join(not_strings)}.")
    attributes = {k: v for k, v in data.items() if k not in FORM_RESERVED}
    email = attributes.get("email", "")
    person_id = attributes.get("id", "")
    if email_identifiers and email:
        identifiers = {"email": email}
    elif person_id:
        identifiers = {"id": person_id}
    else:
        needed = "data.email or data.id" if email_identifiers else "data.id (this workspace identifies people by id)"
        raise V1Error(f"The form submission has no identifier; include {needed}.")
    return [_person(identifiers, "identify", attributes=attributes)]


def _delivery_event(delivery_id: Any, name: str, attributes: dict[str, Any], timestamp: Any) -> Op:
    op: Op = {"type": "delivery", "action": "event", "identifiers": {"id": delivery_id}, "name": name}
    if attributes:
        op["attributes"] = attributes
    if timestamp is not None:
        op["timestamp"] = _unix_seconds(timestamp, "timestamp")
    return op


def metric(body: dict[str, Any]) -> list[Op]:
    """POST /api/v1/metrics: a delivery metric (opened, clicked, ...) reported for a delivery id."""
    delivery_id = body.get("delivery_id")
    if not isinstance(delivery_id, str) or not delivery_id:
        raise V1Error("delivery_id is required: send the delivery id (from the message) as a string.")
    name = body.get("metric")
    if name not in DELIVERY_METRICS:
        raise V1Error(f"metric must be one of {', '.join(DELIVERY_METRICS)} (got {name!r}).")
    attributes = {k: body[k] for k in ("recipient", "reason", "href", "metadata") if body.get(k) is not None}
    return [_delivery_event(delivery_id, name, attributes, body.get("timestamp"))]


def push_event(body: dict[str, Any]) -> list[Op]:
    """POST /api/v1/push/events (and /push/events): a push delivery metric for a device token."""
    delivery_id = body.get("delivery_id")
    if not isinstance(delivery_id, str) or not delivery_id:
        raise V1Error("delivery_id is required: send the push delivery id as a string.")
    name = body.get("event")
    if name not in PUSH_EVENTS:
        raise V1Error(f"event must be one of {', '.join(PUSH_EVENTS)} (got {name!r}).")
    device_id = body.get("device_id")
    if not isinstance(device_id, str) or not device_id:
        raise V1Error("device_id is required: send the device token the push was sent to.")
    return [_delivery_event(delivery_id, name, {"device_token": device_id}, body.get("timestamp"))]

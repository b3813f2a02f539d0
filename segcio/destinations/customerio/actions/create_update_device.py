"""Create or Update Device: app install/open -> Track API v2 `person` / `add_device`."""

from __future__ import annotations

from typing import Any

from segcio.actions.fields import Field
from segcio.actions.jscompat import truthy
from segcio.destinations.customerio.fields import BATCHING, CONVERT_TIMESTAMP, path, person_id
from segcio.destinations.customerio.payload import entity_action, rest_of, value

FIELDS: dict[str, Field] = {
    "person_id": person_id(),
    "device_id": Field(label="Device ID", type="string", required=True, default=path("$.context.device.token"),
                       description="The device token."),
    "app_version": Field(label="App Version", type="string", default=path("$.context.app.version"),
                         description="The version of the app on the device."),
    "platform": Field(label="Platform", type="string", required=True, default=path("$.context.device.type"),
                      description="The device platform (ios or android)."),
    "last_used": Field(label="Last Used", type="string", default=path("$.timestamp"),
                       description="When the device was last used."),
    "attributes": Field(label="Event Attributes", type="object", default=path("$.properties"),
                        description="Device attributes."),
    "convert_timestamp": CONVERT_TIMESTAMP,
    **BATCHING,
}


def map_payload(payload: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    attributes = dict(value(payload, "attributes") or {})
    app_version = value(payload, "app_version")
    if truthy(app_version):
        attributes["app_version"] = app_version
    device: dict[str, Any] = {"token": value(payload, "device_id"), "platform": value(payload, "platform")}
    if "last_used" in payload:
        device["last_used"] = payload["last_used"]
    device["attributes"] = attributes
    mapped = rest_of(payload, "device_id", "app_version", "platform", "last_used", "attributes")
    mapped["device"] = device
    return "add_device", mapped


ACTION = entity_action(
    key="createUpdateDevice",
    title="Create or Update Device",
    description="Create or update a person's device.",
    default_subscription='event = "Application Installed" or event = "Application Opened" '
    'or event = "Device Created or Updated"',
    fields=FIELDS,
    entity_type="person",
    map_payload=map_payload,
)

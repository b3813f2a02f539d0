"""Delete Device: app uninstall -> Track API v2 `person` / `delete_device`."""

from __future__ import annotations

from typing import Any

from segcio.actions.fields import Field
from segcio.destinations.customerio.fields import BATCHING, path, person_id
from segcio.destinations.customerio.payload import entity_action, rest_of, value

FIELDS: dict[str, Field] = {
    "person_id": person_id(),
    "device_id": Field(label="Device ID", type="string", required=True, default=path("$.context.device.token"),
                       description="The token of the device to delete."),
    **BATCHING,
}


def map_payload(payload: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    mapped = rest_of(payload, "device_id")
    mapped["device"] = {"token": value(payload, "device_id")}
    return "delete_device", mapped


ACTION = entity_action(
    key="deleteDevice",
    title="Delete Device",
    description="Delete a person's device.",
    default_subscription='event = "Application Uninstalled" or event = "Device Deleted"',
    fields=FIELDS,
    entity_type="person",
    map_payload=map_payload,
)

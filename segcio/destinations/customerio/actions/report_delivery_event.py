"""Report Delivery Event: "Report Delivery Event" -> `POST /api/v1/metrics` (no batch support)."""

from __future__ import annotations

import math
import time
from typing import Any

from segcio.actions.definition import ActionDefinition, PlannedRequest, RequestContext
from segcio.actions.fields import Field
from segcio.actions.jscompat import string_to_number, truthy
from segcio.customerio.timestamps import convert_valid_timestamp
from segcio.destinations.customerio.fields import BATCHING, path
from segcio.destinations.customerio.payload import value

METRICS = ("delivered", "opened", "clicked", "converted", "spammed", "bounced", "dropped", "deferred")

FIELDS: dict[str, Field] = {
    "delivery_id": Field(label="Delivery ID", type="string", required=True, default=path("$.properties.deliveryId"),
                         description="The CIO-Delivery-ID of the message the metric is about."),
    "metric": Field(label="Metric", type="string", required=True, default=path("$.properties.metric"),
                    choices=METRICS, description="The metric to report."),
    "recipient": Field(label="Recipient", type="string", default=path("$.properties.recipient"),
                       description="Who received the message (email address, phone number or device token)."),
    "reason": Field(label="Reason", type="string", default=path("$.properties.reason"),
                    description="Why a delivery failed, for failure metrics."),
    "href": Field(label="Href", type="string", default=path("$.properties.href"),
                  description="The link clicked, for click metrics."),
    "action_name": Field(label="Action Name", type="string", default=path("$.properties.actionName"),
                         description="The in-app message action clicked."),
    "action_value": Field(label="Action Value", type="string", default=path("$.properties.actionValue"),
                          description="The value of the in-app message action clicked."),
    "timestamp": Field(label="Timestamp", type="datetime", format="date-time", default=path("$.timestamp"),
                       description="When the metric happened."),
    **BATCHING,
}


def _unix(timestamp: Any) -> int | float:
    """`Number(convertValidTimestamp(ts))`, or now when that is NaN."""
    converted = convert_valid_timestamp(timestamp)
    number: float | None
    if converted is None:
        number = None
    elif isinstance(converted, str):
        number = string_to_number(converted)
    else:
        number = float(converted)
    if number is None or math.isnan(number):
        return int(time.time())
    return int(number) if number.is_integer() else number


def perform(ctx: RequestContext, payload: dict[str, Any]) -> list[PlannedRequest]:
    body: dict[str, Any] = {
        "delivery_id": value(payload, "delivery_id"),
        "metric": value(payload, "metric"),
        "timestamp": _unix(value(payload, "timestamp")),
    }
    for key in ("recipient", "reason", "href"):
        if truthy(payload.get(key)):
            body[key] = payload[key]
    for key in ("action_name", "action_value"):
        if truthy(payload.get(key)):
            body.setdefault("metadata", {})[key] = payload[key]
    return [ctx.request("POST", f"{ctx.base_url}/api/v1/metrics", body)]


ACTION = ActionDefinition(
    key="reportDeliveryEvent",
    title="Report Delivery Event",
    description="Report delivery metrics for a message sent from the Customer.io Journeys product.",
    default_subscription='event = "Report Delivery Event"',
    fields=FIELDS,
    perform=perform,
)

"""Fields and default mappings shared by the Customer.io actions."""

from __future__ import annotations

from typing import Any

from segcio.actions.fields import Field

ENABLE_BATCHING = Field(
    label="Enable Batching", type="boolean", default=True,
    description="Send events to Customer.io in batches (one Track API v2 batch request per group of events).",
)
BATCH_SIZE = Field(
    label="Batch Size", type="number", default=50, minimum=2, maximum=100,
    description="Largest number of events in one batch request.",
)
CONVERT_TIMESTAMP = Field(
    label="Convert Timestamps", type="boolean", default=True,
    description="Convert ISO-8601 dates in attributes to Unix timestamps (seconds since the epoch).",
)
BATCHING = {"enable_batching": ENABLE_BATCHING, "batch_size": BATCH_SIZE}


def path(p: str) -> dict[str, Any]:
    return {"@path": p}


def path_or(first: str, second: str) -> dict[str, Any]:
    """`first` unless it is missing or null, else `second`."""
    return {"@if": {"exists": {"@path": first}, "then": {"@path": first}, "else": {"@path": second}}}


def person_id(required: bool = True, default: Any = None, description: str = "") -> Field:
    return Field(
        label="Person ID", type="string", required=required, default=default or path("$.userId"),
        description=description or "The person's id; `cio_<id>` or an email address are recognised as such.",
    )


def anonymous_id() -> Field:
    return Field(label="Anonymous ID", type="string", default=path("$.anonymousId"),
                 description="The anonymous id, used to tie anonymous activity to the person.")

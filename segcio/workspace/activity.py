"""Customer.io's activity types, as recorded in the activity log."""

from __future__ import annotations

ATTRIBUTE_CHANGE = "attribute_change"
FAILED_ATTRIBUTE_CHANGE = "failed_attribute_change"
SKIPPED_UPDATE = "skipped_update"
EVENT = "event"
FAILED_EVENT = "failed_event"
PAGE = "page"
SCREEN = "screen"
DEVICE_CHANGE = "device_change"
PROFILE_CREATE = "profile_create"
PROFILE_DELETE = "profile_delete"
PROFILE_MERGE = "profile_merge"
ANON_MERGE = "anon_merge"
ADD_RELATIONSHIP = "add_relationship"
DELETE_RELATIONSHIP = "delete_relationship"

# Event-like activities live in the events table and are shown in the log from there.
EVENT_TYPES = (EVENT, PAGE, SCREEN)
FAILED_TYPES = (FAILED_ATTRIBUTE_CHANGE, FAILED_EVENT, SKIPPED_UPDATE)


def object_activity(type_id: int, what: str) -> str:
    """`_o:<type>:create|attribute_change|failed_attribute_change|delete|add_relationship|delete_relationship`."""
    return f"_o:{type_id}:{what}"


def relationship_activity(type_id: int, what: str) -> str:
    """`_r:<type>:attribute_change|failed_attribute_change`."""
    return f"_r:{type_id}:{what}"

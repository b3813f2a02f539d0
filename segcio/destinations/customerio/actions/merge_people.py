"""Merge People: alias -> Track API v2 `person` / `merge` (primary and secondary, no `identifiers`)."""

from __future__ import annotations

from typing import Any

from segcio.actions.fields import Field
from segcio.destinations.customerio.fields import BATCHING, path
from segcio.destinations.customerio.payload import UNDEFINED, entity_action, resolve_identifiers, value

FIELDS: dict[str, Field] = {
    "primary": Field(label="Primary User", type="string", required=True, default=path("$.userId"),
                     description="The person who remains after the merge."),
    "secondary": Field(label="Secondary User", type="string", required=True, default=path("$.previousId"),
                       description="The person merged into the primary one (and then deleted)."),
    **BATCHING,
}


def _person(identifier: Any) -> Any:
    found = resolve_identifiers(person_id=identifier)
    return UNDEFINED if found is None else found


def map_payload(payload: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    return "merge", {"primary": _person(value(payload, "primary")),
                     "secondary": _person(value(payload, "secondary"))}


ACTION = entity_action(
    key="mergePeople",
    title="Merge People",
    description="Merge two customer profiles together.",
    default_subscription='type = "alias"',
    fields=FIELDS,
    entity_type="person",
    map_payload=map_payload,
)

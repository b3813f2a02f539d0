"""Actions whose whole payload is the person: delete, suppress, unsuppress."""

from __future__ import annotations

from typing import Any

from segcio.actions.definition import ActionDefinition
from segcio.actions.fields import Field
from segcio.destinations.customerio.fields import BATCHING, person_id
from segcio.destinations.customerio.payload import entity_action

FIELDS: dict[str, Field] = {"person_id": person_id(), **BATCHING}


def person_action(key: str, title: str, description: str, event: str, action: str) -> ActionDefinition:
    def map_payload(payload: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        return action, payload

    return entity_action(key=key, title=title, description=description,
                         default_subscription=f'event = "{event}"', fields=FIELDS, entity_type="person",
                         map_payload=map_payload)

"""Presets: the Quick Setup subscriptions (one per action, with its default mapping), the subscriptions offered
for Segment-generated events, and segcio's extra identify-with-device subscription."""

from __future__ import annotations

from typing import Any

from segcio.actions.definition import Preset
from segcio.destinations.customerio.actions import ACTIONS

IDENTIFY_DEVICE_PRESET_NAME = "Create or Update Device from Identify"


# Divergence 4 of docs/conformance.md (Customer.io's documentation wins): "any other keys you pass in the
# [group traits] are attributes assigned to the object itself", so Quick Setup maps the group's traits when the
# call has no `traits.objectAttributes` (the reference maps `traits.objectAttributes` only; calls that use it
# behave exactly as in the reference).
# The action still drops object_type_id, objectTypeId and relationshipAttributes from them.
OBJECT_ATTRIBUTES_OR_TRAITS: dict[str, Any] = {"@if": {
    "exists": {"@path": "$.traits.objectAttributes"},
    "then": {"@path": "$.traits.objectAttributes"},
    "else": {"@path": "$.traits"},
}}
QUICK_SETUP_OVERRIDES: dict[str, dict[str, Any]] = {
    "createUpdateObject": {"custom_attributes": OBJECT_ATTRIBUTES_OR_TRAITS},
}


def _automatic() -> list[Preset]:
    return [
        Preset(name=action.title, partner_action=key, subscribe=action.default_subscription,
               mapping={**action.default_mapping(), **QUICK_SETUP_OVERRIDES.get(key, {})})
        for key, action in ACTIONS.items()
    ]


def _identify_device() -> Preset:
    """segcio's own preset (docs/destination-actions.md): an identify carrying `context.device.token` adds or
    updates the device too."""
    device = ACTIONS["createUpdateDevice"]
    return Preset(
        name=IDENTIFY_DEVICE_PRESET_NAME,
        partner_action="createUpdateDevice",
        subscribe='type = "identify" and context.device.token != null',
        mapping=device.default_mapping(),
    )


def _specific(name: str, action: str, slug: str, override: dict[str, Any]) -> Preset:
    # The reference matches these by event slug; as a trigger we use the event's name (a guess at how the
    # generated events are named when they arrive as ordinary calls).
    subscribe = f'type = "identify" and event = "{name}"' if action == "createUpdatePerson" else \
        f'type = "track" and event = "{name}"'
    return Preset(name=name, partner_action=action, subscribe=subscribe,
                  mapping={**ACTIONS[action].default_mapping(), **override}, type="specificEvent", event_slug=slug)


_DATA = {"data": {"@path": "$.properties"}}

SPECIFIC_EVENT_PRESETS: tuple[Preset, ...] = (
    _specific("Associated Entity Added", "trackEvent", "warehouse_entity_added_track", _DATA),
    _specific("Associated Entity Removed", "trackEvent", "warehouse_entity_removed_track", _DATA),
    _specific("Entities Audience Entered", "trackEvent", "warehouse_audience_entered_track", _DATA),
    _specific("Entities Exited", "trackEvent", "warehouse_audience_exited_track", _DATA),
    _specific("Entities Audience Membership Changed", "createUpdatePerson",
              "warehouse_audience_membership_changed_identify", {"custom_attributes": {"@path": "$.traits"}}),
    _specific("Journeys Step Transition Track", "trackEvent", "journeys_step_entered_track", _DATA),
)

AUTOMATIC_PRESETS: tuple[Preset, ...] = (*_automatic(), _identify_device())
PRESETS: tuple[Preset, ...] = (*AUTOMATIC_PRESETS, *SPECIFIC_EVENT_PRESETS)


def quick_setup() -> list[dict[str, Any]]:
    """The subscriptions Quick Setup installs (fresh copies)."""
    return [preset.subscription() for preset in AUTOMATIC_PRESETS]

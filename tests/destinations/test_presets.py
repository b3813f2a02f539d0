"""Presets: the Quick Setup subscriptions, their triggers and mappings, and which events they pick."""

from __future__ import annotations

from typing import Any

import pytest

from segcio.actions.trigger import compile_trigger
from segcio.destinations.customerio.actions import ACTIONS
from segcio.destinations.customerio.presets import (
    AUTOMATIC_PRESETS,
    IDENTIFY_DEVICE_PRESET_NAME,
    SPECIFIC_EVENT_PRESETS,
    quick_setup,
)

TRACK_EVENT_TRIGGER = (
    'type = "track" and event != "Application Installed" and event != "Application Opened" and '
    'event != "Application Uninstalled" and event != "Device Created or Updated" and event != "Device Deleted" and '
    'event != "Relationship Deleted" and event != "User Deleted" and event != "User Suppressed" and '
    'event != "User Unsuppressed" and event != "Object Deleted" and event != "Report Delivery Event" and '
    'event != "Report Content Event"'
)

EXPECTED = [
    ("Create or Update Person", "createUpdatePerson", 'type = "identify"'),
    ("Create or Update Device", "createUpdateDevice",
     'event = "Application Installed" or event = "Application Opened" or event = "Device Created or Updated"'),
    ("Delete Device", "deleteDevice", 'event = "Application Uninstalled" or event = "Device Deleted"'),
    ("Delete Relationship", "deleteRelationship", 'event = "Relationship Deleted"'),
    ("Delete Person", "deletePerson", 'event = "User Deleted"'),
    ("Delete Object", "deleteObject", 'event = "Object Deleted"'),
    ("Track Event", "trackEvent", TRACK_EVENT_TRIGGER),
    ("Track Page View", "trackPageView", 'type = "page"'),
    ("Track Screen View", "trackScreenView", 'type = "screen"'),
    ("Create or Update Object", "createUpdateObject", 'type = "group"'),
    ("Merge People", "mergePeople", 'type = "alias"'),
    ("Suppress Person", "suppressPerson", 'event = "User Suppressed"'),
    ("Unsuppress Person", "unsuppressPerson", 'event = "User Unsuppressed"'),
    ("Report Delivery Event", "reportDeliveryEvent", 'event = "Report Delivery Event"'),
    ("Report Content Event", "reportContentEvent", 'event = "Report Content Event"'),
    (IDENTIFY_DEVICE_PRESET_NAME, "createUpdateDevice", 'type = "identify" and context.device.token != null'),
]


def test_quick_setup_subscriptions() -> None:
    subs = quick_setup()
    assert [(s["name"], s["partnerAction"], s["subscribe"]) for s in subs] == EXPECTED
    for sub in subs:
        expected_mapping = ACTIONS[sub["partnerAction"]].default_mapping()
        if sub["partnerAction"] == "createUpdateObject":  # divergence 4: group traits are object attributes
            expected_mapping["custom_attributes"] = {"@if": {
                "exists": {"@path": "$.traits.objectAttributes"}, "then": {"@path": "$.traits.objectAttributes"},
                "else": {"@path": "$.traits"}}}
        assert sub["mapping"] == expected_mapping
        compile_trigger(sub["subscribe"])
    assert all(p.type == "automatic" for p in AUTOMATIC_PRESETS)


def test_default_subscription_equals_the_preset_trigger() -> None:
    for name, key, trigger in EXPECTED[:15]:
        assert ACTIONS[key].default_subscription == trigger, name


def test_quick_setup_mapping_defaults_include_the_steering_fields() -> None:
    mapping = next(s for s in quick_setup() if s["partnerAction"] == "trackEvent")["mapping"]
    assert (mapping["convert_timestamp"], mapping["enable_batching"], mapping["batch_size"]) == (True, True, 50)


def test_specific_event_presets() -> None:
    got = {(p.name, p.partner_action, p.event_slug) for p in SPECIFIC_EVENT_PRESETS}
    assert got == {
        ("Associated Entity Added", "trackEvent", "warehouse_entity_added_track"),
        ("Associated Entity Removed", "trackEvent", "warehouse_entity_removed_track"),
        ("Entities Audience Entered", "trackEvent", "warehouse_audience_entered_track"),
        ("Entities Exited", "trackEvent", "warehouse_audience_exited_track"),
        ("Entities Audience Membership Changed", "createUpdatePerson",
         "warehouse_audience_membership_changed_identify"),
        ("Journeys Step Transition Track", "trackEvent", "journeys_step_entered_track"),
    }
    for preset in SPECIFIC_EVENT_PRESETS:
        override = ("custom_attributes" if preset.partner_action == "createUpdatePerson" else "data")
        source = "$.traits" if override == "custom_attributes" else "$.properties"
        assert preset.mapping[override] == {"@path": source}
        assert preset.type == "specificEvent"
        compile_trigger(preset.subscribe)


def matching(event: dict[str, Any]) -> list[str]:
    return [s["name"] for s in quick_setup() if compile_trigger(s["subscribe"]).matches(event)]


@pytest.mark.parametrize(("event", "names"), [
    ({"type": "identify"}, ["Create or Update Person"]),
    ({"type": "identify", "context": {"device": {"token": "t"}}},
     ["Create or Update Person", IDENTIFY_DEVICE_PRESET_NAME]),
    ({"type": "track", "event": "Order Completed"}, ["Track Event"]),
    ({"type": "track"}, ["Track Event"]),  # != is true for a missing event; validation then fails
    ({"type": "track", "event": "Application Installed"}, ["Create or Update Device"]),
    ({"type": "track", "event": "Device Deleted"}, ["Delete Device"]),
    ({"type": "track", "event": "User Suppressed"}, ["Suppress Person"]),
    ({"type": "page", "event": "User Deleted"}, ["Delete Person", "Track Page View"]),  # event-only triggers
    ({"type": "screen"}, ["Track Screen View"]),
    ({"type": "group"}, ["Create or Update Object"]),
    ({"type": "alias"}, ["Merge People"]),
    ({"type": "track", "event": "Report Content Event"}, ["Report Content Event"]),
])
def test_preset_triggers_pick_events(event: dict[str, Any], names: list[str]) -> None:
    assert matching(event) == names

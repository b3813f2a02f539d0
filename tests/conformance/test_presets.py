"""Quick Setup presets, the GDPR deletion hook and documented divergence 3, against the reference."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.conformance.compare import DEFAULT_SETTINGS, request_view, same
from tests.conformance.reference import ReferenceRunner

pytestmark = pytest.mark.conformance

IDENTIFY_DEVICE_TRIGGER = 'type = "identify" and context.device.token != null'


def _normalise(trigger: str) -> str:
    return re.sub(r"\s+", " ", trigger).strip()


def _comparable(preset: dict[str, Any]) -> dict[str, Any]:
    return {"name": preset["name"], "partnerAction": preset["partnerAction"],
            "subscribe": _normalise(preset["subscribe"]), "mapping": preset["mapping"]}


def test_quick_setup_is_the_reference_presets_plus_the_identify_device_subscription(
    reference_presets: list[dict[str, Any]], segcio_quick_setup: list[dict[str, Any]]
) -> None:
    reference = {p["name"]: _comparable(p) for p in reference_presets if p["type"] == "automatic"}
    segcio = {s["name"]: _comparable(s) for s in segcio_quick_setup}
    extra = {name: sub for name, sub in segcio.items() if name not in reference}
    # Documented divergence 4: Quick Setup's Create or Update Object takes traits.objectAttributes when present,
    # else all the group's traits (the seed); the reference maps only traits.objectAttributes.
    objects = segcio["Create or Update Object"]["mapping"]["custom_attributes"]
    only_object_attributes = {"@path": "$.traits.objectAttributes"}
    assert reference["Create or Update Object"]["mapping"]["custom_attributes"] == only_object_attributes
    assert objects["@if"]["then"] == only_object_attributes
    assert objects["@if"]["else"] == {"@path": "$.traits"}
    segcio["Create or Update Object"]["mapping"]["custom_attributes"] = only_object_attributes
    assert {name: segcio[name] for name in reference if name in segcio} == reference
    assert set(reference) <= set(segcio)
    # Documented divergence 3: exactly one extra subscription, the device from an identify's context.
    [sub] = extra.values()
    assert sub["partnerAction"] == "createUpdateDevice"
    assert sub["subscribe"] == IDENTIFY_DEVICE_TRIGGER
    assert sub["mapping"] == reference["Create or Update Device"]["mapping"]


def test_specific_event_presets_have_the_reference_mappings(reference_presets: list[dict[str, Any]]) -> None:
    from segcio.destinations.customerio import DEFINITION

    reference = {p["name"]: (p["partnerAction"], p["mapping"], p["eventSlug"])
                 for p in reference_presets if p["type"] == "specificEvent"}
    segcio = {p.name: (p.partner_action, dict(p.mapping), p.event_slug)
              for p in DEFINITION.presets if p.type == "specificEvent"}
    assert segcio == reference


def test_identify_with_device_token_adds_the_device_request(reference: ReferenceRunner,
                                                             segcio_quick_setup: list[dict[str, Any]]) -> None:
    """Divergence 3 end to end: the reference's own Quick Setup sends one request, segcio's two."""
    from segcio.destinations.tester import test_event

    event = {"type": "identify", "userId": "u1", "messageId": "m", "timestamp": "2024-05-06T07:08:09.123Z",
             "traits": {"email": "u1@example.com"}, "context": {"device": {"token": "tok", "type": "android"}}}
    own = reference.run({"mode": "single", "event": event, "settings": DEFAULT_SETTINGS})
    segcio = test_event(event, DEFAULT_SETTINGS)
    ref_bodies = [r["json"] for r in own["requests"]]
    seg_bodies = [request_view(r)["json"] for r in segcio["requests"]]
    assert [b["action"] for b in ref_bodies] == ["identify"]
    assert same(seg_bodies[0], ref_bodies[0])
    assert same(seg_bodies[1], {"type": "person", "action": "add_device",
                                "device": {"token": "tok", "platform": "android", "last_used": 1714979289,
                                           "attributes": {}},
                                "identifiers": {"id": "u1"}})
    assert len(seg_bodies) == 2


@pytest.mark.parametrize(("region", "user_id"), [
    ("US", "user_to_delete"), ("EU", "user_to_delete"), ("EU 🇪🇺", "a@b.co"),
    ("US", "with space"), ("US", "ünï"),
])
def test_on_delete_matches_the_reference(reference: ReferenceRunner, region: str, user_id: str) -> None:
    from segcio.destinations.tester import on_delete

    settings = {**DEFAULT_SETTINGS, "accountRegion": region}
    answer = reference.run({"mode": "delete", "settings": settings, "event": {"type": "delete", "userId": user_id}})
    assert answer["error"] is None
    [expected] = [request_view(r) for r in answer["requests"]]
    actual = request_view(on_delete(settings, user_id).to_dict())
    assert actual == expected

"""Generated date-like values in every field of every action that carries a time: the event's `timestamp`
(Create or Update Person, Track Event, Track Page View, Track Screen View, Report Content Event, Report Delivery
Event, whose `datetime` field the reference also validates as `date-like`), a device's `last_used` and the
person's and the object's `created_at`. Each example puts 60 values in every one of those fields (Quick Setup
batches, and single events) and goes to the reference in one round trip; segcio must send what the reference
sends (divergences applied, compare.py)."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.ci import examples
from tests.conformance.compare import Case, Conformance, batch_problems, single_problems
from tests.conformance.strategies import timestamp_values

pytestmark = pytest.mark.conformance

VALUES_PER_EXAMPLE = 60
RELAXED: dict[str, Any] = {
    "deadline": None, "print_blob": True,
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large],
}
DEVICE = {"device": {"token": "t1", "type": "ios"}}


def timed_events(value: Any) -> list[tuple[str, dict[str, Any]]]:
    """(action, event) pairs that put `value` in every time field of the action's Quick Setup mapping.
    Report Delivery Event sends the current second when the timestamp is empty: not generated then (the two
    sides do not run in the same second)."""
    base = {"userId": "u1", "messageId": "m1", "timestamp": value}
    events = [
        ("createUpdatePerson", {**base, "type": "identify", "traits": {"email": "u@x.io", "created_at": value}}),
        ("trackEvent", {**base, "type": "track", "event": "Order Completed", "properties": {"total": 1}}),
        ("trackPageView", {**base, "type": "page", "name": "Home"}),
        ("trackScreenView", {**base, "type": "screen", "name": "Home"}),
        ("reportContentEvent", {**base, "type": "track", "event": "Report Content Event",
                                "properties": {"actionType": "viewed_content"}}),
        ("createUpdateObject", {**base, "type": "group", "groupId": "g1", "traits": {"created_at": value}}),
        ("createUpdateDevice", {**base, "type": "track", "event": "Application Opened", "context": DEVICE}),
    ]
    if value not in (None, ""):
        events.append(("reportDeliveryEvent", {**base, "type": "track", "event": "Report Delivery Event",
                                               "properties": {"deliveryId": "d1", "metric": "opened"}}))
    return events


def _cases(values: list[Any], presets: dict[str, dict[str, Any]]) -> list[Case]:
    """Two Quick Setup batches holding every event of every value (cheap: one request per subscription), and
    single events with only their action's subscription: Report Delivery Event (no batch support) for every
    value, one other action per value in turn (the single-event path). A device's `last_used` is converted as
    an attribute: divergence 1 needs the root `timestamp` masked there, so device events are apart."""
    cases: list[Case] = []
    batches: dict[bool, list[dict[str, Any]]] = {False: [], True: []}
    for index, value in enumerate(values):
        events = timed_events(value)
        turn = index % (len(events) - 1)
        for position, (action, event) in enumerate(events):
            device = action == "createUpdateDevice"
            mask = ("timestamp",) if device else ()
            if action == "reportDeliveryEvent" or position == turn:
                cases.append(Case(name=action, event=event, subscriptions=[presets[action]], mask_root=mask))
            batches[device].append(event)
    for device, events in batches.items():
        cases.append(Case(name="batch", mode="batch", events=events, mask_root=("timestamp",) if device else ()))
    return cases


@pytest.fixture(scope="module")
def presets(segcio_quick_setup: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """segcio's Quick Setup subscription of each action (the first one, for the device's two)."""
    by_action: dict[str, dict[str, Any]] = {}
    for preset in segcio_quick_setup:
        by_action.setdefault(preset["partnerAction"], preset)
    return by_action


@settings(max_examples=examples(8), **RELAXED)
@given(values=st.lists(timestamp_values, min_size=VALUES_PER_EXAMPLE, max_size=VALUES_PER_EXAMPLE))
def test_time_fields_match_the_reference(conformance: Conformance, presets: dict[str, dict[str, Any]],
                                         values: list[Any]) -> None:
    for outcome in conformance.run(_cases(values, presets)):
        if outcome.case.mode == "batch":
            problems = batch_problems(outcome)
            shown = outcome.case.events
        else:
            problems = single_problems(outcome)
            shown = outcome.case.event
        assert not problems, f"{orjson.dumps(shown).decode()}\n" + "\n".join(problems)

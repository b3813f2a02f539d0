"""Generated date-like values in every field of every action that carries a time: the event's `timestamp`
(Create or Update Person, Track Event, Track Page View, Track Screen View, Report Content Event, Report Delivery
Event, whose `datetime` field the reference also validates as `date-like`), a device's `last_used` and the
person's and the object's `created_at`. Each example places a few hundred values, single events and batches,
and goes to the reference in one round trip; segcio must send what the reference sends (divergences applied,
compare.py)."""

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

VALUES_PER_EXAMPLE = 40
RELAXED: dict[str, Any] = {
    "deadline": None, "print_blob": True,
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large],
}
DEVICE = {"device": {"token": "t1", "type": "ios"}}


def timed_events(value: Any) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Events that put `value` in every time field: (events, device events). A device's `last_used` is
    converted as an attribute (divergence 1 needs the root `timestamp` masked), so device events are apart.
    Report Delivery Event sends the current second when the timestamp is empty: not generated (the two sides
    do not run in the same second)."""
    base = {"userId": "u1", "messageId": "m1", "timestamp": value}
    events: list[dict[str, Any]] = [
        {**base, "type": "identify", "traits": {"email": "u1@example.com", "created_at": value}},
        {**base, "type": "track", "event": "Order Completed", "properties": {"total": 1}},
        {**base, "type": "page", "name": "Home"},
        {**base, "type": "screen", "name": "Home"},
        {**base, "type": "track", "event": "Report Content Event", "properties": {"actionType": "viewed_content"}},
        {**base, "type": "group", "groupId": "g1", "traits": {"created_at": value}},
    ]
    if value not in (None, ""):
        events.append({**base, "type": "track", "event": "Report Delivery Event",
                       "properties": {"deliveryId": "d1", "metric": "opened"}})
    return events, [{**base, "type": "track", "event": "Application Opened", "context": DEVICE}]


def _cases(values: list[Any]) -> list[Case]:
    cases: list[Case] = []
    all_events: list[dict[str, Any]] = []
    all_devices: list[dict[str, Any]] = []
    for value in values:
        events, devices = timed_events(value)
        cases += [Case(name="timestamp", event=e) for e in events]
        cases += [Case(name="timestamp", event=e, mask_root=("timestamp",)) for e in devices]
        all_events += events
        all_devices += devices
    cases.append(Case(name="timestamp batch", mode="batch", events=all_events))
    cases.append(Case(name="timestamp batch", mode="batch", events=all_devices, mask_root=("timestamp",)))
    return cases


@settings(max_examples=examples(10), **RELAXED)
@given(values=st.lists(timestamp_values, min_size=VALUES_PER_EXAMPLE, max_size=VALUES_PER_EXAMPLE))
def test_time_fields_match_the_reference(conformance: Conformance, values: list[Any]) -> None:
    for outcome in conformance.run(_cases(values)):
        if outcome.case.mode == "batch":
            problems = batch_problems(outcome)
            shown = outcome.case.events
        else:
            problems = single_problems(outcome)
            shown = outcome.case.event
        assert not problems, f"{orjson.dumps(shown).decode()}\n" + "\n".join(problems)

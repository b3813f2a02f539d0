"""The actions runtime: subscription problems, non-matching events, single vs batch mode, settings errors."""

from __future__ import annotations

from typing import Any

import pytest

from segcio.destinations import tester
from segcio.destinations.customerio.actions import ACTIONS
from segcio.destinations.customerio.presets import quick_setup
from segcio.values import MAX_DEPTH

SETTINGS = {"siteId": "s", "apiKey": "k"}


def sub(action: str, subscribe: Any = None, mapping: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    definition = ACTIONS[action]
    return {"name": definition.title, "partnerAction": action,
            "subscribe": definition.default_subscription if subscribe is None else subscribe,
            "mapping": definition.default_mapping() if mapping is None else mapping, **extra}


TRACK = {"type": "track", "event": "E", "userId": "u1", "messageId": "m"}


def test_invalid_trigger_is_reported_for_every_event() -> None:
    [result] = tester.DestinationRunner(SETTINGS, [sub("trackEvent", subscribe='type = "track" and (')]).run(TRACK)
    assert not result.matched and result.requests == []
    assert result.error is not None and result.error.startswith("Invalid subscription : ")
    assert result.status == "invalid subscription"


def test_missing_or_empty_trigger_fails_to_validate() -> None:
    for subscribe in (42, ""):
        [result] = tester.DestinationRunner(SETTINGS, [sub("trackEvent", subscribe=subscribe)]).run(TRACK)
        assert result.error == "Failed to validate subscription"


def test_not_subscribed() -> None:
    [result] = tester.DestinationRunner(SETTINGS, [sub("trackPageView")]).run(TRACK)
    assert (result.matched, result.error, result.status) == (False, None, "not subscribed")


def test_invalid_mapping_is_reported_when_the_event_matches() -> None:
    bad = {**ACTIONS["trackEvent"].default_mapping(), "name": {"@oops": 1}}
    [result] = tester.DestinationRunner(SETTINGS, [sub("trackEvent", mapping=bad)]).run(TRACK)
    assert result.matched and result.status == "invalid mapping"
    assert result.error and "@oops" in result.error


def test_disabled_subscriptions_are_skipped() -> None:
    runner = tester.DestinationRunner(SETTINGS, [sub("trackEvent", enabled=False), sub("trackPageView")])
    assert [r.partner_action for r in runner.run(TRACK)] == ["trackPageView"]


def test_invalid_settings_stop_matched_subscriptions() -> None:
    [result] = tester.DestinationRunner({"siteId": "s"}, [sub("trackEvent")]).run(TRACK)
    assert result.matched and result.requests == []
    assert result.error == "The root value is missing the required field 'apiKey'."


def test_non_object_event() -> None:
    [result] = tester.DestinationRunner(SETTINGS, [sub("trackEvent")]).run([1, 2])  # type: ignore[arg-type]
    assert result.error == "The event must be a JSON object, got an array."


def test_unknown_mapping_keys_are_dropped_before_the_action() -> None:
    mapping = {**ACTIONS["trackEvent"].default_mapping(), "surprise": "x"}
    [result] = tester.DestinationRunner(SETTINGS, [sub("trackEvent", mapping=mapping)]).run(TRACK)
    assert result.payload is not None and "surprise" not in result.payload
    assert "surprise" not in result.requests[0].json


def test_numeric_values_are_coerced_to_strings_before_the_action() -> None:
    event = {**TRACK, "userId": 12345, "timestamp": 1714979289}
    [result] = tester.DestinationRunner(SETTINGS, [sub("trackEvent")]).run(event)
    body = result.requests[0].json
    assert body["identifiers"] == {"id": "12345"}
    assert body["timestamp"] == "1714979289"  # as the reference: a digit string is sent unconverted


def test_batch_non_matching_and_invalid_events_get_their_own_entries() -> None:
    events = [TRACK, {"type": "page"}, {"type": "track", "userId": "u2"}]
    [result] = tester.DestinationRunner(SETTINGS, [sub("trackEvent")]).run_batch(events)
    assert [s["status"] for s in result.statuses] == [200, 400, 400]
    assert result.statuses[1]["errormessage"] == "Payload is either invalid or does not match the subscription"
    assert result.statuses[2]["errormessage"] == "The root value is missing the required field 'name'."
    [request] = result.requests
    assert request.url.endswith("/api/v2/batch") and len(request.json["batch"]) == 1


def test_batch_keeps_top_level_empty_strings() -> None:
    [result] = tester.DestinationRunner(SETTINGS, [sub("trackEvent")]).run_batch([{**TRACK, "event": ""}])
    assert result.statuses == [{"status": 200}]
    assert result.requests[0].json["batch"][0]["name"] == ""


def test_batch_with_no_valid_event_sends_nothing() -> None:
    [result] = tester.DestinationRunner(SETTINGS, [sub("trackEvent")]).run_batch([{"type": "track"}])
    assert result.requests == [] and result.statuses[0]["status"] == 400


def test_batch_unsupported_by_report_delivery_event() -> None:
    event = {"type": "track", "event": "Report Delivery Event", "properties": {"deliveryId": "d", "metric": "opened"}}
    [result] = tester.DestinationRunner(SETTINGS, [sub("reportDeliveryEvent")]).run_batch([event, TRACK])
    assert result.requests == []
    assert result.statuses == [{"status": 501, "errortype": "NotImplemented",
                                "errormessage": "This action does not support batched requests.",
                                "errorreporter": "INTEGRATIONS"},
                               {"status": 400, "errortype": "PAYLOAD_VALIDATION_FAILED",
                                "errormessage": "Payload is either invalid or does not match the subscription",
                                "errorreporter": "INTEGRATIONS"}]


def test_batch_invalid_trigger_marks_every_event() -> None:
    bad = 'type = "track" and ('
    [result] = tester.DestinationRunner(SETTINGS, [sub("trackEvent", subscribe=bad)]).run_batch([TRACK, TRACK])
    assert [s["errortype"] for s in result.statuses] == ["PAYLOAD_VALIDATION_FAILED"] * 2


def _nested(depth: int) -> Any:
    value: Any = 1
    for _ in range(depth):
        value = {"a": value}
    return value


@pytest.mark.parametrize("depth", [MAX_DEPTH, 500, 900])
@pytest.mark.parametrize(("event", "where"), [
    ({"type": "track", "event": "E", "userId": "u1"}, "properties"),
    ({"type": "identify", "userId": "u1"}, "traits"),
    ({"type": "group", "userId": "u1", "groupId": "g1"}, "traits"),
    ({"type": "page", "userId": "u1", "name": "Home", "properties": {"url": "https://x"}}, "context"),
])
def test_events_nested_beyond_the_limit_fail_their_subscriptions_with_a_clear_error(
    event: dict[str, Any], where: str, depth: int
) -> None:
    deep = {**event, where: {**event.get(where, {}), "deep": _nested(depth)}}
    runner = tester.DestinationRunner(SETTINGS, quick_setup())
    matched = [r for r in runner.run(deep) if r.matched]
    assert matched
    for result in matched:
        assert result.status == "error" and result.requests == []
        error = result.error or ""
        assert f"nested more than {MAX_DEPTH} levels" in error and f"{where}.deep" in error
    for batch in runner.run_batch([deep, event]):
        if batch.statuses[1].get("status") == 200:  # a subscription that takes this kind of event
            assert batch.statuses[0]["status"] == 400
            assert f"nested more than {MAX_DEPTH} levels" in batch.statuses[0]["errormessage"]


def test_events_nested_up_to_the_limit_are_mapped() -> None:
    # The event is level 1, `properties` level 2: a property may hold 62 more levels.
    event = {"type": "track", "event": "E", "userId": "u1", "properties": {"deep": _nested(MAX_DEPTH - 2)}}
    [result] = [r for r in tester.DestinationRunner(SETTINGS, quick_setup()).run(event) if r.matched]
    assert result.status == "sent", result.error


@pytest.mark.parametrize("index", ["²", "\u0661", "1"])
def test_liquid_indexes_from_event_data_are_ascii_digits(index: str) -> None:
    # `list["²"]` is undefined in JavaScript (not an array index); it must not raise.
    mapping = {**ACTIONS["trackEvent"].default_mapping(),
               "name": {"@liquid": "x{{ properties.list[properties.idx] }}"}}
    event = {"type": "track", "event": "E", "userId": "u1", "properties": {"list": ["a", "b"], "idx": index}}
    [result] = tester.DestinationRunner(SETTINGS, [sub("trackEvent", mapping=mapping)]).run(event)
    assert result.status == "sent", result.error
    assert result.payload is not None and result.payload["name"] == ("xb" if index == "1" else "x")

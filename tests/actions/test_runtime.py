"""The actions runtime: subscription problems, non-matching events, single vs batch mode, settings errors."""

from __future__ import annotations

from typing import Any

from segcio.destinations import tester
from segcio.destinations.customerio.actions import ACTIONS

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

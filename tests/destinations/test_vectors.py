"""The reference's acceptance vectors, verbatim: request method, URL, headers, body and key order."""

from __future__ import annotations

import json
from typing import Any

import pytest

from segcio.destinations import tester
from segcio.destinations.customerio.actions import ACTIONS
from segcio.destinations.customerio.presets import quick_setup
from tests.destinations.vectors import AUTH, BATCH, EU_SETTINGS, REPLACES_MAPPING, SINGLE, US_SETTINGS

# Which action each single vector exercises (its subscription is used when the mapping is customised).
VECTOR_ACTION = {"V5": "createUpdatePerson", "V26": "createUpdatePerson"}


def subscriptions_for(vector_id: str, override: dict[str, Any] | None) -> list[dict[str, Any]] | None:
    if override is None:
        return None  # Quick Setup: the vector must be picked by the preset triggers too
    action = ACTIONS[VECTOR_ACTION[vector_id]]
    mapping = override if vector_id in REPLACES_MAPPING else {**action.default_mapping(), **override}
    return [{"name": action.title, "subscribe": action.default_subscription, "partnerAction": action.key,
             "mapping": mapping}]


@pytest.mark.parametrize(("vector_id", "settings", "override", "event", "expected"), SINGLE,
                         ids=[v[0] for v in SINGLE])
def test_single_vector(vector_id: str, settings: dict[str, str], override: dict[str, Any] | None,
                       event: dict[str, Any], expected: Any) -> None:
    result = tester.test_event(event, settings, subscriptions_for(vector_id, override))
    matched = [s for s in result["subscriptions"] if s["matched"]]
    assert len(matched) == 1, result["subscriptions"]
    if isinstance(expected, str):
        assert matched[0]["error"] == expected
        assert result["requests"] == []
        return
    assert matched[0]["error"] is None
    got = [(r["method"], r["url"], r["json"]) for r in result["requests"]]
    assert got == expected
    # Key order as JSON.stringify writes it.
    assert [json.dumps(r["json"]) for r in result["requests"]] == [json.dumps(body) for _, _, body in expected]
    for request in result["requests"]:
        assert request["headers"] == {"authorization": AUTH, "user-agent": "Segment (Actions)",
                                      "content-type": "application/json"}


@pytest.mark.parametrize(("vector_id", "settings", "action_key", "events", "expected", "statuses"), BATCH,
                         ids=[v[0] for v in BATCH])
def test_batch_vector(vector_id: str, settings: dict[str, str], action_key: str, events: list[dict[str, Any]],
                      expected: list[tuple[str, str, Any]], statuses: list[dict[str, Any]]) -> None:
    subscription = next(s for s in quick_setup() if s["partnerAction"] == action_key)
    [result] = tester.DestinationRunner(settings, [subscription]).run_batch(events)
    got = [(r.method, r.url, r.json) for r in result.requests]
    assert got == expected
    assert [json.dumps(r.json) for r in result.requests] == [json.dumps(body) for _, _, body in expected]
    assert result.statuses == statuses


def test_v25_on_delete() -> None:
    request = tester.on_delete(EU_SETTINGS, "user_to_delete")
    assert (request.method, request.url, request.json) == (
        "DELETE", "https://track-eu.customer.io/api/v1/customers/user_to_delete", None)
    assert request.headers == {"authorization": AUTH, "user-agent": "Segment (Actions)"}


def test_authentication_request_always_uses_the_us_host() -> None:
    request = tester.test_authentication(EU_SETTINGS)
    assert (request.method, request.url, request.json) == ("GET", "https://track.customer.io/auth", None)
    assert "content-type" not in request.headers


@pytest.mark.parametrize(("user_id", "path"), [
    ("with space", "/api/v1/customers/with%20space"),
    ("ünï", "/api/v1/customers/%C3%BCn%C3%AF"),
    ("a/b", "/api/v1/customers/a/b"),
    ("a?b c#d e", "/api/v1/customers/a?b%20c#d%20e"),
    ("x/..", "/api/v1/customers/"),
    ("a\\b", "/api/v1/customers/a/b"),
    ("a%20b", "/api/v1/customers/a%20b"),
    ('q?x"y`z{', "/api/v1/customers/q?x%22y`z{"),
])
def test_on_delete_url_is_normalised_like_a_url_parser(user_id: str, path: str) -> None:
    # Expected values: `new URL(base + "/api/v1/customers/" + id).href` on Node 20.
    assert tester.on_delete(US_SETTINGS, user_id).url == "https://track.customer.io" + path

"""Customer.io (Classic): what each Segment call becomes (table tests), and what it drops."""

from __future__ import annotations

from typing import Any

import pytest

from segcio.destinations.customerio_classic import ClassicRunner

SETTINGS = {"siteId": "site_123", "apiKey": "key_abc"}
US = "https://track.customer.io/api/v1/customers"
EU = "https://track-eu.customer.io/api/v1/customers"
AUTH = "Basic c2l0ZV8xMjM6a2V5X2FiYw=="
TS = "2006-01-02T18:04:07Z"
TS_UNIX = 1136225047

SENT: list[tuple[str, dict[str, Any], tuple[str, str, Any]]] = [
    (
        "identify by id: traits become attributes",
        {"type": "identify", "userId": "userId123", "traits": {"email": "john.doe@example.com", "plan": "pro"}},
        ("PUT", f"{US}/userId123", {"email": "john.doe@example.com", "plan": "pro"}),
    ),
    (
        "identify a lead: empty userId, email trait -> identified by email",
        {"type": "identify", "userId": "", "traits": {"email": "person@example.com", "first_name": "person"}},
        ("PUT", f"{US}/person%40example.com", {"email": "person@example.com", "first_name": "person"}),
    ),
    (
        "identify a lead: no userId at all",
        {"type": "identify", "anonymousId": "a1", "traits": {"email": "person@example.com"}},
        ("PUT", f"{US}/person%40example.com", {"email": "person@example.com"}),
    ),
    (
        "identify by cio_id changes id and email",
        {"type": "identify", "userId": "cio_03000001", "traits": {"email": "new@example.com", "id": "new-id"}},
        ("PUT", f"{US}/cio_03000001", {"email": "new@example.com", "id": "new-id"}),
    ),
    (
        "identify unsubscribes with unsubscribed: true",
        {"type": "identify", "userId": "userId123", "traits": {"email": "j@example.com", "unsubscribed": True}},
        ("PUT", f"{US}/userId123", {"email": "j@example.com", "unsubscribed": True}),
    ),
    (
        "identify: createdAt trait becomes created_at in Unix seconds",
        {"type": "identify", "userId": "u1", "traits": {"createdAt": TS}},
        ("PUT", f"{US}/u1", {"created_at": TS_UNIX}),
    ),
    (
        "identify: ids are escaped in the path",
        {"type": "identify", "userId": "a/b c+d", "traits": {}},
        ("PUT", f"{US}/a%2Fb%20c%2Bd", {}),
    ),
    (
        "track -> event with data and Unix timestamp",
        {"type": "track", "userId": "u1", "event": "Order Completed", "properties": {"total": 9.5}, "timestamp": TS},
        (
            "POST",
            f"{US}/u1/events",
            {"name": "Order Completed", "type": "event", "data": {"total": 9.5}, "timestamp": TS_UNIX},
        ),
    ),
    (
        "track without properties",
        {"type": "track", "userId": "u1", "event": " Signed Up "},
        ("POST", f"{US}/u1/events", {"name": "Signed Up", "type": "event", "data": {}}),
    ),
    (
        "page -> page event named after its URL",
        {
            "type": "page",
            "userId": "u1",
            "name": "Pricing",
            "properties": {"url": "https://x.io/pricing"},
            "timestamp": TS,
        },
        (
            "POST",
            f"{US}/u1/events",
            {
                "name": "https://x.io/pricing",
                "type": "page",
                "data": {"url": "https://x.io/pricing"},
                "timestamp": TS_UNIX,
            },
        ),
    ),
    (
        "page without a URL is named after the page name",
        {"type": "page", "userId": "u1", "name": "Pricing", "properties": {}},
        ("POST", f"{US}/u1/events", {"name": "Pricing", "type": "page", "data": {}}),
    ),
    (
        "screen -> screen event named after the screen",
        {"type": "screen", "userId": "u1", "name": "Dashboard", "properties": {"tab": 2}, "timestamp": TS},
        ("POST", f"{US}/u1/events", {"name": "Dashboard", "type": "screen", "data": {"tab": 2}, "timestamp": TS_UNIX}),
    ),
]


@pytest.mark.parametrize(("label", "event", "expected"), SENT, ids=[case[0] for case in SENT])
def test_classic_sends(label: str, event: dict[str, Any], expected: tuple[str, str, Any]) -> None:
    result = ClassicRunner(SETTINGS).run(event)
    assert result.dropped is None
    [request] = result.requests
    assert (request.method, request.url, request.json) == expected
    assert request.headers["authorization"] == AUTH
    assert request.headers["content-type"] == "application/json"


DROPPED: list[tuple[str, dict[str, Any], str]] = [
    ("anonymous track", {"type": "track", "anonymousId": "a1", "event": "Viewed"}, "does not accept anonymous"),
    ("anonymous page", {"type": "page", "anonymousId": "a1", "properties": {"url": "u"}}, "does not accept anonymous"),
    ("anonymous screen", {"type": "screen", "anonymousId": "a1", "name": "Home"}, "does not accept anonymous"),
    (
        "identify without userId or email",
        {"type": "identify", "anonymousId": "a1", "traits": {"name": "x"}},
        "no userId and no email trait",
    ),
    ("alias", {"type": "alias", "userId": "u1", "previousId": "a1"}, "does not support alias calls"),
    ("group", {"type": "group", "userId": "u1", "groupId": "acme"}, "does not support group calls"),
    ("track without an event name", {"type": "track", "userId": "u1", "event": ""}, "has no event name"),
    ("page without url or name", {"type": "page", "userId": "u1", "properties": {}}, "has no properties.url or name"),
]


@pytest.mark.parametrize(("label", "event", "reason"), DROPPED, ids=[case[0] for case in DROPPED])
def test_classic_drops_with_a_reason(label: str, event: dict[str, Any], reason: str) -> None:
    result = ClassicRunner(SETTINGS).run(event)
    assert result.requests == []
    assert result.dropped is not None and reason in result.dropped


@pytest.mark.parametrize("region", ["EU", "EU 🇪🇺"])
def test_eu_region_uses_the_eu_host(region: str) -> None:
    [request] = ClassicRunner({**SETTINGS, "accountRegion": region}).run({"type": "identify", "userId": "u1"}).requests
    assert request.url == f"{EU}/u1"


@pytest.mark.parametrize("region", [None, "US", "US 🇺🇸", "Mars"])
def test_other_regions_use_the_us_host(region: str | None) -> None:
    [request] = ClassicRunner({**SETTINGS, "accountRegion": region}).run({"type": "identify", "userId": "u1"}).requests
    assert request.url == f"{US}/u1"


def test_the_event_is_not_modified() -> None:
    event = {"type": "identify", "userId": "u1", "traits": {"createdAt": TS}}
    ClassicRunner(SETTINGS).run(event)
    assert event["traits"] == {"createdAt": TS}

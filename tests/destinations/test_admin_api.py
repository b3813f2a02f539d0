"""The destinations admin API and the Event Tester endpoint, against a real `segcio serve`."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.conftest import Server, start_server

PAGE = {"type": "page", "userId": "u1", "name": "https://example.com/pricing", "properties": {}}


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, httpx.Client]]:
    server = start_server(tmp_path_factory.mktemp("admin") / "data")
    headers = {"authorization": f"Bearer {server.info['admin_token']}"}
    with httpx.Client(base_url=server.url + "/admin/api", headers=headers, timeout=30) as client:
        try:
            yield server, client
        finally:
            server.stop()


def destination_id(client: httpx.Client) -> int:
    return int(client.get("/destinations").json()[0]["id"])


def test_credentials_are_required(api: tuple[Server, httpx.Client]) -> None:
    server, _ = api
    for method, path in (("GET", "/destinations"), ("POST", "/event-tester")):
        response = httpx.request(method, server.url + "/admin/api" + path, json={"event": PAGE})
        assert response.status_code == 401
        wrong = httpx.request(method, server.url + "/admin/api" + path, json={"event": PAGE},
                              headers={"authorization": "Bearer nope"})
        assert wrong.status_code == 401


def test_event_tester_seed_walkthrough(api: tuple[Server, httpx.Client]) -> None:
    _, client = api
    settings = {"siteId": "site_123", "apiKey": "key_abc", "accountRegion": "EU 🇪🇺"}
    out = client.post("/event-tester", json={"event": PAGE, "settings": settings}).json()
    page = next(s for s in out["subscriptions"] if s["name"] == "Track Page View")
    assert page["error"] == "The root value is missing the required field 'url'."
    subscription = {"name": "Page URL from name", "subscribe": 'type = "page"', "partnerAction": "trackPageView",
                    "mapping": {"url": {"@path": "$.name"}, "id": {"@path": "$.userId"}}}
    out = client.post("/event-tester", json={"event": PAGE, "settings": settings,
                                             "subscriptions": [subscription]}).json()
    assert out["subscriptions"] == [{"name": "Page URL from name", "partnerAction": "trackPageView",
                                     "matched": True, "error": None}]
    [request] = out["requests"]
    assert request["url"] == "https://track-eu.customer.io/api/v2/entity"
    assert request["json"] == {"type": "person", "action": "page", "name": "https://example.com/pricing",
                               "identifiers": {"id": "u1"}}


def test_event_tester_uses_a_stored_destination(api: tuple[Server, httpx.Client]) -> None:
    server, client = api
    out = client.post("/event-tester", json={"event": {"type": "track", "event": "E", "userId": "u"},
                                             "destination_id": destination_id(client)}).json()
    [request] = out["requests"]
    assert request["json"]["name"] == "E"
    # The default destination's own credentials are used.
    import base64

    expected = base64.b64encode(f"{server.info['site_id']}:{server.info['api_key']}".encode()).decode()
    assert request["headers"]["authorization"] == f"Basic {expected}"


def test_event_tester_bad_requests(api: tuple[Server, httpx.Client]) -> None:
    _, client = api
    response = client.post("/event-tester", json={"evnt": {}})
    assert response.status_code == 400 and response.json()["error"]["field"] == "evnt"
    response = client.post("/event-tester", json={"event": PAGE, "destination_id": 999})
    assert response.status_code == 404
    response = client.post("/event-tester", json={"event": {"type": "track", "big": "x" * (1024 * 1024)}})
    assert response.status_code == 413


def test_configuration_round_trip(api: tuple[Server, httpx.Client]) -> None:
    _, client = api
    dest = destination_id(client)
    catalog = client.get("/destinations/actions").json()
    assert len(catalog) == 15 and catalog[0]["key"] == "createUpdatePerson"
    subs = client.get(f"/destinations/{dest}/subscriptions").json()
    assert "Track Event" in [s["name"] for s in subs]

    created = client.post(f"/destinations/{dest}/subscriptions",
                          json={"name": "Pages by name", "partnerAction": "trackPageView"})
    assert created.status_code == 201
    sub: dict[str, Any] = created.json()
    patched = client.patch(f"/destinations/{dest}/subscriptions/{sub['id']}",
                           json={"remap": {"url": {"@path": "$.name"}}, "enabled": False}).json()
    assert patched["mapping"]["url"] == {"@path": "$.name"} and patched["enabled"] is False
    assert client.get(f"/destinations/{dest}/subscriptions/Pages by name").json() == patched

    bad = client.patch(f"/destinations/{dest}/subscriptions/{sub['id']}", json={"subscribe": 'type = "page" and ('})
    assert bad.status_code == 400
    assert bad.json()["error"]["field"] == "subscribe" and bad.json()["error"]["position"] == len('type = "page" and (')
    bad = client.post(f"/destinations/{dest}/subscriptions", json={"name": "Pages by name",
                                                                   "partnerAction": "trackPageView"})
    assert bad.status_code == 409

    assert client.delete(f"/destinations/{dest}/subscriptions/{sub['id']}").status_code == 200
    assert client.get(f"/destinations/{dest}/subscriptions/{sub['id']}").status_code == 404
    assert client.post(f"/destinations/{dest}/quick-setup").json() == []

    assert client.patch(f"/destinations/{dest}", json={"enabled": False}).json()["enabled"] is False
    assert client.patch(f"/destinations/{dest}", json={"enabled": True}).json()["enabled"] is True
    assert client.patch(f"/destinations/{dest}", json={"enabled": "yes"}).status_code == 400
    shown = client.get(f"/destinations/{dest}").json()
    assert shown["settings"]["apiKey"].startswith("****") and len(shown["subscriptions"]) == 16


def test_event_tester_answers_json_for_any_string(api: tuple[Server, httpx.Client]) -> None:
    _, client = api
    body = (b'{"event": {"type": "track", "event": "\\ud800x", "userId": "u"}, '
            b'"settings": {"siteId": "s", "apiKey": "k"}}')
    response = client.post("/event-tester", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 200
    assert response.json()["requests"][0]["json"]["name"] == "\ud800x"


def test_event_tester_answers_customerio_limit_warnings(api: tuple[Server, httpx.Client]) -> None:
    _, client = api
    event = {"type": "track", "userId": "u" * 151, "event": "E" * 101}
    out = client.post("/event-tester", json={"event": event, "destination_id": destination_id(client)}).json()
    [request] = out["requests"]
    assert [(w["field"], w["limit"]) for w in request["warnings"]] == [
        ("identifiers.id", "150 bytes"), ("name", "100 bytes")]
    assert all(set(w) == {"field", "limit", "message"} for w in request["warnings"])

"""The real `customerio` client (PyPI, unmodified) against segcio served over TLS on loopback.

The client always speaks https, so the server runs with a certificate made by the test; `requests` trusts it through
REQUESTS_CA_BUNDLE (set by the `tls_server` fixture). Results are checked through the App API.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from customerio import APIClient, CustomerIO, CustomerIOException
from customerio.constants import EMAIL, ID

from tests.workspace.conftest import TlsServer


class AppApi:
    """Reads through the App API (Bearer key) of the TLS server."""

    def __init__(self, server: TlsServer) -> None:
        self.http = httpx.Client(
            base_url=server.url,
            verify=server.ssl_context(),
            headers={"Authorization": f"Bearer {server.info['app_api_key']}"},
        )

    def person(self, identifier: str, id_type: str = "id") -> dict[str, Any] | None:
        response = self.http.get(f"/v1/customers/{quote(identifier, safe='')}/attributes", params={"id_type": id_type})
        if response.status_code == 404:
            return None
        assert response.status_code == 200, response.text
        customer: dict[str, Any] = response.json()["customer"]
        return customer

    def activities(self, identifier: str) -> list[dict[str, Any]]:
        response = self.http.get(f"/v1/customers/{quote(identifier, safe='')}/activities", params={"limit": 100})
        assert response.status_code == 200, response.text
        activities: list[dict[str, Any]] = response.json()["activities"]
        return activities


@pytest.fixture
def cio(tls_server: TlsServer) -> Iterator[CustomerIO]:
    info = tls_server.info
    with CustomerIO(info["site_id"], info["api_key"], host=tls_server.host, port=tls_server.port) as client:
        yield client


@pytest.fixture
def app(tls_server: TlsServer) -> Iterator[AppApi]:
    reader = AppApi(tls_server)
    with reader.http:
        yield reader


@pytest.fixture
def uid() -> str:
    """A prefix that keeps this test's people apart from the others sharing the module's server."""
    return secrets.token_hex(4) + "-"


def test_identify_with_special_characters_in_id(cio: CustomerIO, app: AppApi, uid: str) -> None:
    person_id = uid + "u 1/+x"
    response = cio.identify(person_id, email=f"A{uid}@b.co", created_at=1700000000, plan="pro", score=9.5)
    assert response.status_code == 200 and response.text == "{}"
    person = app.person(person_id)
    assert person is not None
    assert person["identifiers"]["email"].lower() == f"a{uid}@b.co"
    assert person["attributes"]["plan"] == "pro"
    assert person["attributes"]["score"] == "9.5"
    assert person["attributes"]["created_at"] == "1700000000"


def test_identify_by_email_then_change_email_through_cio_id(cio: CustomerIO, app: AppApi, uid: str) -> None:
    lead, new = f"{uid}lead@b.co", f"{uid}new@b.co"
    cio.identify(lead, first_name="Lead")
    person = app.person(lead, "email")
    assert person is not None and person["attributes"]["first_name"] == "Lead"
    cio.identify("cio_" + person["identifiers"]["cio_id"], email=new)
    assert app.person(lead, "email") is None
    assert app.person(new, "email") is not None


def test_track_pageview_and_anonymous_events(cio: CustomerIO, app: AppApi, uid: str) -> None:
    person_id, anonymous_id = uid + "u1", uid + "anon-1"
    cio.identify(person_id, email=f"{uid}u1@b.co")
    cio.track(person_id, "purchase", {"price": 9.5}, id=uid + "01HB4HBDKTFWYZCK01DMRSWRFD", timestamp=1700000001)
    cio.pageview(person_id, "/home", referrer="x")
    cio.backfill(person_id, "imported", 1600000000, source="csv")
    cio.track_anonymous(anonymous_id, "viewed", {"x": 1})
    # Without an anonymous id, an anonymous event is an invite event addressed through data.recipient.
    assert cio.track_anonymous(None, "invite", {"recipient": f"{uid}r@b.co"}).status_code == 200
    cio.identify(person_id, anonymous_id=anonymous_id)
    activities = app.activities(person_id)
    seen = {(a["type"], a["name"]) for a in activities}
    assert ("event", "purchase") in seen
    assert ("page", "/home") in seen
    assert ("event", "viewed") in seen
    (imported,) = [a for a in activities if a["name"] == "imported"]
    assert imported["timestamp"] == 1600000000 and imported["data"] == {"source": "csv"}


def test_devices(cio: CustomerIO, app: AppApi, uid: str) -> None:
    person_id, token = uid + "u1", uid + "tok/1"
    cio.identify(person_id)
    cio.add_device(person_id, token, "ios", last_used=1700000003, attributes={"push_enabled": "true"})
    person = app.person(person_id)
    assert person is not None
    assert [(d["id"], d["platform"], d["last_used"]) for d in person["devices"]] == [(token, "ios", 1700000003)]
    assert person["devices"][0]["attributes"]["push_enabled"] == "true"
    cio.delete_device(person_id, token)
    person = app.person(person_id)
    assert person is not None and person["devices"] == []


def test_suppress_unsuppress_and_delete(cio: CustomerIO, app: AppApi, uid: str) -> None:
    person_id = uid + "u1"
    cio.identify(person_id, plan="a")
    cio.suppress(person_id)
    assert app.person(person_id) is None
    cio.identify(person_id, plan="b")  # ignored while suppressed, still 200
    assert app.person(person_id) is None
    cio.unsuppress(person_id)
    cio.identify(person_id, plan="c")
    person = app.person(person_id)
    assert person is not None and person["attributes"]["plan"] == "c"
    cio.delete(person_id)
    assert app.person(person_id) is None
    cio.delete(uid + "never-existed")  # no error for unknown people


def test_merge_customers(cio: CustomerIO, app: AppApi, uid: str) -> None:
    primary, secondary = uid + "p1", uid + "s1"
    cio.identify(primary, email=f"{uid}p@b.co")
    cio.identify(secondary, nickname="s")
    cio.merge_customers(EMAIL, f"{uid}p@b.co", ID, secondary)
    assert app.person(secondary) is None
    person = app.person(primary)
    assert person is not None and person["attributes"]["nickname"] == "s"


def test_batch_through_v2(cio: CustomerIO, app: AppApi, uid: str) -> None:
    person_id = uid + "b1"
    response = cio.batch(
        [
            {"type": "person", "action": "identify", "identifiers": {"id": person_id}, "attributes": {"plan": "x"}},
            {"type": "person", "action": "event", "identifiers": {"id": person_id}, "name": "batched"},
        ]
    )
    assert response.status_code == 200
    person = app.person(person_id)
    assert person is not None and person["attributes"]["plan"] == "x"
    assert ("event", "batched") in {(a["type"], a["name"]) for a in app.activities(person_id)}


def test_bad_credentials_raise(tls_server: TlsServer) -> None:
    bad = CustomerIO(tls_server.info["site_id"], "wrong", host=tls_server.host, port=tls_server.port)
    with pytest.raises(CustomerIOException, match="401"):
        bad.identify("u1", plan="x")


def test_app_api_client_reaches_the_app_api(tls_server: TlsServer) -> None:
    """APIClient (Bearer key, `url` override) works against our App API; a wrong key is refused."""
    client = APIClient(tls_server.info["app_api_key"], url=tls_server.url)
    response = client.send_request("GET", client.url + "/v1/object_types", {})
    assert response.status_code == 200 and "types" in response.json()
    wrong = APIClient("wrong", url=tls_server.url)
    with pytest.raises(CustomerIOException, match="401"):
        wrong.send_request("GET", wrong.url + "/v1/object_types", {})

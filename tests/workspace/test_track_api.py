"""Track API v1/v2 over HTTP: auth forms, success and error shapes, size limits, routing (SQLite and PostgreSQL)."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from sqlalchemy import update

from segcio import jsonutil
from segcio.store.tables.core import workspaces
from tests.workspace.conftest import Api


def basic(user: str, password: str, *, urlsafe: bool = False) -> dict[str, str]:
    encode = base64.urlsafe_b64encode if urlsafe else base64.b64encode
    return {"Authorization": "Basic " + encode(f"{user}:{password}".encode()).decode()}


# -- authentication ---------------------------------------------------------------------------------------------

V1_AUTHENTICATED = [
    ("PUT", "/api/v1/customers/u1", {"plan": "x"}),
    ("DELETE", "/api/v1/customers/u1", None),
    ("POST", "/api/v1/customers/u1/events", {"name": "x"}),
    ("POST", "/api/v1/customers/u1/suppress", None),
    ("POST", "/api/v1/customers/u1/unsuppress", None),
    ("PUT", "/api/v1/customers/u1/devices", {"device": {"id": "t", "platform": "ios"}}),
    ("DELETE", "/api/v1/customers/u1/devices/t", None),
    ("POST", "/api/v1/events", {"name": "x", "anonymous_id": "a"}),
    ("POST", "/api/v1/merge_customers", {"primary": {"id": "1"}, "secondary": {"id": "2"}}),
    ("POST", "/api/v1/forms/f1/submit", {"data": {"id": "1"}}),
    ("GET", "/api/v1/accounts/region", None),
    ("GET", "/auth", None),
]


@pytest.mark.parametrize(("method", "path", "body"), V1_AUTHENTICATED)
@pytest.mark.parametrize("credentials", ["none", "wrong key", "unknown site", "bearer"])
def test_v1_refuses_missing_or_wrong_credentials(api: Api, method: str, path: str, body: Any, credentials: str) -> None:
    site, key = api.track_auth
    headers = {
        "none": {},
        "wrong key": basic(site, key + "x"),
        "unknown site": basic("nope", key),
        "bearer": {"Authorization": f"Bearer {key}"},
    }[credentials]
    content = None if body is None else jsonutil.dumpb(body)
    response = api.client.request(
        method, path, content=content, headers={"Content-Type": "application/json", **headers}
    )
    assert response.status_code == 401
    assert "site id" in response.json()["meta"]["error"]
    assert response.headers["www-authenticate"].startswith("Basic")


@pytest.mark.parametrize("path", ["/api/v2/entity", "/api/v2/batch"])
def test_v2_refuses_wrong_credentials_with_v2_shape(api: Api, path: str) -> None:
    response = api.track("POST", path, {"batch": []}, headers=basic("nope", "nope"))
    assert response.status_code == 401
    (error,) = response.json()["errors"]
    assert error["reason"] == "unauthorized" and error["field"] == "authorization"


def test_basic_auth_in_standard_and_url_safe_base64(api: Api) -> None:
    site = api.track_auth[0]
    key = "key~~~???"  # encodes to '+' and '/' in standard base64, '-' and '_' in the URL-safe alphabet
    with api.runtime.db.begin() as conn:
        conn.execute(update(workspaces).where(workspaces.c.site_id == site).values(api_key=key))
    standard, urlsafe = basic(site, key), basic(site, key, urlsafe=True)
    assert standard != urlsafe
    for headers in (standard, urlsafe):
        response = api.track("GET", "/auth", headers=headers)
        assert response.status_code == 200 and response.content == b"{}"


def test_auth_endpoint_answers_200_empty_object(api: Api) -> None:
    response = api.track("GET", "/auth")
    assert response.status_code == 200
    assert response.content == b"{}"
    assert response.headers["content-type"] == "application/json"


def test_account_region(api: Api) -> None:
    response = api.track("GET", "/api/v1/accounts/region")
    assert response.status_code == 200
    assert response.json() == {
        "url": "http://testserver",
        "region": "us",
        "environment_id": api.runtime.defaults.workspace_id,
    }


# -- v1 identify and events -------------------------------------------------------------------------------------


def test_identify_answers_exactly_200_empty_object_and_stores(api: Api) -> None:
    response = api.track(
        "PUT", "/api/v1/customers/5", {"email": "c@example.com", "created_at": 1361205308, "plan": "basic"}
    )
    assert response.status_code == 200
    assert response.content == b"{}"
    person = api.attributes("5")
    assert person is not None
    assert person["identifiers"]["email"] == "c@example.com"
    assert person["attributes"]["plan"] == "basic"
    assert person["attributes"]["created_at"] == "1361205308"


@pytest.mark.parametrize(
    ("raw_path", "stored_id"),
    [
        ("a%2Fb", "a/b"),
        ("a+b", "a+b"),
        ("a%2Bb", "a+b"),
        ("u%201", "u 1"),
        ("%C3%A9t%C3%A9", "été"),
        ("line%0Abreak", "line\nbreak"),
    ],
)
def test_path_identifier_is_decoded_after_routing(api: Api, raw_path: str, stored_id: str) -> None:
    assert api.track("PUT", f"/api/v1/customers/{raw_path}", {"plan": "x"}).status_code == 200
    person = api.attributes(stored_id)
    assert person is not None and person["id"] == stored_id


def test_email_in_path_identifies_by_email(api: Api) -> None:
    assert api.track("PUT", "/api/v1/customers/a%40b.co", {"id": "7"}).status_code == 200
    person = api.attributes("7")
    assert person is not None and person["identifiers"]["email"] == "a@b.co"


def test_cio_id_in_path_changes_email(api: Api) -> None:
    api.track("PUT", "/api/v1/customers/u1", {"email": "old@b.co"})
    person = api.attributes("u1")
    assert person is not None
    cio_id = person["identifiers"]["cio_id"]
    response = api.track("PUT", f"/api/v1/customers/cio_{cio_id}", {"email": "new@b.co", "cio_id": cio_id})
    assert response.status_code == 200
    person = api.attributes("u1")
    assert person is not None and person["identifiers"]["email"] == "new@b.co"


def test_identify_conflict_still_answers_200(api: Api) -> None:
    api.track("PUT", "/api/v1/customers/a", {"email": "a@b.co"})
    api.track("PUT", "/api/v1/customers/b", {"email": "b@b.co"})
    response = api.track("PUT", "/api/v1/customers/a", {"email": "b@b.co"})
    assert response.status_code == 200 and response.content == b"{}"
    person = api.attributes("a")
    assert person is not None and person["identifiers"]["email"] == "a@b.co"
    # The failure is visible in the person's activity log, as Customer.io's "Attribute Update Failure".
    failed = api.app("GET", "/v1/customers/a/activities", params={"type": "failed_attribute_change"}).json()
    (failure,) = failed["activities"]
    assert failure["name"] == "attributes.email" and failure["data"]["reason"] == "conflict"


@pytest.mark.parametrize(
    ("method", "path", "body", "message"),
    [
        ("PUT", "/api/v1/customers/" + "x" * 151, {"plan": "a"}, "longer than 150 bytes"),
        ("POST", "/api/v1/customers/u1/events", {"name": "n" * 101}, "longer than 100 bytes"),
        ("PUT", "/api/v1/customers/u1/devices", {"device": {"id": "t", "platform": "windows"}}, "ios or android"),
        ("POST", "/api/v1/customers/u1/events", {"name": "x", "timestamp": "yesterday"}, "timestamp must be"),
    ],
)
def test_operations_the_engine_finds_invalid_are_400(
    api: Api, method: str, path: str, body: dict[str, Any], message: str
) -> None:
    api.track("PUT", "/api/v1/customers/u1", {})
    response = api.track(method, path, body)
    assert response.status_code == 400
    (error,) = response.json()["meta"]["errors"]
    assert message in error


def test_track_event_page_and_anonymous(api: Api) -> None:
    api.track("PUT", "/api/v1/customers/u1", {})
    for path, body in [
        ("/api/v1/customers/u1/events", {"name": "purchase", "data": {"price": 9.5}}),
        ("/api/v1/customers/u1/events", {"type": "page", "name": "/home", "data": {"referrer": "x"}}),
        ("/api/v1/events", {"name": "viewed", "data": {"x": 1}, "anonymous_id": "anon-1"}),
        ("/api/v1/events", {"name": "invite", "data": {"recipient": "r@b.co"}}),
    ]:
        response = api.track("POST", path, body)
        assert response.status_code == 200 and response.content == b"{}", response.text
    activities = api.app("GET", "/v1/customers/u1/activities", params={"limit": 100}).json()["activities"]
    assert {(a["type"], a["name"]) for a in activities} >= {("event", "purchase"), ("page", "/home")}


def test_event_errors_use_meta_errors(api: Api) -> None:
    response = api.track("POST", "/api/v1/customers/u1/events", {"data": {}})
    assert response.status_code == 400
    (message,) = response.json()["meta"]["errors"]
    assert "name is required" in message


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"{not json", "not valid JSON"), (b"[1, 2]", "must be a JSON object")],
)
def test_v1_malformed_body(api: Api, content: bytes, message: str) -> None:
    response = api.track("PUT", "/api/v1/customers/u1", content=content)
    assert response.status_code == 400
    assert message in response.json()["meta"]["errors"][0]


def test_v1_body_over_limit_is_refused(api: Api) -> None:
    response = api.track("PUT", "/api/v1/customers/u1", {"big": "x" * (600 * 1024)})
    assert response.status_code == 400
    assert "limit" in response.json()["meta"]["errors"][0]
    assert api.attributes("u1") is None


def test_unknown_v1_endpoint_is_404_in_v1_shape(api: Api) -> None:
    response = api.track("POST", "/api/v1/customers/u1/frobnicate", {})
    assert response.status_code == 404
    assert "No Track API v1 endpoint" in response.json()["meta"]["errors"][0]


# -- v1 delete, suppress, devices, merge, forms, metrics ----------------------------------------------------------


@pytest.mark.parametrize("body", [None, b"{}"])
def test_delete_accepts_no_body_or_empty_object(api: Api, body: bytes | None) -> None:
    api.track("PUT", "/api/v1/customers/u1", {"plan": "x"})
    response = api.client.request("DELETE", "/api/v1/customers/u1", content=body, auth=api.track_auth)
    assert response.status_code == 200 and response.content == b"{}"
    assert api.attributes("u1") is None
    # Deleting somebody unknown is not an error.
    assert api.track("DELETE", "/api/v1/customers/nobody").status_code == 200


def test_suppress_and_unsuppress(api: Api) -> None:
    api.track("PUT", "/api/v1/customers/u1", {"plan": "x"})
    assert api.track("POST", "/api/v1/customers/u1/suppress").content == b"{}"
    assert api.attributes("u1") is None
    # A suppressed identifier is ignored (still 200) until unsuppressed.
    assert api.track("PUT", "/api/v1/customers/u1", {"plan": "y"}).status_code == 200
    assert api.attributes("u1") is None
    assert api.track("POST", "/api/v1/customers/u1/unsuppress").content == b"{}"
    assert api.track("PUT", "/api/v1/customers/u1", {"plan": "z"}).status_code == 200
    person = api.attributes("u1")
    assert person is not None and person["attributes"]["plan"] == "z"


def test_devices_add_and_delete_with_slash_in_token(api: Api) -> None:
    api.track("PUT", "/api/v1/customers/u1", {})
    body = {
        "device": {"id": "tok/1", "platform": "ios", "last_used": 1700000003, "attributes": {"push_enabled": "true"}}
    }
    assert api.track("PUT", "/api/v1/customers/u1/devices", body).content == b"{}"
    person = api.attributes("u1")
    assert person is not None
    assert [(d["id"], d["platform"], d["last_used"]) for d in person["devices"]] == [("tok/1", "ios", 1700000003)]
    assert api.track("DELETE", "/api/v1/customers/u1/devices/tok%2F1").content == b"{}"
    person = api.attributes("u1")
    assert person is not None and person["devices"] == []


def test_device_errors(api: Api) -> None:
    response = api.track("PUT", "/api/v1/customers/u1/devices", {"device": {"platform": "ios"}})
    assert response.status_code == 400
    assert "device.id is required" in response.json()["meta"]["errors"][0]


def test_merge_customers(api: Api) -> None:
    api.track("PUT", "/api/v1/customers/p1", {"email": "p@b.co", "plan": "pro"})
    api.track("PUT", "/api/v1/customers/s1", {"nickname": "s"})
    response = api.track("POST", "/api/v1/merge_customers", {"primary": {"email": "p@b.co"}, "secondary": {"id": "s1"}})
    assert response.status_code == 200 and response.content == b"{}"
    assert api.attributes("s1") is None
    person = api.attributes("p1")
    assert person is not None and person["attributes"]["nickname"] == "s"


def test_merge_error_uses_singular_meta_error(api: Api) -> None:
    body = {"primary": {"id": "1", "email": "a@b.co"}, "secondary": {"id": "2"}}
    response = api.track("POST", "/api/v1/merge_customers", body)
    assert response.status_code == 400
    assert "exactly one of id, email, cio_id" in response.json()["meta"]["error"]


def test_form_submit_answers_204_and_identifies(api: Api) -> None:
    body = {"data": {"email": "form@b.co", "first_name": "cool", "form_name": "signup"}}
    response = api.track("POST", "/api/v1/forms/f%2F1/submit", body)
    assert response.status_code == 204 and response.content == b""
    people = api.app("GET", "/v1/customers", params={"email": "form@b.co"}).json()["results"]
    assert len(people) == 1


def test_form_submit_without_identifier_is_400(api: Api) -> None:
    response = api.track("POST", "/api/v1/forms/f1/submit", {"data": {"email_address": "a@b.co"}})
    assert response.status_code == 400
    assert "include data.email or data.id" in response.json()["meta"]["errors"][0]


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/v1/metrics", {"delivery_id": "RPIL", "metric": "clicked", "timestamp": 1613063089, "href": "https://x"}),
        ("/api/v1/push/events", {"delivery_id": "d1", "event": "opened", "device_id": "tok", "timestamp": 1613063089}),
        ("/push/events", {"delivery_id": "d1", "event": "delivered", "device_id": "tok"}),
    ],
)
def test_delivery_metrics_need_no_credentials(api: Api, path: str, body: dict[str, Any]) -> None:
    response = api.client.post(path, content=jsonutil.dumpb(body))
    assert response.status_code == 200 and response.content == b"{}"


def test_delivery_metric_errors(api: Api) -> None:
    response = api.client.post("/api/v1/metrics", json={"delivery_id": "d", "metric": "liked"})
    assert response.status_code == 400
    assert "metric must be one of" in response.json()["meta"]["errors"][0]


# -- v2 ---------------------------------------------------------------------------------------------------------


def test_v2_entity_identify(api: Api) -> None:
    op = {"type": "person", "identifiers": {"id": "42"}, "action": "identify", "attributes": {"first_name": "Jane"}}
    response = api.track("POST", "/api/v2/entity", op)
    assert response.status_code == 200 and response.content == b"{}"
    person = api.attributes("42")
    assert person is not None and person["attributes"]["first_name"] == "Jane"


def test_v2_entity_invalid_operation_is_400_with_reason_field_message(api: Api) -> None:
    op = {"type": "person", "identifiers": {"id": "1", "email": "a@b.co"}, "action": "identify"}
    response = api.track("POST", "/api/v2/entity", op)
    assert response.status_code == 400
    (error,) = response.json()["errors"]
    assert set(error) == {"reason", "field", "message"}
    assert error["reason"] == "invalid" and error["message"]


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"", "empty"), (b"nope", "not valid JSON"), (b"[]", "must be a JSON object")],
)
def test_v2_entity_malformed_body(api: Api, content: bytes, message: str) -> None:
    response = api.track("POST", "/api/v2/entity", content=content)
    assert response.status_code == 400
    (error,) = response.json()["errors"]
    assert error["field"] == "body" and message in error["message"]


def test_v2_entity_over_32kb_is_refused(api: Api) -> None:
    op = {"type": "person", "identifiers": {"id": "big"}, "action": "identify", "attributes": {"a": "x" * 33000}}
    response = api.track("POST", "/api/v2/entity", op)
    assert response.status_code == 400
    assert "32768" in response.json()["errors"][0]["message"]
    assert api.attributes("big") is None


def test_v2_batch_all_ok(api: Api) -> None:
    batch = [
        {"type": "person", "identifiers": {"id": "1"}, "action": "identify", "attributes": {"plan": "a"}},
        {"type": "person", "identifiers": {"id": "1"}, "action": "event", "name": "purchase", "attributes": {"p": 1}},
        {
            "type": "object",
            "identifiers": {"object_type_id": "1", "object_id": "acme"},
            "action": "identify",
            "attributes": {"name": "Acme"},
            "cio_relationships": [{"identifiers": {"id": "1"}}],
        },
    ]
    response = api.track("POST", "/api/v2/batch", {"batch": batch})
    assert response.status_code == 200 and response.content == b"{}"
    relationships = api.app("GET", "/v1/customers/1/relationships").json()
    assert [r["identifiers"]["object_id"] for r in relationships["cio_relationships"]] == ["acme"]


def test_v2_batch_partial_failure_is_207_with_batch_index(api: Api) -> None:
    batch: list[Any] = [
        {"type": "person", "identifiers": {"id": "1"}, "action": "identify", "attributes": {"plan": "a"}},
        {"type": "person", "identifiers": {}, "action": "identify"},
        "not an operation",
        {"type": "person", "identifiers": {"id": "2"}, "action": "identify", "attributes": {"big": "x" * 33000}},
        {"type": "person", "identifiers": {"id": "3"}, "action": "identify"},
    ]
    response = api.track("POST", "/api/v2/batch", {"batch": batch})
    assert response.status_code == 207
    errors = response.json()["errors"]
    assert [e["batch_index"] for e in errors] == [1, 2, 3]
    assert all(e["reason"] == "invalid" and e["message"] for e in errors)
    assert "32768" in errors[2]["message"]
    # "all other requests are accepted"
    assert api.attributes("1") is not None and api.attributes("3") is not None
    assert api.attributes("2") is None


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [({"ops": []}, "batch", "batch is required"), ({"batch": "x"}, "batch", "batch is required")],
)
def test_v2_batch_malformed_is_400(api: Api, body: dict[str, Any], field: str, message: str) -> None:
    response = api.track("POST", "/api/v2/batch", body)
    assert response.status_code == 400
    (error,) = response.json()["errors"]
    assert error["field"] == field and message in error["message"]


def test_v2_batch_over_500kb_is_refused(api: Api) -> None:
    item = {"type": "person", "identifiers": {"id": "1"}, "action": "identify", "attributes": {"a": "x" * 30000}}
    response = api.track("POST", "/api/v2/batch", {"batch": [item] * 18})
    assert response.status_code == 400
    (error,) = response.json()["errors"]
    assert error["field"] == "body" and "512000" in error["message"]
    assert api.attributes("1") is None


def test_v2_identify_conflict_is_200(api: Api) -> None:
    ops = [
        {"type": "person", "identifiers": {"id": "a"}, "action": "identify", "attributes": {"email": "a@b.co"}},
        {"type": "person", "identifiers": {"id": "b"}, "action": "identify", "attributes": {"email": "b@b.co"}},
        {"type": "person", "identifiers": {"id": "a"}, "action": "identify", "attributes": {"email": "b@b.co"}},
    ]
    response = api.track("POST", "/api/v2/batch", {"batch": ops})
    assert response.status_code == 200 and response.content == b"{}"


def test_unsubscribe_by_delivery_explains_there_are_no_deliveries(api: Api) -> None:
    response = api.client.post("/unsubscribe/RPIL123", json={"unsubscribe": True})
    assert response.status_code == 400
    assert "segcio sends no messages" in response.json()["meta"]["errors"][0]

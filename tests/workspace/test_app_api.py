"""The App API subset over HTTP: Bearer auth, Customer.io's response shapes, filters, paging, errors, CSV export
(SQLite and PostgreSQL)."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest

from tests.workspace.conftest import Api


def identify(api: Api, person_id: str, **attributes: Any) -> None:
    response = api.track("PUT", f"/api/v1/customers/{person_id}", attributes)
    assert response.status_code == 200, response.text


def batch(api: Api, *ops: dict[str, Any]) -> None:
    response = api.track("POST", "/api/v2/batch", {"batch": list(ops)})
    assert response.status_code == 200, response.text


def error_of(response: Any, status: int) -> str:
    assert response.status_code == status, response.text
    (error,) = response.json()["errors"]
    assert error["status"] == str(status)
    detail: str = error["detail"]
    return detail


APP_ROUTES = [
    ("GET", "/v1/customers?email=a@b.co", None),
    ("POST", "/v1/customers", {"filter": {"attribute": {"field": "plan", "operator": "exists"}}}),
    ("POST", "/v1/customers/attributes", {"ids": ["1"]}),
    ("GET", "/v1/customers/1/attributes", None),
    ("GET", "/v1/customers/1/activities", None),
    ("GET", "/v1/customers/1/relationships", None),
    ("GET", "/v1/object_types", None),
    (
        "POST",
        "/v1/objects",
        {"object_type_id": "1", "filter": {"object_attribute": {"field": "x", "operator": "exists"}}},
    ),
    ("GET", "/v1/objects/1/acme/attributes", None),
    ("GET", "/v1/objects/1/acme/relationships", None),
    ("GET", "/v1/exports/customers.csv", None),
]


@pytest.mark.parametrize(("method", "path", "body"), APP_ROUTES)
@pytest.mark.parametrize("authorization", [None, "Bearer wrong", "Basic Zm9vOmJhcg=="])
def test_every_route_needs_the_app_api_key(
    api: Api, method: str, path: str, body: Any, authorization: str | None
) -> None:
    headers = {} if authorization is None else {"Authorization": authorization}
    response = api.app(method, path, body, headers=headers)
    assert "Bearer" in error_of(response, 401)
    assert response.headers["www-authenticate"].startswith("Bearer")


def test_the_track_api_key_is_not_an_app_api_key(api: Api) -> None:
    response = api.app("GET", "/v1/object_types", headers={"Authorization": f"Bearer {api.track_auth[1]}"})
    assert response.status_code == 401


def test_customers_by_email(api: Api) -> None:
    identify(api, "1", email="Hugh.Mann@example.com")
    response = api.app("GET", "/v1/customers", params={"email": "hugh.mann@example.com"})
    assert response.status_code == 200
    person = api.attributes("1")
    assert person is not None
    assert response.json() == {
        "results": [{"cio_id": person["identifiers"]["cio_id"], "email": "Hugh.Mann@example.com", "id": "1"}]
    }
    assert api.app("GET", "/v1/customers", params={"email": "nobody@example.com"}).json() == {"results": []}


def test_customers_by_email_finds_every_profile_in_an_id_only_workspace(api: Api) -> None:
    from segcio.workspace.engine import Workspace

    Workspace(api.runtime.db, api.runtime.defaults.workspace_id).update_settings(identifiers="id_only")
    identify(api, "1", email="same@example.com")
    identify(api, "2", email="same@example.com")
    results = api.app("GET", "/v1/customers", params={"email": "same@example.com"}).json()["results"]
    assert [r["id"] for r in results] == ["1", "2"]
    response = api.app("GET", "/v1/customers/same@example.com/attributes", params={"id_type": "email"})
    assert "id_type=email" in error_of(response, 400)


def test_customers_by_email_needs_the_email(api: Api) -> None:
    assert "email is required" in error_of(api.app("GET", "/v1/customers"), 400)


def test_attributes_have_customer_io_shape(api: Api) -> None:
    identify(
        api,
        "1",
        email="test@example.com",
        created_at=1489014595,
        title="tester",
        score=9.5,
        vip=True,
        tags=["a", "b"],
        address={"city": "Paris"},
        unsubscribed=True,
    )
    api.track(
        "PUT", "/api/v1/customers/1/devices", {"device": {"id": "ios-1", "platform": "ios", "last_used": 1514764800}}
    )
    response = api.app("GET", "/v1/customers/1/attributes")
    assert response.status_code == 200
    customer = response.json()["customer"]
    assert set(customer) == {"id", "identifiers", "attributes", "timestamps", "unsubscribed", "devices"}
    cio_id = customer["identifiers"]["cio_id"]
    assert customer["id"] == "1"
    assert customer["identifiers"] == {"id": "1", "email": "test@example.com", "cio_id": cio_id}
    attributes = customer["attributes"]
    assert attributes["cio_id"] == cio_id and attributes["id"] == "1" and attributes["email"] == "test@example.com"
    assert attributes["created_at"] == "1489014595"
    assert attributes["title"] == "tester"
    assert attributes["score"] == "9.5"
    assert attributes["vip"] == "true"
    assert attributes["tags"] == '["a","b"]'
    assert attributes["address"] == '{"city":"Paris"}'
    assert all(isinstance(v, str) for v in attributes.values())
    assert set(customer["timestamps"]) == set(attributes)
    assert all(isinstance(v, int) for v in customer["timestamps"].values())
    assert customer["unsubscribed"] is True
    assert [(d["id"], d["platform"], d["last_used"]) for d in customer["devices"]] == [("ios-1", "ios", 1514764800)]


@pytest.mark.parametrize("id_type", ["id", "email", "cio_id"])
def test_attributes_by_each_id_type(api: Api, id_type: str) -> None:
    identify(api, "a%2Fb", email="ab@example.com")
    person = api.attributes("a/b")
    assert person is not None
    value = {"id": "a%2Fb", "email": "ab@example.com", "cio_id": "cio_" + person["identifiers"]["cio_id"]}[id_type]
    response = api.app("GET", f"/v1/customers/{value}/attributes", params={"id_type": id_type})
    assert response.status_code == 200
    assert response.json()["customer"]["id"] == "a/b"


def test_attributes_errors(api: Api) -> None:
    assert "No person with id 'ghost'" in error_of(api.app("GET", "/v1/customers/ghost/attributes"), 404)
    response = api.app("GET", "/v1/customers/x/attributes", params={"id_type": "phone"})
    assert "id_type must be one of id, email, cio_id" in error_of(response, 400)
    assert "No App API endpoint" in error_of(api.app("GET", "/v1/customers/x/purchases"), 404)


def test_attributes_of_several_people(api: Api) -> None:
    identify(api, "1", plan="a")
    identify(api, "2", plan="b")
    response = api.app("POST", "/v1/customers/attributes", {"ids": ["1", "ghost", "2"]})
    assert response.status_code == 200
    assert [c["customer"]["attributes"]["plan"] for c in response.json()["customers"]] == ["a", "b"]


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        ({"ids": []}, 400, "ids is required"),
        ({"ids": [str(i) for i in range(101)]}, 400, "1 to 100 identifiers"),
        ({"ids": [{"id": 1}]}, 400, "ids must hold strings"),
        ({}, 400, "ids is required"),
    ],
)
def test_attributes_of_several_people_errors(api: Api, body: Any, status: int, message: str) -> None:
    assert message in error_of(api.app("POST", "/v1/customers/attributes", body), status)


def test_filter_people_with_pages(api: Api) -> None:
    for i in range(5):
        identify(api, str(i), plan="pro" if i % 2 == 0 else "free", email=f"p{i}@example.com")
    api.track("PUT", "/api/v1/customers/0", {"unsubscribed": True})
    body = {
        "filter": {
            "and": [
                {"attribute": {"field": "plan", "operator": "eq", "value": "pro"}},
                {"not": {"attribute": {"field": "unsubscribed", "operator": "eq", "value": "true"}}},
            ]
        }
    }
    first = api.app("POST", "/v1/customers?limit=1", body).json()
    assert first["ids"] == ["2"]
    assert first["identifiers"][0]["email"] == "p2@example.com"
    assert first["next"]
    second = api.app("POST", f"/v1/customers?limit=1&start={first['next']}", body).json()
    assert second["ids"] == ["4"]
    third = api.app("POST", f"/v1/customers?limit=1&start={second['next']}", body).json() if second["next"] else None
    assert third is None or third == {"identifiers": [], "ids": [], "next": ""}
    everyone = api.app("POST", "/v1/customers", {"filter": {"attribute": {"field": "email", "operator": "exists"}}})
    assert everyone.json()["ids"] == ["0", "1", "2", "3", "4"] and everyone.json()["next"] == ""


@pytest.mark.parametrize(
    ("query", "body", "message"),
    [
        ("", {}, "filter is required"),
        ("", {"filter": {"segment": {"id": 4}}}, "segcio has no segments"),
        (
            "",
            {"filter": {"attribute": {"field": "plan", "operator": "gt", "value": 1}}},
            "operator must be eq or exists",
        ),
        ("?limit=0", {"filter": {"attribute": {"field": "plan", "operator": "exists"}}}, "limit must be"),
        ("?limit=1001", {"filter": {"attribute": {"field": "plan", "operator": "exists"}}}, "limit must be"),
        ("?start=bogus", {"filter": {"attribute": {"field": "plan", "operator": "exists"}}}, "not a cursor"),
    ],
)
def test_filter_errors(api: Api, query: str, body: dict[str, Any], message: str) -> None:
    assert message in error_of(api.app("POST", "/v1/customers" + query, body), 400)


def test_filter_body_must_be_json(api: Api) -> None:
    response = api.client.post("/v1/customers", content=b"nope", headers=api.app_headers)
    assert "not valid JSON" in error_of(response, 400)


def test_activities(api: Api) -> None:
    identify(api, "1", plan="a")
    for name in ("one", "two", "three"):
        api.track("POST", "/api/v1/customers/1/events", {"name": name, "data": {"n": name}})
    api.track("POST", "/api/v1/customers/1/events", {"type": "page", "name": "/home"})
    events = api.app("GET", "/v1/customers/1/activities", params={"type": "event", "limit": 2}).json()
    assert [a["name"] for a in events["activities"]] == ["three", "two"]
    first = events["activities"][0]
    assert first["type"] == "event" and first["data"] == {"n": "three"}
    assert first["customer_id"] == "1" and first["customer_identifiers"]["id"] == "1"
    assert isinstance(first["timestamp"], int)
    assert events["next"]
    rest = api.app("GET", "/v1/customers/1/activities", params={"type": "event", "start": events["next"]}).json()
    assert [a["name"] for a in rest["activities"]] == ["one"]
    pages = api.app("GET", "/v1/customers/1/activities", params={"type": "page"}).json()["activities"]
    assert [a["name"] for a in pages] == ["/home"]
    assert "limit must be" in error_of(api.app("GET", "/v1/customers/1/activities", params={"limit": 101}), 400)


RELATE = {
    "type": "object",
    "identifiers": {"object_type_id": "1", "object_id": "acme"},
    "action": "identify",
    "attributes": {"name": "Acme", "seats": 50},
    "cio_relationships": [{"identifiers": {"id": "42"}, "relationship_attributes": {"role": "admin"}}],
}


def test_relationships_objects_and_types(api: Api) -> None:
    identify(api, "42", email="42@example.com")
    batch(api, RELATE)
    relationships = api.app("GET", "/v1/customers/42/relationships").json()
    (relationship,) = relationships["cio_relationships"]
    assert relationship["identifiers"]["object_type_id"] == "1"
    assert relationship["identifiers"]["object_id"] == "acme"
    assert relationship["object_type_id"] == "1"
    assert relationship["relationship_attributes"] == {"role": "admin"}
    cio_object_id = relationship["identifiers"]["cio_object_id"]

    types = api.app("GET", "/v1/object_types").json()["types"]
    assert [t["id"] for t in types] == ["1"]
    assert set(types[0]) == {"id", "name", "singular_name", "slug", "singular_slug", "enabled", "icon"}

    obj = api.app("GET", "/v1/objects/1/acme/attributes").json()["object"]
    assert obj["identifiers"] == {"object_id": "acme", "cio_object_id": cio_object_id}
    assert obj["object_type_id"] == "1"
    assert obj["attributes"]["name"] == "Acme" and obj["attributes"]["seats"] == "50"
    by_cio = api.app("GET", f"/v1/objects/1/{cio_object_id}/attributes", params={"id_type": "cio_object_id"})
    assert by_cio.json()["object"]["identifiers"]["object_id"] == "acme"

    people = api.app("GET", "/v1/objects/1/acme/relationships").json()
    (person,) = people["cio_relationships"]
    assert person["identifiers"]["id"] == "42" and person["identifiers"]["email"] == "42@example.com"
    assert person["relationship_attributes"] == {"role": "admin"}
    assert people["next"] == ""


def test_object_errors(api: Api) -> None:
    batch(api, RELATE)
    assert "No object with object_id 'ghost'" in error_of(api.app("GET", "/v1/objects/1/ghost/attributes"), 404)
    assert "object_type_id must be a positive integer" in error_of(api.app("GET", "/v1/objects/x/acme/attributes"), 400)
    assert "object_type_id must be a positive integer" in error_of(
        api.app("GET", "/v1/objects/%C2%B2/a/attributes"), 400
    )
    assert "limit must be" in error_of(api.app("GET", "/v1/objects/1/acme/relationships?limit=%C2%B2"), 400)
    response = api.app("GET", "/v1/objects/1/acme/attributes", params={"id_type": "name"})
    assert "id_type must be one of object_id, cio_object_id" in error_of(response, 400)
    assert "No App API endpoint" in error_of(api.app("GET", "/v1/objects/1/acme"), 404)


def test_relationship_pages(api: Api) -> None:
    people = [{"identifiers": {"id": str(i)}} for i in range(3)]
    batch(api, *({"type": "person", "identifiers": {"id": str(i)}, "action": "identify"} for i in range(3)))
    batch(api, {**RELATE, "cio_relationships": people})
    first = api.app("GET", "/v1/objects/1/acme/relationships", params={"limit": 2}).json()
    assert [r["identifiers"]["id"] for r in first["cio_relationships"]] == ["0", "1"]
    rest = api.app("GET", "/v1/objects/1/acme/relationships", params={"start": first["next"]}).json()
    assert [r["identifiers"]["id"] for r in rest["cio_relationships"]] == ["2"] and rest["next"] == ""


def test_filter_objects(api: Api) -> None:
    batch(
        api,
        RELATE,
        {**RELATE, "identifiers": {"object_type_id": "1", "object_id": "tiny"}, "attributes": {"seats": 2}},
    )
    body = {"object_type_id": "1", "filter": {"object_attribute": {"field": "seats", "operator": "eq", "value": "2"}}}
    found = api.app("POST", "/v1/objects", body).json()
    assert found["ids"] == ["tiny"] and found["next"] == ""
    bad = {"object_type_id": "one", "filter": body["filter"]}
    assert "object_type_id must be" in error_of(api.app("POST", "/v1/objects", bad), 400)


def test_export_people_as_csv(api: Api) -> None:
    identify(api, "1", email="a@example.com", plan="pro", created_at=1489014595)
    identify(api, "2", nickname="two, with comma")
    response = api.app("GET", "/v1/exports/customers.csv")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [r["id"] for r in rows] == ["1", "2"]
    assert list(rows[0])[:6] == ["cio_id", "id", "email", "created_at", "_created_in_customerio_at", "unsubscribed"]
    assert rows[0]["email"] == "a@example.com" and rows[0]["plan"] == "pro" and rows[0]["created_at"] == "1489014595"
    assert rows[1]["nickname"] == "two, with comma" and rows[1]["plan"] == ""
    assert api.app("POST", "/v1/exports/customers.csv").text == response.text

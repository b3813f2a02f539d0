"""Values no column can hold are refused by rule, with a 4xx in each API's error shape naming the field and the fix,
and nothing stored (SQLite and PostgreSQL alike): object type ids that are not ASCII digits within the column's
range, NUL characters and lone surrogates in any text, values nested more than 64 levels deep, ids that overflow."""

from __future__ import annotations

from typing import Any

import pytest

from segcio.values import MAX_DEPTH
from tests.workspace.conftest import Api

# JSON text: json.dumps writes lone surrogates and NUL as escapes, as clients send them.
NUL = "a\u0000b"
SURROGATE = "a\ud800b"


def _json(value: Any) -> bytes:
    import json

    return json.dumps(value).encode()


def _deep(depth: int) -> Any:
    value: Any = 1
    for _ in range(depth):
        value = {"a": value}
    return value


def _v2_error(response: Any, field: str) -> dict[str, Any]:
    assert response.status_code == 400, response.text
    [error] = response.json()["errors"]
    assert error["reason"] == "invalid" and error["field"] == field, error
    return dict(error)


# -- object type ids --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("type_id", ["99999999999999999999999", "2147483648", "²", "\u0661", "0", "-1", "1.5", " "])
def test_object_type_ids_outside_the_rule_are_refused(api: Api, type_id: str) -> None:
    op = {"type": "object", "action": "identify", "identifiers": {"object_type_id": type_id, "object_id": "acme"}}
    error = _v2_error(api.track("POST", "/api/v2/entity", op), "identifiers.object_type_id")
    assert "1 to 2147483647" in error["message"] and "ASCII digits" in error["message"]
    assert api.app("GET", "/v1/object_types").json()["types"] == []


def test_the_largest_object_type_id_is_accepted(api: Api) -> None:
    op = {"type": "object", "action": "identify", "identifiers": {"object_type_id": "2147483647", "object_id": "acme"}}
    assert api.track("POST", "/api/v2/entity", op).status_code == 200
    assert api.app("GET", "/v1/objects/2147483647/acme/attributes").status_code == 200


def test_relationship_object_type_ids_follow_the_same_rule(api: Api) -> None:
    op = {"type": "person", "action": "add_relationships", "identifiers": {"id": "u1"},
          "cio_relationships": [{"identifiers": {"object_type_id": "99999999999999999999999", "object_id": "a"}}]}
    response = api.track("POST", "/api/v2/entity", op)
    assert response.status_code == 400, response.text
    assert "object_type_id" in response.json()["errors"][0]["field"]


@pytest.mark.parametrize("type_id", ["99999999999999999999999", "%C2%B2", "0"])
def test_app_api_object_paths_refuse_bad_type_ids(api: Api, type_id: str) -> None:
    response = api.app("GET", f"/v1/objects/{type_id}/acme/attributes")
    assert response.status_code == 400, response.text
    assert "object_type_id" in response.json()["errors"][0]["detail"]


def test_app_api_object_filter_refuses_an_overflowing_type_id(api: Api) -> None:
    body = {"object_type_id": "99999999999999999999999", "filter": {"attribute": {"field": "x", "operator": "exists"}}}
    response = api.app("POST", "/v1/objects", body)
    assert response.status_code == 400, response.text
    assert "object_type_id" in response.json()["errors"][0]["detail"]


# -- NUL and lone surrogates ------------------------------------------------------------------------------------

TEXT_CASES = [
    ({"type": "person", "action": "identify", "identifiers": {"id": "{bad}"}}, "identifiers.id"),
    ({"type": "person", "action": "identify", "identifiers": {"id": "u1"}, "attributes": {"email": "{bad}"}},
     "attributes.email"),
    ({"type": "person", "action": "identify", "identifiers": {"id": "u1"}, "attributes": {"plan": {"x": "{bad}"}}},
     "attributes.plan.x"),
    ({"type": "person", "action": "event", "identifiers": {"id": "u1"}, "name": "{bad}"}, "name"),
    ({"type": "person", "action": "page", "identifiers": {"id": "u1"}, "name": "{bad}"}, "name"),
    ({"type": "person", "action": "add_device", "identifiers": {"id": "u1"},
      "device": {"token": "{bad}", "platform": "ios"}}, "device.token"),
    ({"type": "object", "action": "identify", "identifiers": {"object_type_id": "1", "object_id": "{bad}"}},
     "identifiers.object_id"),
]


@pytest.mark.parametrize("bad", [NUL, SURROGATE], ids=["nul", "surrogate"])
@pytest.mark.parametrize(("template", "field"), TEXT_CASES, ids=[field for _, field in TEXT_CASES])
def test_text_no_column_can_hold_is_refused_with_its_field(
    api: Api, bad: str, template: dict[str, Any], field: str
) -> None:
    op = _json(template).replace(b"{bad}", _json(bad)[1:-1])
    error = _v2_error(api.track("POST", "/api/v2/entity", content=op), field)
    assert ("NUL" in error["message"]) if bad == NUL else ("surrogate" in error["message"])
    assert api.attributes("u1") is None


def test_a_bad_key_is_named_with_escapes(api: Api) -> None:
    op = b'{"type":"person","action":"identify","identifiers":{"id":"u1"},"attributes":{"a\\ud800":1}}'
    error = _v2_error(api.track("POST", "/api/v2/entity", content=op), "attributes.a\\ud800")
    assert "surrogate" in error["message"]


def test_batch_refuses_only_the_bad_items(api: Api) -> None:
    good = {"type": "person", "action": "identify", "identifiers": {"id": "u1"}, "attributes": {"plan": "pro"}}
    bad = b'{"type":"person","action":"identify","identifiers":{"id":"u2"},"attributes":{"plan":"\\ud800"}}'
    body = b'{"batch":[' + bad + b"," + _json(good) + b"]}"
    response = api.track("POST", "/api/v2/batch", content=body)
    assert response.status_code == 207, response.text
    [error] = response.json()["errors"]
    assert error["batch_index"] == 0 and error["field"] == "attributes.plan"
    assert api.attributes("u1") is not None and api.attributes("u2") is None


@pytest.mark.parametrize("bad", [NUL, SURROGATE], ids=["nul", "surrogate"])
def test_v1_refuses_bad_text_in_the_v1_shape(api: Api, bad: str) -> None:
    response = api.track("PUT", "/api/v1/customers/u1", content=_json({"plan": bad}))
    assert response.status_code == 400, response.text
    [message] = response.json()["meta"]["errors"]
    assert "plan" in message
    response = api.track("POST", "/api/v1/customers/u1/events", content=_json({"name": bad}))
    assert response.status_code == 400, response.text
    assert api.attributes("u1") is None


def test_v1_refuses_nul_in_a_path_id(api: Api) -> None:
    response = api.track("PUT", "/api/v1/customers/a%00b", content=_json({"plan": "x"}))
    assert response.status_code == 400, response.text
    assert "NUL" in response.json()["meta"]["errors"][0]


# -- nesting --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("depth", [MAX_DEPTH, 500, 900, 2000])
def test_values_nested_too_deep_are_refused(api: Api, depth: int) -> None:
    deep = b'{"a":' * depth + b"1" + b"}" * depth
    op = b'{"type":"person","action":"identify","identifiers":{"id":"u1"},"attributes":{"x":' + deep + b"}}"
    response = api.track("POST", "/api/v2/entity", content=op)
    assert response.status_code == 400, response.text
    assert f"{MAX_DEPTH} levels" in response.json()["errors"][0]["message"]
    response = api.track("PUT", "/api/v1/customers/u1", content=b'{"x":' + deep + b"}")
    assert response.status_code == 400, response.text
    assert f"{MAX_DEPTH} levels" in response.json()["meta"]["errors"][0]
    assert api.attributes("u1") is None


def test_nesting_up_to_the_limit_is_kept(api: Api) -> None:
    # The operation is level 1, `attributes` level 2: the attribute's value may hold 61 more objects.
    attributes = {"x": _deep(MAX_DEPTH - 3)}
    op = {"type": "person", "action": "identify", "identifiers": {"id": "u1"}, "attributes": attributes}
    assert api.track("POST", "/api/v2/entity", op).status_code == 200
    assert api.attributes("u1") is not None


# -- App API inputs ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("bad", [NUL, SURROGATE], ids=["nul", "surrogate"])
def test_app_api_refuses_bad_text_in_bodies(api: Api, bad: str) -> None:
    for path, body in [
        ("/v1/customers/attributes", {"ids": [bad]}),
        ("/v1/customers", {"filter": {"attribute": {"field": "plan", "operator": "eq", "value": bad}}}),
        ("/v1/customers", {"filter": {"attribute": {"field": bad, "operator": "exists"}}}),
    ]:
        response = api.client.post(path, content=_json(body), headers={**api.app_headers,
                                                                         "Content-Type": "application/json"})
        assert response.status_code == 400, (path, response.text)
        [error] = response.json()["errors"]
        assert error["status"] == "400" and ("NUL" in error["detail"] or "surrogate" in error["detail"])


def test_app_api_refuses_nul_in_path_and_query(api: Api) -> None:
    response = api.app("GET", "/v1/customers/a%00b/attributes")
    assert response.status_code == 400, response.text
    assert "NUL" in response.json()["errors"][0]["detail"]
    response = api.app("GET", "/v1/customers", params={"email": NUL})
    assert response.status_code == 400, response.text


def test_app_api_filters_refuse_deep_nesting(api: Api) -> None:
    deep = b'{"not":' * 900 + b'{"attribute":{"field":"x","operator":"exists"}}' + b"}" * 900
    response = api.client.post("/v1/customers", content=b'{"filter":' + deep + b"}", headers=api.app_headers)
    assert response.status_code == 400, response.text
    assert "levels" in response.json()["errors"][0]["detail"]


# -- numbers beyond what a column holds ------------------------------------------------------------------------

HUGE = "1" + "0" * 400  # a valid JSON integer no float (timestamp column) can hold


def test_timestamps_beyond_a_float_are_refused(api: Api) -> None:
    event = '{"type":"person","action":"event","identifiers":{"id":"u1"},"name":"x","timestamp":' + HUGE + "}"
    _v2_error(api.track("POST", "/api/v2/entity", content=event.encode()), "timestamp")
    device = '{"device":{"id":"t1","platform":"ios","last_used":' + HUGE + "}}"
    response = api.track("PUT", "/api/v1/customers/u1/devices", content=device.encode())
    assert response.status_code == 400, response.text
    assert "last_used" in response.json()["meta"]["errors"][0]
    delivery = '{"type":"delivery","action":"event","identifiers":{"id":"d1"},"name":"opened","timestamp":' + HUGE + "}"
    _v2_error(api.track("POST", "/api/v2/entity", content=delivery.encode()), "timestamp")
    infinite = b'{"type":"person","action":"identify","identifiers":{"id":"u1"},"attributes":{"score":1e400}}'
    error = _v2_error(api.track("POST", "/api/v2/entity", content=infinite), "attributes.score")
    assert "finite" in error["message"]
    assert api.attributes("u1") is None


def test_a_created_at_no_float_can_hold_is_kept_as_given(api: Api) -> None:
    digits = "9" * 400
    op = {"type": "person", "action": "identify", "identifiers": {"id": "u1"}, "attributes": {"created_at": digits}}
    assert api.track("POST", "/api/v2/entity", op).status_code == 200
    person = api.attributes("u1")
    assert person is not None and person["attributes"]["created_at"] == digits

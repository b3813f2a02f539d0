"""The Event Tester warns at the very figures the local workspace refuses at: both read segcio.customerio.limits.

Each figure is tried at the limit (taken by the Track API, no warning) and one byte or one attribute beyond it
(refused or dropped by the Track API, warned by the tester's check of the same request)."""

from __future__ import annotations

from typing import Any

from segcio import jsonutil
from segcio.customerio import limits
from segcio.destinations.customerio.limits import check_request
from tests.workspace.conftest import Api

ENTITY = "/api/v2/entity"


def identify(user_id: str, attributes: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"type": "person", "action": "identify", "identifiers": {"id": user_id}, "attributes": attributes or {}}


def event(name: str) -> dict[str, Any]:
    return {"type": "person", "action": "event", "identifiers": {"id": "u"}, "name": name}


def warned(body: dict[str, Any]) -> list[str]:
    return sorted(w["field"] for w in check_request("POST", f"https://track.customer.io{ENTITY}", body))


def stored_attributes(api: Api, user_id: str) -> dict[str, Any]:
    customer = api.attributes(user_id)
    assert customer is not None
    return dict(customer["attributes"])


def refused_field(api: Api, body: dict[str, Any]) -> str | None:
    """The field the Track API names when it refuses the request (None when it takes it)."""
    response = api.track("POST", ENTITY, body)
    if response.status_code == 200:
        return None
    assert response.status_code == 400, response.text
    (error,) = response.json()["errors"]
    return str(error["field"])


def test_identifiers_and_event_names_over_their_figure_are_refused_and_warned(api: Api) -> None:
    at, over = "i" * limits.MAX_IDENTIFIER_BYTES, "i" * (limits.MAX_IDENTIFIER_BYTES + 1)
    assert refused_field(api, identify(at)) is None and warned(identify(at)) == []
    assert refused_field(api, identify(over)) == "identifiers.id" and warned(identify(over)) == ["identifiers.id"]
    at, over = "e" * limits.MAX_EVENT_NAME_BYTES, "e" * (limits.MAX_EVENT_NAME_BYTES + 1)
    assert refused_field(api, event(at)) is None and warned(event(at)) == []
    assert refused_field(api, event(over)) == "name" and warned(event(over)) == ["name"]


def test_attribute_names_values_and_counts_over_their_figure_are_dropped_and_warned(api: Api) -> None:
    name_at, name_over = "n" * limits.MAX_ATTRIBUTE_NAME_BYTES, "n" * (limits.MAX_ATTRIBUTE_NAME_BYTES + 1)
    value_at, value_over = "v" * limits.MAX_ATTRIBUTE_VALUE_BYTES, "v" * (limits.MAX_ATTRIBUTE_VALUE_BYTES + 1)
    body = identify("sizes", {name_at: "x", name_over: "x", "short": value_at, "long": value_over})
    assert refused_field(api, body) is None
    stored = stored_attributes(api, "sizes")
    assert name_at in stored and stored["short"] == value_at
    assert name_over not in stored and "long" not in stored
    assert warned(body) == sorted([f"attributes.{name_over}", "attributes.long"])

    many = identify("many", {f"a{i:03d}": 1 for i in range(limits.MAX_ATTRIBUTES + 1)})
    assert refused_field(api, many) is None
    stored = stored_attributes(api, "many")
    assert len([k for k in stored if k.startswith("a")]) == limits.MAX_ATTRIBUTES
    assert warned(many) == ["attributes"]
    assert warned(identify("many", {f"a{i:03d}": 1 for i in range(limits.MAX_ATTRIBUTES)})) == []


def test_a_request_over_the_entity_figure_is_refused_and_warned(api: Api) -> None:
    def sized(size: int) -> dict[str, Any]:
        body = identify("big", {"pad": ""})
        body["attributes"]["pad"] = "p" * (size - len(jsonutil.dumpb(body)))
        assert len(jsonutil.dumpb(body)) == size
        return body

    at, over = sized(limits.MAX_ENTITY_BYTES), sized(limits.MAX_ENTITY_BYTES + 1)
    assert refused_field(api, at) is None and "body" not in warned(at)
    assert refused_field(api, over) == "body" and "body" in warned(over)

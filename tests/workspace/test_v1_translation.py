"""Track API v1 requests -> v2 operations (pure translation, table-driven)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from segcio.workspace import v1
from segcio.workspace.v1 import V1Error
from tests.ci import examples


@pytest.mark.parametrize(
    ("value", "email_identifiers", "expected"),
    [
        ("42", True, {"id": "42"}),
        ("a@b.co", True, {"email": "a@b.co"}),
        ("A@B.CO", True, {"email": "A@B.CO"}),
        ("a@b.co", False, {"id": "a@b.co"}),
        ("cio_03000001", True, {"cio_id": "03000001"}),
        ("cio_03000001", False, {"cio_id": "03000001"}),
        ("cio_", True, {"id": "cio_"}),
        ("+14155552671", True, {"id": "+14155552671"}),
        ("a/b", True, {"id": "a/b"}),
        ("user@localhost", True, {"email": "user@localhost"}),
        ("a b@c.d", True, {"id": "a b@c.d"}),
    ],
)
def test_path_identifier_is_classified_by_shape(value: str, email_identifiers: bool, expected: dict[str, str]) -> None:
    assert v1.path_identifiers(value, email_identifiers=email_identifiers) == expected


def test_empty_path_identifier_is_rejected() -> None:
    with pytest.raises(V1Error, match="identifier in the path is empty"):
        v1.path_identifiers("", email_identifiers=True)


IDENTIFY_CASES: list[tuple[str, dict[str, Any], list[dict[str, Any]]]] = [
    (
        "5",
        {"email": "c@example.com", "created_at": 1361205308, "plan": "basic"},
        [
            {
                "type": "person",
                "action": "identify",
                "identifiers": {"id": "5"},
                "attributes": {"email": "c@example.com", "created_at": 1361205308, "plan": "basic"},
            }
        ],
    ),
    (
        "cio_03000001",
        {"email": "new@b.c", "cio_id": "03000001"},
        [
            {
                "type": "person",
                "action": "identify",
                "identifiers": {"cio_id": "03000001"},
                "attributes": {"email": "new@b.c"},
            }
        ],
    ),
    (
        "a@b.co",
        {"id": "7", "_timestamp": 1700000000, "_update": True},
        [
            {
                "type": "person",
                "action": "identify",
                "identifiers": {"email": "a@b.co"},
                "attributes": {"id": "7", "_update": True},
                "timestamp": 1700000000,
            }
        ],
    ),
    (
        "5",
        {
            "cio_relationships": {
                "action": "add_relationships",
                "relationships": [
                    {
                        "identifiers": {"object_type_id": "1", "object_id": "acme"},
                        "relationship_attributes": {"role": "admin"},
                    }
                ],
            }
        },
        [
            {
                "type": "person",
                "action": "identify",
                "identifiers": {"id": "5"},
                "attributes": {},
                "cio_relationships": [
                    {
                        "identifiers": {"object_type_id": "1", "object_id": "acme"},
                        "relationship_attributes": {"role": "admin"},
                    }
                ],
            }
        ],
    ),
    (
        "5",
        {
            "plan": "x",
            "cio_relationships": {
                "action": "delete_relationships",
                "relationships": [{"identifiers": {"object_type_id": "1", "object_id": "acme"}}],
            },
        },
        [
            {"type": "person", "action": "identify", "identifiers": {"id": "5"}, "attributes": {"plan": "x"}},
            {
                "type": "person",
                "action": "delete_relationships",
                "identifiers": {"id": "5"},
                "cio_relationships": [{"identifiers": {"object_type_id": "1", "object_id": "acme"}}],
            },
        ],
    ),
]


@pytest.mark.parametrize(("path_id", "body", "expected"), IDENTIFY_CASES)
def test_identify_becomes_v2_identify(path_id: str, body: dict[str, Any], expected: list[dict[str, Any]]) -> None:
    assert v1.identify(path_id, body, email_identifiers=True) == expected


@pytest.mark.parametrize(
    ("relationships", "message"),
    [
        ("acme", "cio_relationships must be an object"),
        ({"action": "link", "relationships": []}, "cio_relationships.action must be"),
        ({"action": "add_relationships"}, "cio_relationships.relationships must be a list"),
    ],
)
def test_identify_rejects_malformed_relationships(relationships: Any, message: str) -> None:
    with pytest.raises(V1Error, match=message):
        v1.identify("5", {"cio_relationships": relationships}, email_identifiers=True)


def test_identify_accepts_v2_style_relationship_list() -> None:
    rels = [{"identifiers": {"object_type_id": "1", "object_id": "acme"}}]
    (op,) = v1.identify("5", {"cio_relationships": rels}, email_identifiers=True)
    assert op["cio_relationships"] == rels


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            {"name": " purchase ", "data": {"price": 9.5}, "id": "01HB4HBDKTFWYZCK01DMRSWRFD", "timestamp": 1700000001},
            {
                "type": "person",
                "action": "event",
                "identifiers": {"id": "u1"},
                "name": "purchase",
                "attributes": {"price": 9.5},
                "id": "01HB4HBDKTFWYZCK01DMRSWRFD",
                "timestamp": 1700000001,
            },
        ),
        (
            {"type": "page", "name": "/home", "data": {"referrer": "x"}},
            {
                "type": "person",
                "action": "page",
                "identifiers": {"id": "u1"},
                "name": "/home",
                "attributes": {"referrer": "x"},
            },
        ),
        (
            {"type": "screen", "name": "Dashboard", "data": None},
            {"type": "person", "action": "screen", "identifiers": {"id": "u1"}, "name": "Dashboard", "attributes": {}},
        ),
    ],
)
def test_event_becomes_v2_event(body: dict[str, Any], expected: dict[str, Any]) -> None:
    assert v1.event("u1", body, email_identifiers=True) == [expected]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({}, "name is required"),
        ({"name": "   "}, "name is required"),
        ({"name": 5}, "name is required"),
        ({"name": "x", "type": "click"}, "type must be one of event, page, screen"),
        ({"name": "x", "data": [1]}, "data must be a JSON object"),
    ],
)
def test_event_rejects_bad_bodies(body: dict[str, Any], message: str) -> None:
    with pytest.raises(V1Error, match=message):
        v1.event("u1", body, email_identifiers=True)


def test_anonymous_event_with_anonymous_id() -> None:
    assert v1.anonymous_event({"name": "viewed", "data": {"x": 1}, "anonymous_id": "anon-1"}) == [
        {
            "type": "person",
            "action": "event",
            "identifiers": {"anonymous_id": "anon-1"},
            "name": "viewed",
            "attributes": {"x": 1},
        }
    ]


def test_invite_event_is_keyed_by_recipient() -> None:
    (op,) = v1.anonymous_event({"name": "invite", "data": {"recipient": "r@b.c"}})
    assert op["identifiers"] == {"anonymous_id": "invite:r@b.c"}
    assert op["attributes"] == {"recipient": "r@b.c"}


def test_anonymous_event_without_anonymous_id_or_recipient_is_rejected() -> None:
    with pytest.raises(V1Error, match="anonymous_id is required"):
        v1.anonymous_event({"name": "viewed", "data": {}})


@pytest.mark.parametrize("path_id", ["u1", "a@b.co", "cio_abc"])
@pytest.mark.parametrize("action", ["delete", "suppress", "unsuppress"])
def test_simple_person_actions(path_id: str, action: str) -> None:
    translate = getattr(v1, action)
    (op,) = translate(path_id, email_identifiers=True)
    assert op == {
        "type": "person",
        "action": action,
        "identifiers": v1.path_identifiers(path_id, email_identifiers=True),
    }


@pytest.mark.parametrize(
    ("device", "expected"),
    [
        (  # customerio-python: extra kwargs inside `device`
            {"last_used": 1700000003, "attributes": {"push_enabled": "true"}, "id": "tok/1", "platform": "ios"},
            {"token": "tok/1", "platform": "ios", "last_used": 1700000003, "attributes": {"push_enabled": "true"}},
        ),
        (  # Go: last_used as a string, attributes null
            {"id": "t", "platform": "android", "last_used": "1700000003", "attributes": None},
            {"token": "t", "platform": "android", "last_used": 1700000003},
        ),
        (  # python 2.x: custom keys flat inside `device`
            {"id": "t", "platform": "ios", "primary": "yes"},
            {"token": "t", "platform": "ios", "attributes": {"primary": "yes"}},
        ),
    ],
)
def test_add_device_accepts_every_client_shape(device: dict[str, Any], expected: dict[str, Any]) -> None:
    assert v1.add_device("u1", {"device": device}, email_identifiers=True) == [
        {"type": "person", "action": "add_device", "identifiers": {"id": "u1"}, "device": expected}
    ]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({}, "device is required"),
        ({"device": {"platform": "ios"}}, "device.id is required"),
        ({"device": {"id": "t"}}, "device.platform is required"),
        ({"device": {"id": "t", "platform": "ios", "last_used": "yesterday"}}, "device.last_used must be unix seconds"),
        ({"device": {"id": "t", "platform": "ios", "last_used": "\u00b2"}}, "device.last_used must be unix seconds"),
        ({"device": {"id": "t", "platform": "ios", "attributes": "x"}}, "device.attributes must be an object"),
    ],
)
def test_add_device_rejects_bad_bodies(body: dict[str, Any], message: str) -> None:
    with pytest.raises(V1Error, match=message):
        v1.add_device("u1", body, email_identifiers=True)


def test_delete_device() -> None:
    assert v1.delete_device("u1", "tok/1", email_identifiers=True) == [
        {"type": "person", "action": "delete_device", "identifiers": {"id": "u1"}, "device": {"token": "tok/1"}}
    ]


def test_merge() -> None:
    assert v1.merge({"primary": {"email": "p@b.c"}, "secondary": {"id": 42}}) == [
        {"type": "person", "action": "merge", "primary": {"email": "p@b.c"}, "secondary": {"id": "42"}}
    ]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"secondary": {"id": "1"}}, "primary is required"),
        ({"primary": {"id": "1", "email": "a@b.c"}, "secondary": {"id": "2"}}, "primary must contain exactly one"),
        ({"primary": {"id": "1"}, "secondary": {}}, "secondary must contain exactly one"),
        ({"primary": {"phone": "1"}, "secondary": {"id": "2"}}, "unknown identifier 'phone'"),
        ({"primary": {"id": ""}, "secondary": {"id": "2"}}, "primary.id must be a non-empty string"),
    ],
)
def test_merge_errors_use_the_singular_shape(body: dict[str, Any], message: str) -> None:
    with pytest.raises(V1Error, match=message) as info:
        v1.merge(body)
    assert info.value.singular


@pytest.mark.parametrize(
    ("data", "email_identifiers", "identifiers"),
    [
        ({"email": "c@example.com", "first_name": "cool"}, True, {"email": "c@example.com"}),
        ({"email": "c@example.com", "id": "9"}, True, {"email": "c@example.com"}),
        ({"email": "c@example.com", "id": "9"}, False, {"id": "9"}),
        ({"id": "9", "form_name": "signup"}, True, {"id": "9"}),
    ],
)
def test_form_submit_identifies_the_submitter(
    data: dict[str, str], email_identifiers: bool, identifiers: dict[str, str]
) -> None:
    (op,) = v1.form_submit("f1", {"data": data}, email_identifiers=email_identifiers)
    assert op["action"] == "identify"
    assert op["identifiers"] == identifiers
    assert op["attributes"] == {k: v for k, v in data.items() if k not in v1.FORM_RESERVED}


@pytest.mark.parametrize(
    ("body", "email_identifiers", "message"),
    [
        ({}, True, "data is required"),
        ({"data": {"email": "a@b.c", "age": 3}}, True, "convert these fields: age"),
        ({"data": {"email_address": "a@b.c"}}, True, "include data.email or data.id"),
        ({"data": {"email": "a@b.c"}}, False, "include data.id"),
    ],
)
def test_form_submit_rejects(body: dict[str, Any], email_identifiers: bool, message: str) -> None:
    with pytest.raises(V1Error, match=message):
        v1.form_submit("f1", body, email_identifiers=email_identifiers)


def test_metric_becomes_delivery_event() -> None:
    body = {
        "delivery_id": "RPIL",
        "timestamp": 1613063089,
        "metric": "clicked",
        "href": "https://x",
        "recipient": "a@b.c",
    }
    assert v1.metric(body) == [
        {
            "type": "delivery",
            "action": "event",
            "identifiers": {"id": "RPIL"},
            "name": "clicked",
            "attributes": {"recipient": "a@b.c", "href": "https://x"},
            "timestamp": 1613063089,
        }
    ]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"metric": "opened"}, "delivery_id is required"),
        ({"delivery_id": "d", "metric": "liked"}, "metric must be one of"),
    ],
)
def test_metric_rejects(body: dict[str, Any], message: str) -> None:
    with pytest.raises(V1Error, match=message):
        v1.metric(body)


def test_push_event_becomes_delivery_event_with_device_token() -> None:
    body = {"delivery_id": "d1", "event": "opened", "device_id": "tok", "timestamp": "1613063089"}
    assert v1.push_event(body) == [
        {
            "type": "delivery",
            "action": "event",
            "identifiers": {"id": "d1"},
            "name": "opened",
            "attributes": {"device_token": "tok"},
            "timestamp": 1613063089,
        }
    ]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"event": "opened", "device_id": "t"}, "delivery_id is required"),
        ({"delivery_id": "d", "event": "bounced", "device_id": "t"}, "event must be one of"),
        ({"delivery_id": "d", "event": "opened"}, "device_id is required"),
    ],
)
def test_push_event_rejects(body: dict[str, Any], message: str) -> None:
    with pytest.raises(V1Error, match=message):
        v1.push_event(body)


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=8,
)
KEYS = st.sampled_from(
    [
        "name",
        "data",
        "type",
        "id",
        "timestamp",
        "anonymous_id",
        "device",
        "primary",
        "secondary",
        "cio_relationships",
        "delivery_id",
        "metric",
        "event",
        "device_id",
        "_timestamp",
        "email",
        "x",
    ]
)
BODIES = st.dictionaries(KEYS | st.text(max_size=6), JSON_VALUES, max_size=6)
TRANSLATORS = [
    lambda body: v1.identify("u1", body, email_identifiers=True),
    lambda body: v1.event("a@b.co", body, email_identifiers=True),
    lambda body: v1.anonymous_event(body),
    lambda body: v1.add_device("cio_x", body, email_identifiers=False),
    lambda body: v1.merge(body),
    lambda body: v1.form_submit("f", body, email_identifiers=True),
    lambda body: v1.metric(body),
    lambda body: v1.push_event(body),
]


@settings(max_examples=examples(300), deadline=None)
@given(body=BODIES, which=st.integers(min_value=0, max_value=len(TRANSLATORS) - 1))
def test_any_body_translates_or_gets_a_v1_error(body: dict[str, Any], which: int) -> None:
    """No JSON object makes a translator fail with anything but a 400-worthy V1Error."""
    try:
        ops = TRANSLATORS[which](body)
    except V1Error as exc:
        assert exc.message
        return
    assert ops and all(isinstance(op, dict) and op["type"] in ("person", "delivery") for op in ops)

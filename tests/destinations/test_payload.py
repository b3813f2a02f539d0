"""Identifier resolution and the Track API v2 entity body (`buildPayload`)."""

from __future__ import annotations

from typing import Any

import pytest

from segcio.destinations.customerio.payload import build_payload, resolve_identifiers


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ({"object_id": "o1", "person_id": "p"}, {"object_id": "o1", "object_type_id": "1"}),
        ({"object_id": "o1", "object_type_id": "4"}, {"object_id": "o1", "object_type_id": "4"}),
        ({"object_id": "o1", "object_type_id": "", "person_id": "p"}, {"id": "p"}),
        ({"person_id": "cio_abc"}, {"cio_id": "abc"}),
        ({"person_id": "CIO_abc"}, {"id": "CIO_abc"}),
        ({"person_id": "Foo.Bar@Example.com"}, {"email": "Foo.Bar@Example.com"}),
        ({"person_id": "u1", "email": "a@b.co"}, {"id": "u1"}),
        ({"email": "a@b.co", "anonymous_id": "an"}, {"email": "a@b.co"}),
        ({"anonymous_id": "an"}, {"anonymous_id": "an"}),
        ({}, None),
    ],
)
def test_resolve_identifiers(given: dict[str, Any], expected: dict[str, Any] | None) -> None:
    assert resolve_identifiers(**given) == expected


def test_build_payload_known_person_keeps_anonymous_id_in_attributes() -> None:
    body = build_payload("person", "event", {"anonymous_id": "a1", "name": "E", "timestamp": "2019-02-01",
                                             "convert_timestamp": True, "enable_batching": True, "batch_size": 50,
                                             "person_id": "u1", "attributes": {"d": "2019-02-01"}})
    assert body == {"type": "person", "action": "event", "name": "E", "attributes": {"d": 1548979200,
                    "anonymous_id": "a1"}, "timestamp": 1548979200, "identifiers": {"id": "u1"}}
    assert list(body) == ["type", "action", "name", "attributes", "timestamp", "identifiers"]


def test_build_payload_anonymous_only_moves_the_id_to_identifiers() -> None:
    body = build_payload("person", "event", {"anonymous_id": "a1", "name": "E"})
    assert body == {"type": "person", "action": "event", "name": "E", "attributes": {},
                    "identifiers": {"anonymous_id": "a1"}}


def test_build_payload_without_convert_timestamp_key_converts_only_the_root_timestamp() -> None:
    body = build_payload("person", "event", {"timestamp": "2019-02-01", "attributes": {"d": "2019-02-01"}})
    assert body == {"type": "person", "action": "event", "attributes": {"d": "2019-02-01"}, "timestamp": 1548979200}


def test_merge_never_gets_identifiers() -> None:
    body = build_payload("person", "merge", {"primary": {"id": "a"}, "secondary": {"id": "b"}, "person_id": "x"})
    assert body == {"type": "person", "action": "merge", "primary": {"id": "a"}, "secondary": {"id": "b"}}


def test_numeric_timestamp_string_is_sent_as_is() -> None:
    body = build_payload("person", "identify", {"timestamp": "1714979289", "person_id": "u"})
    assert body["timestamp"] == "1714979289"

"""Customer.io's limits on a planned request: exactly at a limit (in UTF-8 bytes) is fine, one byte beyond is
flagged with the field, the limit and what Customer.io does."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from segcio.destinations import tester
from segcio.destinations.customerio import limits
from tests.ci import examples

ENTITY = "https://track.customer.io/api/v2/entity"
BATCH = "https://track.customer.io/api/v2/batch"
NOW = 1_800_000_000.0
# Characters of 1 to 4 UTF-8 bytes, so that a text's byte length is not its character count.
CHARS = ["a", "é", "€", "😀"]


@st.composite
def text_of_bytes(draw: st.DrawFn, length: int) -> str:
    """A string of exactly `length` UTF-8 bytes mixing 1- to 4-byte characters."""
    out, used = [], 0
    while used < length:
        char = draw(st.sampled_from([c for c in CHARS if len(c.encode()) <= length - used]))
        out.append(char)
        used += len(char.encode())
    text = "".join(out)
    assert len(text.encode()) == length
    return text


def person(attributes: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"type": "person", "action": "identify", "identifiers": {"id": "u1"}, "attributes": attributes, **extra}


def fields(body: Any, url: str = ENTITY) -> list[str]:
    return [w["field"] for w in limits.check_request("POST", url, body, NOW)]


def one(body: Any, url: str = ENTITY) -> dict[str, str]:
    [warning] = limits.check_request("POST", url, body, NOW)
    return warning


@settings(max_examples=examples(25))
@given(at=text_of_bytes(limits.MAX_ID_BYTES), beyond=text_of_bytes(limits.MAX_ID_BYTES + 1),
       key=st.sampled_from(["id", "email", "cio_id", "anonymous_id"]))
def test_identifiers_up_to_150_bytes(at: str, beyond: str, key: str) -> None:
    assert fields({"type": "person", "action": "identify", "identifiers": {key: at}}) == []
    warning = one({"type": "person", "action": "identify", "identifiers": {key: beyond}})
    assert warning["field"] == f"identifiers.{key}" and warning["limit"] == "150 bytes"
    assert "151 bytes" in warning["message"] and "refuses" in warning["message"]


@settings(max_examples=examples(25))
@given(at=text_of_bytes(limits.MAX_ATTRIBUTE_VALUE_BYTES), beyond=text_of_bytes(limits.MAX_ATTRIBUTE_VALUE_BYTES + 1))
def test_attribute_values_up_to_1000_bytes(at: str, beyond: str) -> None:
    assert fields(person({"bio": at})) == []
    warning = one(person({"bio": beyond}))
    assert warning == {"field": "attributes.bio", "limit": "1000 bytes",
                       "message": "the value is 1001 bytes; Customer.io drops attribute values over 1000 bytes"}


@settings(max_examples=examples(25))
@given(at=text_of_bytes(limits.MAX_ATTRIBUTE_NAME_BYTES), beyond=text_of_bytes(limits.MAX_ATTRIBUTE_NAME_BYTES + 1))
def test_attribute_names_up_to_150_bytes(at: str, beyond: str) -> None:
    assert fields(person({at: 1})) == []
    warning = one(person({beyond: 1}))
    assert warning["field"] == f"attributes.{beyond}" and warning["limit"] == "150 bytes"


def test_non_string_values_are_measured_as_json() -> None:
    at = ["x" * 496, "y" * 496]  # ["…","…"]: 2 + 2 * 498 + 1 = 999 bytes
    assert fields(person({"list": at})) == [] and fields(person({"list": ["x" * 497, "y" * 496]})) == []
    assert fields(person({"list": ["x" * 498, "y" * 496]})) == ["attributes.list"]


def test_at_most_300_attributes_per_call() -> None:
    assert fields(person({f"a{i}": i for i in range(300)})) == []
    warning = one(person({f"a{i}": i for i in range(301)}))
    assert warning["field"] == "attributes" and warning["limit"] == "300 attributes"
    assert "drops the rest" in warning["message"]


@settings(max_examples=examples(25))
@given(at=text_of_bytes(limits.MAX_EVENT_NAME_BYTES), beyond=text_of_bytes(limits.MAX_EVENT_NAME_BYTES + 1),
       action=st.sampled_from(["event", "page", "screen"]))
def test_event_names_up_to_100_bytes(at: str, beyond: str, action: str) -> None:
    base = {"type": "person", "action": action, "identifiers": {"id": "u"}, "timestamp": int(NOW)}
    assert fields({**base, "name": at}) == []
    warning = one({**base, "name": beyond})
    assert warning["field"] == "name" and warning["limit"] == "100 bytes"


def test_event_data_up_to_100000_bytes_and_entity_up_to_32_kib() -> None:
    def event(data_bytes: int) -> dict[str, Any]:
        # {"d":"…"} is 8 bytes of JSON around the value
        value = "€" * ((data_bytes - 8) // 3) + "a" * ((data_bytes - 8) % 3)
        return {"type": "person", "action": "event", "name": "E", "identifiers": {"id": "u"},
                "timestamp": int(NOW), "attributes": {"d": value}}

    assert "attributes" not in fields(event(limits.MAX_EVENT_DATA_BYTES))
    assert fields(event(limits.MAX_EVENT_DATA_BYTES + 1)) == ["body", "attributes"]
    small = event(100)
    padding = limits.MAX_ENTITY_BYTES - len(tester.to_json(small).encode())
    small["attributes"]["d"] += "a" * padding
    assert fields(small) == []
    small["attributes"]["d"] += "a"
    assert fields(small) == ["body"]


def test_object_and_relationship_attributes_total_100000_bytes() -> None:
    # 101 attributes of 999 bytes: each within its own limit, together over 100,000 bytes.
    attributes = {f"k{i:03d}": "v" * 999 for i in range(101)}
    obj = {"type": "object", "action": "identify", "identifiers": {"object_id": "o", "object_type_id": "1"},
           "attributes": attributes}
    assert fields(obj) == ["body", "attributes"]
    assert fields({**obj, "attributes": dict(list(attributes.items())[:99])}) == ["body"]
    relationship = person({}, cio_relationships=[
        {"identifiers": {"object_id": "o" * 151, "object_type_id": "1"}, "relationship_attributes": attributes}])
    assert "cio_relationships[0].identifiers.object_id" in fields(relationship)
    assert "cio_relationships[0].relationship_attributes" in fields(relationship)


def test_batches_up_to_500_kib_and_items_up_to_32_kib() -> None:
    item = person({"a": "x" * 900})
    count = limits.MAX_BATCH_BYTES // len(tester.to_json(item).encode())
    assert fields({"batch": [item] * count}, BATCH) == []
    assert fields({"batch": [item] * (count + 1)}, BATCH) == ["batch"]
    big = person({f"k{i}": "x" * 900 for i in range(40)})
    assert fields({"batch": [item, big]}, BATCH) == ["batch[1]"]
    assert fields({"batch": [person({"bio": "x" * 1001})]}, BATCH) == ["batch[0].attributes.bio"]


def test_timestamps_customerio_treats_specially() -> None:
    event = {"type": "person", "action": "event", "name": "E", "identifiers": {"id": "u"}}
    assert fields({**event, "timestamp": int(NOW) - limits.CAMPAIGN_WINDOW_SECONDS}) == []
    warning = one({**event, "timestamp": int(NOW) - limits.CAMPAIGN_WINDOW_SECONDS - 1})
    assert warning["limit"] == "72 hours" and "cannot trigger campaigns" in warning["message"]
    milliseconds = one({**event, "timestamp": int(NOW) * 1000})
    assert milliseconds["field"] == "timestamp" and "milliseconds" in milliseconds["message"]
    assert fields(person({"created_at": int(NOW) * 1000})) == ["attributes.created_at"]
    assert one(person({"created_at": int(NOW) + 60}))["limit"] == "future"
    assert fields(person({"created_at": int(NOW)}, timestamp=int(NOW) - 10**8)) == []  # identify: any age
    device = {"type": "person", "action": "add_device", "identifiers": {"id": "u"},
              "device": {"token": "t", "last_used": int(NOW) * 1000}}
    assert fields(device) == ["device.last_used"]


def test_requests_without_a_body_or_outside_track_v2_have_no_warnings() -> None:
    assert limits.check_request("DELETE", "https://track.customer.io/api/v1/customers/u", None, NOW) == []
    assert limits.check_request("POST", "https://track.customer.io/api/v1/metrics", {"x": "y" * 5000}, NOW) == []


def test_the_tester_report_carries_warnings_per_request() -> None:
    event = {"type": "identify", "userId": "u1", "traits": {"bio": "é" * 501}}
    report = tester.test_event(event)
    [request] = report["requests"]
    assert request["warnings"] == [{"field": "attributes.bio", "limit": "1000 bytes",
                                    "message": "the value is 1002 bytes; Customer.io drops attribute values over "
                                               "1000 bytes"}]
    assert tester.test_event({**event, "traits": {"bio": "é" * 500}})["requests"][0]["warnings"] == []

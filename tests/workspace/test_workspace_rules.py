"""Customer.io's workspace rules through the Track API (v1 and v2), read back through the App API (SQLite and
PostgreSQL): `_relationship` is reserved, subscription preferences take JSON dot notation, objects and relationships
hold at most 100 KB of attributes."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from tests.ci import examples
from tests.conftest import postgres_schema
from tests.workspace.conftest import Api, make_api

PREFS = "cio_subscription_preferences"
T = 1_700_000_000
_people = itertools.count()


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def api(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    """One application per backend for the module: every test uses its own people and objects."""
    tmp_path = tmp_path_factory.mktemp("rules")
    if request.param == "sqlite":
        yield from make_api(f"sqlite:///{tmp_path / 'segcio.db'}", tmp_path)
        return
    schema = postgres_schema()
    try:
        yield from make_api(next(schema), tmp_path)
    finally:
        schema.close()


def fresh_id(prefix: str) -> str:
    return f"{prefix}-{next(_people)}"


def v2_identify(person: str, attributes: dict[str, Any], at: int | None = None) -> dict[str, Any]:
    op: dict[str, Any] = {"type": "person", "action": "identify", "identifiers": {"id": person}}
    op["attributes"] = attributes
    if at is not None:
        op["timestamp"] = at
    return op


def send_identify(api: Api, via: str, person: str, attributes: dict[str, Any], at: int | None = None) -> Any:
    """One identify through the v1 PUT, the v2 entity or the v2 batch route; the response."""
    if via == "v1":
        body = {**attributes, **({"_timestamp": at} if at is not None else {})}
        return api.track("PUT", f"/api/v1/customers/{person}", body)
    if via == "v2":
        return api.track("POST", "/api/v2/entity", v2_identify(person, attributes, at))
    return api.track("POST", "/api/v2/batch", {"batch": [v2_identify(person, attributes, at)]})


def preferences(api: Api, person: str) -> Any:
    customer = api.attributes(person)
    assert customer is not None
    raw = customer["attributes"].get(PREFS)
    return None if raw is None else json.loads(raw)


# -- _relationship ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("via", ["v1", "v2", "batch"])
def test_relationship_is_refused_as_a_person_attribute_naming_it(api: Api, via: str) -> None:
    person = fresh_id("rel")
    response = send_identify(api, via, person, {"plan": "pro", "_relationship": {"role": "admin"}})
    if via == "v1":
        assert response.status_code == 400
        (message,) = response.json()["meta"]["errors"]
        assert "_relationship" in message and "reserved" in message
    else:
        assert response.status_code == (400 if via == "v2" else 207)
        (error,) = response.json()["errors"]
        assert (error["reason"], error["field"]) == ("invalid", "attributes._relationship")
    customer = api.attributes(person)
    assert customer is not None
    assert "_relationship" not in customer["attributes"]
    assert customer["attributes"]["plan"] == "pro"  # the other attributes are applied, as for any failing attribute


# -- subscription preferences: JSON dot notation ---------------------------------------------------------------


@pytest.mark.parametrize("via", ["v1", "v2", "batch"])
def test_a_dotted_topic_changes_that_topic_and_keeps_the_others(api: Api, via: str) -> None:
    person = fresh_id("prefs")
    whole = {PREFS: {"topics": {"topic_1": True, "topic_2": True}, "channels": {"email": True}}}
    assert send_identify(api, via, person, whole).status_code in (200, 207)
    assert send_identify(api, via, person, {f"{PREFS}.topics.topic_1": False}).status_code == 200
    assert send_identify(api, via, person, {f"{PREFS}.channels.push": False}).status_code == 200
    assert preferences(api, person) == {
        "topics": {"topic_1": False, "topic_2": True},
        "channels": {"email": True, "push": False},
    }
    customer = api.attributes(person)
    assert customer is not None
    assert not [name for name in customer["attributes"] if name.startswith(PREFS + ".")]
    # null (or "") removes the topic's preference: the topic's default applies again
    assert send_identify(api, via, person, {f"{PREFS}.topics.topic_2": None}).status_code == 200
    assert preferences(api, person)["topics"] == {"topic_1": False}


def test_dotted_preferences_on_a_new_person_and_other_dotted_keys(api: Api) -> None:
    person = fresh_id("prefs-new")
    dotted = {f"{PREFS}.topics.topic_3": False, "address.city": "Oslo"}
    assert api.track("PUT", f"/api/v1/customers/{person}", dotted).status_code == 200
    assert preferences(api, person) == {"topics": {"topic_3": False}}
    customer = api.attributes(person)
    assert customer is not None
    assert customer["attributes"]["address.city"] == "Oslo"  # other dotted keys are stored as given


def test_an_empty_path_segment_is_refused_naming_it(api: Api) -> None:
    person = fresh_id("prefs-bad")
    response = api.track("POST", "/api/v2/entity", v2_identify(person, {f"{PREFS}..topic_1": True, "plan": "a"}))
    assert response.status_code == 400
    (error,) = response.json()["errors"]
    assert error["field"] == f"attributes.{PREFS}..topic_1"


def test_the_newest_update_of_each_topic_wins(api: Api) -> None:
    person = fresh_id("prefs-order")
    # topic_1 unsubscribed at T+20; a whole-object update made at T+10 arrives later: topic_1 stays unsubscribed,
    # topic_2 takes the older update's value (nothing newer set it)
    assert send_identify(api, "v2", person, {f"{PREFS}.topics.topic_1": False}, T + 20).status_code == 200
    whole = {PREFS: {"topics": {"topic_1": True, "topic_2": False}}}
    assert send_identify(api, "v1", person, whole, T + 10).status_code == 200
    assert preferences(api, person) == {"topics": {"topic_1": False, "topic_2": False}}
    # a dotted update older than the whole-object update is ignored
    assert send_identify(api, "batch", person, {f"{PREFS}.topics.topic_2": True}, T + 5).status_code == 200
    assert preferences(api, person) == {"topics": {"topic_1": False, "topic_2": False}}


Update = tuple[str | None, Any, int, str]  # (topic or None for the whole attribute, value, time, route)
TOPICS = ["topic_1", "topic_2", "topic_3"]
TOPIC_VALUE = st.sampled_from([True, False, None])
WHOLE_VALUE = st.none() | st.dictionaries(st.sampled_from(TOPICS), st.booleans()).map(lambda t: {"topics": t})
UPDATES = st.lists(
    st.one_of(
        st.tuples(st.sampled_from(TOPICS), TOPIC_VALUE, st.integers(0, 5), st.sampled_from(["v1", "v2", "batch"])),
        st.tuples(st.none(), WHOLE_VALUE, st.integers(0, 5), st.sampled_from(["v1", "v2", "batch"])),
    ),
    min_size=1,
    max_size=6,
)


def expected_topics(updates: list[Update]) -> dict[str, bool]:
    """Per topic, the newest update touching it (by time; at equal times the later arrival) decides."""
    topics: dict[str, bool] = {}
    for topic in TOPICS:
        touching = [(at, index, name, value) for index, (name, value, at, _) in enumerate(updates)]
        touching = [u for u in touching if u[2] in (None, topic)]
        if not touching:
            continue
        _, _, name, value = max(touching, key=lambda u: (u[0], u[1]))
        if name is None:
            value = (value or {}).get("topics", {}).get(topic)
        if value is not None:
            topics[topic] = value
    return topics


@settings(max_examples=examples(12))
@given(updates=UPDATES)
def test_generated_preference_updates_in_any_arrival_order(api: Api, updates: list[Update]) -> None:
    person = fresh_id("prefs-gen")
    for topic, value, at, via in updates:
        name = PREFS if topic is None else f"{PREFS}.topics.{topic}"
        response = send_identify(api, via, person, {name: value, "seen": True}, T + at)
        assert response.status_code == 200, response.text
    stored = preferences(api, person) or {}
    assert stored.get("topics", {}) == expected_topics(updates)


# -- objects and relationships: at most 100 KB of attributes ----------------------------------------------------

VALUE = "x" * 990  # each attribute below takes 5 + 990 bytes: 100 of them fit in 100 KB, 125 do not


def chunk(start: int, count: int = 25) -> dict[str, Any]:
    return {f"a{n:04d}": VALUE for n in range(start, start + count)}


def object_identify(object_id: str, attributes: dict[str, Any], person: str | None = None) -> dict[str, Any]:
    op: dict[str, Any] = {
        "type": "object",
        "action": "identify",
        "identifiers": {"object_type_id": "1", "object_id": object_id},
        "attributes": attributes,
    }
    if person is not None:
        op["cio_relationships"] = [{"identifiers": {"id": person}}]
    return op


def object_attributes(api: Api, object_id: str) -> dict[str, Any] | None:
    response = api.app("GET", f"/v1/objects/1/{object_id}/attributes")
    if response.status_code == 404:
        return None
    assert response.status_code == 200, response.text
    attributes: dict[str, Any] = response.json()["object"]["attributes"]
    return attributes


def relationship_attributes(api: Api, person: str) -> list[dict[str, Any]]:
    response = api.app("GET", f"/v1/customers/{person}/relationships")
    assert response.status_code == 200, response.text
    return [r["relationship_attributes"] for r in response.json()["cio_relationships"]]


@pytest.mark.parametrize("via", ["v2", "batch"])
def test_an_object_cannot_grow_past_100_kb_over_several_updates(api: Api, via: str) -> None:
    object_id, person = fresh_id("big"), fresh_id("member")
    for start in range(0, 100, 25):
        assert api.track("POST", "/api/v2/entity", object_identify(object_id, chunk(start))).status_code == 200
    over = object_identify(object_id, {**chunk(100), "name": "Acme"}, person=person)
    if via == "v2":
        response = api.track("POST", "/api/v2/entity", over)
        assert response.status_code == 400
        (error,) = response.json()["errors"]
    else:
        other = object_identify(fresh_id("small"), {"name": "Small"})
        response = api.track("POST", "/api/v2/batch", {"batch": [other, over]})
        assert response.status_code == 207
        (error,) = response.json()["errors"]
        assert error["batch_index"] == 1
    assert (error["reason"], error["field"]) == ("invalid", "attributes")
    assert "102400" in error["message"] and "100 KB" in error["message"]
    # nothing of the refused update is applied: no attribute, no relationship, no person
    stored = object_attributes(api, object_id)
    assert stored is not None and len(stored) == 100 and "name" not in stored
    assert api.attributes(person) is None
    # the size is checked after merging: removing 25 attributes makes room for 20 new ones
    room = {**{name: None for name in chunk(0)}, **chunk(100, 20)}
    assert api.track("POST", "/api/v2/entity", object_identify(object_id, room)).status_code == 200
    stored = object_attributes(api, object_id)
    assert stored is not None and len(stored) == 95 and "a0000" not in stored and "a0119" in stored


def test_a_relationship_cannot_grow_past_100_kb(api: Api) -> None:
    person, object_id = fresh_id("rel-big"), fresh_id("org")
    relate = {"identifiers": {"object_type_id": "1", "object_id": object_id}}

    def add(attributes: dict[str, Any]) -> Any:
        entry = {**relate, "relationship_attributes": attributes}
        op = {"type": "person", "action": "add_relationships", "identifiers": {"id": person}}
        return api.track("POST", "/api/v2/entity", {**op, "cio_relationships": [entry]})

    for start in range(0, 100, 25):
        assert add(chunk(start)).status_code == 200
    response = add(chunk(100))
    assert response.status_code == 400
    (error,) = response.json()["errors"]
    assert error["field"] == "cio_relationships[0].relationship_attributes"
    (stored,) = relationship_attributes(api, person)
    assert len(stored) == 100

    # v1: one identify whose relationship alone is over the limit is refused as a whole, in the v1 shape
    newcomer = fresh_id("rel-v1")
    body = {"plan": "pro", "cio_relationships": {"action": "add_relationships", "relationships": []}}
    body["cio_relationships"]["relationships"] = [{**relate, "relationship_attributes": chunk(0, 125)}]
    response = api.track("PUT", f"/api/v1/customers/{newcomer}", body)
    assert response.status_code == 400
    (message,) = response.json()["meta"]["errors"]
    assert "relationship" in message and "102400" in message
    assert api.attributes(newcomer) is None


NAMES = [f"n{n:03d}" for n in range(150)]  # 4 bytes a name
LONG_VALUE = st.integers(950, 996).map(lambda n: "v" * n)


@st.composite
def object_updates(draw: st.DrawFn) -> list[dict[str, str | None]]:
    """Three or four updates filling the object with new attributes (about 73 or 98 KB), then updates that set and
    remove attributes at random, mostly new ones: about a third of the sequences reach the limit."""
    fill = [{name: draw(LONG_VALUE) for name in NAMES[i * 25 : i * 25 + 25]} for i in range(draw(st.integers(3, 4)))]
    rest = draw(
        st.lists(
            st.dictionaries(
                st.sampled_from(NAMES[100:]), st.one_of(LONG_VALUE, LONG_VALUE, st.none()), min_size=5, max_size=25
            ),
            min_size=1,
            max_size=3,
        )
    )
    return fill + rest


@settings(max_examples=examples(10))
@given(updates=object_updates())
def test_generated_object_updates_never_exceed_100_kb_and_refused_ones_change_nothing(
    api: Api, updates: list[dict[str, str | None]]
) -> None:
    object_id = fresh_id("gen-object")
    model: dict[str, str] = {}
    for update in updates:
        merged = {k: v for k, v in {**model, **update}.items() if v is not None}
        fits = sum(len(k) + len(v) for k, v in merged.items()) <= 100 * 1024
        response = api.track("POST", "/api/v2/entity", object_identify(object_id, update))
        assert response.status_code == (200 if fits else 400), response.text
        event("refused" if not fits else "accepted")
        if fits:
            model = merged
        assert (object_attributes(api, object_id) or {}) == model


# -- where Customer.io's documents are silent: what segcio does -------------------------------------------------


@pytest.mark.parametrize("via", ["v1", "v2"])
def test_only_null_and_the_empty_string_remove_a_person_attribute(api: Api, via: str) -> None:
    person = fresh_id("removal")
    first = {"a": "1", "b": "2", "c": "3", "d": "4", "e": "5"}
    assert send_identify(api, via, person, first).status_code == 200
    assert send_identify(api, via, person, {"a": None, "b": "", "c": "  ", "d": 0, "e": False}).status_code == 200
    customer = api.attributes(person)
    assert customer is not None
    assert {k: v for k, v in customer["attributes"].items() if k in first} == {"c": "  ", "d": "0", "e": "false"}


def test_an_email_identifier_loses_surrounding_white_space_and_matches_in_any_case(api: Api) -> None:
    person = fresh_id("spaces")
    address = f"{person}@Example.com"
    assert api.track("PUT", f"/api/v1/customers/{person}", {"email": f"  {address} "}).status_code == 200
    customer = api.attributes(person)
    assert customer is not None and customer["identifiers"]["email"] == address
    found = api.app("GET", "/v1/customers", params={"email": address.lower()}).json()["results"]
    assert [p["id"] for p in found] == [person]
    # v2 identifiers: the same person, whatever the spaces and case
    op = {"type": "person", "action": "identify", "identifiers": {"email": f" {address.upper()}"}}
    assert api.track("POST", "/api/v2/entity", {**op, "attributes": {"plan": "pro"}}).status_code == 200
    customer = api.attributes(person)
    assert customer is not None and customer["attributes"]["plan"] == "pro"
    # a path value is an email only when shaped like one: with spaces it is an id, kept exactly as sent
    assert api.track("PUT", "/api/v1/customers/%20spaced@example.com", {"plan": "x"}).status_code == 200
    assert api.attributes(" spaced@example.com") is not None


def test_an_email_that_is_not_an_address_is_stored_as_sent(api: Api) -> None:
    person = fresh_id("not-an-address")
    assert api.track("PUT", f"/api/v1/customers/{person}", {"email": f"{person} at home"}).status_code == 200
    customer = api.attributes(person)
    assert customer is not None and customer["identifiers"]["email"] == f"{person} at home"
    assert customer == api.attributes(f"{person} at home", id_type="email")


def test_a_merge_moves_the_secondarys_devices_to_the_primary(api: Api) -> None:
    primary, secondary = fresh_id("primary"), fresh_id("secondary")
    for person, token in ((primary, f"{primary}-phone"), (secondary, f"{secondary}-tablet")):
        device = {"device": {"id": token, "platform": "ios", "last_used": T}}
        assert api.track("PUT", f"/api/v1/customers/{person}/devices", device).status_code == 200
    body = {"primary": {"id": primary}, "secondary": {"id": secondary}}
    assert api.track("POST", "/api/v1/merge_customers", body).status_code == 200
    customer = api.attributes(primary)
    assert customer is not None
    assert sorted(d["id"] for d in customer["devices"]) == [f"{primary}-phone", f"{secondary}-tablet"]
    assert api.attributes(secondary) is None


def test_merged_anonymous_events_keep_their_data_and_time_and_set_no_attributes(api: Api) -> None:
    person, anonymous_id = fresh_id("identified"), fresh_id("anon")
    event = {"name": "viewed", "anonymous_id": anonymous_id, "data": {"plan": "trial", "price": 5}, "timestamp": T}
    assert api.track("POST", "/api/v1/events", event).status_code == 200
    assert api.track("PUT", f"/api/v1/customers/{person}", {"anonymous_id": anonymous_id}).status_code == 200
    activities = api.app("GET", f"/v1/customers/{person}/activities").json()["activities"]
    (merged,) = [a for a in activities if a["name"] == "viewed"]
    assert (merged["type"], merged["timestamp"], merged["data"]) == ("event", T, {"plan": "trial", "price": 5})
    customer = api.attributes(person)
    assert customer is not None and "plan" not in customer["attributes"]

"""Attributes, events, anonymous events, devices and delivery metrics (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest

from segcio.store import Database
from segcio.workspace import queries
from segcio.workspace.engine import Workspace
from tests.workspace.engine_helpers import NOW, apply1, by_id, event, everyone, log, log_types, must, new_workspace


@pytest.fixture
def ws(db: Database) -> Workspace:
    return new_workspace(db)


# -- attributes -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("removal", [None, ""])
def test_null_or_empty_string_removes_an_attribute(ws: Workspace, removal: object) -> None:
    apply1(ws, by_id("u1", plan="pro", seats=3))
    apply1(ws, by_id("u1", plan=removal))
    p = must(ws, id="u1")
    # The removal's time stays (so an older value arriving later does not bring it back).
    assert p.attributes == {"seats": 3} and p.timestamps["plan"] == NOW


@pytest.mark.parametrize(
    ("value", "expected"),
    [(True, True), ("TRUE", True), ("tRUe", True), (1, True), ("1", True), (False, False), ("yes", False), (0, False)],
)
def test_unsubscribed_truthiness(ws: Workspace, value: object, expected: bool) -> None:
    apply1(ws, by_id("u1", unsubscribed=value))
    p = must(ws, id="u1")
    assert p.attributes["unsubscribed"] is expected and p.unsubscribed is expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1361205308, 1361205308),
        ("1361205308", 1361205308),
        ("2006-01-02T18:04:07Z", 1136225047),
        ("2019-02-01", 1548979200),
        ("25 Mar 2015", 1427241600),
        ("01/01/2019", 1546300800),
        ("2025-08-13T02:08:40.1418726Z", "2025-08-13T02:08:40.1418726Z"),
    ],
)
def test_created_at_becomes_unix_seconds(ws: Workspace, value: object, expected: object) -> None:
    apply1(ws, by_id("u1", created_at=value))
    assert must(ws, id="u1").attributes["created_at"] == expected


def test_other_attributes_are_stored_as_given_including_dotted_keys(ws: Workspace) -> None:
    attrs = {"address.city": "Oslo", "nested": {"a": [1, 2]}, "when": "2019-02-01"}
    apply1(ws, by_id("u1", **attrs, **{"cio_subscription_preferences.topics.topic_1": True}))
    assert must(ws, id="u1").attributes == {**attrs, "cio_subscription_preferences": {"topics": {"topic_1": True}}}


def test_limits_fail_one_attribute_and_apply_the_rest(ws: Workspace) -> None:
    result = apply1(ws, by_id("u1", ok="yes", **{"n" * 151: 1, "big": "x" * 1001}))
    assert not result.ok and result.reason == "limit"
    p = must(ws, id="u1")
    assert p.attributes == {"ok": "yes"}
    failed = {a.name for a in log(ws, person_pk=p.pk) if a.type == "failed_attribute_change"}
    assert failed == {"attributes." + "n" * 151, "attributes.big"}


def test_at_most_300_attributes_per_person(ws: Workspace) -> None:
    apply1(ws, by_id("u1", **{f"a{i}": i for i in range(300)}))
    result = apply1(ws, by_id("u1", one_more=1, a0="changed"))
    assert result.reason == "limit" and result.field == "attributes.one_more"
    p = must(ws, id="u1")
    assert len(p.attributes) == 300 and p.attributes["a0"] == "changed"


def test_each_attribute_remembers_when_it_was_last_set(ws: Workspace) -> None:
    apply1(ws, by_id("u1", a=1, b=1, c=1), now=NOW)
    apply1(ws, by_id("u1", a=2, b=1), now=NOW + 60)
    p = must(ws, id="u1")
    # b was sent again unchanged: that update is the newest of b, so its time moves too (see test_attribute_order)
    assert p.timestamps["a"] == p.timestamps["b"] == NOW + 60
    assert p.timestamps["c"] == NOW and p.timestamps["id"] == NOW


def test_unchanged_identify_records_no_change(ws: Workspace) -> None:
    apply1(ws, by_id("u1", a=1))
    apply1(ws, by_id("u1", a=1))
    assert log_types(ws) == ["attribute_change", "profile_create"]


def test_app_api_customer_json_stringifies_values(ws: Workspace) -> None:
    apply1(ws, by_id("u1", email="a@example.com", created_at=1489014595, flag=True, n=2.5, obj={"k": 1}))
    p = must(ws, id="u1")
    body = queries.customer_json(ws.db, ws.workspace_id, p)
    assert body["identifiers"] == {"id": "u1", "email": "a@example.com", "cio_id": p.cio_id}
    assert body["attributes"]["created_at"] == "1489014595" and body["attributes"]["flag"] == "true"
    assert body["attributes"]["n"] == "2.5" and body["attributes"]["obj"] == '{"k":1}'
    assert body["timestamps"]["created_at"] == int(NOW) and body["unsubscribed"] is False


# -- events -----------------------------------------------------------------------------------------------------


def test_event_is_stored_with_trimmed_name_and_receipt_time(ws: Workspace) -> None:
    apply1(ws, by_id("u1"))
    assert apply1(ws, event({"id": "u1"}, "  purchase  ", attributes={"price": 9.5}), now=NOW + 5).ok
    (e,) = queries.events(ws.db, ws.workspace_id, must(ws, id="u1").pk)
    assert (e.name, e.timestamp, e.data, e.type) == ("purchase", NOW + 5, {"price": 9.5}, "event")


def test_event_timestamp_is_kept(ws: Workspace) -> None:
    apply1(ws, event({"id": "u1"}, timestamp=1700000001))
    apply1(ws, event({"id": "u1"}, timestamp="2006-01-02T18:04:07Z"))
    stamps = sorted(e.timestamp for e in queries.events(ws.db, ws.workspace_id, must(ws, id="u1").pk))
    assert stamps == [1136225047, 1700000001]


def test_duplicate_event_ids_are_ignored(ws: Workspace) -> None:
    first = apply1(ws, event({"id": "u1"}, id="01HB4HBDKTFWYZCK01DMRSWRFD"))
    again = ws.apply([event({"id": "u1"}, id="01HB4HBDKTFWYZCK01DMRSWRFD")] * 2, now=NOW)
    assert first.ok and all(r.ok and r.reason == "duplicate" for r in again)
    assert len(queries.events(ws.db, ws.workspace_id, must(ws, id="u1").pk)) == 1


def test_page_and_screen_are_events_of_their_type(ws: Workspace) -> None:
    apply1(ws, {"type": "person", "action": "page", "identifiers": {"id": "u1"}, "name": "/pricing"})
    apply1(ws, {"type": "person", "action": "screen", "identifiers": {"id": "u1"}, "name": "Dashboard"})
    types = {e.type for e in queries.events(ws.db, ws.workspace_id, must(ws, id="u1").pk)}
    assert types == {"page", "screen"}
    assert set(log_types(ws, person_pk=must(ws, id="u1").pk)) >= {"page", "screen"}


def test_event_for_unknown_person_creates_them(ws: Workspace) -> None:
    assert apply1(ws, event({"email": "new@example.com"})).ok
    p = must(ws, email="new@example.com")
    assert "profile_create" in log_types(ws, person_pk=p.pk)


def test_malformed_events_are_invalid(ws: Workspace) -> None:
    for op, field in [
        (event({"id": "u1"}, ""), "name"),
        (event({"id": "u1"}, "n" * 101), "name"),
        (event({"id": "u1"}, attributes=[1]), "attributes"),
        (event({"id": "u1"}, timestamp="soon"), "timestamp"),
        (event({"id": "u1"}, attributes={"x": "y" * 100_001}), "attributes"),
    ]:
        result = apply1(ws, op)
        assert result.reason == "invalid" and result.field == field
    assert everyone(ws) == []


# -- anonymous events -------------------------------------------------------------------------------------------


def test_anonymous_events_merge_into_the_person_identified_with_the_anonymous_id(ws: Workspace) -> None:
    ws.apply([event({"anonymous_id": "a1"}, "viewed"), event({"anonymous_id": "a1"}, "clicked")], now=NOW)
    assert len(queries.anonymous_events(ws.db, ws.workspace_id, "a1")) == 2
    apply1(ws, by_id("u1", anonymous_id="a1"), now=NOW + 60)
    p = must(ws, id="u1")
    assert {e.name for e in queries.events(ws.db, ws.workspace_id, p.pk)} == {"viewed", "clicked"}
    assert queries.anonymous_events(ws.db, ws.workspace_id, "a1") == []
    assert "anon_merge" in log_types(ws, person_pk=p.pk)


def test_anonymous_events_in_the_same_batch_as_the_identify_merge(ws: Workspace) -> None:
    ws.apply([event({"anonymous_id": "a1"}, "viewed"), by_id("u1", anonymous_id="a1")], now=NOW)
    assert [e.name for e in queries.events(ws.db, ws.workspace_id, must(ws, id="u1").pk)] == ["viewed"]


def test_anonymous_merge_off_keeps_events_anonymous(ws: Workspace) -> None:
    ws.update_settings(anonymous_merge=False)
    apply1(ws, event({"anonymous_id": "a1"}, "viewed"))
    apply1(ws, by_id("u1", anonymous_id="a1"))
    assert queries.events(ws.db, ws.workspace_id, must(ws, id="u1").pk) == []
    assert len(queries.anonymous_events(ws.db, ws.workspace_id, "a1")) == 1


def test_anonymous_id_is_consumed_once(ws: Workspace) -> None:
    apply1(ws, event({"anonymous_id": "a1"}, "first"), now=NOW)
    apply1(ws, by_id("u1", anonymous_id="a1"), now=NOW + 1)
    apply1(ws, event({"anonymous_id": "a1"}, "later"), now=NOW + 3600)
    apply1(ws, by_id("u2", anonymous_id="a1"), now=NOW + 3601)
    assert queries.events(ws.db, ws.workspace_id, must(ws, id="u2").pk) == []
    assert "skipped_update" in log_types(ws, person_pk=must(ws, id="u2").pk)
    apply1(ws, by_id("u1", anonymous_id="a1"), now=NOW + 3602)  # the owner may merge what arrived since
    assert {e.name for e in queries.events(ws.db, ws.workspace_id, must(ws, id="u1").pk)} == {"first", "later"}


def test_late_anonymous_events_join_within_five_minutes(ws: Workspace) -> None:
    apply1(ws, by_id("u1", anonymous_id="a1"), now=NOW)
    apply1(ws, event({"anonymous_id": "a1"}, "soon"), now=NOW + 299)
    apply1(ws, event({"anonymous_id": "a1"}, "too late"), now=NOW + 301)
    assert [e.name for e in queries.events(ws.db, ws.workspace_id, must(ws, id="u1").pk)] == ["soon"]
    assert [e.name for e in queries.anonymous_events(ws.db, ws.workspace_id, "a1")] == ["too late"]


def test_anonymous_events_older_than_retention_are_not_merged_and_expire(ws: Workspace) -> None:
    apply1(ws, event({"anonymous_id": "a1"}, "old"), now=NOW)
    apply1(ws, event({"anonymous_id": "a1"}, "recent"), now=NOW + 29 * 86400)
    apply1(ws, by_id("u1", anonymous_id="a1"), now=NOW + 31 * 86400)
    assert [e.name for e in queries.events(ws.db, ws.workspace_id, must(ws, id="u1").pk)] == ["recent"]
    assert ws.expire_anonymous(now=NOW + 31 * 86400) == (1, 0)
    assert queries.anonymous_events(ws.db, ws.workspace_id, "a1") == []


def test_anonymous_expiry_deletes_at_most_its_limit_per_call(ws: Workspace) -> None:
    for name in ("one", "two", "three"):
        apply1(ws, event({"anonymous_id": "a1"}, name), now=NOW)
    apply1(ws, event({"anonymous_id": "a2"}, "recent"), now=NOW + 30 * 86400)
    later = NOW + 31 * 86400
    assert ws.expire_anonymous(now=later, limit=2) == (2, 0)
    assert ws.expire_anonymous(now=later, limit=2) == (1, 0)
    assert ws.expire_anonymous(now=later, limit=2) == (0, 0)
    assert [e.name for e in queries.anonymous_events(ws.db, ws.workspace_id, "a2")] == ["recent"]


# -- devices ----------------------------------------------------------------------------------------------------


def _device(identifiers: dict[str, str], token: str, platform: str = "ios", **device: object) -> dict[str, object]:
    return {
        "type": "person",
        "action": "add_device",
        "identifiers": identifiers,
        "device": {"token": token, "platform": platform, **device},
    }


def test_add_update_and_delete_a_device(ws: Workspace) -> None:
    apply1(ws, _device({"id": "u1"}, "tok", last_used=1713484800, attributes={"push_enabled": True, "n": 2}))
    pk = must(ws, id="u1").pk
    (d,) = queries.devices(ws.db, ws.workspace_id, pk)
    assert (d.token, d.platform, d.last_used, d.attributes) == (
        "tok",
        "ios",
        1713484800,
        {"push_enabled": "true", "n": "2"},
    )
    apply1(ws, _device({"id": "u1"}, "tok", "android", attributes={"app_version": "2"}), now=NOW + 9)
    (d,) = queries.devices(ws.db, ws.workspace_id, pk)
    assert d.platform == "android" and d.last_used == NOW + 9 and d.attributes["app_version"] == "2"
    apply1(ws, {"type": "person", "action": "delete_device", "identifiers": {"id": "u1"}, "device": {"token": "tok"}})
    assert queries.devices(ws.db, ws.workspace_id, pk) == []
    assert log_types(ws, person_pk=pk).count("device_change") == 3


def test_a_token_moves_to_the_person_who_adds_it(ws: Workspace) -> None:
    apply1(ws, _device({"id": "u1"}, "tok"))
    apply1(ws, _device({"id": "u2"}, "tok"))
    assert queries.devices(ws.db, ws.workspace_id, must(ws, id="u1").pk) == []
    assert [d.token for d in queries.devices(ws.db, ws.workspace_id, must(ws, id="u2").pk)] == ["tok"]


def test_only_ios_and_android_devices(ws: Workspace) -> None:
    result = apply1(ws, _device({"id": "u1"}, "tok", "web"))
    assert (
        result.reason == "invalid" and result.field == "device.platform" and "ios or android" in (result.message or "")
    )
    assert apply1(ws, _device({"id": "u1"}, "tok", "IOS")).ok


# -- delivery metrics --------------------------------------------------------------------------------------------


def test_delivery_metrics_are_stored(ws: Workspace) -> None:
    op = {
        "type": "delivery",
        "action": "event",
        "identifiers": {"id": "RPIyMTM6OjEyMzQ="},
        "name": "opened",
        "attributes": {"device_token": "tok"},
        "timestamp": 1613063089,
    }
    assert apply1(ws, op).ok
    (m,) = queries.delivery_metrics(ws.db, ws.workspace_id)
    assert (m["delivery_id"], m["metric"], m["timestamp"], m["data"]) == (
        "RPIyMTM6OjEyMzQ=",
        "opened",
        1613063089,
        {"device_token": "tok"},
    )

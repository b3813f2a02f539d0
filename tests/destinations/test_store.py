"""Stored destination configuration on SQLite and PostgreSQL: Quick Setup, add/edit/disable/delete, validation."""

from __future__ import annotations

import pytest

from segcio.bootstrap import ensure_defaults
from segcio.destinations import subscriptions as store
from segcio.destinations.customerio.presets import quick_setup
from segcio.destinations.kinds import CLASSIC_KIND
from segcio.ingest.sources import create_source
from segcio.pipeline.destination_config import create_destination, set_enabled
from segcio.store import Database

PAGE_FROM_NAME = {"name": "Page URL from name", "subscribe": 'type = "page"', "partnerAction": "trackPageView"}


def test_bootstrap_installs_quick_setup(db: Database) -> None:
    destination = ensure_defaults(db).destination_id
    with db.connect() as conn:
        stored = store.load_subscriptions(conn, destination)
    expected = quick_setup()
    assert [{k: s[k] for k in ("name", "subscribe", "partnerAction", "mapping")} for s in stored] == expected
    assert all(s["enabled"] for s in stored) and len({s["id"] for s in stored}) == len(expected)


def test_quick_setup_is_idempotent_and_restores_deleted_presets(db: Database) -> None:
    destination = ensure_defaults(db).destination_id
    with db.begin() as conn:
        assert store.install_presets(conn, destination) == []
        store.delete_subscription(conn, destination, "Track Event")
        [added] = store.install_presets(conn, destination)
        assert added["name"] == "Track Event"
        specific = store.install_presets(conn, destination, include_specific=True)
        assert len(specific) == 6


def test_add_edit_disable_delete(db: Database) -> None:
    destination = ensure_defaults(db).destination_id
    with db.begin() as conn:
        added = store.add_subscription(conn, destination, {**PAGE_FROM_NAME, "mapping": None})
        assert added["mapping"]["url"] == {"@path": "$.properties.url"}  # the action's defaults
        remapped = store.update_subscription(conn, destination, added["id"], {"remap": {"url": {"@path": "$.name"},
                                                                                      "data": None}})
        assert remapped["mapping"]["url"] == {"@path": "$.name"} and "data" not in remapped["mapping"]
        assert store.set_subscription_enabled(conn, destination, "Page URL from name", False)["enabled"] is False
        renamed = store.update_subscription(conn, destination, added["id"], {"name": "Pages"})
        assert store.get_subscription(conn, destination, "Pages") == renamed
        store.delete_subscription(conn, destination, "Pages")
        with pytest.raises(store.NotFound):
            store.get_subscription(conn, destination, added["id"])


def test_saved_configuration_drives_the_runner(db: Database) -> None:
    from segcio.destinations.tester import DestinationRunner

    destination = ensure_defaults(db).destination_id
    with db.begin() as conn:
        store.set_subscription_enabled(conn, destination, "Track Page View", False)
        store.add_subscription(conn, destination, {**PAGE_FROM_NAME, "mapping": None})
        store.update_subscription(conn, destination, PAGE_FROM_NAME["name"], {"remap": {"url": {"@path": "$.name"}}})
        subs = store.load_subscriptions(conn, destination)
    results = DestinationRunner({"siteId": "s", "apiKey": "k"}, subs).run(
        {"type": "page", "userId": "u", "name": "https://e.com/x"})
    [sent] = [r for r in results if r.requests]
    assert sent.name == "Page URL from name" and sent.requests[0].json["name"] == "https://e.com/x"
    assert "Track Page View" not in [r.name for r in results]


@pytest.mark.parametrize(("subscription", "field", "fragment"), [
    ({"name": "", "partnerAction": "trackEvent"}, "name", "a subscription name is required"),
    ({"name": "x", "partnerAction": "sendSms"}, "partnerAction", "unknown action 'sendSms'"),
    ({"name": "x", "partnerAction": "trackEvent", "subscribe": 'type = "track" and ('}, "subscribe", "position"),
    ({"name": "x", "partnerAction": "trackEvent", "mapping": {"name": {"@oops": 1}}}, "mapping", "@oops"),
    ({"name": "x", "partnerAction": "trackEvent", "mapping": {"nme": {"@path": "$.event"}}}, "mapping",
     "'nme' is not a field of Track Event"),
    ({"name": "x", "partnerAction": "trackPageView", "mapping": {"id": {"@path": "$.userId"}}}, "mapping",
     "the required field 'url' (Page URL)"),
    ({"name": "x", "partnerAction": "trackEvent", "mapping": []}, "mapping", "expected a JSON object"),
    ({"name": "x", "partnerAction": "trackEvent", "colour": 1}, "colour", "unknown key"),
])
def test_validation_on_save(db: Database, subscription: dict[str, object], field: str, fragment: str) -> None:
    destination = ensure_defaults(db).destination_id
    with db.begin() as conn, pytest.raises(store.ConfigError) as info:
        store.add_subscription(conn, destination, subscription)
    assert info.value.field == field
    assert fragment in info.value.message


def test_trigger_error_has_a_position(db: Database) -> None:
    destination = ensure_defaults(db).destination_id
    with db.begin() as conn, pytest.raises(store.ConfigError) as info:
        store.update_subscription(conn, destination, "Track Event", {"subscribe": 'type = "track" and ('})
    assert info.value.position == len('type = "track" and (')


def test_duplicate_names_are_refused(db: Database) -> None:
    destination = ensure_defaults(db).destination_id
    with db.begin() as conn:
        with pytest.raises(store.ConfigError) as info:
            store.add_subscription(conn, destination, {"name": "Track Event", "partnerAction": "trackEvent"})
        assert info.value.status == 409
        # The transaction is still usable after the refused insert.
        assert len(store.load_subscriptions(conn, destination)) == len(quick_setup())


def test_destinations_listing_and_switches(db: Database) -> None:
    defaults = ensure_defaults(db)
    with db.begin() as conn:
        classic = create_destination(conn, create_source(conn, "other"), CLASSIC_KIND,
                                     {"siteId": "s", "apiKey": "secret-api-key"})
        rows = store.list_destinations(conn)
        assert [(r["id"], r["subscriptions"]) for r in rows] == [(defaults.destination_id, len(quick_setup())),
                                                                  (classic, 0)]
        assert rows[1]["settings"]["apiKey"] == "****-key"
        set_enabled(conn, classic, False)
        assert store.destination_summary(conn, classic)["enabled"] is False
        with pytest.raises(store.ConfigError, match="only customerio-actions destinations"):
            store.add_subscription(conn, classic, {"name": "x", "partnerAction": "trackEvent"})
        with pytest.raises(store.NotFound):
            store.get_destination(conn, 999)

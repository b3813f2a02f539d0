"""Destinations and their stored subscriptions, as the UI needs them (storage and validation live in
segcio.destinations.subscriptions)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from segcio.destinations import subscriptions as store
from segcio.destinations.kinds import ACTIONS_KIND
from segcio.web.data.core import get_destination

ConfigError = store.ConfigError


def actions_destination(conn: Connection, destination_id: int) -> dict[str, Any] | None:
    destination = get_destination(conn, destination_id)
    if destination is None or destination["kind"] != ACTIONS_KIND:
        return None
    return destination


def subscriptions(conn: Connection, destination_id: int) -> list[dict[str, Any]]:
    return store.load_subscriptions(conn, destination_id)


def get_subscription(conn: Connection, destination_id: int, subscription_id: int) -> dict[str, Any] | None:
    try:
        return store.get_subscription(conn, destination_id, subscription_id)
    except store.NotFound:
        return None


def save_subscription(
    conn: Connection, destination_id: int, subscription: dict[str, Any], subscription_id: int | None
) -> int:
    """Create or replace a subscription; raises ConfigError (naming the field) when it is not valid."""
    fields = {k: subscription[k] for k in ("name", "subscribe", "partnerAction", "mapping", "enabled")}
    if subscription_id is None:
        return int(store.add_subscription(conn, destination_id, fields)["id"])
    return int(store.update_subscription(conn, destination_id, subscription_id, fields)["id"])


def set_subscription_enabled(conn: Connection, destination_id: int, subscription_id: int, enabled: bool) -> None:
    store.set_subscription_enabled(conn, destination_id, subscription_id, enabled)


def delete_subscription(conn: Connection, destination_id: int, subscription_id: int) -> None:
    store.delete_subscription(conn, destination_id, subscription_id)


def start_customized(conn: Connection, destination_id: int) -> None:
    """Customized Setup: the preset subscriptions are there to start from, but none is enabled yet."""
    for sub in store.load_subscriptions(conn, destination_id):
        if sub["enabled"]:
            store.set_subscription_enabled(conn, destination_id, sub["id"], False)

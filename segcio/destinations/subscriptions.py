"""Stored configuration of Actions destinations: subscriptions (Quick Setup presets, Customized Setup) and the
destination switches. Every write validates the trigger and the mapping first, with errors naming the field."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from segcio import jsonutil, values
from segcio.errors import Invalid
from segcio.store.tables.core import destinations
from segcio.store.tables.destinations import destination_subscriptions as subs

ACTIONS_KIND = "customerio-actions"
MAX_NAME = 200
MAX_TRIGGER = 10_000
MAX_MAPPING_BYTES = 64 * 1024
MAX_SUBSCRIPTIONS = 200


class ConfigError(Invalid, ValueError):
    """A configuration change that cannot be made; `field` names what to fix."""

    field: str

    def __init__(self, message: str, field: str = "", position: int | None = None, status: int = 400) -> None:
        super().__init__(message, field=field, status=status)
        self.position = position

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"message": self.message, "field": self.field}
        if self.position is not None:
            out["position"] = self.position
        return out


class NotFound(ConfigError):
    def __init__(self, message: str) -> None:
        super().__init__(message, status=404)


# --- validation ---------------------------------------------------------------------------------------------


def check_trigger(text: Any) -> str:
    from segcio.actions.trigger import TriggerError, compile_trigger

    if not isinstance(text, str) or not text.strip():
        raise ConfigError('subscribe: a trigger is required, e.g. type = "track" and event = "Order Completed"',
                          "subscribe")
    if len(text) > MAX_TRIGGER:
        raise ConfigError(f"subscribe: the trigger is longer than {MAX_TRIGGER} characters", "subscribe")
    try:
        compile_trigger(text)
    except TriggerError as exc:
        pointer = " " * max(exc.position, 0) + "^"
        where = "" if "position" in exc.message else f" (at position {exc.position})"
        raise ConfigError(f"subscribe: {exc.message}{where}\n  {text}\n  {pointer}", "subscribe",
                          exc.position) from exc
    return text


def check_mapping(partner_action: str, mapping: Any) -> dict[str, Any]:
    from segcio.actions.mapping import MappingError, validate_mapping
    from segcio.destinations.customerio.actions import ACTIONS

    action = ACTIONS[partner_action]
    if not isinstance(mapping, dict):
        raise ConfigError("mapping: expected a JSON object of field -> value or directive", "mapping")
    if len(jsonutil.dumpb(mapping)) > MAX_MAPPING_BYTES:
        raise ConfigError(f"mapping: larger than {MAX_MAPPING_BYTES} bytes", "mapping")
    unknown = [key for key in mapping if key not in action.fields]
    if unknown:
        raise ConfigError(f"mapping: {', '.join(repr(k) for k in unknown)} is not a field of {action.title}; "
                          f"its fields are {', '.join(action.fields)}", "mapping")
    missing = [key for key, field in action.fields.items() if field.required and key not in mapping]
    if missing:
        labels = ", ".join(f"'{k}' ({action.fields[k].label})" for k in missing)
        raise ConfigError(f"mapping: the required field {labels} of {action.title} has no mapping", "mapping")
    try:
        validate_mapping(mapping)
    except MappingError as exc:
        raise ConfigError(f"mapping: {exc}", "mapping") from exc
    return mapping


def check_action(partner_action: Any) -> str:
    from segcio.destinations.customerio.actions import ACTIONS

    if partner_action not in ACTIONS:
        raise ConfigError(f"partnerAction: unknown action {partner_action!r}; expected one of {', '.join(ACTIONS)}",
                          "partnerAction")
    return str(partner_action)


def check_name(name: Any) -> str:
    if not isinstance(name, str) or not name.strip():
        raise ConfigError("name: a subscription name is required", "name")
    if len(name) > MAX_NAME:
        raise ConfigError(f"name: longer than {MAX_NAME} characters", "name")
    return name.strip()


def check_subscription(subscription: Mapping[str, Any]) -> dict[str, Any]:
    """A subscription dict validated and normalised; the mapping defaults to the action's default mapping."""
    from segcio.destinations.customerio.actions import ACTIONS

    unknown = set(subscription) - {"name", "subscribe", "partnerAction", "mapping", "enabled", "id"}
    if unknown:
        raise ConfigError(f"unknown key(s) {', '.join(sorted(unknown))}; a subscription has name, subscribe, "
                          "partnerAction, mapping and enabled", sorted(unknown)[0])
    name = check_name(subscription.get("name"))
    action = check_action(subscription.get("partnerAction"))
    trigger = check_trigger(subscription.get("subscribe", ACTIONS[action].default_subscription))
    mapping = subscription.get("mapping")
    mapping = check_mapping(action, ACTIONS[action].default_mapping() if mapping is None else mapping)
    enabled = subscription.get("enabled", True)
    if not isinstance(enabled, bool):
        raise ConfigError("enabled: expected true or false", "enabled")
    return {"name": name, "subscribe": trigger, "partnerAction": action, "mapping": mapping, "enabled": enabled}


# --- destinations -------------------------------------------------------------------------------------------


def _redacted(settings: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(settings)
    key = out.get("apiKey")
    if isinstance(key, str) and key:
        out["apiKey"] = "****" + key[-4:] if len(key) > 8 else "****"
    return out


def _destination_dict(row: Any, count: int | None = None) -> dict[str, Any]:
    out = {"id": row.id, "source_id": row.source_id, "kind": row.kind, "name": row.name, "enabled": row.enabled,
           "settings": _redacted(jsonutil.loads(row.settings or "{}")), "created_at": row.created_at}
    if count is not None:
        out["subscriptions"] = count
    return out


def list_destinations(conn: Connection) -> list[dict[str, Any]]:
    rows = conn.execute(select(destinations).order_by(destinations.c.id)).all()
    counts: dict[int, int] = {}
    for (destination_id,) in conn.execute(select(subs.c.destination_id)):
        counts[destination_id] = counts.get(destination_id, 0) + 1
    return [_destination_dict(row, counts.get(row.id, 0)) for row in rows]


def _destination_row(conn: Connection, destination_id: int) -> Any:
    row = None
    if values.optional_integer_id(destination_id) is not None:
        row = conn.execute(select(destinations).where(destinations.c.id == destination_id)).first()
    if row is None:
        raise NotFound(f"destination {destination_id} not found (see `segcio destinations list`)")
    return row


def actions_destination(conn: Connection, destination_id: int) -> Any:
    row = _destination_row(conn, destination_id)
    if row.kind != ACTIONS_KIND:
        raise ConfigError(f"destination {destination_id} is a {row.kind} destination; only {ACTIONS_KIND} "
                          "destinations have subscriptions", "destination_id")
    return row


def get_destination(conn: Connection, destination_id: int) -> dict[str, Any]:
    out = _destination_dict(_destination_row(conn, destination_id))
    out["subscriptions"] = load_subscriptions(conn, destination_id)
    return out


def destination_summary(conn: Connection, destination_id: int) -> dict[str, Any]:
    """The destination without its subscriptions (raises NotFound)."""
    return _destination_dict(_destination_row(conn, destination_id))


# --- subscriptions ------------------------------------------------------------------------------------------


def _subscription_dict(row: Any) -> dict[str, Any]:
    return {"id": row.id, "name": row.name, "subscribe": row.subscribe, "partnerAction": row.partner_action,
            "mapping": jsonutil.loads(row.mapping), "enabled": row.enabled}


def load_subscriptions(conn: Connection, destination_id: int) -> list[dict[str, Any]]:
    """The destination's subscriptions in creation order: [{"id","name","subscribe","partnerAction","mapping",
    "enabled"}]."""
    rows = conn.execute(select(subs).where(subs.c.destination_id == destination_id).order_by(subs.c.id)).all()
    return [_subscription_dict(row) for row in rows]


def _find(conn: Connection, destination_id: int, ref: int | str) -> Any:
    """A subscription by id (a number) or by name."""
    query = select(subs).where(subs.c.destination_id == destination_id)
    row = None
    # Ids and names no column can hold match nothing.
    if values.optional_integer_id(destination_id) is not None:
        subscription_id = values.optional_integer_id(ref)
        if subscription_id is not None:
            row = conn.execute(query.where(subs.c.id == subscription_id)).first()
        if row is None and values.text_problem(str(ref)) is None:
            row = conn.execute(query.where(subs.c.name == str(ref))).first()
    if row is None:
        raise NotFound(f"destination {destination_id} has no subscription {ref!r} "
                       f"(see `segcio destinations subscriptions {destination_id}`)")
    return row


def get_subscription(conn: Connection, destination_id: int, ref: int | str) -> dict[str, Any]:
    return _subscription_dict(_find(conn, destination_id, ref))


def _insert(conn: Connection, destination_id: int, sub: dict[str, Any]) -> dict[str, Any]:
    now = time.time()
    try:
        with conn.begin_nested():
            result = conn.execute(insert(subs).values(
                destination_id=destination_id, name=sub["name"], subscribe=sub["subscribe"],
                partner_action=sub["partnerAction"], mapping=jsonutil.dumps(sub["mapping"]),
                enabled=sub["enabled"], created_at=now, updated_at=now))
    except IntegrityError as exc:
        raise ConfigError(f"name: destination {destination_id} already has a subscription named {sub['name']!r}",
                          "name", status=409) from exc
    assert result.inserted_primary_key is not None
    return {"id": int(result.inserted_primary_key[0]), **sub}


def add_subscription(conn: Connection, destination_id: int, subscription: Mapping[str, Any]) -> dict[str, Any]:
    """Validate and store a new subscription (Customized Setup)."""
    actions_destination(conn, destination_id)
    sub = check_subscription(subscription)
    count = len(conn.execute(select(subs.c.id).where(subs.c.destination_id == destination_id)).all())
    if count >= MAX_SUBSCRIPTIONS:
        raise ConfigError(f"destination {destination_id} already has {MAX_SUBSCRIPTIONS} subscriptions (the limit)",
                          "destination_id")
    return _insert(conn, destination_id, sub)


def update_subscription(
    conn: Connection, destination_id: int, ref: int | str, changes: Mapping[str, Any]
) -> dict[str, Any]:
    """Change a subscription. `changes` may hold name, subscribe, partnerAction, mapping (replaces the mapping),
    remap ({field: mapping, or null to unmap}: re-maps some fields) and enabled. Validated as a whole."""
    actions_destination(conn, destination_id)
    row = _find(conn, destination_id, ref)
    unknown = set(changes) - {"name", "subscribe", "partnerAction", "mapping", "remap", "enabled"}
    if unknown:
        raise ConfigError(f"unknown key(s) {', '.join(sorted(unknown))}; expected name, subscribe, partnerAction, "
                          "mapping, remap or enabled", sorted(unknown)[0])
    current = _subscription_dict(row)
    merged = {k: v for k, v in current.items() if k != "id"}
    merged.update({k: v for k, v in changes.items() if k != "remap"})
    if "partnerAction" in changes and "mapping" not in changes:
        merged["mapping"] = None  # another action: start from its default mapping
    remap = changes.get("remap")
    if remap is not None:
        if not isinstance(remap, dict):
            raise ConfigError("remap: expected a JSON object of field -> mapping (null removes the field)", "remap")
        from segcio.destinations.customerio.actions import ACTIONS

        action = check_action(merged["partnerAction"])
        mapping = dict(merged["mapping"] or ACTIONS[action].default_mapping())
        for key, value in remap.items():
            if value is None:
                mapping.pop(key, None)
            else:
                mapping[key] = value
        merged["mapping"] = mapping
    sub = check_subscription(merged)
    try:
        with conn.begin_nested():
            conn.execute(update(subs).where(subs.c.id == row.id).values(
                name=sub["name"], subscribe=sub["subscribe"], partner_action=sub["partnerAction"],
                mapping=jsonutil.dumps(sub["mapping"]), enabled=sub["enabled"], updated_at=time.time()))
    except IntegrityError as exc:
        raise ConfigError(f"name: destination {destination_id} already has a subscription named {sub['name']!r}",
                          "name", status=409) from exc
    return {"id": row.id, **sub}


def set_subscription_enabled(conn: Connection, destination_id: int, ref: int | str, enabled: bool) -> dict[str, Any]:
    return update_subscription(conn, destination_id, ref, {"enabled": enabled})


def delete_subscription(conn: Connection, destination_id: int, ref: int | str) -> dict[str, Any]:
    row = _find(conn, destination_id, ref)
    conn.execute(delete(subs).where(subs.c.id == row.id))
    return _subscription_dict(row)


def install_presets(conn: Connection, destination_id: int, *, include_specific: bool = False) -> list[dict[str, Any]]:
    """Quick Setup: store the preset subscriptions the destination does not have yet (by name); returns those
    added. `include_specific` also adds the presets for Segment-generated events."""
    from segcio.destinations.customerio.presets import AUTOMATIC_PRESETS, SPECIFIC_EVENT_PRESETS

    presets = [*AUTOMATIC_PRESETS, *(SPECIFIC_EVENT_PRESETS if include_specific else ())]
    existing = set(conn.execute(select(subs.c.name).where(subs.c.destination_id == destination_id)).scalars())
    added = []
    for preset in presets:
        if preset.name in existing:
            continue
        sub = {**preset.subscription(), "enabled": True}
        added.append(_insert(conn, destination_id, sub))
    return added

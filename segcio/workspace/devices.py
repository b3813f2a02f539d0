"""Push devices: keyed by token (one token, one person; adding it to another person moves it)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete

from segcio.store.tables.workspace import ws_devices
from segcio.workspace import activity
from segcio.workspace.attributes import as_device_attribute, event_time, is_removal
from segcio.workspace.identity import IdentifierError, identifier_text
from segcio.workspace.prefetch import Wanted
from segcio.workspace.resolve import person_identifier, resolve_or_create
from segcio.workspace.results import NOT_FOUND, OK, OpResult, invalid
from segcio.workspace.unit import Unit
from segcio.workspace.unit_state import DeviceState

PLATFORMS = ("ios", "android")
_DEVICE_KEYS = ("token", "id", "platform", "last_used", "attributes")


def _token(device: dict[str, Any]) -> str:
    raw = device.get("token", device.get("id"))  # v2 "token", v1 "id"
    try:
        return identifier_text(raw, "device.token")
    except IdentifierError:
        raise invalid("device.token", "device.token is required: the device's push token") from None


def device_needs(wanted: Wanted, op: dict[str, Any]) -> None:
    wanted.person_of(op)
    wanted.device(op.get("device"))


def add_device(unit: Unit, op: dict[str, Any]) -> OpResult:
    device = op.get("device")
    if not isinstance(device, dict):
        raise invalid("device", "device must be an object with token and platform")
    token = _token(device)
    platform = device.get("platform")
    if not isinstance(platform, str) or platform.strip().lower() not in PLATFORMS:
        raise invalid("device.platform", f"device.platform must be ios or android, not {platform!r}")
    platform = platform.strip().lower()
    last_used = event_time(device.get("last_used"), unit.now)
    if last_used is None:
        raise invalid("device.last_used", "device.last_used must be Unix seconds")
    given = device.get("attributes") or {}
    if not isinstance(given, dict):
        raise invalid("device.attributes", "device.attributes must be an object of string values")
    # Custom keys sent flat inside `device` (older clients) are attributes too.
    given = {**{k: v for k, v in device.items() if k not in _DEVICE_KEYS}, **given}
    kind, value = person_identifier(unit, op)
    person = resolve_or_create(unit, kind, value, why="add_device")

    state: DeviceState | None = unit.devices.get(token)
    previous = None if state is None else state.person_pk
    attrs: dict[str, str] = dict(state.attrs) if state is not None and previous == person.pk else {}
    for name, raw in given.items():
        if is_removal(raw):
            attrs.pop(name, None)
        else:
            attrs[name] = as_device_attribute(raw)
    if state is None:
        unit.devices.set(token, DeviceState(person.pk, platform, last_used, attrs, new=True))
    else:
        state.person_pk, state.platform, state.last_used, state.attrs = person.pk, platform, last_used, attrs
        state.dirty = True
        if previous != person.pk and previous is not None:
            unit.add_activity(
                activity.DEVICE_CHANGE,
                person_pk=previous,
                name=token,
                data={"action": "moved", "to_cio_id": person.cio_id},
            )
    unit.add_activity(
        activity.DEVICE_CHANGE,
        person_pk=person.pk,
        name=token,
        data={"action": "updated" if previous == person.pk else "added", "platform": platform},
    )
    return OK


def delete_device(unit: Unit, op: dict[str, Any]) -> OpResult:
    device = op.get("device")
    if not isinstance(device, dict):
        raise invalid("device", "device must be an object with the token to delete")
    token = _token(device)
    kind, value = person_identifier(unit, op)
    person = unit.find(kind, value)
    if person is None:
        return OpResult(True, NOT_FOUND, "identifiers", f"no person has {kind} {value!r}; nothing to delete")
    state: DeviceState | None = unit.devices.get(token)
    if state is None or state.person_pk != person.pk:
        return OK  # not this person's device: nothing to delete
    if not state.new:
        unit.conn.execute(delete(ws_devices).where(ws_devices.c.workspace_id == unit.ws, ws_devices.c.token == token))
    unit.devices.set(token, None)
    unit.add_activity(activity.DEVICE_CHANGE, person_pk=person.pk, name=token, data={"action": "deleted"})
    return OK

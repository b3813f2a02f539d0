"""Deleting, suppressing, unsuppressing and merging people."""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, insert, select, update
from sqlalchemy import delete as sql_delete

from segcio.store.tables.workspace import (
    ws_activities,
    ws_anonymous_ids,
    ws_devices,
    ws_events,
    ws_relationships,
    ws_suppressions,
)
from segcio.workspace import activity
from segcio.workspace.identity import IdentifierError, fold_email, single_person_identifier
from segcio.workspace.prefetch import Wanted
from segcio.workspace.resolve import person_identifier
from segcio.workspace.results import NOT_FOUND, OK, OpResult, invalid
from segcio.workspace.unit import Unit, person_rows
from segcio.workspace.unit_state import PersonState

_OWNED = (ws_events, ws_devices, ws_relationships, ws_activities, ws_anonymous_ids)
_LOGS = (ws_events, ws_activities)  # indexed per person by id bucket


def delete_person(unit: Unit, person: PersonState, *, why: str) -> None:
    """Remove the person and all their data; the workspace log keeps a profile_delete entry."""
    unit.flush()
    unit.forget_devices()
    unit.forget_relationships()
    for table in _OWNED:
        owned = person_rows(unit.conn, table, person.pk) if table in _LOGS else table.c.person_id == person.pk
        unit.conn.execute(sql_delete(table).where(owned))
    for anonymous_id, owner in list(unit.anonymous_owner.values.items()):
        if owner[0] == person.pk:
            unit.anonymous_owner.set(anonymous_id, None)
    identifiers = person.identifiers()
    unit.mark_deleted(person)
    unit.add_activity(activity.PROFILE_DELETE, data={"identifiers": identifiers, "why": why})


def delete(unit: Unit, op: dict[str, Any]) -> OpResult:
    kind, value = person_identifier(unit, op)
    person = unit.find(kind, value)
    if person is None:
        return OpResult(True, NOT_FOUND, "identifiers", f"no person has {kind} {value!r}; nothing was deleted")
    delete_person(unit, person, why="delete")
    return OK


def suppress(unit: Unit, op: dict[str, Any]) -> OpResult:
    """Delete the profile and block its id and email from coming back (until unsuppressed)."""
    kind, value = person_identifier(unit, op)
    person = unit.find(kind, value)
    blocked: list[tuple[str, str]] = []
    if person is not None:
        group_key = person.cio_id
        if person.ext_id is not None:
            blocked.append(("id", person.ext_id))
        if person.email_key is not None:
            blocked.append(("email", person.email_key))
    elif kind == "cio_id":
        return OpResult(True, NOT_FOUND, "identifiers.cio_id", f"no person has cio_id {value!r}; nothing to suppress")
    else:
        # Suppressing an identifier nobody holds blocks it all the same (a guess: the documents only describe
        # suppressing existing people).
        group_key = f"{kind}:{value}"
        blocked.append((kind, fold_email(value) if kind == "email" else value))
    unit.flush()
    for k, v in blocked:
        cache = unit.suppressed_ids if k == "id" else unit.suppressed_emails
        if cache.get(v) is None:
            unit.conn.execute(
                insert(ws_suppressions).values(
                    workspace_id=unit.ws, kind=k, value=v, group_key=group_key, created_at=unit.now
                )
            )
            cache.set(v, group_key)
    if person is not None:
        delete_person(unit, person, why="suppress")
    return OK


def unsuppress(unit: Unit, op: dict[str, Any]) -> OpResult:
    """Unblock the identifier(s) suppressed together; the profile is not recreated."""
    kind, value = person_identifier(unit, op)
    if kind == "cio_id":
        group_keys = {value}
    else:
        cache = unit.suppressed_ids if kind == "id" else unit.suppressed_emails
        key = cache.get(fold_email(value) if kind == "email" else value)
        if key is None:
            return OpResult(True, NOT_FOUND, "identifiers", f"{kind} {value!r} is not suppressed")
        group_keys = {key}
    rows = unit.conn.execute(
        select(ws_suppressions.c.kind, ws_suppressions.c.value).where(
            ws_suppressions.c.workspace_id == unit.ws, ws_suppressions.c.group_key.in_(group_keys)
        )
    ).all()
    if not rows:
        return OpResult(True, NOT_FOUND, "identifiers", f"{kind} {value!r} is not suppressed")
    unit.conn.execute(
        sql_delete(ws_suppressions).where(
            ws_suppressions.c.workspace_id == unit.ws, ws_suppressions.c.group_key.in_(group_keys)
        )
    )
    for k, v in rows:
        (unit.suppressed_ids if k == "id" else unit.suppressed_emails).set(v, None)
    return OK


def _merge_party(unit: Unit, op: dict[str, Any], key: str) -> PersonState | None:
    try:
        kind, value = single_person_identifier(op.get(key), key)
    except IdentifierError as exc:
        raise invalid(exc.field, exc.message) from None
    if kind == "anonymous_id":
        raise invalid(f"{key}.anonymous_id", f"{key} needs one of id, email or cio_id")
    if kind == "email" and not unit.settings.email_is_identifier:
        raise invalid(f"{key}.email", "this workspace identifies people by id only; use id or cio_id")
    return unit.find(kind, value)


def merge_needs(wanted: Wanted, op: dict[str, Any]) -> None:
    wanted.person_of(op)
    wanted.person(op.get("primary"))
    wanted.person(op.get("secondary"))


def merge(unit: Unit, op: dict[str, Any]) -> OpResult:
    primary = _merge_party(unit, op, "primary")
    secondary = _merge_party(unit, op, "secondary")
    if primary is None:
        return OpResult(True, NOT_FOUND, "primary", "the primary person does not exist; nothing was merged")
    if secondary is None:
        return OpResult(True, NOT_FOUND, "secondary", "the secondary person does not exist; nothing was merged")
    if primary is secondary:
        return OK
    merge_people(unit, primary, secondary, reason="merge")
    return OK


def merge_people(unit: Unit, primary: PersonState, secondary: PersonState, *, reason: str) -> None:
    """The primary keeps its values and gains what it lacks: attributes not set or empty, identifiers it has
    not got, events, devices, relationships it does not have, activity history. The secondary is deleted."""
    unit.flush()
    unit.forget_devices()
    unit.forget_relationships()
    conn, p, s = unit.conn, primary.pk, secondary.pk
    gained = {k: v for k, v in secondary.attrs.items() if primary.attrs.get(k) in (None, "")}
    for name, value in gained.items():
        primary.attrs[name] = value
        primary.times[name] = secondary.times.get(name, unit.now)
    adopt_id = secondary.ext_id if primary.ext_id is None else None
    adopt_email = secondary.email if primary.email is None else None
    secondary_identifiers = secondary.identifiers()

    conn.execute(update(ws_events).where(person_rows(conn, ws_events, s)).values(person_id=p))
    conn.execute(update(ws_devices).where(ws_devices.c.person_id == s).values(person_id=p))
    conn.execute(update(ws_activities).where(person_rows(conn, ws_activities, s)).values(person_id=p))
    conn.execute(update(ws_anonymous_ids).where(ws_anonymous_ids.c.person_id == s).values(person_id=p))
    held = select(ws_relationships.c.object_pk).where(ws_relationships.c.person_id == p)
    conn.execute(
        update(ws_relationships)
        .where(and_(ws_relationships.c.person_id == s, ws_relationships.c.object_pk.not_in(held.scalar_subquery())))
        .values(person_id=p)
    )
    conn.execute(sql_delete(ws_relationships).where(ws_relationships.c.person_id == s))
    for anonymous_id, owner in list(unit.anonymous_owner.values.items()):
        if owner[0] == s:
            unit.anonymous_owner.set(anonymous_id, (p, owner[1]))

    unit.mark_deleted(secondary)
    unit.flush()  # the secondary's identifiers are free before the primary takes them
    if adopt_id is not None:
        unit.set_ext_id(primary, adopt_id)
    if adopt_email is not None:
        unit.set_email(primary, adopt_email)
    primary.dirty = True
    primary.updated_at = unit.now
    unit.add_activity(
        activity.PROFILE_MERGE,
        person_pk=p,
        data={"merged": secondary_identifiers, "reason": reason, "attributes_gained": sorted(gained)},
    )

"""Objects, object types (auto-created, named after animals) and person<->object relationships."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, bindparam, delete, insert, select, update

from segcio import jsonutil, values
from segcio.store.tables.workspace import ws_object_types, ws_objects, ws_pending_relationships, ws_relationships
from segcio.workspace import activity
from segcio.workspace.attributes import apply_attributes, check_total_size, update_time
from segcio.workspace.identity import (
    IdentifierError,
    identifier_text,
    object_pk_for,
    single_person_identifier,
)
from segcio.workspace.prefetch import Wanted
from segcio.workspace.resolve import person_identifier, resolve_or_create
from segcio.workspace.results import INVALID, LIMIT, NOT_FOUND, OK, SUPPRESSED, Failures, OpFailure, OpResult, invalid
from segcio.workspace.unit import Unit
from segcio.workspace.unit_state import ObjectState, PersonState, RelationshipState

# Names for auto-created object types. Customer.io names them "after a type of animal"; which animals is not
# documented, so these are our own choice.
ANIMALS = (
    "Otters",
    "Pandas",
    "Koalas",
    "Penguins",
    "Foxes",
    "Owls",
    "Dolphins",
    "Hedgehogs",
    "Llamas",
    "Badgers",
    "Lynxes",
    "Walruses",
    "Puffins",
    "Beavers",
    "Herons",
    "Bison",
    "Capybaras",
    "Meerkats",
    "Ocelots",
    "Tapirs",
)
MAX_TYPE_NAME = 200
OBJECT_RESERVED = frozenset({"relationship", "cio_object_id", "object_id", "objectId"})
RELATIONSHIP_RESERVED = frozenset({"relationship"})

_SELECT_TYPES = select(ws_object_types).where(ws_object_types.c.workspace_id == bindparam("ws"))
_SELECT_OBJECT = select(ws_objects).where(
    ws_objects.c.workspace_id == bindparam("ws"),
    ws_objects.c.type_id == bindparam("type_id"),
    ws_objects.c.object_id == bindparam("object_id"),
)
_SELECT_OBJECT_BY_PK = select(ws_objects).where(
    ws_objects.c.workspace_id == bindparam("ws"), ws_objects.c.id == bindparam("pk")
)


# -- object types ---------------------------------------------------------------------------------------------


def _type_id(raw: Any, field: str) -> int:
    try:
        return values.object_type_id(raw, field)
    except values.ValueRuleError as exc:
        raise invalid(exc.field, exc.message) from None


def ensure_type(unit: Unit, type_id: int) -> None:
    """Object types are created on first use, up to the workspace's auto-create limit, named after animals."""
    if unit.object_types is None:
        rows = unit.conn.execute(_SELECT_TYPES, {"ws": unit.ws})
        unit.object_types = {int(r.type_id): (r.name, bool(r.auto_created)) for r in rows}
    if type_id in unit.object_types:
        return
    auto_created = sum(1 for _, auto in unit.object_types.values() if auto)
    if auto_created >= unit.settings.object_type_auto_create_limit:
        raise OpFailure(
            LIMIT,
            "identifiers.object_type_id",
            f"object type {type_id} does not exist and {auto_created} types were already created automatically "
            "(the limit); use an existing object_type_id",
        )
    used = {name for name, _ in unit.object_types.values()}
    name = next((a for a in ANIMALS if a not in used), f"Animals {type_id}")
    unit.conn.execute(
        insert(ws_object_types).values(
            workspace_id=unit.ws, type_id=type_id, name=name, auto_created=True, created_at=unit.now
        )
    )
    unit.object_types[type_id] = (name, True)


def rename_type(conn: Connection, workspace_id: int, type_id: int, name: str) -> bool:
    """Give an object type a new name (1 to MAX_TYPE_NAME characters, outer spaces dropped; ValueError otherwise);
    False when the type does not exist."""
    name = name.strip()
    if not name or len(name) > MAX_TYPE_NAME:
        raise ValueError(f"Name: give 1 to {MAX_TYPE_NAME} characters.")
    result = conn.execute(
        update(ws_object_types)
        .where(ws_object_types.c.workspace_id == workspace_id, ws_object_types.c.type_id == type_id)
        .values(name=name)
    )
    return bool(result.rowcount)


# -- objects --------------------------------------------------------------------------------------------------


def object_reference(identifiers: Any, field: str = "identifiers") -> tuple[int | None, str]:
    """(type_id, object_id) or (None, cio_object_id)."""
    if not isinstance(identifiers, dict):
        raise invalid(field, f"{field} must be an object with object_type_id and object_id (or cio_object_id)")
    try:
        if identifiers.get("cio_object_id") not in (None, ""):
            return None, identifier_text(identifiers["cio_object_id"], f"{field}.cio_object_id")
        type_id = _type_id(identifiers.get("object_type_id", "1"), f"{field}.object_type_id")
        return type_id, identifier_text(identifiers.get("object_id"), f"{field}.object_id")
    except IdentifierError as exc:
        raise invalid(exc.field, exc.message) from None


def find_object(unit: Unit, type_id: int | None, ref: str) -> ObjectState | None:
    if type_id is None:
        pk = object_pk_for(ref)
        if pk is None:
            return None
        cached = unit.objects_by_pk.get(pk)
        if cached is not None:
            return cached
        row = unit.conn.execute(_SELECT_OBJECT_BY_PK, {"ws": unit.ws, "pk": pk}).first()
    else:
        cached = unit.objects_by_ref.get((type_id, ref))
        if cached is not None:
            return cached
        if (type_id, ref) in unit.absent_objects:
            return None
        row = unit.conn.execute(_SELECT_OBJECT, {"ws": unit.ws, "type_id": type_id, "object_id": ref}).first()
    if row is None:
        return None
    return unit.remember_object(ObjectState.stored(row.id, row.type_id, row.object_id, row.attributes, row.timestamps))


def find_or_create_object(unit: Unit, type_id: int | None, ref: str, field: str = "identifiers") -> ObjectState:
    found = find_object(unit, type_id, ref)
    if found is not None:
        return found
    if type_id is None:
        raise OpFailure(NOT_FOUND, f"{field}.cio_object_id", f"no object has cio_object_id {ref!r}")
    ensure_type(unit, type_id)
    pk = unit.allocate_pk(ws_objects)
    obj = unit.remember_object(ObjectState(pk, type_id, ref, {}, {}, new=True))
    unit.add_activity(activity.object_activity(type_id, "create"), object_pk=obj.pk, name=ref)
    return obj


def _update_object_attributes(unit: Unit, obj: ObjectState, attrs: Any, at: float, failures: Failures) -> None:
    if attrs is None:
        return
    if not isinstance(attrs, dict):
        raise invalid("attributes", "attributes must be an object of attribute names to values")
    outcome = apply_attributes(obj.attrs, obj.times, attrs, at, reserved=OBJECT_RESERVED)
    if outcome.restamped:
        obj.dirty = True
    for reason, field_name, message in outcome.failures:
        failures.add(reason, field_name, message)
        unit.add_activity(
            activity.object_activity(obj.type_id, "failed_attribute_change"),
            object_pk=obj.pk,
            name=field_name,
            data={"message": message},
        )
    if outcome.changed:
        obj.dirty = True  # written by the unit's flush
        unit.add_activity(
            activity.object_activity(obj.type_id, "attribute_change"),
            object_pk=obj.pk,
            data={"changes": outcome.changed},
        )


# -- relationships --------------------------------------------------------------------------------------------


def relate(unit: Unit, person: PersonState, obj: ObjectState, attrs: Any, at: float, failures: Failures) -> None:
    """Add (or update the attributes of) a person<->object relationship with attribute updates made at `at`;
    null/"" removes an attribute."""
    if attrs is not None and not isinstance(attrs, dict):
        raise invalid("relationship_attributes", "relationship_attributes must be an object")
    state = unit.relationship(person.pk, obj.pk)
    current: dict[str, Any] = {} if state is None else state.attrs
    times: dict[str, float] = {} if state is None else state.times
    outcome = apply_attributes(
        current, times, attrs or {}, at, prefix="relationship_attributes", reserved=RELATIONSHIP_RESERVED
    )
    for reason, field_name, message in outcome.failures:
        failures.add(reason, field_name, message)
        unit.add_activity(
            activity.relationship_activity(obj.type_id, "failed_attribute_change"),
            person_pk=person.pk,
            object_pk=obj.pk,
            name=field_name,
            data={"message": message},
        )
    if state is None:
        unit.relationships[(person.pk, obj.pk)] = RelationshipState(current, times, new=True)
        unit.add_activity(activity.ADD_RELATIONSHIP, person_pk=person.pk, object_pk=obj.pk, name=obj.label())
        unit.add_activity(
            activity.object_activity(obj.type_id, "add_relationship"),
            object_pk=obj.pk,
            name=person.cio_id,
        )
    else:
        state.dirty = state.dirty or bool(outcome.changed) or outcome.restamped
        if outcome.changed:
            unit.add_activity(
                activity.relationship_activity(obj.type_id, "attribute_change"),
                person_pk=person.pk,
                object_pk=obj.pk,
                data={"changes": outcome.changed},
            )


def unrelate(unit: Unit, person: PersonState, obj: ObjectState) -> None:
    state = unit.relationship(person.pk, obj.pk)
    if state is None:
        return
    if not state.new:
        unit.conn.execute(
            delete(ws_relationships).where(
                ws_relationships.c.person_id == person.pk, ws_relationships.c.object_pk == obj.pk
            )
        )
    unit.relationships[(person.pk, obj.pk)] = None
    unit.add_activity(activity.DELETE_RELATIONSHIP, person_pk=person.pk, object_pk=obj.pk, name=obj.label())
    unit.add_activity(
        activity.object_activity(obj.type_id, "delete_relationship"), object_pk=obj.pk, name=person.cio_id
    )


def _entries(relationships: Any, field: str = "cio_relationships") -> list[dict[str, Any]]:
    if not isinstance(relationships, list) or not all(isinstance(e, dict) for e in relationships):
        raise invalid(field, f"{field} must be a list of {{identifiers, relationship_attributes}} objects")
    return relationships


def person_relationships(
    unit: Unit, person: PersonState, relationships: Any, *, default_action: str, at: float
) -> OpResult:
    """Relationships from the person's side: a v2 list, or the v1 `{"action", "relationships"}` form; their
    attribute updates happened at `at`."""
    action = default_action
    if isinstance(relationships, dict):
        action = str(relationships.get("action") or default_action)
        relationships = relationships.get("relationships")
    if action not in ("add_relationships", "delete_relationships"):
        raise invalid(
            "cio_relationships.action", "cio_relationships.action must be add_relationships or delete_relationships"
        )
    failures = Failures()
    for index, entry in enumerate(_entries(relationships)):
        field = f"cio_relationships[{index}].identifiers"
        type_id, ref = object_reference(entry.get("identifiers"), field)
        try:
            if action == "add_relationships":
                obj = find_or_create_object(unit, type_id, ref, field)
                relate(unit, person, obj, entry.get("relationship_attributes"), at, failures)
            else:
                found = find_object(unit, type_id, ref)
                if found is not None:
                    unrelate(unit, person, found)
        except OpFailure as exc:
            failures.add(exc.result.reason or INVALID, exc.result.field or field, exc.result.message or "")
    return failures.result()


def check_relationship_sizes(unit: Unit, person: PersonState | None, relationships: Any, at: float) -> None:
    """A person's relationships to add hold at most 100 KB of attributes each, with the stored ones (checked before
    anything of the operation is applied; `person` None: someone not created yet)."""
    if isinstance(relationships, dict):
        relationships = relationships.get("relationships")
    if not isinstance(relationships, list):
        return
    for index, entry in enumerate(relationships):
        attrs = entry.get("relationship_attributes") if isinstance(entry, dict) else None
        if not isinstance(attrs, dict) or not attrs:
            continue
        try:
            type_id, ref = object_reference(entry.get("identifiers"))
        except OpFailure:
            continue  # refused with its own message when applied
        obj = find_object(unit, type_id, ref)
        _check_relationship_size(unit, person, obj, attrs, at, f"cio_relationships[{index}].relationship_attributes")


def _check_relationship_size(
    unit: Unit, person: PersonState | None, obj: ObjectState | None, attrs: dict[str, Any], at: float, field: str
) -> None:
    state = unit.relationship(person.pk, obj.pk) if person is not None and obj is not None else None
    current, times = ({}, {}) if state is None else (state.attrs, state.times)
    check_total_size(current, times, attrs, at, field=field, what="relationship", reserved=RELATIONSHIP_RESERVED)


def person_relationship_needs(wanted: Wanted, op: dict[str, Any]) -> None:
    wanted.person_of(op)
    wanted.relationships(op)


def person_relationship_op(unit: Unit, op: dict[str, Any]) -> OpResult:
    kind, value = person_identifier(unit, op)
    action = str(op.get("action"))
    relationships = op.get("cio_relationships")
    _entries(relationships)
    at = update_time(op, unit.now)
    if action == "add_relationships":
        check_relationship_sizes(unit, unit.find(kind, value), relationships, at)
    if action == "delete_relationships":
        person = unit.find(kind, value)
        if person is None:
            return OpResult(True, NOT_FOUND, "identifiers", f"no person has {kind} {value!r}; nothing to delete")
    else:
        person = resolve_or_create(unit, kind, value, why=action)
    return person_relationships(unit, person, relationships, default_action=action, at=at)


# -- object operations ----------------------------------------------------------------------------------------


def _anonymous_of(entry: dict[str, Any]) -> str | None:
    identifiers = entry.get("identifiers")
    if isinstance(identifiers, dict) and identifiers.get("anonymous_id") not in (None, ""):
        return str(identifiers["anonymous_id"])
    return None


def object_needs(wanted: Wanted, op: dict[str, Any]) -> None:
    wanted.object(op.get("identifiers"))
    wanted.relationships(op)


def object_identify(unit: Unit, op: dict[str, Any], *, held_for: PersonState | None = None) -> OpResult:
    """identify / identify_anonymous / add_relationships / delete_relationships on an object.

    Relationships to an anonymous person that has not been identified yet are held: no type, object or
    relationship is created until that anonymous id is identified (then `held_for` is that person).
    """
    action = str(op.get("action"))
    type_id, ref = object_reference(op.get("identifiers"))
    relationships = op.get("cio_relationships") or []
    entries = _entries(relationships)
    at = update_time(op, unit.now)
    root_anonymous = op.get("anonymous_id") or (op.get("attributes") or {}).get("anonymous_id")
    if action == "identify_anonymous" and root_anonymous and not any(_anonymous_of(e) for e in entries):
        entries = [{"identifiers": {"anonymous_id": root_anonymous}, **(entries[0] if entries else {})}]

    if action != "delete_relationships":
        _check_object_sizes(unit, op, type_id, ref, entries, at, held_for)
    people: list[tuple[PersonState, Any]] = []
    failures = Failures()
    for index, entry in enumerate(entries):
        anonymous_id = _anonymous_of(entry)
        if held_for is not None:
            people.append((held_for, entry.get("relationship_attributes")))
            continue
        if anonymous_id is not None:
            owner = unit.anonymous_owner.get(anonymous_id)
            person = unit.by_pk(owner[0]) if owner is not None else None
            if person is None:
                hold(unit, op, entry, anonymous_id)
                continue
            people.append((person, entry.get("relationship_attributes")))
            continue
        field = f"cio_relationships[{index}].identifiers"
        try:
            kind, value = person_identifier(unit, {"identifiers": entry.get("identifiers"), "action": action})
        except OpFailure as exc:
            raise invalid(field, exc.result.message or "") from None
        if unit.is_suppressed(kind, value):
            failures.add(SUPPRESSED, field, f"{kind} {value!r} is suppressed; relationship not added")
            continue
        found = unit.find(kind, value)
        if found is None and action != "delete_relationships":
            found = resolve_or_create(unit, kind, value, why="object relationship")
        if found is not None:
            people.append((found, entry.get("relationship_attributes")))

    if action == "identify_anonymous" and not people and held_for is None:
        return failures.result()  # everything held until the anonymous person is identified
    if action == "delete_relationships":
        found_obj = find_object(unit, type_id, ref)
        if found_obj is not None:
            for person, _ in people:
                unrelate(unit, person, found_obj)
        return failures.result()
    obj = find_or_create_object(unit, type_id, ref)
    if action in ("identify", "identify_anonymous") or held_for is not None:
        _update_object_attributes(unit, obj, _object_attributes(op), at, failures)
    for person, attrs in people:
        relate(unit, person, obj, attrs, at, failures)
    return failures.result()


def _check_object_sizes(
    unit: Unit,
    op: dict[str, Any],
    type_id: int | None,
    ref: str,
    entries: list[dict[str, Any]],
    at: float,
    held_for: PersonState | None,
) -> None:
    """The object and each relationship hold at most 100 KB of attributes, with the stored ones: checked before
    anything of the operation is applied."""
    obj = find_object(unit, type_id, ref)
    if str(op.get("action")) in ("identify", "identify_anonymous") or held_for is not None:
        current, times = ({}, {}) if obj is None else (obj.attrs, obj.times)
        attrs = _object_attributes(op)
        check_total_size(current, times, attrs, at, field="attributes", what="object", reserved=OBJECT_RESERVED)
    for index, entry in enumerate(entries):
        attrs = entry.get("relationship_attributes")
        if isinstance(attrs, dict) and attrs:
            person = held_for or _known_person(unit, entry)
            _check_relationship_size(
                unit, person, obj, attrs, at, f"cio_relationships[{index}].relationship_attributes"
            )


def _known_person(unit: Unit, entry: dict[str, Any]) -> PersonState | None:
    """The existing person a relationship entry names (None: nobody yet, or identifiers refused later)."""
    anonymous_id = _anonymous_of(entry)
    if anonymous_id is not None:
        owner = unit.anonymous_owner.get(anonymous_id)
        return unit.by_pk(owner[0]) if owner is not None else None
    try:
        kind, value = single_person_identifier(entry.get("identifiers"))
    except IdentifierError:
        return None
    return unit.find(kind, value) if kind != "anonymous_id" else None


def _object_attributes(op: dict[str, Any]) -> Any:
    """The object's attributes: Segment's destination also sends `attributes.anonymous_id` (the sender, not an
    object attribute) and a root `created_at` (the object's)."""
    attrs = op.get("attributes")
    if not isinstance(attrs, dict):
        return attrs
    attrs = {k: v for k, v in attrs.items() if k != "anonymous_id"}
    if op.get("created_at") not in (None, "") and "created_at" not in attrs:
        attrs["created_at"] = op["created_at"]
    return attrs


def hold(unit: Unit, op: dict[str, Any], entry: dict[str, Any], anonymous_id: str) -> None:
    # Held with the time its updates happened, so applying it later does not make them newer.
    held = {**op, "cio_relationships": [entry], "timestamp": update_time(op, unit.now)}
    unit.conn.execute(
        insert(ws_pending_relationships).values(
            workspace_id=unit.ws, anonymous_id=anonymous_id, operation=jsonutil.dumps(held), received_at=unit.now
        )
    )
    unit.pending_anonymous.set(anonymous_id, True)


def object_delete(unit: Unit, op: dict[str, Any]) -> OpResult:
    type_id, ref = object_reference(op.get("identifiers"))
    obj = find_object(unit, type_id, ref)
    if obj is None:
        return OpResult(True, NOT_FOUND, "identifiers", "no such object; nothing was deleted")
    unit.flush()
    unit.forget_relationships()
    unit.conn.execute(delete(ws_relationships).where(ws_relationships.c.object_pk == obj.pk))
    unit.conn.execute(delete(ws_objects).where(ws_objects.c.id == obj.pk))
    unit.objects_by_pk.pop(obj.pk, None)
    unit.objects_by_ref.pop((obj.type_id, obj.object_id), None)
    unit.absent_objects.add((obj.type_id, obj.object_id))
    unit.add_activity(activity.object_activity(obj.type_id, "delete"), name=obj.object_id, data={"object": obj.label()})
    return OK

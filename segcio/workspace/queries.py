"""The read side of a workspace, used by the App API, the UI and the CLI (they never write SQL of their own).

Functions take the database and the workspace id. People are returned as `PersonView`s; `customer_json`
renders one the way the App API's `GET /v1/customers/{id}/attributes` does (attribute values as strings plus
when each was set).
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, func, or_, select

from segcio import jsonutil
from segcio.store import Database
from segcio.store.tables.workspace import (
    ws_activities,
    ws_anonymous_ids,
    ws_delivery_metrics,
    ws_devices,
    ws_events,
    ws_object_types,
    ws_objects,
    ws_pending_relationships,
    ws_people,
    ws_relationships,
    ws_suppressions,
)
from segcio.workspace.activity import EVENT_TYPES, FAILED_TYPES
from segcio.workspace.identity import cio_id_for, cio_object_id_for, fold_email, object_pk_for, person_pk_for
from segcio.workspace.settings import WorkspaceSettings, load_settings
from segcio.workspace.unit import person_rows

PAGE_LIMIT_MAX = 1000


@dataclass
class PersonView:
    pk: int
    cio_id: str
    id: str | None
    email: str | None
    attributes: dict[str, Any]
    timestamps: dict[str, float]
    created_at: float
    updated_at: float

    @property
    def unsubscribed(self) -> bool:
        return self.attributes.get("unsubscribed") is True

    def identifiers(self) -> dict[str, Any]:
        """{"id", "email", "cio_id"} (id/email None when unset)."""
        return {"id": self.id, "email": self.email, "cio_id": self.cio_id}

    def all_attributes(self) -> dict[str, Any]:
        """Stored attributes plus the identifiers, as the App API lists them."""
        values = dict(self.attributes)
        values["cio_id"] = self.cio_id
        if self.id is not None:
            values["id"] = self.id
        if self.email is not None:
            values["email"] = self.email
        return values


@dataclass
class DeviceView:
    token: str
    platform: str
    last_used: float
    attributes: dict[str, str]
    person_pk: int


@dataclass
class ObjectView:
    pk: int
    cio_object_id: str
    type_id: int
    object_id: str
    attributes: dict[str, Any]
    timestamps: dict[str, float]
    created_at: float
    updated_at: float


@dataclass
class RelationshipView:
    person: PersonView | None
    object: ObjectView | None
    attributes: dict[str, Any]
    created_at: float


@dataclass
class ActivityView:
    id: str  # "a<n>" for log entries, "e<n>" for events
    type: str
    name: str | None
    timestamp: float
    person_pk: int | None
    object_pk: int | None
    data: dict[str, Any] = field(default_factory=dict)
    event_seq: int | None = None  # the log event a destination applied it from (its trace: /ui/events/{seq})


def as_string(value: Any) -> str:
    """The App API's string form of an attribute value (nested JSON is stringified)."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, int | float):
        return str(value)
    return jsonutil.dumps(value)


def attribute_strings(person: PersonView) -> dict[str, str]:
    return {k: as_string(v) for k, v in person.all_attributes().items()}


# -- cursors ---------------------------------------------------------------------------------------------------


def encode_cursor(position: int) -> str:
    return base64.urlsafe_b64encode(f"0:{position}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> int:
    """The position a `next` cursor stands for (0 for none); raises ValueError for a cursor we did not issue."""
    if not cursor:
        return 0
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        prefix, position = text.split(":", 1)
        if prefix != "0":
            raise ValueError
        return int(position)
    except (ValueError, UnicodeDecodeError):
        raise ValueError(f"start {cursor!r} is not a cursor this server issued; use the `next` value") from None


# -- people ----------------------------------------------------------------------------------------------------


def _person(row: Any) -> PersonView:
    return PersonView(
        pk=int(row.id),
        cio_id=cio_id_for(int(row.id)),
        id=row.ext_id,
        email=row.email,
        attributes=jsonutil.loads(row.attributes),
        timestamps=jsonutil.loads(row.timestamps),
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def settings(db: Database, workspace_id: int) -> WorkspaceSettings:
    with db.connect() as conn:
        return load_settings(conn, workspace_id)


def _people_where(conn: Connection, workspace_id: int, *where: Any) -> list[PersonView]:
    rows = conn.execute(
        select(ws_people).where(ws_people.c.workspace_id == workspace_id, *where).order_by(ws_people.c.id)
    )
    return [_person(r) for r in rows]


def find_person(
    db: Database,
    workspace_id: int,
    *,
    id: str | None = None,
    email: str | None = None,
    cio_id: str | None = None,
) -> PersonView | None:
    """The person with this id, email (case-insensitive; the first match in id-only workspaces) or cio_id
    (with or without the `cio_` prefix)."""
    with db.connect() as conn:
        if cio_id is not None:
            pk = person_pk_for(cio_id[4:] if cio_id.startswith("cio_") else cio_id)
            found = [] if pk is None else _people_where(conn, workspace_id, ws_people.c.id == pk)
        elif id is not None:
            found = _people_where(conn, workspace_id, ws_people.c.ext_id == id)
        elif email is not None:
            found = _by_email(conn, workspace_id, email)
        else:
            raise ValueError("find_person needs id, email or cio_id")
    return found[0] if found else None


def _by_email(conn: Connection, workspace_id: int, email: str) -> list[PersonView]:
    if load_settings(conn, workspace_id).email_is_identifier:
        return _people_where(conn, workspace_id, ws_people.c.email_key == fold_email(email))
    # id-only workspaces: email is an ordinary attribute, several people may share it.
    return _people_where(
        conn, workspace_id, or_(ws_people.c.email == email, func.lower(ws_people.c.email) == fold_email(email))
    )


def people_by_email(db: Database, workspace_id: int, email: str) -> list[PersonView]:
    """Every profile with this email (several are possible in id-only workspaces)."""
    with db.connect() as conn:
        return _by_email(conn, workspace_id, email)


def find_by_identifier(db: Database, workspace_id: int, value: str, id_type: str = "id") -> PersonView | None:
    """App API `id_type` lookup: "id", "email" or "cio_id" (the value then carries the `cio_` prefix)."""
    if id_type == "cio_id":
        return find_person(db, workspace_id, cio_id=value)
    if id_type == "email":
        return find_person(db, workspace_id, email=value)
    return find_person(db, workspace_id, id=value)


def people_by_pks(db: Database, workspace_id: int, pks: list[int]) -> dict[int, PersonView]:
    if not pks:
        return {}
    with db.connect() as conn:
        # Selected by primary key alone, the workspace checked per row: with `workspace_id = ? AND id IN (...)`
        # SQLite chose an index that starts with workspace_id and scanned the whole workspace.
        rows = conn.execute(select(ws_people).where(ws_people.c.id.in_(pks)))
        return {int(r.id): _person(r) for r in rows if r.workspace_id == workspace_id}


def count_people(db: Database, workspace_id: int) -> int:
    with db.connect() as conn:
        return int(
            conn.execute(
                select(func.count()).select_from(ws_people).where(ws_people.c.workspace_id == workspace_id)
            ).scalar()
            or 0
        )


def list_people(
    db: Database,
    workspace_id: int,
    *,
    where: Callable[[Mapping[str, str]], bool] | None = None,
    start: str | None = None,
    limit: int = 50,
    scan_chunk: int = 2000,
) -> tuple[list[PersonView], str | None]:
    """A page of people in creation order matching `where` (a predicate over `attribute_strings`), and the
    cursor of the next page (None at the end)."""
    limit = max(1, min(limit, PAGE_LIMIT_MAX))
    position = decode_cursor(start)
    found: list[PersonView] = []
    with db.connect() as conn:
        while len(found) < limit:
            rows = conn.execute(
                select(ws_people)
                .where(ws_people.c.workspace_id == workspace_id, ws_people.c.id > position)
                .order_by(ws_people.c.id)
                .limit(scan_chunk)
            ).all()
            if not rows:
                return found, None
            for row in rows:
                position = int(row.id)
                person = _person(row)
                if where is None or where(attribute_strings(person)):
                    found.append(person)
                    if len(found) == limit:
                        break
            if len(rows) < scan_chunk and len(found) < limit:
                return found, None
        more = conn.execute(
            select(ws_people.c.id).where(ws_people.c.workspace_id == workspace_id, ws_people.c.id > position).limit(1)
        ).first()
    return found, encode_cursor(position) if more is not None else None


def iter_people(db: Database, workspace_id: int, *, chunk: int = 2000) -> Iterator[PersonView]:
    """Every person, in creation order, read in chunks."""
    position = 0
    while True:
        with db.connect() as conn:
            rows = conn.execute(
                select(ws_people)
                .where(ws_people.c.workspace_id == workspace_id, ws_people.c.id > position)
                .order_by(ws_people.c.id)
                .limit(chunk)
            ).all()
        if not rows:
            return
        for row in rows:
            yield _person(row)
        position = int(rows[-1].id)


EXPORT_FIXED_COLUMNS = ("cio_id", "id", "email", "created_at", "_created_in_customerio_at", "unsubscribed")


def export_rows(db: Database, workspace_id: int) -> Iterator[dict[str, str]]:
    """One row per person for a CSV export: the fixed columns, then every other attribute as a string.
    `created_at` is the person's attribute when set, else when the profile was created."""
    for person in iter_people(db, workspace_id):
        values = attribute_strings(person)
        row = {
            "cio_id": person.cio_id,
            "id": person.id or "",
            "email": person.email or "",
            "created_at": values.pop("created_at", str(int(person.created_at))),
            "_created_in_customerio_at": str(int(person.created_at)),
            "unsubscribed": "true" if person.unsubscribed else "false",
        }
        for key in ("cio_id", "id", "email", "unsubscribed"):
            values.pop(key, None)
        row.update(sorted(values.items()))
        yield row


def customer_json(db: Database, workspace_id: int, person: PersonView) -> dict[str, Any]:
    """The App API's `customer` object for `GET /v1/customers/{id}/attributes`."""
    attributes = attribute_strings(person)
    timestamps = {k: int(v) for k, v in person.timestamps.items()}
    timestamps["cio_id"] = int(person.created_at)
    identifiers: dict[str, Any] = {"id": person.id, "email": person.email, "cio_id": person.cio_id}
    return {
        "id": person.id,
        "identifiers": identifiers,
        "attributes": attributes,
        "timestamps": {k: timestamps.get(k, int(person.created_at)) for k in attributes},
        "unsubscribed": person.unsubscribed,
        "devices": [
            {"id": d.token, "last_used": int(d.last_used), "platform": d.platform, "attributes": d.attributes}
            for d in devices(db, workspace_id, person.pk)
        ],
    }


# -- devices, events, relationships, activities ---------------------------------------------------------------


def devices(db: Database, workspace_id: int, person_pk: int) -> list[DeviceView]:
    with db.connect() as conn:
        rows = conn.execute(
            select(ws_devices)
            .where(ws_devices.c.workspace_id == workspace_id, ws_devices.c.person_id == person_pk)
            .order_by(ws_devices.c.token)
        )
        return [
            DeviceView(r.token, r.platform, r.last_used, jsonutil.loads(r.attributes), int(r.person_id)) for r in rows
        ]


def device(db: Database, workspace_id: int, token: str) -> DeviceView | None:
    with db.connect() as conn:
        r = conn.execute(
            select(ws_devices).where(ws_devices.c.workspace_id == workspace_id, ws_devices.c.token == token)
        ).first()
    return (
        None if r is None else DeviceView(r.token, r.platform, r.last_used, jsonutil.loads(r.attributes), r.person_id)
    )


@dataclass
class EventView:
    pk: int
    type: str
    name: str
    event_id: str | None
    timestamp: float
    received_at: float
    data: dict[str, Any]
    person_pk: int | None
    anonymous_id: str | None  # set for anonymous events and for events merged from an anonymous id
    event_seq: int | None = None  # the log event a destination applied it from


def _event(r: Any) -> EventView:
    return EventView(
        int(r.id),
        r.type,
        r.name,
        r.event_id,
        r.timestamp,
        r.received_at,
        jsonutil.loads(r.data),
        r.person_id,
        r.anonymous_id,
        r.event_seq,
    )


def events(db: Database, workspace_id: int, person_pk: int, *, limit: int = 100) -> list[EventView]:
    """A person's events (including merged anonymous ones), newest first."""
    with db.connect() as conn:
        rows = conn.execute(
            select(ws_events)
            .where(ws_events.c.workspace_id + 0 == workspace_id, person_rows(conn, ws_events, person_pk))
            .order_by(ws_events.c.id.desc())
            .limit(limit)
        )
        return [_event(r) for r in rows]


def anonymous_events(db: Database, workspace_id: int, anonymous_id: str) -> list[EventView]:
    """Events of an anonymous id that no person has taken yet, oldest first."""
    with db.connect() as conn:
        rows = conn.execute(
            select(ws_events)
            .where(
                ws_events.c.workspace_id == workspace_id,
                ws_events.c.anonymous_id == anonymous_id,
                ws_events.c.person_id.is_(None),
            )
            .order_by(ws_events.c.id)
        )
        return [_event(r) for r in rows]


def anonymous_owner(db: Database, workspace_id: int, anonymous_id: str) -> PersonView | None:
    """The person an anonymous id was identified as, if any."""
    with db.connect() as conn:
        pk = conn.execute(
            select(ws_anonymous_ids.c.person_id).where(
                ws_anonymous_ids.c.workspace_id == workspace_id, ws_anonymous_ids.c.anonymous_id == anonymous_id
            )
        ).scalar()
    return None if pk is None else people_by_pks(db, workspace_id, [int(pk)]).get(int(pk))


def held_group_calls(db: Database, workspace_id: int, anonymous_id: str | None = None) -> list[dict[str, Any]]:
    """Group calls (object operations) waiting for their anonymous person to be identified."""
    where = [ws_pending_relationships.c.workspace_id == workspace_id]
    if anonymous_id is not None:
        where.append(ws_pending_relationships.c.anonymous_id == anonymous_id)
    with db.connect() as conn:
        rows = conn.execute(select(ws_pending_relationships).where(*where).order_by(ws_pending_relationships.c.id))
        return [
            {"anonymous_id": r.anonymous_id, "operation": jsonutil.loads(r.operation), "received_at": r.received_at}
            for r in rows
        ]


def _object(row: Any) -> ObjectView:
    return ObjectView(
        pk=int(row.id),
        cio_object_id=cio_object_id_for(int(row.id)),
        type_id=int(row.type_id),
        object_id=row.object_id,
        attributes=jsonutil.loads(row.attributes),
        timestamps=jsonutil.loads(row.timestamps),
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def person_relationships(db: Database, workspace_id: int, person_pk: int) -> list[RelationshipView]:
    """The objects a person is related to, with the relationship attributes."""
    with db.connect() as conn:
        rows = conn.execute(
            select(ws_relationships).where(
                ws_relationships.c.workspace_id == workspace_id, ws_relationships.c.person_id == person_pk
            )
        ).all()
        objects = {
            int(o.id): _object(o)
            for o in conn.execute(select(ws_objects).where(ws_objects.c.id.in_([int(r.object_pk) for r in rows])))
        }
    views = [
        RelationshipView(None, objects.get(int(r.object_pk)), jsonutil.loads(r.attributes), r.created_at) for r in rows
    ]
    views.sort(key=lambda v: (v.object.type_id, v.object.object_id) if v.object else (0, ""))
    return views


def object_types(db: Database, workspace_id: int) -> list[dict[str, Any]]:
    """Object types: {"id", "name", "auto_created", "created_at", "objects"}."""
    with db.connect() as conn:
        counts: dict[int, int] = dict(
            conn.execute(
                select(ws_objects.c.type_id, func.count())
                .where(ws_objects.c.workspace_id == workspace_id)
                .group_by(ws_objects.c.type_id)
            ).all()
        )
        rows = conn.execute(
            select(ws_object_types)
            .where(ws_object_types.c.workspace_id == workspace_id)
            .order_by(ws_object_types.c.type_id)
        )
        return [
            {
                "id": r.type_id,
                "name": r.name,
                "auto_created": bool(r.auto_created),
                "created_at": r.created_at,
                "objects": int(counts.get(r.type_id, 0)),
            }
            for r in rows
        ]


def find_object(
    db: Database,
    workspace_id: int,
    *,
    type_id: int | None = None,
    object_id: str | None = None,
    cio_object_id: str | None = None,
) -> ObjectView | None:
    if cio_object_id is not None:
        pk = object_pk_for(cio_object_id)
        if pk is None:
            return None
        where = [ws_objects.c.id == pk]
    else:
        where = [ws_objects.c.type_id == type_id, ws_objects.c.object_id == object_id]
    with db.connect() as conn:
        row = conn.execute(select(ws_objects).where(ws_objects.c.workspace_id == workspace_id, *where)).first()
    return None if row is None else _object(row)


def list_objects(
    db: Database,
    workspace_id: int,
    type_id: int,
    *,
    where: Callable[[Mapping[str, str]], bool] | None = None,
    start: str | None = None,
    limit: int = 50,
) -> tuple[list[ObjectView], str | None]:
    """A page of objects of one type (optionally filtered on their string attributes) and the next cursor."""
    limit = max(1, min(limit, PAGE_LIMIT_MAX))
    position = decode_cursor(start)
    found: list[ObjectView] = []
    with db.connect() as conn:
        rows = conn.execute(
            select(ws_objects)
            .where(
                ws_objects.c.workspace_id == workspace_id, ws_objects.c.type_id == type_id, ws_objects.c.id > position
            )
            .order_by(ws_objects.c.id)
        )
        for row in rows:
            obj = _object(row)
            strings = {k: as_string(v) for k, v in obj.attributes.items()}
            strings["object_id"] = obj.object_id
            if where is None or where(strings):
                if len(found) == limit:
                    return found, encode_cursor(found[-1].pk)
                found.append(obj)
    return found, None


def object_relationships(db: Database, workspace_id: int, object_pk: int) -> list[RelationshipView]:
    with db.connect() as conn:
        rows = conn.execute(
            select(ws_relationships)
            .where(ws_relationships.c.workspace_id == workspace_id, ws_relationships.c.object_pk == object_pk)
            .order_by(ws_relationships.c.person_id)
        ).all()
    people = people_by_pks(db, workspace_id, [int(r.person_id) for r in rows])
    return [
        RelationshipView(people.get(int(r.person_id)), None, jsonutil.loads(r.attributes), r.created_at) for r in rows
    ]


def activities(
    db: Database,
    workspace_id: int,
    *,
    person_pk: int | None = None,
    object_pk: int | None = None,
    type: str | None = None,
    name: str | None = None,
    failed_only: bool = False,
    start: str | None = None,
    limit: int = 10,
) -> tuple[list[ActivityView], str | None]:
    """The activity log, newest first: log entries plus (for a person) their events, page and screen views.
    Filter by person or object, `type`, `name`, or failures only; page with the returned cursor."""
    limit = max(1, min(limit, PAGE_LIMIT_MAX))
    # One cursor over both sources: the oldest timestamp already shown (0 = from the newest).
    before = float(decode_cursor(start)) / 1000.0 if start else None
    found: list[ActivityView] = []
    with db.connect() as conn:
        where = [ws_activities.c.workspace_id == workspace_id]
        if person_pk is not None:
            # `+ 0` keeps the workspace term out of index selection: SQLite otherwise walked the workspace's
            # (workspace_id, type, id) index rather than seek once per bucket.
            where = [ws_activities.c.workspace_id + 0 == workspace_id, person_rows(conn, ws_activities, person_pk)]
        if object_pk is not None:
            where.append(ws_activities.c.object_pk == object_pk)
        if type is not None:
            where.append(ws_activities.c.type == type)
        if failed_only:
            where.append(
                or_(ws_activities.c.type.in_(FAILED_TYPES), ws_activities.c.type.like("%failed_attribute_change"))
            )
        if name is not None:
            where.append(ws_activities.c.name == name)
        if before is not None:
            where.append(ws_activities.c.timestamp < before)
        include_log = type is None or type not in EVENT_TYPES
        if include_log:
            for r in conn.execute(
                select(ws_activities)
                .where(*where)
                .order_by(ws_activities.c.timestamp.desc(), ws_activities.c.id.desc())
                .limit(limit + 1)
            ):
                found.append(
                    ActivityView(
                        f"a{r.id}",
                        r.type,
                        r.name,
                        r.timestamp,
                        r.person_id,
                        r.object_pk,
                        jsonutil.loads(r.data),
                        r.event_seq,
                    )
                )
        include_events = (
            person_pk is not None and object_pk is None and not failed_only and (type is None or type in EVENT_TYPES)
        )
        if include_events and person_pk is not None:
            ewhere = [ws_events.c.workspace_id + 0 == workspace_id, person_rows(conn, ws_events, person_pk)]
            if type is not None:
                ewhere.append(ws_events.c.type == type)
            if name is not None:
                ewhere.append(ws_events.c.name == name)
            if before is not None:
                ewhere.append(ws_events.c.timestamp < before)
            for r in conn.execute(
                select(ws_events)
                .where(*ewhere)
                .order_by(ws_events.c.timestamp.desc(), ws_events.c.id.desc())
                .limit(limit + 1)
            ):
                data = jsonutil.loads(r.data)
                found.append(
                    ActivityView(
                        f"e{r.id}",
                        r.type,
                        r.name,
                        r.timestamp,
                        r.person_id,
                        None,
                        {"data": data, "event_id": r.event_id, "anonymous_id": r.anonymous_id},
                        r.event_seq,
                    )
                )
    found.sort(key=lambda a: a.timestamp, reverse=True)
    if len(found) <= limit:
        return found, None
    page = found[:limit]
    # Entries sharing the boundary timestamp would be skipped by a strict "before"; stop before them.
    boundary = page[-1].timestamp
    if found[limit].timestamp == boundary:
        kept = [a for a in page if a.timestamp > boundary]
        if kept:
            page = kept
    return page, encode_cursor(int(page[-1].timestamp * 1000))


def suppressed(db: Database, workspace_id: int) -> list[dict[str, Any]]:
    """Suppressed identifiers: {"kind", "value", "group", "created_at"}."""
    with db.connect() as conn:
        rows = conn.execute(
            select(ws_suppressions)
            .where(ws_suppressions.c.workspace_id == workspace_id)
            .order_by(ws_suppressions.c.created_at)
        )
        return [{"kind": r.kind, "value": r.value, "group": r.group_key, "created_at": r.created_at} for r in rows]


def delivery_metrics(db: Database, workspace_id: int, delivery_id: str | None = None) -> list[dict[str, Any]]:
    where = [ws_delivery_metrics.c.workspace_id == workspace_id]
    if delivery_id is not None:
        where.append(ws_delivery_metrics.c.delivery_id == delivery_id)
    with db.connect() as conn:
        rows = conn.execute(select(ws_delivery_metrics).where(*where).order_by(ws_delivery_metrics.c.id))
        return [
            {"delivery_id": r.delivery_id, "metric": r.metric, "timestamp": r.timestamp, "data": jsonutil.loads(r.data)}
            for r in rows
        ]

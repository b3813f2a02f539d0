"""The unit of work of one `Workspace.apply()` call, in memory: the records a batch loaded and changed, the
lookups over them, and the rows it will write (events, activities, anonymous ids).

Nothing here runs SQL: what is not in memory yet is asked of the loading methods at the end of `UnitState`,
which the unit's SQL layer (`unit.Unit`) implements, and `Unit.flush` writes the changes back.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table

from segcio import jsonutil
from segcio.store.tables.workspace import ws_people
from segcio.workspace.identity import cio_id_for, fold_email, person_pk_for
from segcio.workspace.settings import WorkspaceSettings

CHUNK = 500  # keys per bulk lookup


class PersonState:
    """A person as held in memory during one apply."""

    __slots__ = (
        "attrs",
        "created_at",
        "db_email_key",
        "db_ext_id",
        "deleted",
        "dirty",
        "email",
        "email_key",
        "ext_id",
        "new",
        "pk",
        "times",
        "updated_at",
    )

    def __init__(
        self,
        pk: int,
        ext_id: str | None,
        email: str | None,
        email_key: str | None,
        attrs: dict[str, Any],
        times: dict[str, float],
        created_at: float,
        updated_at: float,
        *,
        new: bool,
    ) -> None:
        self.pk = pk
        self.ext_id = ext_id
        self.email = email
        self.email_key = email_key
        self.attrs = attrs
        self.times = times
        self.created_at = created_at
        self.updated_at = updated_at
        self.new = new
        self.dirty = new
        self.deleted = False
        self.db_ext_id = None if new else ext_id
        self.db_email_key = None if new else email_key

    @property
    def cio_id(self) -> str:
        return cio_id_for(self.pk)

    def identifiers(self) -> dict[str, Any]:
        found: dict[str, Any] = {"cio_id": self.cio_id}
        if self.ext_id is not None:
            found["id"] = self.ext_id
        if self.email is not None:
            found["email"] = self.email
        return found


class DeviceState:
    __slots__ = ("attrs", "dirty", "last_used", "new", "person_pk", "platform")

    def __init__(self, person_pk: int, platform: str, last_used: float, attrs: dict[str, str], *, new: bool) -> None:
        self.person_pk = person_pk
        self.platform = platform
        self.last_used = last_used
        self.attrs = attrs
        self.new = new
        self.dirty = new


class RelationshipState:
    __slots__ = ("attrs", "dirty", "new", "times")

    def __init__(self, attrs: dict[str, Any], times: dict[str, float], *, new: bool) -> None:
        self.attrs = attrs
        self.times = times
        self.new = new
        self.dirty = new


@dataclass
class ObjectState:
    pk: int
    type_id: int
    object_id: str
    attrs: dict[str, Any]
    times: dict[str, float]
    dirty: bool = False
    new: bool = False  # not written yet (the unit's flush inserts it)

    @classmethod
    def stored(cls, pk: int, type_id: int, object_id: str, attributes: str, timestamps: str) -> ObjectState:
        """An object as stored: its JSON columns decoded."""
        return cls(int(pk), int(type_id), object_id, jsonutil.loads(attributes), jsonutil.loads(timestamps))

    def label(self) -> str:
        return f"{self.type_id}:{self.object_id}"


class LazyMap:
    """Values looked up by key, loaded in bulk (`prefetch`) or one at a time; misses are remembered."""

    def __init__(self, load: Callable[[list[str]], dict[str, Any]]) -> None:
        self._load = load
        self.values: dict[str, Any] = {}
        self._looked: set[str] = set()

    def prefetch(self, keys: Iterable[str]) -> None:
        wanted = [k for k in set(keys) if k not in self._looked]
        for start in range(0, len(wanted), CHUNK):
            chunk = wanted[start : start + CHUNK]
            self.values.update(self._load(chunk))
            self._looked.update(chunk)

    def absent(self, keys: Iterable[str]) -> None:
        """Known not to be stored (values set meanwhile stay)."""
        self._looked.update(keys)

    def get(self, key: str) -> Any:
        if key not in self._looked:
            self.prefetch([key])
        return self.values.get(key)

    def set(self, key: str, value: Any) -> None:
        self._looked.add(key)
        if value is None:
            self.values.pop(key, None)
        else:
            self.values[key] = value

    def forget(self) -> None:
        """Drop everything (after SQL changed the rows behind the cache)."""
        self.values.clear()
        self._looked.clear()


class UnitState:
    def __init__(self, workspace_id: int, settings: WorkspaceSettings, now: float, source: str) -> None:
        self.ws = workspace_id
        self.settings = settings
        self.now = now
        self.source = source
        # The log event whose operation is being applied (the pipeline sets it per operation): stored with the
        # rows that operation writes, so the event's trace finds them.
        self.event_seq: int | None = None
        self.people: dict[int, PersonState] = {}
        self._by_id: dict[str, int] = {}
        self._by_email: dict[str, int] = {}
        self._looked_ids: set[str] = set()
        self._looked_emails: set[str] = set()
        self._looked_pks: set[int] = set()
        self.events: list[dict[str, Any]] = []
        self.buffered_anonymous: set[str] = set()
        # (workspace_id, person_id, object_pk, type, name, timestamp, source, data, event_seq), as the activity
        # insert takes them
        self.activities: list[tuple[Any, ...]] = []
        # Anonymous ids taken by a person in this batch, and anonymous events to move to them (written by flush).
        self.new_anonymous_owners: list[dict[str, Any]] = []
        self.anonymous_merges: list[dict[str, Any]] = []
        self.seen_event_ids: LazyMap = LazyMap(self._load_event_ids)
        self.suppressed_ids: LazyMap = LazyMap(lambda keys: self._load_suppressed("id", keys))
        self.suppressed_emails: LazyMap = LazyMap(lambda keys: self._load_suppressed("email", keys))
        # anonymous_id -> (person pk, consumed_at)
        self.anonymous_owner: LazyMap = LazyMap(self._load_anonymous_owner)
        # anonymous ids with events still waiting for their person / with held group calls
        self.unmerged_anonymous: LazyMap = LazyMap(self._load_unmerged_anonymous)
        self.pending_anonymous: LazyMap = LazyMap(self._load_pending_anonymous)
        # Object types of the workspace (type id -> (name, auto-created)), loaded on first object operation, and
        # objects looked up during this batch by (type id, object id) and by internal number.
        # Devices by token, and person<->object relationships by (person, object), written back by flush().
        self.devices: LazyMap = LazyMap(self._load_devices)
        self.relationships: dict[tuple[int, int], RelationshipState | None] = {}
        self._relationships_loaded_for: set[int] = set()
        self.object_types: dict[int, tuple[str, bool]] | None = None
        self.objects_by_ref: dict[tuple[int, str], ObjectState] = {}
        self.objects_by_pk: dict[int, ObjectState] = {}
        self.absent_objects: set[tuple[int, str]] = set()

    # -- people --------------------------------------------------------------------------------------------

    def _take_people(self, rows: Iterable[Any]) -> None:
        """Hold loaded people rows (id, ext_id, email, email_key, attributes, timestamps, created_at, updated_at)."""
        loads = jsonutil.loads
        for pk, ext_id, email, email_key, attributes, timestamps, created_at, updated_at in rows:
            if pk in self.people:
                continue  # memory is authoritative for people already loaded
            self.people[pk] = PersonState(
                pk, ext_id, email, email_key, loads(attributes), loads(timestamps), created_at, updated_at, new=False
            )
            self._looked_pks.add(pk)
            if ext_id is not None:
                self._by_id.setdefault(ext_id, pk)
            if email_key is not None:
                self._by_email.setdefault(email_key, pk)

    def prefetch_people(self, ids: Iterable[str], emails: Iterable[str], pks: Iterable[int]) -> None:
        want_ids = [v for v in set(ids) if v not in self._looked_ids]
        want_emails = [v for v in {fold_email(e) for e in emails} if v not in self._looked_emails]
        want_pks = [v for v in set(pks) if v not in self._looked_pks]
        for start in range(0, len(want_ids), CHUNK):
            self._select_people("ext_id", want_ids[start : start + CHUNK])
        if self.settings.email_is_identifier:
            for start in range(0, len(want_emails), CHUNK):
                self._select_people("email_key", want_emails[start : start + CHUNK])
        for start in range(0, len(want_pks), CHUNK):
            self._select_people("id", want_pks[start : start + CHUNK])
        self._looked_ids.update(want_ids)
        self._looked_emails.update(want_emails)
        self._looked_pks.update(want_pks)

    def _live(self, pk: int | None) -> PersonState | None:
        if pk is None:
            return None
        person = self.people.get(pk)
        return None if person is None or person.deleted else person

    def by_id(self, value: str) -> PersonState | None:
        if value not in self._looked_ids:
            self.prefetch_people([value], [], [])
        person = self._live(self._by_id.get(value))
        return person if person is not None and person.ext_id == value else None

    def by_email(self, email: str) -> PersonState | None:
        if not self.settings.email_is_identifier:
            return None
        key = fold_email(email)
        if key not in self._looked_emails:
            self.prefetch_people([], [key], [])
        person = self._live(self._by_email.get(key))
        return person if person is not None and person.email_key == key else None

    def by_cio(self, cio_id: str) -> PersonState | None:
        pk = person_pk_for(cio_id)
        if pk is None:
            return None
        if pk not in self._looked_pks:
            self.prefetch_people([], [], [pk])
        return self._live(pk)

    def by_pk(self, pk: int) -> PersonState | None:
        if pk not in self._looked_pks:
            self.prefetch_people([], [], [pk])
        return self._live(pk)

    def find(self, kind: str, value: str) -> PersonState | None:
        if kind == "id":
            return self.by_id(value)
        if kind == "email":
            return self.by_email(value)
        if kind == "cio_id":
            return self.by_cio(value)
        return None

    def create_person(self, ext_id: str | None, email: str | None) -> PersonState:
        pk = self.allocate_pk(ws_people)
        email_key = fold_email(email) if email is not None and self.settings.email_is_identifier else None
        times: dict[str, float] = {}
        if ext_id is not None:
            times["id"] = self.now
        if email is not None:
            times["email"] = self.now
        person = PersonState(pk, ext_id, email, email_key, {}, times, self.now, self.now, new=True)
        self.people[pk] = person
        self._looked_pks.add(pk)
        self._relationships_loaded_for.add(pk)  # a new number: nothing in the database relates to it yet
        if ext_id is not None:
            self._by_id[ext_id] = pk
        if email_key is not None:
            self._by_email[email_key] = pk
        return person

    def set_ext_id(self, person: PersonState, value: str | None) -> None:
        person.ext_id = value
        person.dirty = True
        if value is None:
            person.times.pop("id", None)
        else:
            person.times["id"] = self.now
            self._by_id[value] = person.pk

    def set_email(self, person: PersonState, value: str | None) -> None:
        person.email = value
        person.dirty = True
        if value is None:
            person.email_key = None
            person.times.pop("email", None)
            return
        person.times["email"] = self.now
        if self.settings.email_is_identifier:
            person.email_key = fold_email(value)
            self._by_email[person.email_key] = person.pk

    def mark_deleted(self, person: PersonState) -> None:
        person.deleted = True
        person.dirty = True

    # -- buffers -------------------------------------------------------------------------------------------

    def add_activity(
        self,
        kind: str,
        *,
        person_pk: int | None = None,
        object_pk: int | None = None,
        name: str | None = None,
        data: dict[str, Any] | None = None,
        timestamp: float | None = None,
    ) -> None:
        self.activities.append(
            (
                self.ws,
                person_pk,
                object_pk,
                kind,
                name,
                self.now if timestamp is None else timestamp,
                self.source,
                jsonutil.dumps(data or {}),
                self.event_seq,
            )
        )

    def add_event(self, row: dict[str, Any]) -> None:
        row["event_seq"] = self.event_seq
        self.events.append(row)
        if row["person_id"] is None and row["anonymous_id"] is not None:
            self.buffered_anonymous.add(row["anonymous_id"])
            self.unmerged_anonymous.set(row["anonymous_id"], True)

    # -- relationships, objects, suppressions --------------------------------------------------------------

    def prefetch_relationships(self, person_pks: Iterable[int]) -> None:
        """Load every relationship of these people (people have few), so lookups need no query."""
        wanted = [pk for pk in set(person_pks) if pk not in self._relationships_loaded_for]
        for start in range(0, len(wanted), CHUNK):
            chunk = wanted[start : start + CHUNK]
            for person_id, object_pk, attributes, timestamps in self._relationship_rows(chunk):
                key = (int(person_id), int(object_pk))
                if key not in self.relationships:
                    self.relationships[key] = RelationshipState(
                        jsonutil.loads(attributes), jsonutil.loads(timestamps), new=False
                    )
            self._relationships_loaded_for.update(chunk)

    def relationship(self, person_pk: int, object_pk: int) -> RelationshipState | None:
        key = (person_pk, object_pk)
        if key in self.relationships:
            return self.relationships[key]
        if person_pk not in self._relationships_loaded_for:
            self.prefetch_relationships([person_pk])
        return self.relationships.setdefault(key, None)

    def remember_object(self, obj: ObjectState) -> ObjectState:
        self.objects_by_pk[obj.pk] = obj
        self.objects_by_ref[(obj.type_id, obj.object_id)] = obj
        return obj

    def prefetch_objects(self, refs: list[tuple[int, str]]) -> None:
        """Load the objects a batch names with one query per object type."""
        by_type: dict[int, set[str]] = {}
        for type_id, ref in refs:
            if (type_id, ref) not in self.objects_by_ref:
                by_type.setdefault(type_id, set()).add(ref)
        for type_id, wanted in by_type.items():
            names = sorted(wanted)
            for start in range(0, len(names), CHUNK):
                chunk = names[start : start + CHUNK]
                for row in self._object_rows(type_id, chunk):
                    self.remember_object(ObjectState.stored(*row))
                self.absent_objects.update((type_id, ref) for ref in chunk if (type_id, ref) not in self.objects_by_ref)

    def prefetch_suppressed(self, ids: list[str], email_keys: list[str]) -> None:
        """Load which of these ids and (folded) emails are suppressed. Most workspaces suppress nobody: one
        probe then answers for all of them instead of two lookups of every identifier of the batch."""
        if not self._any_suppressed():
            self.suppressed_ids.absent(ids)
            self.suppressed_emails.absent(email_keys)
            return
        self.suppressed_ids.prefetch(ids)
        self.suppressed_emails.prefetch(email_keys)

    def is_suppressed(self, kind: str, value: str) -> bool:
        if kind == "id":
            return self.suppressed_ids.get(value) is not None
        if kind == "email" and self.settings.email_is_identifier:
            return self.suppressed_emails.get(fold_email(value)) is not None
        return False

    # -- loading: the SQL layer (unit.Unit) implements these ------------------------------------------------

    def allocate_pk(self, table: Table) -> int:
        """A new, never reused number for a row of `table` (ws_people or ws_objects)."""
        raise NotImplementedError

    def _select_people(self, column: str, values: list[Any]) -> None:
        """Load (`_take_people`) the people whose `column` (ext_id, email_key or id) is one of `values`."""
        raise NotImplementedError

    def _relationship_rows(self, person_pks: list[int]) -> list[Any]:
        """(person_id, object_pk, attributes, timestamps) of every relationship of these people."""
        raise NotImplementedError

    def _object_rows(self, type_id: int, object_ids: list[str]) -> list[Any]:
        """(id, type_id, object_id, attributes, timestamps) of the objects of one type with these ids."""
        raise NotImplementedError

    def _any_suppressed(self) -> bool:
        raise NotImplementedError

    def _load_devices(self, keys: list[str]) -> dict[str, Any]:
        raise NotImplementedError

    def _load_event_ids(self, keys: list[str]) -> dict[str, Any]:
        raise NotImplementedError

    def _load_suppressed(self, kind: str, keys: list[str]) -> dict[str, Any]:
        raise NotImplementedError

    def _load_anonymous_owner(self, keys: list[str]) -> dict[str, Any]:
        raise NotImplementedError

    def _load_unmerged_anonymous(self, keys: list[str]) -> dict[str, Any]:
        raise NotImplementedError

    def _load_pending_anonymous(self, keys: list[str]) -> dict[str, Any]:
        raise NotImplementedError

"""The unit of work of one `Workspace.apply()` call: its SQL (the state it loads and changes is `UnitState`).

People touched by a batch are loaded with a few bulk queries up front, changed in memory, and written back with
batched statements (`flush`). Events and activities are buffered the same way. Operations that need SQL over
dependent rows (merges, deletions, anonymous merges) flush first, so the database always reflects memory when
they run. On PostgreSQL the loaded people rows are locked (`FOR UPDATE`) for the transaction.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from operator import itemgetter
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Table,
    and_,
    bindparam,
    delete,
    false,
    func,
    select,
    update,
)
from sqlalchemy.exc import DBAPIError

from segcio import jsonutil
from segcio.store.tables.workspace import (
    ID_BUCKET,
    ws_activities,
    ws_anonymous_ids,
    ws_devices,
    ws_events,
    ws_objects,
    ws_people,
    ws_relationships,
)
from segcio.workspace.settings import WorkspaceSettings
from segcio.workspace.unit_state import CHUNK, DeviceState, UnitState

# Statements every batch runs, as driver-level SQL (`?` marks; `%s` on PostgreSQL, see Unit._sql).
# Device updates set only the changing columns: SQLite rewrites the primary-key entry of every row whose key
# columns an UPDATE sets.
_UPDATE_DEVICE = (
    "UPDATE ws_devices SET person_id = ?, platform = ?, last_used = ?, attributes = ?, updated_at = ? "
    "WHERE workspace_id = ? AND token = ?"
)
_UPDATE_RELATIONSHIP = (
    "UPDATE ws_relationships SET attributes = ?, timestamps = ?, updated_at = ? WHERE person_id = ? AND object_pk = ?"
)
_INSERT_SQL: dict[tuple[str, tuple[str, ...], bool], str] = {}
_MERGE_ANONYMOUS = (
    "UPDATE ws_events SET person_id = ? "
    "WHERE workspace_id = ? AND anonymous_id = ? AND person_id IS NULL AND received_at >= ?"
)
_INSERT_ACTIVITY = (
    "INSERT INTO ws_activities "
    "(id, bucket, workspace_id, person_id, object_pk, type, name, timestamp, source, data, event_seq) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_UPDATE_OBJECT = "UPDATE ws_objects SET attributes = ?, timestamps = ?, updated_at = ? WHERE id = ?"
_CLEAR_IDENTIFIERS = update(ws_people).where(ws_people.c.id == bindparam("b_pk")).values(ext_id=None, email_key=None)


def person_rows(conn: Connection, table: Table, person_pk: int) -> ColumnElement[bool]:
    """The condition for `person_pk`'s rows of ws_events or ws_activities: their per-person index is keyed
    (bucket, person_id), so the person's rows are found with one index seek per id bucket in use."""
    low = conn.execute(select(func.min(table.c.id))).scalar()
    if low is None:
        return false()
    high = int(conn.execute(select(func.max(table.c.id))).scalar() or low)
    buckets = list(range(high // ID_BUCKET, int(low) // ID_BUCKET - 1, -1))
    return and_(table.c.bucket.in_(buckets), table.c.person_id == person_pk)


class Unit(UnitState):
    def __init__(
        self, conn: Connection, workspace_id: int, settings: WorkspaceSettings, now: float, source: str
    ) -> None:
        super().__init__(workspace_id, settings, now, source)
        self.conn = conn
        # SQLite: the statements every batch runs go to the driver's connection directly (inside the transaction
        # `conn` began); SQLAlchemy's execution layer cost more than many of them. PostgreSQL keeps it: its
        # errors (deadlocks, serialisation failures) must reach the retry loop as SQLAlchemy's.
        self._sqlite: sqlite3.Connection | None = None
        if conn.dialect.name != "postgresql":
            self._sqlite = conn.connection.driver_connection
        self.is_postgres = conn.dialect.name == "postgresql"
        self._free_pks: dict[str, list[int]] = {}  # PostgreSQL: numbers taken from the sequence, not used yet
        self._next_pks: dict[str, int] = {}  # SQLite: the next number to give

    # -- loading -------------------------------------------------------------------------------------------

    def _select_people(self, column: str, values: list[Any]) -> None:
        """Load people whose `column` is one of `values` (driver-level SQL: this runs for every batch)."""
        mark = "%s" if self.is_postgres else "?"
        # By primary key, SQLite must not pick an index because it starts with workspace_id: with several ids
        # it did, and scanned every person of the workspace (`+` keeps the term out of index selection).
        workspace = "+workspace_id" if column == "id" and not self.is_postgres else "workspace_id"
        among, params = self._among(column, values)
        sql = (
            "SELECT id, ext_id, email, email_key, attributes, timestamps, created_at, updated_at FROM ws_people "
            f"WHERE {workspace} = {mark} AND {among}"
        )
        if self.is_postgres:
            # Lock in a stable order so concurrent batches sharing people wait instead of deadlocking.
            sql += " ORDER BY id FOR UPDATE"
        self._take_people(self._rows(sql, (self.ws, *params)))

    def _relationship_rows(self, person_pks: list[int]) -> list[Any]:
        among, params = self._among("person_id", person_pks)
        return self._rows(
            f"SELECT person_id, object_pk, attributes, timestamps FROM ws_relationships WHERE {among}", params
        )

    def _object_rows(self, type_id: int, object_ids: list[str]) -> list[Any]:
        return self._rows_in(
            "id, type_id, object_id, attributes, timestamps FROM ws_objects",
            "object_id",
            object_ids,
            "AND type_id = ?",
            (type_id,),
        )

    def _any_suppressed(self) -> bool:
        mark = "%s" if self.is_postgres else "?"
        return bool(self._rows(f"SELECT 1 FROM ws_suppressions WHERE workspace_id = {mark} LIMIT 1", (self.ws,)))

    # -- bulk loaders --------------------------------------------------------------------------------------

    def _among(self, column: str, values: list[Any]) -> tuple[str, list[Any]]:
        """`<column> IN (values)` as SQL and its parameters.

        SQLite gets the values as one JSON array (`IN (SELECT value FROM json_each(?))`): the statement's text
        then does not change with the number of values, so the driver's statement cache answers it instead of
        SQLite compiling a new statement of up to 500 parameters for every batch. (json_each would cut a text at an
        escaped NUL character; the engine refuses NUL in every value before it looks anything up.)"""
        if not self.is_postgres:
            return f"{column} IN (SELECT value FROM json_each(?))", [jsonutil.dumps(values)]
        return f"{column} IN ({', '.join(['%s'] * len(values))})", values

    def _rows_in(
        self, select_from: str, column: str, keys: list[Any], extra: str = "", extra_params: tuple[Any, ...] = ()
    ) -> list[Any]:
        """`SELECT <select_from> WHERE workspace_id = ? AND <column> IN (keys) <extra>` at the driver level (these
        lookups run for every batch; skipping SQL compilation of a changing IN list pays). `extra` is written
        with `?` marks for `extra_params`."""
        mark = "%s" if self.is_postgres else "?"
        among, params = self._among(column, keys)
        sql = f"SELECT {select_from} WHERE workspace_id = {mark} AND {among} {self._sql(extra)}"
        return self._rows(sql, (self.ws, *params, *extra_params))

    def _load_devices(self, keys: list[str]) -> dict[str, Any]:
        rows = self._rows_in("token, person_id, platform, last_used, attributes FROM ws_devices", "token", keys)
        return {
            token: DeviceState(int(person), platform, last_used, jsonutil.loads(attributes), new=False)
            for token, person, platform, last_used, attributes in rows
        }

    def _load_event_ids(self, keys: list[str]) -> dict[str, Any]:
        return {r[0]: True for r in self._rows_in("event_id FROM ws_events", "event_id", keys)}

    def _load_suppressed(self, kind: str, keys: list[str]) -> dict[str, Any]:
        # `kind` is "id" or "email" (never user input).
        rows = self._rows_in("value, group_key FROM ws_suppressions", "value", keys, f"AND kind = '{kind}'")
        return {r[0]: r[1] for r in rows}

    def _load_anonymous_owner(self, keys: list[str]) -> dict[str, Any]:
        rows = self._rows_in("anonymous_id, person_id, consumed_at FROM ws_anonymous_ids", "anonymous_id", keys)
        return {r[0]: (int(r[1]), float(r[2])) for r in rows}

    def _load_unmerged_anonymous(self, keys: list[str]) -> dict[str, Any]:
        rows = self._rows_in("DISTINCT anonymous_id FROM ws_events", "anonymous_id", keys, "AND person_id IS NULL")
        return {r[0]: True for r in rows}

    def _load_pending_anonymous(self, keys: list[str]) -> dict[str, Any]:
        rows = self._rows_in("DISTINCT anonymous_id FROM ws_pending_relationships", "anonymous_id", keys)
        return {r[0]: True for r in rows}

    # -- numbers -------------------------------------------------------------------------------------------

    def allocate_pk(self, table: Table) -> int:
        """A new, never reused number for a row of `table` (ws_people or ws_objects), known before the row is
        written so that the insert can wait for the batched flush."""
        if self.is_postgres:
            pool = self._free_pks.setdefault(table.name, [])
            if not pool:
                rows = self.conn.exec_driver_sql(
                    f"SELECT nextval(pg_get_serial_sequence('{table.name}', 'id')) FROM generate_series(1, 256)"
                )
                pool.extend(sorted((int(r[0]) for r in rows), reverse=True))
            return pool.pop()
        following = self._next_pks.get(table.name)
        if following is None:
            # BEGIN IMMEDIATE holds the write lock, so nobody else allocates meanwhile; AUTOINCREMENT's
            # high-water mark means numbers (and so cio_ids) are never reused.
            seq = self._value("SELECT seq FROM sqlite_sequence WHERE name = ?", (table.name,))
            high = self._value(f"SELECT max(id) FROM {table.name}")
            following = max(int(seq or 0), int(high or 0)) + 1
        self._next_pks[table.name] = following + 1
        return following

    # -- writing -------------------------------------------------------------------------------------------

    def flush(self) -> None:
        conn = self.conn
        gone = [p.pk for p in self.people.values() if p.deleted and p.dirty and not p.new]
        for start in range(0, len(gone), CHUNK):
            conn.execute(delete(ws_people).where(ws_people.c.id.in_(gone[start : start + CHUNK])))
        changed = [p for p in self.people.values() if p.dirty and not p.deleted and not p.new]
        moved = [
            {"b_pk": p.pk}
            for p in changed
            if (p.db_ext_id is not None and p.db_ext_id != p.ext_id)
            or (p.db_email_key is not None and p.db_email_key != p.email_key)
        ]
        if moved:
            # Identifiers may move between people within one batch; free them all before setting new values.
            conn.execute(_CLEAR_IDENTIFIERS, moved)
        if changed:
            mark = "%s" if self.is_postgres else "?"
            dumps = jsonutil.dumps
            # Most updates leave the identifiers alone: SQLite rewrites the index entries of every indexed column
            # an UPDATE sets (a random page of each identifier index per person), so those are set only when
            # they changed.
            renamed = [p for p in changed if p.ext_id != p.db_ext_id or p.email_key != p.db_email_key]
            if renamed:
                self._write(
                    f"UPDATE ws_people SET ext_id = {mark}, email = {mark}, email_key = {mark}, attributes = {mark}, "
                    f"timestamps = {mark}, updated_at = {mark} WHERE id = {mark}",
                    [
                        (p.ext_id, p.email, p.email_key, dumps(p.attrs), dumps(p.times), p.updated_at, p.pk)
                        for p in renamed
                    ],
                )
            if len(renamed) < len(changed):
                self._write(
                    f"UPDATE ws_people SET email = {mark}, attributes = {mark}, timestamps = {mark}, "
                    f"updated_at = {mark} WHERE id = {mark}",
                    [
                        (p.email, dumps(p.attrs), dumps(p.times), p.updated_at, p.pk)
                        for p in changed
                        if p.ext_id == p.db_ext_id and p.email_key == p.db_email_key
                    ],
                )
        created = [p for p in self.people.values() if p.new and not p.deleted]
        if created:
            self._insert_rows(
                ws_people,
                [
                    {
                        "id": p.pk,
                        "workspace_id": self.ws,
                        "ext_id": p.ext_id,
                        "email": p.email,
                        "email_key": p.email_key,
                        "attributes": jsonutil.dumps(p.attrs),
                        "timestamps": jsonutil.dumps(p.times),
                        "created_at": p.created_at,
                        "updated_at": p.updated_at,
                    }
                    for p in created
                ],
            )
        for p in self.people.values():
            if p.dirty:
                p.dirty = False
                p.new = False
                p.db_ext_id = p.ext_id
                p.db_email_key = p.email_key
        self._flush_devices()
        self._flush_relationships()
        self._flush_objects()
        if self.events:
            for row, pk in zip(self.events, self._log_ids(ws_events, len(self.events)), strict=True):
                row["id"] = pk
                row["bucket"] = pk // ID_BUCKET
            self._insert_rows(ws_events, self.events)
            self.events = []
            self.buffered_anonymous.clear()
        if self.new_anonymous_owners:
            self._insert_rows(ws_anonymous_ids, self.new_anonymous_owners)
            self.new_anonymous_owners = []
        if self.anonymous_merges:
            self._write(
                self._sql(_MERGE_ANONYMOUS),
                [(m["b_person"], m["b_ws"], m["b_anonymous_id"], m["b_oldest"]) for m in self.anonymous_merges],
            )
            self.anonymous_merges = []
        if self.activities:
            ids = self._log_ids(ws_activities, len(self.activities))
            self._write(
                self._sql(_INSERT_ACTIVITY),
                [(pk, pk // ID_BUCKET, *row) for pk, row in zip(ids, self.activities, strict=True)],
            )
            self.activities = []

    def _log_ids(self, table: Table, count: int) -> list[int]:
        """Ids for `count` new rows of a log table (ws_events, ws_activities), increasing: given to the rows in
        order, with their id buckets, before they are inserted."""
        if self.is_postgres:
            return sorted(
                int(r[0])
                for r in self.conn.exec_driver_sql(
                    f"SELECT nextval(pg_get_serial_sequence('{table.name}', 'id')) FROM generate_series(1, {count})"
                )
            )
        # The transaction holds SQLite's write lock (as for allocate_pk): nobody else inserts meanwhile.
        first = int(self._value(f"SELECT max(id) FROM {table.name}") or 0) + 1
        return list(range(first, first + count))

    def _rows(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        """Every row of a driver-level query (`sql` written for this connection's driver)."""
        if self._sqlite is None:
            return list(self.conn.exec_driver_sql(sql, tuple(params)).all())
        try:
            return self._sqlite.execute(sql, params).fetchall()
        except sqlite3.Error as exc:
            raise DBAPIError.instance(sql, params, exc, sqlite3.Error) from exc  # as SQLAlchemy raises it

    def _value(self, sql: str, params: Sequence[Any] = ()) -> Any:
        """The first column of a driver-level query's first row (None without rows)."""
        rows = self._rows(sql, params)
        return rows[0][0] if rows else None

    def _write(self, sql: str, rows: Sequence[tuple[Any, ...]]) -> None:
        """A driver-level statement run once for each of `rows` (parameters)."""
        if self._sqlite is None:
            self.conn.exec_driver_sql(sql, list(rows))
            return
        try:
            self._sqlite.executemany(sql, rows)
        except sqlite3.Error as exc:
            raise DBAPIError.instance(sql, rows, exc, sqlite3.Error, ismulti=True) from exc

    def _sql(self, statement: str) -> str:
        """A driver-level statement written with `?` marks, for this connection's driver."""
        return statement.replace("?", "%s") if self.is_postgres else statement

    def _insert_rows(self, table: Table, rows: list[dict[str, Any]]) -> None:
        """Many rows (same keys) in one driver-level executemany: the hot path skips per-row SQL compilation."""
        columns = tuple(rows[0])
        key = (table.name, columns, self.is_postgres)
        sql = _INSERT_SQL.get(key)
        if sql is None:
            marks = ", ".join(["%s" if self.is_postgres else "?"] * len(columns))
            sql = _INSERT_SQL[key] = f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({marks})"
        values = itemgetter(*columns)
        self._write(sql, [values(row) for row in rows])

    def _write_back(self, table: Table, fresh: list[dict[str, Any]], update: str, known: list[tuple[Any, ...]]) -> None:
        """Insert the new rows of `table`, update the changed ones (`update` takes each tuple of `known`)."""
        if fresh:
            self._insert_rows(table, fresh)
        if known:
            self._write(self._sql(update), known)

    def _flush_devices(self) -> None:
        dirty = [(token, d) for token, d in self.devices.values.items() if d.dirty]
        if not dirty:
            return
        rows = [
            {
                "workspace_id": self.ws,
                "token": token,
                "person_id": d.person_pk,
                "platform": d.platform,
                "last_used": d.last_used,
                "attributes": jsonutil.dumps(d.attrs),
                "updated_at": self.now,
            }
            for token, d in dirty
        ]
        fresh = [row for row, (_, d) in zip(rows, dirty, strict=True) if d.new]
        known = [
            (row["person_id"], row["platform"], row["last_used"], row["attributes"], row["updated_at"], self.ws, token)
            for row, (token, d) in zip(rows, dirty, strict=True)
            if not d.new
        ]
        self._write_back(ws_devices, fresh, _UPDATE_DEVICE, known)
        for _, d in dirty:
            d.dirty = d.new = False

    def _flush_objects(self) -> None:
        dirty = [o for o in self.objects_by_pk.values() if o.dirty or o.new]
        if not dirty:
            return
        fresh = [
            {
                "id": o.pk,
                "workspace_id": self.ws,
                "type_id": o.type_id,
                "object_id": o.object_id,
                "attributes": jsonutil.dumps(o.attrs),
                "timestamps": jsonutil.dumps(o.times),
                "created_at": self.now,
                "updated_at": self.now,
            }
            for o in dirty
            if o.new
        ]
        known = [(jsonutil.dumps(o.attrs), jsonutil.dumps(o.times), self.now, o.pk) for o in dirty if not o.new]
        self._write_back(ws_objects, fresh, _UPDATE_OBJECT, known)
        for o in dirty:
            o.dirty = o.new = False

    def forget_devices(self) -> None:
        self._flush_devices()
        self.devices.forget()

    def _flush_relationships(self) -> None:
        dirty = [(key, r) for key, r in self.relationships.items() if r is not None and r.dirty]
        if not dirty:
            return
        fresh = [
            {
                "person_id": key[0],
                "object_pk": key[1],
                "workspace_id": self.ws,
                "attributes": jsonutil.dumps(r.attrs),
                "timestamps": jsonutil.dumps(r.times),
                "created_at": self.now,
                "updated_at": self.now,
            }
            for key, r in dirty
            if r.new
        ]
        known = [
            (jsonutil.dumps(r.attrs), jsonutil.dumps(r.times), self.now, key[0], key[1])
            for key, r in dirty
            if not r.new
        ]
        self._write_back(ws_relationships, fresh, _UPDATE_RELATIONSHIP, known)
        for _, r in dirty:
            r.dirty = r.new = False

    def forget_relationships(self) -> None:
        self._flush_relationships()
        self.relationships.clear()
        self._relationships_loaded_for.clear()

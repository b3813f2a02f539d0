"""The workspace engine: applies Track API v2 operations with Customer.io's semantics.

Every way data enters a workspace (Track API v1/v2, the pipeline's destinations, the UI) ends here, so there is
one implementation of identity, attributes, events, anonymous merge, objects, devices, suppression and merges.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

from sqlalchemy import Connection, text
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError

from segcio import values
from segcio.store import Database
from segcio.workspace import activity, anonymous, devices, events, lifecycle, objects, people
from segcio.workspace.prefetch import Needs, Wanted
from segcio.workspace.results import INVALID, OpFailure, OpResult
from segcio.workspace.settings import WorkspaceSettings, load_settings, save_settings
from segcio.workspace.unit import Unit

__all__ = ["OpResult", "Workspace", "WorkspaceSettings"]

Handler = Callable[[Unit, dict[str, Any]], OpResult]


class Operation(NamedTuple):
    """How to apply one kind of operation, and what it looks up (loaded for the whole batch before it runs)."""

    apply: Handler
    needs: Needs


HANDLERS: dict[tuple[str, str], Operation] = {
    ("person", "identify"): Operation(people.identify, people.identify_needs),
    ("person", "event"): Operation(events.track, events.track_needs),
    ("person", "page"): Operation(events.track, events.track_needs),
    ("person", "screen"): Operation(events.track, events.track_needs),
    ("person", "viewed_content"): Operation(events.track, events.track_needs),
    ("person", "clicked_content"): Operation(events.track, events.track_needs),
    ("person", "delete"): Operation(lifecycle.delete, Wanted.person_of),
    ("person", "suppress"): Operation(lifecycle.suppress, Wanted.person_of),
    ("person", "unsuppress"): Operation(lifecycle.unsuppress, Wanted.person_of),
    ("person", "merge"): Operation(lifecycle.merge, lifecycle.merge_needs),
    ("person", "add_device"): Operation(devices.add_device, devices.device_needs),
    ("person", "delete_device"): Operation(devices.delete_device, devices.device_needs),
    ("person", "add_relationships"): Operation(objects.person_relationship_op, objects.person_relationship_needs),
    ("person", "delete_relationships"): Operation(objects.person_relationship_op, objects.person_relationship_needs),
    ("object", "identify"): Operation(objects.object_identify, objects.object_needs),
    ("object", "identify_anonymous"): Operation(objects.object_identify, objects.object_needs),
    ("object", "add_relationships"): Operation(objects.object_identify, objects.object_needs),
    ("object", "delete_relationships"): Operation(objects.object_identify, objects.object_needs),
    ("object", "delete"): Operation(objects.object_delete, objects.object_needs),
    ("delivery", "event"): Operation(events.delivery_event, Wanted.nothing),
}
FAILED_ACTIVITY = {"event": activity.FAILED_EVENT, "page": activity.FAILED_EVENT, "screen": activity.FAILED_EVENT}
ATTEMPTS = 3
# SQLite: let the WAL grow to this many pages before a commit checkpoints it (default 1,000). A batch dirties
# several hundred pages scattered over the person-keyed tables and indexes; with the default nearly every commit
# copied all of them back into the database file, while a longer WAL lets pages that many batches touch (index
# interior pages, table ends) be copied once per checkpoint.
WAL_AUTOCHECKPOINT_PAGES = 10_000
_TUNED = "segcio_workspace_tuned"


class Workspace:
    """One Customer.io-compatible workspace stored in `db`."""

    def __init__(self, db: Database, workspace_id: int) -> None:
        self.db = db
        self.workspace_id = workspace_id

    def settings(self) -> WorkspaceSettings:
        with self.db.connect() as conn:
            return load_settings(conn, self.workspace_id)

    def update_settings(self, **changes: Any) -> WorkspaceSettings:
        """Change settings (raises SettingsError naming a bad setting); returns the new settings."""
        with self.db.begin() as conn:
            settings = load_settings(conn, self.workspace_id).with_changes(**changes)
            save_settings(conn, self.workspace_id, settings)
        return settings

    def rename_object_type(self, type_id: int, name: str) -> bool:
        """Rename an object type (ValueError for a name it cannot take); False when the type does not exist."""
        with self.db.begin() as conn:
            return objects.rename_type(conn, self.workspace_id, type_id, name)

    def apply(
        self,
        operations: list[dict[str, Any]],
        *,
        now: float | None = None,
        source: str = "track_api",
        conn: Connection | None = None,
        event_seqs: Sequence[int | None] | None = None,
    ) -> list[OpResult]:
        """Apply operations in order, in one transaction; each gets an OpResult. A failing operation is recorded
        in the activity log and does not stop the others. `event_seqs` (one per operation) names the log event
        each came from, stored with the rows it writes.

        With `conn`, the operations join that connection's open transaction (the caller commits; a lost race on
        PostgreSQL then surfaces as IntegrityError for the caller to retry)."""
        if not operations:
            return []
        moment = time.time() if now is None else now
        if conn is not None:
            return self._apply_in(conn, operations, moment, source, event_seqs)
        for attempt in range(ATTEMPTS):
            try:
                with self.db.begin() as conn:
                    if attempt and self.db.is_postgres:
                        # Lost a race creating the same person; retry serialised per workspace.
                        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": 0x5E6C10 + self.workspace_id})
                    results = self._apply_in(conn, operations, moment, source, event_seqs)
                return results
            except (IntegrityError, OperationalError) as exc:
                # A lost race creating the same person, or a deadlock/serialisation failure: retry the batch.
                if attempt == ATTEMPTS - 1 or not _retryable(exc):
                    raise
        raise AssertionError("unreachable")

    def expire_anonymous(self, *, now: float | None = None, limit: int | None = None) -> tuple[int, int]:
        """Delete anonymous events and held group calls older than the retention period (at most `limit` of each,
        in one transaction)."""
        with self.db.begin() as conn:
            unit = Unit(conn, self.workspace_id, load_settings(conn, self.workspace_id), now or time.time(), "system")
            return anonymous.expire_anonymous(unit, limit)

    def _apply_in(
        self,
        conn: Connection,
        operations: list[dict[str, Any]],
        moment: float,
        source: str,
        event_seqs: Sequence[int | None] | None = None,
    ) -> list[OpResult]:
        if self.db.is_sqlite:
            _tune_sqlite(conn)
        unit = Unit(conn, self.workspace_id, load_settings(conn, self.workspace_id), moment, source)
        # Values no column can hold are refused before anything (the prefetch included) touches the database.
        problems = [values.value_problem(op) for op in operations]
        _prefetch(unit, [op for op, problem in zip(operations, problems, strict=True) if problem is None])
        results = []
        seqs = [None] * len(operations) if event_seqs is None else event_seqs
        for op, problem, seq in zip(operations, problems, seqs, strict=True):
            unit.event_seq = seq
            results.append(_apply_one(unit, op) if problem is None else _refuse(unit, op, problem))
        unit.event_seq = None
        unit.flush()
        return results


def _tune_sqlite(conn: Connection) -> None:
    """Per-connection settings for connections that apply batches (set once per pooled connection)."""
    info = conn.connection.info
    if not info.get(_TUNED):
        conn.exec_driver_sql(f"PRAGMA wal_autocheckpoint={WAL_AUTOCHECKPOINT_PAGES}")
        info[_TUNED] = True


def _retryable(exc: DBAPIError) -> bool:
    if isinstance(exc, IntegrityError):
        return True
    # PostgreSQL: 40P01 deadlock_detected, 40001 serialization_failure.
    return getattr(exc.orig, "sqlstate", None) in ("40P01", "40001")


def _apply_one(unit: Unit, op: Any) -> OpResult:
    if not isinstance(op, dict):
        return OpResult(False, INVALID, None, "each operation must be an object with type, action and identifiers")
    kind, action = op.get("type"), op.get("action")
    operation = HANDLERS.get((str(kind), str(action)))
    if operation is None:
        if kind not in ("person", "object", "delivery"):
            return OpResult(False, INVALID, "type", f"type must be person, object or delivery, not {kind!r}")
        return OpResult(False, INVALID, "action", f"action {action!r} is not supported for type {kind!r}")
    try:
        return operation.apply(unit, op)
    except OpFailure as failure:
        _record_failure(unit, op, failure)
        return failure.result


def _refuse(unit: Unit, op: Any, problem: values.ValueRuleError) -> OpResult:
    failure = OpFailure(INVALID, problem.field, problem.message)
    if isinstance(op, dict):
        _record_failure(unit, op, failure)
    return failure.result


def _record_failure(unit: Unit, op: dict[str, Any], failure: OpFailure) -> None:
    result = failure.result
    identifiers = op.get("identifiers", {k: op.get(k) for k in ("primary", "secondary") if k in op})
    if op.get("type") == "object":
        type_id = identifiers.get("object_type_id", "1") if isinstance(identifiers, dict) else None
        kind = activity.object_activity(values.optional_object_type_id(type_id) or 0, "failed_attribute_change")
    else:
        kind = FAILED_ACTIVITY.get(str(op.get("action")), activity.FAILED_ATTRIBUTE_CHANGE)
    unit.add_activity(
        kind,
        person_pk=failure.person_pk,
        name=result.field,
        data={
            "reason": result.reason,
            "message": result.message,
            "action": op.get("action") if values.value_problem(op.get("action")) is None else None,
            # Identifiers that cannot be stored are left out (the message names the problem).
            "identifiers": identifiers if values.value_problem(identifiers) is None else None,
        },
    )


def _prefetch(unit: Unit, operations: list[dict[str, Any]]) -> None:
    """Load everything the batch will look up with a few bulk queries (one pass over the operations)."""
    wanted = Wanted()
    for op in operations:
        if isinstance(op, dict):
            operation = HANDLERS.get((str(op.get("type")), str(op.get("action"))))
            if operation is not None:
                operation.needs(wanted, op)
    wanted.load(unit)

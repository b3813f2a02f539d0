"""Regulations (privacy), modelled on Segment's: suppress user ids at ingestion, fan deletions out to destinations.

Suppressions are enforced by segcio's own ingestion and are not sent to Customer.io;
deletions reach every destination of the source(s) as `delete` messages in the event log, in order after the
user's earlier events, and each destination runs its onDelete (`DELETE /api/v1/customers/{userId}`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, delete, insert, select
from sqlalchemy.dialects import postgresql, sqlite

from segcio import jsonutil, values
from segcio.errors import Invalid
from segcio.eventlog import writes as eventlog
from segcio.eventlog.partitions import partition_of
from segcio.pipeline import failed
from segcio.spec.timestamps import format_iso
from segcio.store import Database
from segcio.store.tables.core import destinations, events, sources
from segcio.store.tables.routing import cursors, regulations, suppressions

SUPPRESS_TYPES = {"SUPPRESS", "SUPPRESS_ONLY", "SUPPRESS_WITH_DELETE", "SUPPRESS_WITH_DELETE_INTERNAL"}
# Deletions forwarded to destinations; the *_INTERNAL ones only purge segcio's own event log.
FORWARDED_DELETE_TYPES = {"SUPPRESS_WITH_DELETE", "DELETE_ONLY"}
INTERNAL_DELETE_TYPES = {"DELETE_INTERNAL", "SUPPRESS_WITH_DELETE_INTERNAL"}
REGULATION_TYPES = sorted(SUPPRESS_TYPES | FORWARDED_DELETE_TYPES | INTERNAL_DELETE_TYPES | {"UNSUPPRESS"})
MAX_SUBJECTS = 5000


class RegulationError(Invalid, ValueError):
    """A request that cannot be a regulation; the message names the field and the fix."""


@dataclass
class Regulation:
    id: int
    regulation_type: str
    subject_ids: list[str]
    source_id: int | None
    status: str
    created_at: float
    finished_at: float | None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "regulationType": self.regulation_type,
            "subjectType": "USER_ID",
            "subjectIds": self.subject_ids,
            "sourceId": str(self.source_id) if self.source_id is not None else None,
            "overallStatus": self.status,
            "createdAt": format_iso(datetime.fromtimestamp(self.created_at, UTC)),
            "finishedAt": format_iso(datetime.fromtimestamp(self.finished_at, UTC)) if self.finished_at else None,
        }


def validate(body: Any) -> tuple[str, list[str]]:
    if not isinstance(body, dict):
        raise RegulationError("The body must be a JSON object with regulationType, subjectType and subjectIds.")
    kind = body.get("regulationType")
    if kind not in REGULATION_TYPES:
        raise RegulationError(f"regulationType must be one of {', '.join(REGULATION_TYPES)}; got {kind!r}.")
    if body.get("subjectType", "USER_ID") != "USER_ID":
        raise RegulationError("subjectType must be USER_ID: segcio regulates user ids.")
    ids = body.get("subjectIds")
    if not isinstance(ids, list) or not ids or not all(isinstance(i, str) and i for i in ids):
        raise RegulationError("subjectIds must be a non-empty array of user id strings.")
    if len(ids) > MAX_SUBJECTS:
        raise RegulationError(f"subjectIds holds {len(ids)} ids; send at most {MAX_SUBJECTS} per request.")
    for index, user_id in enumerate(ids):
        problem = values.text_problem(user_id)
        if problem is not None:
            raise RegulationError(f"subjectIds[{index}] {problem}.")
    return kind, list(dict.fromkeys(ids))


def create(db: Database, body: Any, source_id: int | None = None) -> Regulation:
    kind, ids = validate(body)
    now = time.time()
    with db.begin() as conn:
        if source_id is not None and (
            values.optional_integer_id(source_id) is None
            or conn.execute(select(sources.c.id).where(sources.c.id == source_id)).first() is None
        ):
            raise RegulationError(f"Unknown source {source_id}.")
        forwarded = kind in FORWARDED_DELETE_TYPES
        result = conn.execute(
            insert(regulations).values(
                regulation_type=kind,
                subject_type="USER_ID",
                subject_ids=jsonutil.dumps(ids),
                source_id=source_id,
                status="RUNNING" if forwarded else "FINISHED",
                created_at=now,
                finished_at=None if forwarded else now,
            )
        )
        assert result.inserted_primary_key is not None
        regulation_id = int(result.inserted_primary_key[0])
        if kind in SUPPRESS_TYPES:
            _suppress(conn, ids, regulation_id, now)
        if kind == "UNSUPPRESS":
            conn.execute(delete(suppressions).where(suppressions.c.user_id.in_(ids)))
        deletes = _delete_messages(conn, regulation_id, ids, source_id, now) if forwarded else []
        if deletes or kind in INTERNAL_DELETE_TYPES:
            # On SQLite with a file the log's transaction commits before this one: a crash between the two leaves
            # the log changed for a regulation the caller never heard of (they send it again), never a
            # regulation recorded without its deletions.
            with eventlog.transaction(db, within=conn) as log_conn:
                eventlog.append(log_conn, deletes)
                if kind in INTERNAL_DELETE_TYPES:
                    eventlog.delete_people(log_conn, ids)
        if forwarded or kind in INTERNAL_DELETE_TYPES:
            failed.forget_people(conn, ids)
    return get(db, regulation_id)


def _suppress(conn: Connection, ids: list[str], regulation_id: int, now: float) -> None:
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    conn.execute(
        dialect.insert(suppressions).on_conflict_do_nothing(),
        [{"user_id": user_id, "regulation_id": regulation_id, "created_at": now} for user_id in ids],
    )


def _delete_messages(
    conn: Connection, regulation_id: int, ids: list[str], source_id: int | None, now: float
) -> list[dict[str, Any]]:
    """A `delete` message per user for the log of every affected source, as log rows."""
    query = select(sources.c.id) if source_id is None else select(sources.c.id).where(sources.c.id == source_id)
    stamp = format_iso(datetime.fromtimestamp(now, UTC))
    rows = []
    for sid in conn.execute(query).scalars():
        for user_id in ids:
            message = {
                "type": "delete",
                "userId": user_id,
                "messageId": _delete_message_id(regulation_id, user_id),
                "timestamp": stamp,
                "receivedAt": stamp,
                "channel": "server",
                "context": {},
            }
            rows.append(
                {
                    "source_id": sid,
                    "message_id": message["messageId"],
                    "type": "delete",
                    "user_id": user_id,
                    "anonymous_id": None,
                    "partition": partition_of(message),
                    "received_at": now,
                    "body": jsonutil.dumps(message),
                }
            )
    return rows


def get(db: Database, regulation_id: int) -> Regulation:
    with db.begin() as conn:
        row = None
        if values.optional_integer_id(regulation_id, values.MAX_BIGINT) is not None:
            row = conn.execute(select(regulations).where(regulations.c.id == regulation_id)).first()
        if row is None:
            raise RegulationError(f"Unknown regulation {regulation_id}.")
        if row.status == "RUNNING" and _delivered(conn, row.id, jsonutil.loads(row.subject_ids)):
            conn.execute(
                regulations.update()
                .where(regulations.c.id == row.id)
                .values(status="FINISHED", finished_at=time.time())
            )
            row = conn.execute(select(regulations).where(regulations.c.id == regulation_id)).one()
    return Regulation(
        id=row.id,
        regulation_type=row.regulation_type,
        subject_ids=jsonutil.loads(row.subject_ids),
        source_id=row.source_id,
        status=row.status,
        created_at=row.created_at,
        finished_at=row.finished_at,
    )


def _delete_message_id(regulation_id: int, user_id: str) -> str:
    return f"delete-reg-{regulation_id}::{user_id}"


def _delivered(conn: Connection, regulation_id: int, user_ids: list[str]) -> bool:
    """Every enabled destination of the affected sources has routed the regulation's delete messages."""
    pending = conn.execute(
        select(events.c.seq, events.c.partition, events.c.source_id).where(
            events.c.type == "delete",
            events.c.message_id.in_([_delete_message_id(regulation_id, user_id) for user_id in user_ids]),
        )
    ).all()
    for seq, partition, source_id in pending:
        dest_ids = (
            conn.execute(
                select(destinations.c.id).where(destinations.c.source_id == source_id, destinations.c.enabled.is_(True))
            )
            .scalars()
            .all()
        )
        for dest_id in dest_ids:
            position = conn.execute(
                select(cursors.c.position).where(cursors.c.destination_id == dest_id, cursors.c.partition == partition)
            ).scalar()
            if position is None or position < seq:
                return False
    return True


def list_all(db: Database, limit: int = 100) -> list[Regulation]:
    with db.connect() as conn:
        ids = conn.execute(select(regulations.c.id).order_by(regulations.c.id.desc()).limit(limit)).scalars().all()
    return [get(db, i) for i in ids]


def suppressed(db: Database) -> list[str]:
    with db.connect() as conn:
        return list(conn.execute(select(suppressions.c.user_id).order_by(suppressions.c.user_id)).scalars())

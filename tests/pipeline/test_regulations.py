"""Regulations: suppression at ingestion, deletions fanned out through the log, validation."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from segcio import jsonutil
from segcio.bootstrap import ensure_defaults
from segcio.pipeline import regulations
from segcio.store import Database, open_database
from segcio.store.tables.core import events


def body(kind: str, *ids: str) -> dict[str, object]:
    return {"regulationType": kind, "subjectType": "USER_ID", "subjectIds": list(ids)}


def test_suppress_then_unsuppress(db: Database) -> None:
    regulations.create(db, body("SUPPRESS", "u1", "u2"))
    assert regulations.suppressed(db) == ["u1", "u2"]
    regulations.create(db, body("UNSUPPRESS", "u1"))
    assert regulations.suppressed(db) == ["u2"]


def test_delete_only_appends_a_delete_message_per_source_and_user(db: Database) -> None:
    defaults = ensure_defaults(db)
    regulation = regulations.create(db, body("DELETE_ONLY", "u1"))
    assert regulation.status == "RUNNING"
    with db.connect() as conn:
        rows = conn.execute(select(events.c.source_id, events.c.type, events.c.body)).all()
    assert [(r.source_id, r.type) for r in rows] == [(defaults.source_id, "delete")]
    message = jsonutil.loads(rows[0].body)
    assert message["userId"] == "u1" and message["messageId"] == f"delete-reg-{regulation.id}::u1"
    assert regulations.suppressed(db) == []


def test_suppress_with_delete_does_both(db: Database) -> None:
    ensure_defaults(db)
    regulations.create(db, body("SUPPRESS_WITH_DELETE", "u9"))
    assert regulations.suppressed(db) == ["u9"]
    with db.connect() as conn:
        assert conn.execute(select(events.c.type)).scalars().all() == ["delete"]


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({"regulationType": "NOPE", "subjectIds": ["u"]}, "regulationType must be one of"),
        ({"regulationType": "SUPPRESS", "subjectType": "OBJECT_ID", "subjectIds": ["u"]}, "subjectType must be"),
        ({"regulationType": "SUPPRESS", "subjectIds": []}, "subjectIds must be a non-empty array"),
        ({"regulationType": "SUPPRESS", "subjectIds": ["u"] * 5001}, "at most 5000"),
        ([], "must be a JSON object"),
    ],
)
def test_invalid_regulations_name_the_field(db: Database, payload: object, message: str) -> None:
    with pytest.raises(regulations.RegulationError, match=message):
        regulations.create(db, payload)


def test_the_status_check_finds_its_delete_events_by_index_not_by_reading_the_log(tmp_path: Path) -> None:
    db = open_database(f"sqlite:///{tmp_path / 'segcio.db'}")
    try:
        ensure_defaults(db)
        regulation = regulations.create(db, body("DELETE_ONLY", "u1", "u2"))
        with db.connect() as conn:
            raw = conn.connection.driver_connection
            assert raw is not None
            statements: list[str] = []
            raw.set_trace_callback(statements.append)
            assert regulations._delivered(conn, regulation.id, ["u1", "u2"]) is False  # nothing routed yet
            raw.set_trace_callback(None)
            lookup = next(s for s in statements if "delete-reg-" in s)
            plan = " ".join(str(row[-1]) for row in raw.execute(f"EXPLAIN QUERY PLAN {lookup}"))
        assert "USING INDEX ix_events_regulation_deletes" in plan, plan
    finally:
        db.dispose()

"""How a batch reads and writes its rows: bulk lookups, driver-level statements and their errors."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy.exc

from segcio.store import Database, open_database
from segcio.workspace.engine import HANDLERS, Workspace
from segcio.workspace.settings import load_settings
from segcio.workspace.unit import Unit
from tests.workspace.engine_helpers import NOW, by_email, by_id, event, everyone, must, new_workspace


@pytest.fixture
def sqlite_db(tmp_path: Path) -> Iterator[Database]:
    database = open_database(f"sqlite:///{tmp_path / 'segcio.db'}")
    try:
        yield database
    finally:
        database.dispose()


def test_many_people_are_found_by_one_batch(db: Database) -> None:
    ws = new_workspace(db)
    ws.apply([by_id(f"u{n}", n=n) for n in range(1200)], now=NOW)
    # More keys than one lookup takes (500), ids and emails, existing and new, in one batch.
    ops = [by_id(f"u{n}", seen=True) for n in range(0, 1300, 2)] + [event({"id": f"u{n}"}) for n in range(1, 40)]
    assert all(result.ok for result in ws.apply(ops, now=NOW + 1))
    people = everyone(ws)
    assert len(people) == 1250
    assert must(ws, id="u1198").attributes == {"n": 1198, "seen": True}
    assert must(ws, id="u1199").attributes == {"n": 1199}


def test_identifiers_with_a_nul_character_are_refused(db: Database) -> None:
    # PostgreSQL text cannot hold NUL; SQLite refuses it too, so both backends hold the same people.
    ws = new_workspace(db)
    refused, kept = ws.apply([by_id("a\x00b", plan="basic"), by_id("a", plan="other")], now=NOW)
    assert refused.reason == "invalid" and refused.field == "identifiers.id" and "NUL" in (refused.message or "")
    assert kept.ok
    assert must(ws, id="a").attributes == {"plan": "other"}
    assert len(everyone(ws)) == 1


def test_driver_errors_reach_the_caller_as_sqlalchemy_errors(sqlite_db: Database) -> None:
    # apply() retries on SQLAlchemy's IntegrityError / OperationalError; statements sent to the SQLite driver
    # directly must fail with those too.
    ws: Workspace = new_workspace(sqlite_db)
    ws.apply([by_id("u1")], now=NOW)
    with sqlite_db.begin() as conn:
        unit = Unit(conn, ws.workspace_id, load_settings(conn, ws.workspace_id), NOW, "test")
        with pytest.raises(sqlalchemy.exc.IntegrityError):
            unit._write(
                "INSERT INTO ws_people (workspace_id, ext_id, attributes, timestamps, created_at, updated_at) "
                "VALUES (?, ?, '{}', '{}', 0, 0)",
                [(ws.workspace_id, "u1")],
            )
        with pytest.raises(sqlalchemy.exc.OperationalError):
            unit._rows("SELECT nothing FROM ws_people")


def operations(n: int) -> list[dict[str, Any]]:
    """One of each kind of operation that reads what exists, for person `n` (who exists) and their things."""
    uid, email, device, group = f"u{n}", f"u{n}@example.com", {"token": f"t{n}", "platform": "ios"}, f"g{n}"
    person = {"id": uid}
    relationship = [{"identifiers": {"object_type_id": "2", "object_id": group}, "relationship_attributes": {"r": n}}]
    return [
        by_id(uid, email=email, anonymous_id=f"a{n}", n=n),
        by_email(email, m=n),
        event(person, id=f"e{n}"),
        {"type": "person", "action": "page", "identifiers": {"anonymous_id": f"a{n}"}, "name": "/"},
        {"type": "person", "action": "add_device", "identifiers": person, "device": device},
        {"type": "person", "action": "add_relationships", "identifiers": person, "cio_relationships": relationship},
        {
            "type": "object",
            "action": "identify",
            "identifiers": {"object_type_id": "1", "object_id": group},
            "attributes": {"n": n},
            "cio_relationships": [{"identifiers": person, "relationship_attributes": {"s": n}}],
        },
        {"type": "person", "action": "delete_device", "identifiers": person, "device": device},
        {"type": "person", "action": "delete_relationships", "identifiers": person, "cio_relationships": relationship},
    ]


def reads(ws: Workspace, db: Database, people: range) -> int:
    """SELECT statements of one batch of every kind of operation for each of `people`."""
    statements: list[str] = []
    with db.begin() as conn:
        conn.connection.driver_connection.set_trace_callback(statements.append)  # type: ignore[union-attr]
        results = ws.apply([op for n in people for op in operations(n)], now=NOW + 1, conn=conn)
    assert all(result.ok for result in results), [r for r in results if not r.ok]
    return sum(1 for sql in statements if sql.lstrip().upper().startswith("SELECT"))


def test_a_batch_reads_the_same_for_few_and_many_operations(sqlite_db: Database) -> None:
    """Each kind of operation declares what it looks up (engine.HANDLERS) and the batch loads it up front, so the
    reads of a batch do not grow with its operations (SQLite: the engine's statements reach the driver)."""
    ws = new_workspace(sqlite_db)
    setup = [op for n in range(200) for op in (by_id(f"u{n}", email=f"u{n}@example.com"), by_id(f"x{n}"))]
    assert all(result.ok for result in ws.apply(setup, now=NOW))
    kinds = {(op["type"], op["action"]) for op in operations(0)}
    assert kinds <= set(HANDLERS)
    assert reads(ws, sqlite_db, range(0, 5)) == reads(ws, sqlite_db, range(5, 200))

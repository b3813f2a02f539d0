"""Every kind of operation declares what it looks up, and the batch loads it up front: the number of reads a
batch makes does not grow with its number of operations (SQLite, where the engine's statements reach the driver)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from segcio.store import Database, open_database
from segcio.workspace.engine import HANDLERS, Workspace
from tests.workspace.engine_helpers import NOW, by_email, by_id, event, new_workspace


@pytest.fixture
def sqlite_db(tmp_path: Path) -> Iterator[Database]:
    database = open_database(f"sqlite:///{tmp_path / 'segcio.db'}")
    try:
        yield database
    finally:
        database.dispose()


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
    ws = new_workspace(sqlite_db)
    setup = [op for n in range(200) for op in (by_id(f"u{n}", email=f"u{n}@example.com"), by_id(f"x{n}"))]
    assert all(result.ok for result in ws.apply(setup, now=NOW))
    kinds = {(op["type"], op["action"]) for op in operations(0)}
    assert kinds <= set(HANDLERS)
    assert reads(ws, sqlite_db, range(0, 5)) == reads(ws, sqlite_db, range(5, 200))

"""How a batch reads and writes its rows: bulk lookups, driver-level statements and their errors."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy.exc

from segcio.store import Database, open_database
from segcio.workspace.engine import Workspace
from segcio.workspace.settings import load_settings
from segcio.workspace.unit import Unit
from tests.workspace.engine_helpers import NOW, by_id, event, everyone, must, new_workspace


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

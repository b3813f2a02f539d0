"""The read side: lookups, pagination cursors, filters over string attributes, CSV export rows, activity log."""

from __future__ import annotations

import pytest

from segcio.store import Database
from segcio.workspace import queries
from segcio.workspace.engine import Workspace
from tests.workspace.engine_helpers import NOW, apply1, by_id, event, must, new_workspace


@pytest.fixture
def ws(db: Database) -> Workspace:
    return new_workspace(db)


def test_find_person_by_each_identifier(ws: Workspace) -> None:
    apply1(ws, by_id("u1", email="A@Example.com"))
    p = must(ws, id="u1")
    for lookup in ({"email": "a@example.com"}, {"cio_id": p.cio_id}, {"cio_id": f"cio_{p.cio_id}"}):
        assert must(ws, **lookup).pk == p.pk
    assert queries.find_by_identifier(ws.db, ws.workspace_id, f"cio_{p.cio_id}", "cio_id") is not None
    assert queries.find_person(ws.db, ws.workspace_id, cio_id="nonsense") is None


def test_list_people_pages_with_a_cursor_and_filters(ws: Workspace) -> None:
    ws.apply([by_id(f"u{i}", plan="pro" if i % 2 else "free") for i in range(7)], now=NOW)
    seen: list[str | None] = []
    cursor = None
    while True:
        page, cursor = queries.list_people(
            ws.db, ws.workspace_id, where=lambda a: a.get("plan") == "pro", start=cursor, limit=2
        )
        seen += [p.id for p in page]
        if cursor is None:
            break
    assert seen == ["u1", "u3", "u5"]
    with pytest.raises(ValueError, match="cursor"):
        queries.list_people(ws.db, ws.workspace_id, start="!!not-a-cursor")


def test_export_rows_have_fixed_columns_then_attributes(ws: Workspace) -> None:
    apply1(ws, by_id("u1", email="a@example.com", created_at=1489014595, plan="pro", flag=True))
    (row,) = list(queries.export_rows(ws.db, ws.workspace_id))
    assert list(row)[: len(queries.EXPORT_FIXED_COLUMNS)] == list(queries.EXPORT_FIXED_COLUMNS)
    assert row["created_at"] == "1489014595" and row["_created_in_customerio_at"] == str(int(NOW))
    assert (row["id"], row["email"], row["plan"], row["flag"], row["unsubscribed"]) == (
        "u1",
        "a@example.com",
        "pro",
        "true",
        "false",
    )


def test_activities_include_events_newest_first_and_page(ws: Workspace) -> None:
    for i in range(5):
        apply1(ws, by_id("u1", n=i), now=NOW + i * 10)
        apply1(ws, event({"id": "u1"}, f"e{i}", timestamp=NOW + i * 10 + 5), now=NOW + i * 10 + 5)
    pk = must(ws, id="u1").pk
    collected = []
    cursor = None
    while True:
        page, cursor = queries.activities(ws.db, ws.workspace_id, person_pk=pk, start=cursor, limit=3)
        collected += page
        if cursor is None:
            break
    stamps = [a.timestamp for a in collected]
    assert stamps == sorted(stamps, reverse=True)
    assert [a.name for a in collected if a.type == "event"] == ["e4", "e3", "e2", "e1", "e0"]
    assert sum(1 for a in collected if a.type == "attribute_change") == 5
    only_events, _ = queries.activities(ws.db, ws.workspace_id, person_pk=pk, type="event", limit=100)
    assert len(only_events) == 5

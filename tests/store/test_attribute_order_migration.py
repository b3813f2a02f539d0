"""Migration 0018 on a workspace with relationships: they keep their attributes, gain empty per-attribute times,
and are ordered by time from their next update on (SQLite and PostgreSQL)."""

from __future__ import annotations

from typing import Any

from alembic import command

from segcio.store import Database
from segcio.store.db import alembic_config
from segcio.workspace import queries
from segcio.workspace.engine import Workspace
from tests.workspace.engine_helpers import new_workspace

ACME = {"object_type_id": "1", "object_id": "acme"}


def relate(role: str, at: int) -> dict[str, Any]:
    return {
        "type": "person",
        "action": "add_relationships",
        "identifiers": {"id": "p1"},
        "cio_relationships": [{"identifiers": ACME, "relationship_attributes": {"role": role}}],
        "timestamp": at,
    }


def roles(ws: Workspace) -> list[dict[str, Any]]:
    obj = queries.find_object(ws.db, ws.workspace_id, type_id=1, object_id="acme")
    assert obj is not None
    return [r.attributes for r in queries.object_relationships(ws.db, ws.workspace_id, obj.pk)]


def test_relationships_from_before_the_upgrade_keep_their_attributes_and_are_ordered_after(
    database_url: str,
) -> None:
    db = Database(database_url)
    try:
        db.upgrade()
        ws = new_workspace(db)
        assert all(r.ok for r in ws.apply([relate("owner", 1_700_000_030)]))
        command.downgrade(alembic_config(db.url), "0018_attribute_order-1")  # the table as it was before
        db.upgrade()

        assert roles(ws) == [{"role": "owner"}]
        ws.apply([relate("viewer", 1_700_000_020)])  # no time stored yet: applied
        assert roles(ws) == [{"role": "viewer"}]
        ws.apply([relate("admin", 1_700_000_010)])  # older than the stored one: ignored
        assert roles(ws) == [{"role": "viewer"}]
    finally:
        db.dispose()

"""Object types: renaming (the workspace engine names new types after animals; people may rename them)."""

from __future__ import annotations

from sqlalchemy import update

from segcio.store import Database
from segcio.store.tables.workspace import ws_object_types

MAX_TYPE_NAME = 200


def rename_type(db: Database, workspace_id: int, type_id: int, name: str) -> bool:
    """Give an object type a new name; False when the type does not exist."""
    name = name.strip()
    if not name or len(name) > MAX_TYPE_NAME:
        raise ValueError(f"Name: give 1 to {MAX_TYPE_NAME} characters.")
    with db.begin() as conn:
        result = conn.execute(
            update(ws_object_types)
            .where(ws_object_types.c.workspace_id == workspace_id, ws_object_types.c.type_id == type_id)
            .values(name=name)
        )
    return bool(result.rowcount)

"""Sources: the write keys the Tracking API accepts events with."""

from __future__ import annotations

import secrets
import time

from sqlalchemy import Connection, insert

from segcio.store.tables.core import sources


def create_source(conn: Connection, name: str) -> int:
    """A source with a fresh write key; returns its id."""
    result = conn.execute(
        insert(sources).values(name=name, write_key=secrets.token_urlsafe(24), enabled=True, created_at=time.time())
    )
    assert result.inserted_primary_key is not None
    return int(result.inserted_primary_key[0])

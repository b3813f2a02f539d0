"""Write-key resolution, in Segment's order: Basic, Bearer + body, body root, per message.

The Authorization header is resolved before the body is read: a Basic key no source has is refused without
reading it, and only a request without a usable header has its (size-capped) body read for a key.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from sqlalchemy import select

from segcio.auth import parse_basic, parse_bearer
from segcio.store import Database
from segcio.store.tables.core import sources


class UnknownWriteKey(Exception):
    """The Authorization header names a write key no enabled source has."""


def body_keys(body: Any) -> list[str]:
    """The write keys a body offers: its root `writeKey` (also what OAuth clients send beside their Bearer token),
    then the first message's."""
    keys: list[str] = []
    if isinstance(body, dict):
        if isinstance(body.get("writeKey"), str):
            keys.append(body["writeKey"])
        batch = body.get("batch")
        first = batch[0] if isinstance(batch, list) and batch else body
        if isinstance(first, dict) and isinstance(first.get("writeKey"), str):
            keys.append(first["writeKey"])
    return keys


class SourceDirectory:
    """Write key -> source id, cached briefly so every request does not hit the database."""

    TTL = 2.0

    def __init__(self, db: Database) -> None:
        self._db = db
        self._lock = threading.Lock()
        self._keys: dict[str, int] = {}
        self._loaded_at = 0.0

    def lookup(self, write_key: str) -> int | None:
        now = time.monotonic()
        if now - self._loaded_at > self.TTL or (write_key not in self._keys and now - self._loaded_at > 0.2):
            self.refresh()
        return self._keys.get(write_key)

    def refresh(self) -> None:
        with self._db.connect() as conn:
            rows = conn.execute(select(sources.c.write_key, sources.c.id).where(sources.c.enabled.is_(True))).all()
        with self._lock:
            self._keys = {row.write_key: row.id for row in rows}
            self._loaded_at = time.monotonic()

    def resolve_header(self, authorization: str | None) -> int | None:
        """The source the Authorization header names; None when the body must name it (no header, or a Bearer
        token that is not itself a write key: OAuth clients put the write key in the body)."""
        basic = parse_basic(authorization)
        if basic is not None and basic[0]:
            source_id = self.lookup(basic[0])
            if source_id is None:
                raise UnknownWriteKey(basic[0])
            return source_id
        token = parse_bearer(authorization)
        if token is not None:  # customerio-cdp-analytics sends pk_/sk_ keys as a Bearer token
            return self.lookup(token)
        return None

    def resolve_body(self, body: Any) -> int | None:
        for key in body_keys(body):
            source_id = self.lookup(key)
            if source_id is not None:
                return source_id
        return None

"""Write-key resolution, in Segment's order: Basic, Bearer + body, body root, per message."""

from __future__ import annotations

import threading
import time
from typing import Any

from sqlalchemy import select

from segcio.auth import parse_basic, parse_bearer
from segcio.store import Database
from segcio.store.tables.core import sources


def candidate_keys(authorization: str | None, body: Any) -> list[str]:
    """Every write key the request offers, most authoritative first."""
    keys: list[str] = []
    basic = parse_basic(authorization)
    if basic is not None and basic[0]:
        keys.append(basic[0])
    if isinstance(body, dict):
        # With OAuth (Bearer) the body names the source; without a header the body is the only credential.
        if isinstance(body.get("writeKey"), str):
            keys.append(body["writeKey"])
        batch = body.get("batch")
        first = batch[0] if isinstance(batch, list) and batch else body
        if isinstance(first, dict) and isinstance(first.get("writeKey"), str):
            keys.append(first["writeKey"])
    token = parse_bearer(authorization)
    if token is not None:
        keys.append(token)  # customerio-cdp-analytics sends pk_/sk_ keys as a Bearer token
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

    def resolve(self, authorization: str | None, body: Any) -> int | None:
        for key in candidate_keys(authorization, body):
            source_id = self.lookup(key)
            if source_id is not None:
                return source_id
        return None

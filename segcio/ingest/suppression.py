"""The set of suppressed user ids checked at ingestion (filled by regulations)."""

from __future__ import annotations

import threading
import time

from sqlalchemy import select

from segcio.store import Database
from segcio.store.tables.routing import suppressions


class SuppressionSet:
    """Cached in memory; refreshed every second so regulations made by another process apply quickly."""

    TTL = 1.0

    def __init__(self, db: Database) -> None:
        self._db = db
        self._ids: frozenset[str] = frozenset()
        self._loaded_at = -1e9
        self._lock = threading.Lock()

    def current(self) -> frozenset[str]:
        """The suppressed ids, at most TTL seconds old."""
        if time.monotonic() - self._loaded_at > self.TTL:
            self.refresh()
        return self._ids

    def refresh(self) -> None:
        with self._db.connect() as conn:
            ids = frozenset(conn.execute(select(suppressions.c.user_id)).scalars())
        with self._lock:
            self._ids = ids
            self._loaded_at = time.monotonic()

"""Which (source, messageId) pairs the SQLite event log already holds, remembered in memory.

On PostgreSQL a unique index on the log is the authority (several processes share it). On SQLite one process
writes the log, and a unique index keyed by random message ids made every stored event rewrite a page of that
index at a random place: per commit as many pages as events, which cost more than everything else ingestion
does. The writer asks this memory instead: a set of 64-bit hashes of (source, messageId) for the dedupe window,
bounded in size, rebuilt from the log at start.
"""

from __future__ import annotations

import time
from array import array
from collections import deque

from sqlalchemy import Connection, func, select

from segcio.store.tables.core import events

# About 85 MB per million remembered ids.
DEFAULT_CAPACITY = 1_000_000


def message_key(source_id: int, message_id: str) -> int:
    # Python's string hash is 64-bit SipHash: two different ids of one source collide with odds of about
    # n^2 / 2^65 (1.4e-8 for a full million).
    return hash((source_id, message_id))


class RecentMessageIds:
    """The message ids stored within the last `window_seconds`, at most `capacity` of them (oldest forgotten
    first). `forgotten_at` tells how old the oldest id forgotten for lack of room was, so the effective
    window is visible."""

    def __init__(self, window_seconds: float, capacity: int = DEFAULT_CAPACITY) -> None:
        self.window_seconds = window_seconds
        self.capacity = capacity
        self.keys: set[int] = set()
        # Keys in the order they were stored, one chunk per commit: (stored at, keys).
        self._chunks: deque[tuple[float, array[int]]] = deque()
        self.forgotten_at: float | None = None

    def __len__(self) -> int:
        return len(self.keys)

    def __contains__(self, key: int) -> bool:
        return key in self.keys

    def remember(self, keys: array[int], stored_at: float) -> None:
        """Add the keys of one commit (none of them is remembered yet)."""
        if keys:
            self.keys.update(keys)
            self._chunks.append((stored_at, keys))
        self.expire(stored_at)

    def effective_window(self, now: float) -> float:
        """Seconds back that a resent id is still recognised."""
        if self.forgotten_at is None:
            return self.window_seconds
        return min(self.window_seconds, max(0.0, now - self.forgotten_at))

    def expire(self, now: float) -> None:
        """Forget what fell out of the window (or beyond the bound)."""
        horizon = now - self.window_seconds
        while self._chunks and (self._chunks[0][0] < horizon or len(self.keys) > self.capacity):
            stored_at, keys = self._chunks.popleft()
            if stored_at >= horizon:
                self.forgotten_at = stored_at
            self.keys.difference_update(keys)

    def load(self, conn: Connection, now: float | None = None) -> None:
        """Rebuild from the log: the newest `capacity` events received within the window."""
        now = time.time() if now is None else now
        last = conn.execute(select(func.max(events.c.seq))).scalar() or 0
        query = (
            select(events.c.received_at, events.c.source_id, events.c.message_id)
            .where(events.c.seq > last - self.capacity, events.c.received_at >= now - self.window_seconds)
            .order_by(events.c.seq)
        )
        chunk: array[int] = array("q")
        chunk_at = 0.0
        for received_at, source_id, message_id in conn.execute(query):
            if chunk and received_at - chunk_at > 1.0:
                self.remember(chunk, chunk_at)
                chunk = array("q")
            if not chunk:
                chunk_at = received_at
            key = message_key(source_id, message_id)
            if key not in self.keys:
                chunk.append(key)
        self.remember(chunk, chunk_at)
        self.expire(now)

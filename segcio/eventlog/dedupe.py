"""Which (source, messageId) pairs the SQLite event log already holds, remembered in memory.

On PostgreSQL a unique index on the log is the authority (several processes share it). On SQLite one process
writes the log, and a unique index keyed by random message ids made every stored event rewrite a page of that
index at a random place: per commit as many pages as events, which cost more than everything else ingestion
does. The writer asks this memory instead: sets of 64-bit hashes of (source, messageId) for the dedupe window,
bounded in size, rebuilt from the log at start.
"""

from __future__ import annotations

import time
from array import array
from collections import deque

from sqlalchemy import Connection, func, select

from segcio.store.tables.core import events

# About 70 MB per million remembered ids in their sets and integers, as measured in the process under steady
# ingestion (see docs/benchmarks.md, ingest).
DEFAULT_CAPACITY = 1_000_000
# The memory is kept in this many sets, oldest first, and forgotten a whole set at a time: a single set with ids
# removed as they age keeps the removed slots until it is rebuilt at twice its size, which under steady ingestion
# grows tens of MB past the bound; sets that are only added to and then dropped whole do not.
GENERATIONS = 8


def message_key(source_id: int, message_id: str) -> int:
    # Python's string hash is 64-bit SipHash: two different ids of one source collide with odds of about
    # n^2 / 2^65 (1.4e-8 for a full million).
    return hash((source_id, message_id))


class _Generation:
    __slots__ = ("first_at", "keys", "last_at")

    def __init__(self, stored_at: float) -> None:
        self.keys: set[int] = set()
        self.first_at = stored_at
        self.last_at = stored_at


class RecentMessageIds:
    """The message ids stored within the last `window_seconds`, at most `capacity` of them (oldest forgotten
    first). Ids are kept in GENERATIONS sets, each holding at most an eighth of the capacity and of the window, so
    an id may be remembered up to an eighth of the window longer, and the bound forgets an eighth at a time.
    `forgotten_at` tells when the newest id forgotten for lack of room was stored, so the effective window is
    visible."""

    def __init__(self, window_seconds: float, capacity: int = DEFAULT_CAPACITY) -> None:
        self.window_seconds = window_seconds
        self.capacity = capacity
        self._generation_ids = max(1, capacity // GENERATIONS)
        self._generation_span = window_seconds / GENERATIONS
        # Oldest first; lookups go newest first (a resent message is most often a recent one).
        self.generations: deque[_Generation] = deque()
        self._count = 0
        self.forgotten_at: float | None = None

    def __len__(self) -> int:
        return self._count

    def __contains__(self, key: int) -> bool:
        return any(key in generation.keys for generation in self.generations)

    def key_sets(self) -> list[set[int]]:
        """The sets to look a key up in, newest first (for callers that check many keys in a loop)."""
        return [generation.keys for generation in reversed(self.generations)]

    def remember(self, keys: array[int], stored_at: float) -> None:
        """Add the keys of one commit (none of them is remembered yet)."""
        if keys:
            newest = self.generations[-1] if self.generations else None
            if (
                newest is None
                or len(newest.keys) >= self._generation_ids
                or stored_at - newest.first_at > self._generation_span
            ):
                newest = _Generation(stored_at)
                self.generations.append(newest)
            newest.keys.update(keys)
            newest.last_at = stored_at
            self._count += len(keys)
        self.expire(stored_at)

    def effective_window(self, now: float) -> float:
        """Seconds back that a resent id is still recognised."""
        if self.forgotten_at is None:
            return self.window_seconds
        return min(self.window_seconds, max(0.0, now - self.forgotten_at))

    def expire(self, now: float) -> None:
        """Forget the generations that fell out of the window (or beyond the bound)."""
        horizon = now - self.window_seconds
        while self.generations and (self.generations[0].last_at < horizon or self._count > self.capacity):
            oldest = self.generations.popleft()
            if oldest.last_at >= horizon:
                self.forgotten_at = oldest.last_at
            self._count -= len(oldest.keys)

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
            if key not in self:
                chunk.append(key)
        self.remember(chunk, chunk_at)
        self.expire(now)

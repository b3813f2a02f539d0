"""The live debugger's reader: one per server process, tailing the event log by seq while someone watches.

Every viewer (an open stream of /ui/debugger) shares the one reader. Each tick it counts what arrived and reads at
most ROWS_PER_TICK rows, the newest; each viewer filters those and is sent at most ROWS_PER_SECOND of its matches,
spread over them. So the work per tick is bounded whatever the ingestion rate, and nothing runs when no one
watches. Reading the log (rather than a hook in the ingest path) sees the events of every process appending to it.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import threading
from dataclasses import dataclass, field
from types import FrameType
from typing import Any

from segcio.ingest import tail
from segcio.store import Database

TICK_SECONDS = 0.5
ROWS_PER_TICK = 500
ROWS_PER_SECOND = 20
# Rows a viewer may be sent at once (its first screen, or after a pause).
BURST_ROWS = 50
MAX_STREAMS = 8
# Messages waiting for a viewer whose connection is slow: beyond this its rows are dropped, never waited for.
QUEUE_MESSAGES = 200


@dataclass(eq=False)  # kept in a set, by identity
class Viewer:
    filter: tail.EventFilter
    queue: asyncio.Queue[tuple[str, dict[str, Any]]] = field(
        default_factory=lambda: asyncio.Queue(maxsize=QUEUE_MESSAGES)
    )
    seen: int = 0
    examined: int = 0
    matched: int = 0
    shown: int = 0
    tokens: float = BURST_ROWS

    def offer(self, window: tail.Window, seconds: float) -> None:
        """Take what one tick read: count it, send a sample of the matches, then the counts."""
        self.seen += window.count
        self.examined += len(window.rows)
        matches = [row for row in window.rows if self.filter.matches(row)]
        self.matched += len(matches)
        self.tokens = min(BURST_ROWS, self.tokens + seconds * ROWS_PER_SECOND)
        for row in _spread(matches, int(self.tokens)):
            with contextlib.suppress(asyncio.QueueFull):
                self.queue.put_nowait(("row", row.summary()))
                self.shown += 1
                self.tokens -= 1
        with contextlib.suppress(asyncio.QueueFull):
            self.queue.put_nowait(("stats", self.stats()))

    def end(self) -> None:
        """Make the stream finish: what it still holds is dropped."""
        while not self.queue.empty():
            self.queue.get_nowait()
        self.queue.put_nowait(("end", {}))

    def stats(self) -> dict[str, Any]:
        return {
            "seen": self.seen,
            "examined": self.examined,
            "matched": self.matched,
            "shown": self.shown,
            "rows_per_second": ROWS_PER_SECOND,
        }


def _spread(rows: list[tail.LoggedEvent], count: int) -> list[tail.LoggedEvent]:
    """`count` of `rows`, evenly spaced and ending with the newest."""
    if count >= len(rows):
        return rows
    if count <= 0:
        return []
    step = len(rows) / count
    return [rows[len(rows) - 1 - int(i * step)] for i in reversed(range(count))]


class LiveTail:
    def __init__(self, db: Database) -> None:
        self._db = db
        self._viewers: set[Viewer] = set()
        self._cursor: int | None = None  # the last seq read; None while no one watches
        self._task: asyncio.Task[None] | None = None
        self._hooked = False

    async def join(self, flt: tail.EventFilter, after: int | None) -> Viewer | None:
        """A new viewer (None when MAX_STREAMS are open), first sent the matches among the events after `after`
        (default: the last ROWS_PER_TICK), then those arriving."""
        if len(self._viewers) >= MAX_STREAMS:
            return None
        self._end_streams_on_exit()
        if self._cursor is None:
            end = await asyncio.to_thread(self._head)
            if self._cursor is None:
                self._cursor = end
        end = self._cursor
        viewer = Viewer(flt)
        self._viewers.add(viewer)
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run())
        start = max(0, end - ROWS_PER_TICK if after is None else after)
        if start < end:
            window = await asyncio.to_thread(self._window, start, end)
            viewer.offer(window, 0)
        return viewer

    def leave(self, viewer: Viewer) -> None:
        self._viewers.discard(viewer)

    def end_all(self) -> None:
        for viewer in self._viewers:
            viewer.end()

    def _end_streams_on_exit(self) -> None:
        """The server waits for every response to finish before it stops, and a stream would never finish: on
        SIGINT or SIGTERM the streams end first, then the server's own handler runs."""
        if self._hooked or threading.current_thread() is not threading.main_thread():
            return
        self._hooked = True
        loop = asyncio.get_running_loop()
        for number in (signal.SIGINT, signal.SIGTERM):
            previous = signal.getsignal(number)

            def handler(signum: int, frame: FrameType | None, previous: Any = previous) -> None:
                loop.call_soon_threadsafe(self.end_all)
                if callable(previous):
                    previous(signum, frame)
                elif previous == signal.SIG_DFL:
                    signal.signal(signum, signal.SIG_DFL)
                    signal.raise_signal(signum)

            signal.signal(number, handler)

    async def _run(self) -> None:
        while self._viewers:
            await asyncio.sleep(TICK_SECONDS)
            assert self._cursor is not None
            window = await asyncio.to_thread(self._window, self._cursor)
            self._cursor = window.end
            for viewer in list(self._viewers):
                viewer.offer(window, TICK_SECONDS)
        self._cursor = None  # the next viewer starts from the end of the log

    def _head(self) -> int:
        with self._db.connect() as conn:
            return tail.head(conn)

    def _window(self, start: int, end: int | None = None) -> tail.Window:
        with self._db.connect() as conn:
            return tail.newest_since(conn, start, ROWS_PER_TICK, end)

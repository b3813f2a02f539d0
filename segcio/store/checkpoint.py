"""Copying SQLite's write-ahead log into the database file beside a busy writer rather than inside it.

By default the commit that takes the WAL past 1,000 pages checkpoints it then and there, in the committing
thread: for the ingest writer that is a pause (page copies and an fsync of the database file) between two group
commits, during which every client waits. The writer's connection turns that off and calls `committed()` after
each commit instead; a thread of this class then checkpoints on its own connection while the writer goes on.

SQLite rewinds the WAL only when a write transaction begins with every frame already copied, which a writer that
never pauses seldom finds. So once the WAL passes `catch_up_pages`, the writer finishes the checkpoint itself
(what the thread has not copied yet: the last few commits) before its next transaction, and the WAL starts over.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time

log = logging.getLogger(__name__)

# 16 MB of 4 KB pages: the WAL this writer lets grow before it rewinds it.
DEFAULT_CATCH_UP_PAGES = 4096
CHECKPOINT = "PRAGMA wal_checkpoint(PASSIVE)"


class WalCheckpointer:
    """Checkpoints the WAL of the SQLite database at `path` after each commit a writer reports."""

    def __init__(self, path: str, catch_up_pages: int = DEFAULT_CATCH_UP_PAGES) -> None:
        self._path = path
        self.catch_up_pages = catch_up_pages
        self.wal_pages = 0  # the WAL's size in pages when it was last checkpointed
        self._wake = threading.Event()
        self._stopping = False
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name="segcio-wal-checkpoint", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._thread is not None:
            self._stopping = True
            self._wake.set()
            self._thread.join(timeout=30)
            self._thread = None

    def committed(self, writer: sqlite3.Connection) -> None:
        """Called by the writer after a commit, on its own connection (outside any transaction)."""
        if self.wal_pages >= self.catch_up_pages:
            self.wal_pages = _checkpoint_until_done(writer)
        self._wake.set()

    def _run(self) -> None:
        conn = sqlite3.connect(self._path, isolation_level=None, check_same_thread=False)
        try:
            while True:
                self._wake.wait()
                self._wake.clear()
                if self._stopping:
                    return
                busy, pages, _copied = conn.execute(CHECKPOINT).fetchone()
                if not busy:  # busy: the writer is finishing one itself
                    self.wal_pages = pages
        except sqlite3.Error:  # the writer's own commits checkpoint once the WAL is over the bound
            log.exception("WAL checkpoint thread stopped")
        finally:
            conn.close()


def _checkpoint_until_done(conn: sqlite3.Connection) -> int:
    """A passive checkpoint that waits for the checkpoint thread's pass to end first; returns the pages left in
    the WAL (0 once every frame is copied: the next write transaction rewinds it)."""
    while True:
        busy, pages, copied = conn.execute(CHECKPOINT).fetchone()
        if not busy:
            return int(pages - copied)
        time.sleep(0.0005)

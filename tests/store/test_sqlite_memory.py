"""SQLite's memory is bounded for the whole process, however many pooled connections have filled their caches."""

from __future__ import annotations

import _sqlite3
import ctypes
from contextlib import ExitStack
from pathlib import Path

from segcio.store import open_database
from segcio.store.db import SQLITE_SOFT_HEAP_LIMIT_MB

CONNECTIONS = 6  # each may cache 16 MB: 96 MB without the process-wide limit


def _sqlite_memory_mb() -> float:
    # The SQLite library the sqlite3 module runs on (linked into it or loaded beside it).
    library = ctypes.CDLL(_sqlite3.__file__)
    library.sqlite3_memory_used.restype = ctypes.c_int64
    return float(library.sqlite3_memory_used()) / 2**20


def test_pooled_connections_share_one_memory_bound(tmp_path: Path) -> None:
    db = open_database(f"sqlite:///{tmp_path / 'segcio.db'}")
    try:
        with db.begin() as conn:
            conn.exec_driver_sql("CREATE TABLE filler (id INTEGER PRIMARY KEY, body TEXT)")
            conn.exec_driver_sql(
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 40000) "
                "INSERT INTO filler (body) SELECT printf('%.500c', 'x') FROM n"
            )
        with ExitStack() as stack:
            connections = [stack.enter_context(db.connect()) for _ in range(CONNECTIONS)]
            for conn in connections:  # each reads the whole 20 MB table through its own page cache
                assert conn.exec_driver_sql("SELECT sum(length(body)) FROM filler").scalar() == 40000 * 500
            used = _sqlite_memory_mb()
        assert used <= SQLITE_SOFT_HEAP_LIMIT_MB * 1.1, f"{used:.0f} MB held by SQLite"
    finally:
        db.dispose()

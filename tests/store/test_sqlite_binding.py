"""Parameters bound by the sqlite3 driver in a segcio process."""

from __future__ import annotations

import sqlite3

import segcio.store.db  # noqa: F401  (registers the adapter for None)


def test_none_is_bound_as_null() -> None:
    conn = sqlite3.connect(":memory:")
    try:
        assert conn.execute("SELECT ? IS NULL, typeof(?)", (None, None)).fetchone() == (1, "null")
        conn.execute("CREATE TABLE t (a INTEGER, b TEXT)")
        conn.executemany("INSERT INTO t VALUES (?, ?)", [(1, None), (None, "x")])
        assert conn.execute("SELECT a, b FROM t ORDER BY rowid").fetchall() == [(1, None), (None, "x")]
    finally:
        conn.close()

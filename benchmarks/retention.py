"""Retention benchmark: how fast routed events past their retention are deleted from a SQLite event log.

A log of `--events` events (about 700 bytes each, received 30 days ago, all routed by the default destination)
is swept by retention passes one after another, as the routing worker runs them while there is more to delete.
Prints JSON: events deleted per second, passes, the longest pass, and the database file size before and after.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.ingest import realistic_event
from segcio import jsonutil
from segcio.bootstrap import ensure_defaults
from segcio.eventlog.partitions import PARTITIONS
from segcio.pipeline.leases import advance, ensure_cursors
from segcio.pipeline.retention import prune
from segcio.store import open_database


def fill(path: Path, count: int, received_at: float) -> None:
    """Append `count` events straight through sqlite3 (the benchmark times the deletion, not this)."""
    conn = sqlite3.connect(path)
    rows = []
    for i in range(count):
        message = realistic_event(i, 0)
        rows.append((1, f"m{i}", message["type"], message.get("userId"), None, i % PARTITIONS, received_at))
        if len(rows) == 10_000 or i == count - 1:
            body = jsonutil.dumps(message)
            conn.executemany(
                "INSERT INTO events (source_id, message_id, type, user_id, anonymous_id, partition, received_at, body)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [(*row, body) for row in rows],
            )
            rows = []
    conn.commit()
    conn.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=1_000_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="segcio-retention-") as tmp:
        path = Path(tmp) / "segcio.db"
        db = open_database(f"sqlite:///{path}")
        ensure_defaults(db)
        now = time.time()
        log_path = Path(str(db.eventlog_path))
        fill(log_path, args.events, now - 30 * 86400)
        with db.begin() as conn:
            ensure_cursors(conn, [1])
            advance(conn, 1, {p: 2**62 for p in range(PARTITIONS)})  # everything routed
        size_before = log_path.stat().st_size
        deleted, passes, longest = 0, 0, 0.0
        resume = 0
        started = time.perf_counter()
        while True:
            pass_started = time.perf_counter()
            result = prune(db, 7 * 86400, now=now, start_after=resume)
            longest = max(longest, time.perf_counter() - pass_started)
            deleted += result.events
            passes += 1
            if result.resume_after is None:
                break
            resume = result.resume_after
        seconds = time.perf_counter() - started
        db.dispose()
        print(
            json.dumps(
                {
                    "benchmark": "retention",
                    "events": args.events,
                    "deleted": deleted,
                    "seconds": round(seconds, 2),
                    "events_deleted_per_s": round(deleted / seconds),
                    "passes": passes,
                    "longest_pass_s": round(longest, 3),
                    "db_mb_before": round(size_before / 2**20),
                    "db_mb_after": round(log_path.stat().st_size / 2**20),
                }
            )
        )


if __name__ == "__main__":
    main()

"""CPU cost of one tick of the live debugger's reader (segcio.web.live): read what arrived in half a second at a
given ingestion rate (count it, read the newest ROWS_PER_TICK rows) and hand it to K viewers, each filtering it.
CPU time of the thread (steady on a busy machine, where wall time is not). Prints JSON.
Usage: python benchmarks/debugger_tick.py [--events 200000] [--rate 80000] [--viewers 1] [--rounds 20] [--database URL]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.ingest import realistic_event
from benchmarks.pgschema import private_schema
from segcio import jsonutil
from segcio.eventlog import writes as eventlog
from segcio.ingest.tail import EventFilter, newest_since
from segcio.store import Database, open_database
from segcio.store.tables.core import events
from segcio.web import live

# The filters of the viewers, in turn: none, free text, an email (the costliest: it parses the bodies it finds).
FILTERS = [EventFilter(), EventFilter(text="order"), EventFilter(user="user-0-7@example.com")]


def fill(db: Database, count: int) -> None:
    with eventlog.transaction(db) as conn:
        for start in range(0, count, 5000):
            rows = []
            for i in range(start, min(count, start + 5000)):
                message = realistic_event(i, 0)
                message["messageId"] = f"m-{i}"
                rows.append(
                    {
                        "source_id": 1,
                        "message_id": f"m-{i}",
                        "type": message["type"],
                        "user_id": message.get("userId"),
                        "anonymous_id": message.get("anonymousId"),
                        "partition": i % 64,
                        "received_at": time.time(),
                        "body": jsonutil.dumps(message),
                    }
                )
            conn.execute(events.insert(), rows)


def measure(url: str, args: argparse.Namespace) -> dict[str, object]:
    db = open_database(url)
    fill(db, args.events)
    window = int(args.rate * live.TICK_SECONDS)
    cpu_ms = []
    viewers = [live.Viewer(FILTERS[i % len(FILTERS)]) for i in range(args.viewers)]
    with db.connect() as conn:
        for r in range(args.rounds):
            start = args.events - window - (r % 5)  # a slightly different range each round
            began = time.thread_time()
            tick = newest_since(conn, start, live.ROWS_PER_TICK)
            for viewer in viewers:
                viewer.offer(tick, live.TICK_SECONDS)
                while not viewer.queue.empty():
                    viewer.queue.get_nowait()
            cpu_ms.append((time.thread_time() - began) * 1000)
    db.dispose()
    per_tick = statistics.median(cpu_ms)
    return {
        "benchmark": "debugger_tick",
        "database": "postgresql" if url.startswith("postgresql") else "sqlite",
        "rate": args.rate,
        "viewers": args.viewers,
        "cpu_ms_per_tick_median": round(per_tick, 2),
        "cpu_ms_per_tick_max": round(max(cpu_ms), 2),
        "share_of_one_core": round(per_tick / 1000 / live.TICK_SECONDS, 4),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=200_000, help="events in the log")
    parser.add_argument("--rate", type=int, default=80_000, help="events accepted per second")
    parser.add_argument("--viewers", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--database", default="")
    args = parser.parse_args()
    if args.database.startswith("postgresql"):
        with private_schema(args.database) as url:
            result = measure(url, args)
    else:
        with tempfile.TemporaryDirectory() as directory:
            result = measure(f"sqlite:///{Path(directory) / 'segcio.db'}", args)
    print(json.dumps(result))


if __name__ == "__main__":
    main()

"""Routing batch size: how fast the router routes a prepared log into the local workspace, per events read in
one routing transaction, and how long each transaction holds the database.

A fresh database per batch size is filled with --events realistic events (benchmarks/ingest.py's mix over 5,000
people, normalised and appended by segcio's own ingest service), then one in-process Router steps until idle: the
default source's Quick Setup subscriptions applied to the local workspace, as `segcio serve` routes them.
"adaptive" is the router's own rule (router.BatchSize: grow while transactions stay under the time budget).
Prints JSON: per backend and batch size, events/s (wall and per CPU-second of this process; PostgreSQL's own
work is not in the CPU figure) and the transaction's duration (median, p99, max).
Usage: python benchmarks/routing_batch.py [--events 20000] [--batches 250,500,1000,2000,4000,adaptive]
                                          [--postgres URL] [--rounds 1]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.ingest import EVENTS_PER_REQUEST, realistic_event
from benchmarks.pgschema import private_schema
from segcio.bootstrap import ensure_defaults
from segcio.ingest.service import IngestService
from segcio.pipeline.router import BatchSize, Router
from segcio.store import Database, open_database


@contextmanager
def database(backend: str, postgres_url: str) -> Iterator[Database]:
    if backend == "sqlite":
        with tempfile.TemporaryDirectory(prefix="segcio-routing-") as tmp:
            db = open_database(f"sqlite:///{Path(tmp) / 'segcio.db'}")
            try:
                yield db
            finally:
                db.dispose()
    else:
        with private_schema(postgres_url) as url:
            db = open_database(url)
            try:
                yield db
            finally:
                db.dispose()


def fill(db: Database, events: int) -> None:
    source_id = ensure_defaults(db).source_id
    service = IngestService(db)
    service.start()

    async def post_all() -> None:
        for r in range(events // EVENTS_PER_REQUEST):
            batch = [realistic_event(r * EVENTS_PER_REQUEST + i, 0) for i in range(EVENTS_PER_REQUEST)]
            for event in batch:
                event["messageId"] = str(uuid.uuid4())
            body = {"batch": batch}
            await service.write(service.prepare(source_id, body, batch=True, route_type=None, peer_ip=None))

    try:
        asyncio.run(post_all())
    finally:
        service.stop()


class FixedSize(BatchSize):
    """Every transaction reads `limit` events."""

    def __init__(self, limit: int) -> None:
        self.limit = limit

    def observe(self, read: int, seconds: float) -> None:
        pass


def route(db: Database, batch: str) -> dict[str, Any]:
    """Route until idle with a fixed batch size, or the router's own adaptive one ("adaptive")."""
    router = Router(db)
    if batch != "adaptive":
        router.batch = FixedSize(int(batch))
    steps: list[float] = []
    sizes: list[int] = []
    routed = 0
    cpu = time.process_time()
    started = time.perf_counter()
    while True:
        step_started = time.perf_counter()
        sizes.append(router.batch.limit)
        n = router.step()
        if not n:
            break
        steps.append(time.perf_counter() - step_started)
        routed += n
    seconds = time.perf_counter() - started
    cpu = time.process_time() - cpu
    router.release()
    steps.sort()
    return {
        "batch": batch,
        "events": routed,
        "seconds": round(seconds, 2),
        "events_per_s": round(routed / seconds),
        "events_per_cpu_s": round(routed / cpu),
        "batch_sizes_used": sorted(set(sizes)),
        "transactions": len(steps),
        "transaction_ms_p50": round(statistics.median(steps) * 1000, 1),
        "transaction_ms_p99": round(steps[int(len(steps) * 0.99)] * 1000, 1),
        "transaction_ms_max": round(steps[-1] * 1000, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--batches", default="250,500,1000,2000,4000,adaptive")
    parser.add_argument("--postgres", default=os.environ.get("SEGCIO_TEST_POSTGRES_URL", ""))
    parser.add_argument("--rounds", type=int, default=1, help="passes over the batch sizes (alternated)")
    args = parser.parse_args()
    sizes = args.batches.split(",")
    backends = ["sqlite", *(["postgresql"] if args.postgres else [])]
    results: dict[str, list[dict[str, Any]]] = {backend: [] for backend in backends}
    load_before = os.getloadavg()[0]
    for _ in range(args.rounds):
        for backend in backends:
            for size in sizes:
                with database(backend, args.postgres) as db:
                    fill(db, args.events)
                    results[backend].append({**route(db, size), "load_average": round(os.getloadavg()[0], 2)})
    print(json.dumps({"benchmark": "routing-batch", "load_average_before": round(load_before, 2), **results}))


if __name__ == "__main__":
    main()

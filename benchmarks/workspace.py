"""Workspace apply throughput while the workspace grows to 1,000,000 people.

A realistic mix of Track v2 operations (identify by id and by email, events, anonymous events and their merge on
identify, group calls, devices) is applied in batches of `--batch` operations (one apply() = one transaction).
Each batch creates about `--new-share` of its operations' people; the rest address people who exist. Prints JSON
with operations per second measured around each checkpoint (10k, 100k, 1M people) for SQLite and, when
SEGCIO_TEST_POSTGRES_URL is set, PostgreSQL.

    python benchmarks/workspace.py                 # SQLite (+ PostgreSQL) up to 1,000,000 people
    python benchmarks/workspace.py --people 100000 # a shorter run
"""

from __future__ import annotations

import argparse
import json
import os
import random
import secrets
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from segcio import tuning
from segcio.bootstrap import create_workspace
from segcio.store import Database, open_database
from segcio.workspace.engine import Workspace

CHECKPOINTS = (10_000, 100_000, 1_000_000)
WINDOW_OPS = 20_000  # operations measured at each checkpoint


class Mix:
    """Generates batches of operations over a growing population."""

    def __init__(self, seed: int, new_share: float) -> None:
        self.rng = random.Random(seed)
        self.people = 0  # people u0..u{people-1} exist (created with id and email)
        self.new_share = new_share
        self.anonymous = 0
        self.event_seq = 0

    def _known(self) -> str:
        return f"u{self.rng.randrange(self.people)}" if self.people else "u0"

    def _event_id(self) -> str:
        self.event_seq += 1
        return f"ev{self.event_seq:012d}"

    def op(self) -> dict[str, Any]:
        r = self.rng.random()
        if self.people == 0 or r < self.new_share:
            n = self.people
            self.people += 1
            if n % 5 == 0:  # a lead by email, given its id in the same batch stream later
                return {
                    "type": "person",
                    "action": "identify",
                    "identifiers": {"email": f"u{n}@example.com"},
                    "attributes": {"first_name": f"Lead {n}", "created_at": 1_700_000_000 + n},
                }
            return {
                "type": "person",
                "action": "identify",
                "identifiers": {"id": f"u{n}"},
                "attributes": {"email": f"u{n}@example.com", "plan": "basic", "created_at": 1_700_000_000 + n},
            }
        r = self.rng.random()
        if r < 0.25:
            return {
                "type": "person",
                "action": "identify",
                "identifiers": {"id": self._known()},
                "attributes": {"plan": self.rng.choice(["basic", "pro", "team"]), "seen": self.rng.randrange(1000)},
            }
        if r < 0.65:
            return {
                "type": "person",
                "action": "event",
                "identifiers": {"id": self._known()},
                "name": "Product Viewed",
                "id": self._event_id(),
                "timestamp": 1_700_000_000,
                "attributes": {"sku": "sku-1", "price": 9.5},
            }
        if r < 0.72:
            return {
                "type": "person",
                "action": "page",
                "identifiers": {"id": self._known()},
                "name": "/pricing",
                "id": self._event_id(),
                "attributes": {"url": "https://example.com/pricing"},
            }
        if r < 0.82:
            self.anonymous += 1
            return {
                "type": "person",
                "action": "event",
                "identifiers": {"anonymous_id": f"anon{self.anonymous}"},
                "name": "Viewed",
                "id": self._event_id(),
                "attributes": {"path": "/"},
            }
        if r < 0.88 and self.anonymous:
            return {
                "type": "person",
                "action": "identify",
                "identifiers": {"id": self._known()},
                "attributes": {"anonymous_id": f"anon{self.rng.randrange(1, self.anonymous + 1)}"},
            }
        if r < 0.94:
            return {
                "type": "object",
                "action": "identify",
                "identifiers": {"object_type_id": "1", "object_id": f"acct{self.rng.randrange(1000)}"},
                "attributes": {"name": "Account"},
                "cio_relationships": [
                    {"identifiers": {"id": self._known()}, "relationship_attributes": {"role": "user"}}
                ],
            }
        return {
            "type": "person",
            "action": "add_device",
            "identifiers": {"id": self._known()},
            "device": {
                "token": f"tok{self.rng.randrange(200_000)}",
                "platform": "ios",
                "attributes": {"app_version": "2.1"},
            },
        }

    def batch(self, size: int) -> list[dict[str, Any]]:
        return [self.op() for _ in range(size)]


def run(db: Database, target: int, batch: int, new_share: float, analyze: bool = False) -> list[dict[str, Any]]:
    with db.begin() as conn:
        ws = Workspace(db, create_workspace(conn, "bench"))
    # As `segcio serve` does once start-up is done (its router applies workspace operations in that process).
    tuning.tune_for_serving()
    mix = Mix(7, new_share)
    figures: list[dict[str, Any]] = []
    checkpoints = [c for c in CHECKPOINTS if c <= target] or [target]
    fill = 0.0  # time spent growing between checkpoints (reported, not part of the figure)
    for checkpoint in checkpoints:
        started = time.perf_counter()
        while mix.people < checkpoint - WINDOW_OPS * new_share // 2:
            ws.apply(mix.batch(batch))
        fill += time.perf_counter() - started
        if analyze and db.is_postgres:
            # What autovacuum does on a server that has it on: planner statistics for the grown tables.
            with db.begin() as conn:
                conn.exec_driver_sql("ANALYZE")
        batches = [mix.batch(batch) for _ in range(WINDOW_OPS // batch)]
        applied, started, cpu = 0, time.perf_counter(), time.process_time()
        for ops in batches:
            ws.apply(ops)
            applied += len(ops)
        seconds = time.perf_counter() - started
        cpu_seconds = time.process_time() - cpu
        figures.append(
            {
                "people": mix.people,
                "ops": applied,
                "seconds": round(seconds, 3),
                "ops_per_s": round(applied / seconds),
                # This process's CPU time (for SQLite it includes the database engine): a figure that a busy,
                # shared machine distorts less than wall-clock time.
                "ops_per_cpu_s": round(applied / cpu_seconds),
                "load_average": round(os.getloadavg()[0], 2),
            }
        )
        print(json.dumps({"progress": figures[-1]}), file=sys.stderr, flush=True)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=1_000_000, help="grow the workspace to this many people")
    parser.add_argument("--batch", type=int, default=500, help="operations per apply() call")
    parser.add_argument("--new-share", type=float, default=0.3, help="share of operations that create a person")
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument(
        "--analyze", action="store_true", help="PostgreSQL: ANALYZE before each timed window (as autovacuum would)"
    )
    args = parser.parse_args()
    out: dict[str, Any] = {"benchmark": "workspace apply", "batch": args.batch, "new_share": args.new_share}
    if args.backend in ("sqlite", "both"):
        with tempfile.TemporaryDirectory() as tmp:
            db = open_database(f"sqlite:///{Path(tmp) / 'bench.db'}")
            out["sqlite"] = run(db, args.people, args.batch, args.new_share)
            db.dispose()
    pg = os.environ.get("SEGCIO_TEST_POSTGRES_URL", "")
    if args.backend in ("postgres", "both") and pg:
        schema = "bench_" + secrets.token_hex(4)
        admin = sa.create_engine(pg.replace("postgresql://", "postgresql+psycopg://", 1))
        with admin.begin() as conn:
            conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
        try:
            sep = "&" if "?" in pg else "?"
            db = open_database(f"{pg}{sep}options={quote(f'-csearch_path={schema}')}")
            out["postgres"] = run(db, args.people, args.batch, args.new_share, args.analyze)
            db.dispose()
        finally:
            with admin.begin() as conn:
                conn.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
            admin.dispose()
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()

"""Workspace apply throughput while the workspace grows to 1,000,000 people.

A realistic mix of Track v2 operations (identify by id and by email, events, anonymous events and their merge on
identify, group calls, devices) is applied in batches of `--batch` operations (one apply() = one transaction).
Each batch creates about `--new-share` of its operations' people; the rest address people who exist. Prints JSON
with operations per second measured around each checkpoint (10k, 100k, 1M people) for SQLite and, when
SEGCIO_TEST_POSTGRES_URL is set, PostgreSQL.

    python benchmarks/workspace.py                 # SQLite (+ PostgreSQL) up to 1,000,000 people
    python benchmarks/workspace.py --people 100000 # a shorter run

Growing the workspace to 1,000,000 people takes minutes. To time code changes at one size repeatedly, save the
SQLite database as it is before each timed window, then time windows on copies of it:

    python benchmarks/workspace.py --backend sqlite --save-db DIR   # also writes DIR/people-<N>.db (+ .mix)
    python benchmarks/workspace.py --from-db DIR/people-1000000.db  # one timed window on a copy (in --tmp-dir)

`--from-db` applies `--warmup` untimed batches first (the page caches of a full run are warm when it times), so
its figures are close to, not the same as, those of a full run; compare runs of the same mode.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import random
import shutil
import sqlite3
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.pgschema import private_schema
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

    def state(self) -> dict[str, Any]:
        return {"rng": self.rng.getstate(), **{k: v for k, v in vars(self).items() if k != "rng"}}

    @classmethod
    def restored(cls, state: dict[str, Any]) -> Mix:
        mix = cls(0, state["new_share"])
        mix.rng.setstate(state["rng"])
        for key in ("people", "anonymous", "event_seq"):
            setattr(mix, key, state[key])
        return mix


def save_db(db: Database, workspace_id: int, mix: Mix, directory: Path, checkpoint: int) -> None:
    """Copy the SQLite database (WAL checkpointed into it) and the generator's state for --from-db."""
    path = Path(db.url.split("///", 1)[1])
    with db.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / f"people-{checkpoint}.db"
    with sqlite3.connect(path) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    target.with_suffix(".mix").write_bytes(pickle.dumps({"workspace_id": workspace_id, "mix": mix.state()}))


class Applier:
    """`Workspace.apply`, optionally as the pipeline calls it: every operation with the log seq it came from
    (`--event-seqs`: the rows then carry `event_seq` and get entries in its indexes)."""

    def __init__(self, ws: Workspace, event_seqs: bool) -> None:
        self.ws = ws
        self.event_seqs = event_seqs
        self.seq = 0

    def apply(self, ops: list[dict[str, Any]]) -> None:
        if not self.event_seqs:
            self.ws.apply(ops)
            return
        seqs = list(range(self.seq + 1, self.seq + 1 + len(ops)))
        self.seq += len(ops)
        self.ws.apply(ops, event_seqs=seqs)


def run_from(
    db: Database, saved: dict[str, Any], batch: int, warmup: int, event_seqs: bool = False
) -> list[dict[str, Any]]:
    """One timed window on a saved database (see --from-db)."""
    ws = Applier(Workspace(db, saved["workspace_id"]), event_seqs)
    tuning.tune_for_serving()
    mix = Mix.restored(saved["mix"])
    for _ in range(warmup):
        ws.apply(mix.batch(batch))
    return [timed_window(ws, mix, batch)]


def timed_window(ws: Applier, mix: Mix, batch: int) -> dict[str, Any]:
    batches = [mix.batch(batch) for _ in range(WINDOW_OPS // batch)]
    applied, started, cpu = 0, time.perf_counter(), time.process_time()
    for ops in batches:
        ws.apply(ops)
        applied += len(ops)
    seconds = time.perf_counter() - started
    cpu_seconds = time.process_time() - cpu
    figure = {
        "people": mix.people,
        "ops": applied,
        "seconds": round(seconds, 3),
        "ops_per_s": round(applied / seconds),
        # This process's CPU time (for SQLite it includes the database engine): a figure that a busy,
        # shared machine distorts less than wall-clock time.
        "ops_per_cpu_s": round(applied / cpu_seconds),
        "load_average": round(os.getloadavg()[0], 2),
    }
    print(json.dumps({"progress": figure}), file=sys.stderr, flush=True)
    return figure


def run(
    db: Database,
    target: int,
    batch: int,
    new_share: float,
    analyze: bool = False,
    save_to: Path | None = None,
    event_seqs: bool = False,
) -> list[dict[str, Any]]:
    with db.begin() as conn:
        workspace_id = create_workspace(conn, "bench")
    ws = Applier(Workspace(db, workspace_id), event_seqs)
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
        if save_to is not None and db.is_sqlite:
            save_db(db, workspace_id, mix, save_to, checkpoint)
        if analyze and db.is_postgres:
            # What autovacuum does on a server that has it on: planner statistics for the grown tables.
            with db.begin() as conn:
                conn.exec_driver_sql("ANALYZE")
        figures.append(timed_window(ws, mix, batch))
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
    parser.add_argument("--save-db", type=Path, help="SQLite: save the database before each timed window here")
    parser.add_argument("--from-db", type=Path, help="SQLite: time one window on a copy of a --save-db database")
    parser.add_argument("--warmup", type=int, default=10, help="--from-db: untimed batches before the window")
    parser.add_argument("--tmp-dir", type=Path, help="where the benchmark's SQLite database lives (default: system)")
    parser.add_argument(
        "--event-seqs", action="store_true", help="apply as the pipeline does: each operation with its log seq"
    )
    args = parser.parse_args()
    out: dict[str, Any] = {
        "benchmark": "workspace apply",
        "batch": args.batch,
        "new_share": args.new_share,
        "event_seqs": args.event_seqs,
    }
    if args.from_db is not None:
        saved = pickle.loads(args.from_db.with_suffix(".mix").read_bytes())
        out["new_share"] = saved["mix"]["new_share"]
        with tempfile.TemporaryDirectory(dir=args.tmp_dir) as tmp:
            shutil.copyfile(args.from_db, Path(tmp) / "bench.db")
            # Write the copy out first: the window's first checkpoint would otherwise fsync the whole file.
            with open(Path(tmp) / "bench.db", "rb+") as copied:
                os.fsync(copied.fileno())
            db = open_database(f"sqlite:///{Path(tmp) / 'bench.db'}")
            out["sqlite"] = run_from(db, saved, args.batch, args.warmup, args.event_seqs)
            db.dispose()
        print(json.dumps(out, indent=2))
        return
    if args.backend in ("sqlite", "both"):
        with tempfile.TemporaryDirectory(dir=args.tmp_dir) as tmp:
            db = open_database(f"sqlite:///{Path(tmp) / 'bench.db'}")
            out["sqlite"] = run(
                db, args.people, args.batch, args.new_share, save_to=args.save_db, event_seqs=args.event_seqs
            )
            db.dispose()
    pg = os.environ.get("SEGCIO_TEST_POSTGRES_URL", "")
    if args.backend in ("postgres", "both") and pg:
        with private_schema(pg) as url:
            db = open_database(url)
            out["postgres"] = run(db, args.people, args.batch, args.new_share, args.analyze, event_seqs=args.event_seqs)
            db.dispose()
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()

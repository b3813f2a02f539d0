"""Pipeline benchmark: HTTP ingestion -> routing -> applied in the local workspace; remote delivery efficiency; memory.

Prints one JSON object per scenario:
  local-sqlite        `segcio serve` on SQLite (router in-process): events/s from POST to applied
  local-postgres-N    `segcio serve --no-workers` + N `segcio worker` on PostgreSQL (needs --postgres URL)
  remote              a second segcio stands in for Customer.io: requests per 1,000 events
  soak                sustained load for --soak-seconds: server RSS over time (max, first and last minute)
Usage: python benchmarks/pipeline.py [--events 50000] [--postgres URL] [--soak-seconds 600] [--only NAME]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.ingest import realistic_event, tree_rss_mb  # noqa: E402
from benchmarks.pgschema import private_schema  # noqa: E402


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Serve:
    def __init__(self, data_dir: Path, *args: str, serve_args: tuple[str, ...] = ()) -> None:
        self.data_dir = data_dir
        self.info = json.loads(
            subprocess.run(
                [sys.executable, "-m", "segcio", "info", "--json", "--data-dir", str(data_dir), *args],
                check=True,
                capture_output=True,
            ).stdout
        )
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "segcio",
                "serve",
                "--port",
                str(self.port),
                "--data-dir",
                str(data_dir),
                *args,
                *serve_args,
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(300):
            try:
                if httpx.get(self.url + "/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.1)
        raise RuntimeError("segcio serve did not start")

    def backlog(self) -> int:
        return int(httpx.get(self.url + "/healthz", timeout=30).json()["backlog"])

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(30)


def _bodies(count: int, write_key: str) -> list[bytes]:
    out = []
    for r in range(count // 100):
        batch = [realistic_event(r * 100 + i, 0) for i in range(100)]
        for event in batch:
            event["messageId"] = str(uuid.uuid4())
        out.append(json.dumps({"batch": batch, "writeKey": write_key}).encode())
    return out


def _post_all(url: str, bodies: list[bytes], threads: int = 8) -> None:
    chunks = [bodies[i::threads] for i in range(threads)]

    def run(chunk: list[bytes]) -> None:
        with httpx.Client(base_url=url, timeout=60) as client:
            for body in chunk:
                client.post("/v1/batch", content=body).raise_for_status()

    workers = [threading.Thread(target=run, args=(c,)) for c in chunks]
    for w in workers:
        w.start()
    for w in workers:
        w.join()


def _until_drained(serve: Serve, timeout: float = 1800) -> None:
    deadline = time.monotonic() + timeout
    while serve.backlog() and time.monotonic() < deadline:
        time.sleep(0.2)


def end_to_end(name: str, events: int, serve: Serve) -> dict[str, Any]:
    bodies = _bodies(events, serve.info["write_key"])
    started = time.perf_counter()
    _post_all(serve.url, bodies)
    ingested = time.perf_counter() - started
    _until_drained(serve)
    total = time.perf_counter() - started
    return {
        "scenario": name,
        "events": len(bodies) * 100,
        "ingest_seconds": round(ingested, 2),
        "applied_seconds": round(total, 2),
        "events_per_s_to_applied": round(len(bodies) * 100 / total),
    }


def local_sqlite(events: int) -> dict[str, Any]:
    data_dir = Path(tempfile.mkdtemp())
    serve = Serve(data_dir)
    try:
        return end_to_end("local-sqlite", events, serve)
    finally:
        serve.stop()
        shutil.rmtree(data_dir, ignore_errors=True)


def postgres(events: int, url: str, workers: int) -> dict[str, Any]:
    with private_schema(url) as scoped:
        serve = Serve(Path(tempfile.mkdtemp()), "--database", scoped, serve_args=("--no-workers",))
        procs = [
            subprocess.Popen(
                [sys.executable, "-m", "segcio", "worker", "--database", scoped],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            for _ in range(workers)
        ]
        try:
            return end_to_end(f"local-postgres-{workers}-workers", events, serve)
        finally:
            for p in procs:
                p.terminate()
            for p in procs:
                p.wait(30)
            serve.stop()


def catchup(events: int, limit_seconds: float) -> dict[str, Any]:
    """Ingest with routing off until a backlog of `events` waits, then start routing: how fast it drains."""
    data_dir = Path(tempfile.mkdtemp())
    serve = Serve(data_dir, serve_args=("--no-workers",))
    try:
        _post_all(serve.url, _bodies(events, serve.info["write_key"]))
    finally:
        serve.stop()
    serve = Serve(data_dir)
    try:
        waiting = serve.backlog()
        started = time.perf_counter()
        deadline = started + limit_seconds
        left = waiting
        while left and time.perf_counter() < deadline:
            time.sleep(0.5)
            left = serve.backlog()
        elapsed = time.perf_counter() - started
        return {
            "scenario": "catchup",
            "backlog_at_start": waiting,
            "backlog_at_end": left,
            "seconds": round(elapsed, 1),
            "events_per_s_applied": round((waiting - left) / elapsed),
        }
    finally:
        serve.stop()
        shutil.rmtree(data_dir, ignore_errors=True)


def remote(events: int) -> dict[str, Any]:
    """Route to a second segcio acting as Customer.io, and count the requests it received."""
    target = Serve(Path(tempfile.mkdtemp()))
    source_dir = Path(tempfile.mkdtemp())
    subprocess.run(
        [sys.executable, "-m", "segcio", "info", "--data-dir", str(source_dir)], check=True, capture_output=True
    )
    import sqlalchemy as sa

    engine = sa.create_engine(f"sqlite:///{source_dir / 'segcio.db'}")
    settings = {
        "siteId": target.info["site_id"],
        "apiKey": target.info["api_key"],
        "accountRegion": "US",
        "target": "remote",
        "base_url": target.url,
        "rateLimit": 100,
    }
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE destinations SET settings = :s WHERE id = 1"), {"s": json.dumps(settings)})
    engine.dispose()
    source = Serve(source_dir)
    try:
        bodies = _bodies(events, source.info["write_key"])
        started = time.perf_counter()
        _post_all(source.url, bodies)
        _until_drained(source)
        elapsed = time.perf_counter() - started
        metrics = httpx.get(source.url + "/metrics", headers={"Authorization": f"Bearer {source.info['admin_token']}"})
        requests = _metric_sum(metrics.text, "segcio_delivery_requests_total")
        sent_items = int(_metric_sum(metrics.text, "segcio_delivery_items_delivered_total"))
    finally:
        source.stop()
        target.stop()
    n = len(bodies) * 100
    return {
        "scenario": "remote",
        "events": n,
        "requests": int(requests),
        "items": sent_items,
        "requests_per_1000_events": round(requests * 1000 / n, 2),
        "seconds": round(elapsed, 2),
    }


def _metric_sum(text: str, name: str) -> float:
    return sum(
        float(line.rsplit(" ", 1)[1])
        for line in text.splitlines()
        if line.startswith(name) and not line.startswith("#")
    )


def soak(seconds: float, rate: float) -> dict[str, Any]:
    """Sustained load at `rate` events/s (below what the pipeline applies, so the backlog stays bounded)."""
    data_dir = Path(tempfile.mkdtemp())
    serve = Serve(data_dir)
    bodies = _bodies(20_000, serve.info["write_key"])
    samples: list[tuple[float, float]] = []
    stop = time.monotonic() + seconds
    started = time.monotonic()
    sent = 0
    try:
        with httpx.Client(base_url=serve.url, timeout=60) as client:
            while time.monotonic() < stop:
                for body in bodies:  # fresh messageIds each round so nothing is deduplicated
                    client.post("/v1/batch", content=body.replace(b'"messageId": "', f'"messageId": "{sent}-'.encode()))
                    sent += 100
                    pause = started + sent / rate - time.monotonic()
                    if pause > 0:
                        time.sleep(pause)
                    if not samples or time.monotonic() - samples[-1][0] - started > 10:
                        samples.append((time.monotonic() - started, tree_rss_mb(serve.process.pid)))
                    if time.monotonic() >= stop:
                        break
        _until_drained(serve)
    finally:
        serve.stop()
        shutil.rmtree(data_dir, ignore_errors=True)
    rss = [r for _, r in samples]
    per_10_minutes: dict[int, float] = {}
    for t, r in samples:
        per_10_minutes[int(t // 600)] = max(per_10_minutes.get(int(t // 600), 0.0), r)
    first = [r for t, r in samples if t <= 60] or rss[:1]
    last = [r for t, r in samples if t >= samples[-1][0] - 60] or rss[-1:]
    return {
        "scenario": "soak",
        "seconds": round(seconds),
        "events": sent,
        "rss_mb_max": round(max(rss), 1),
        "rss_mb_first_minute": round(max(first), 1),
        "rss_mb_last_minute": round(max(last), 1),
        "rss_mb_max_per_10_minutes": [round(r, 1) for _, r in sorted(per_10_minutes.items())],
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=50_000)
    parser.add_argument("--postgres", default=os.environ.get("SEGCIO_TEST_POSTGRES_URL", ""))
    parser.add_argument("--soak-seconds", type=float, default=600)
    parser.add_argument("--soak-rate", type=float, default=2000, help="events/s during the soak")
    parser.add_argument("--catchup-seconds", type=float, default=300, help="longest wait for the catch-up")
    parser.add_argument("--only", default="")
    args = parser.parse_args()
    runs = {
        "local-sqlite": lambda: local_sqlite(args.events),
        "local-postgres-1": lambda: postgres(args.events, args.postgres, 1),
        "local-postgres-3": lambda: postgres(args.events, args.postgres, 3),
        "remote": lambda: remote(min(args.events, 20_000)),
        "soak": lambda: soak(args.soak_seconds, args.soak_rate),
        "catchup": lambda: catchup(args.events, args.catchup_seconds),
    }
    for name, run in runs.items():
        if args.only and name != args.only:
            continue
        if name.startswith("local-postgres") and not args.postgres:
            continue
        print(json.dumps(run()), flush=True)


if __name__ == "__main__":
    main()

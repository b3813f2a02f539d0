"""Track API benchmark: concurrent clients send v2 batches (100 operations each) and v1 identify calls to a
`segcio serve` process; every request is applied to the workspace before it is answered. Prints JSON.

Usage: python benchmarks/track_api.py [--seconds 10] [--concurrency 8] [--people 5000] [--database URL]
"""

from __future__ import annotations

import argparse
import base64
import http.client
import json
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.servers import wait_healthy

OPS_PER_BATCH = 100


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def batch_body(n: int, people: int) -> bytes:
    """1 identify : 4 events, spread over `people` people."""
    ops: list[dict[str, Any]] = []
    for i in range(OPS_PER_BATCH):
        person = f"p{(n * OPS_PER_BATCH + i) % people}"
        if i % 5 == 0:
            ops.append(
                {
                    "type": "person",
                    "action": "identify",
                    "identifiers": {"id": person},
                    "attributes": {"email": f"{person}@example.com", "plan": "pro", "logins": n},
                }
            )
        else:
            ops.append(
                {
                    "type": "person",
                    "action": "event",
                    "identifiers": {"id": person},
                    "name": "Order Completed",
                    "id": f"e-{n}-{i}",
                    "attributes": {"order_id": f"o{n}-{i}", "total": 19.99, "currency": "EUR"},
                }
            )
    return json.dumps({"batch": ops}).encode()


def run_clients(
    port: int, auth: str, seconds: float, concurrency: int, request: Callable[[int], tuple[str, str, bytes]]
) -> dict[str, Any]:
    latencies: list[float] = []
    failures = 0
    counter = 0
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def worker() -> None:
        nonlocal failures, counter
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        headers = {"Authorization": auth, "Content-Type": "application/json"}
        while time.monotonic() < deadline:
            with lock:
                n = counter
                counter += 1
            method, path, body = request(n)
            started = time.perf_counter()
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            response.read()
            elapsed = time.perf_counter() - started
            with lock:
                latencies.append(elapsed)
                if response.status != 200:
                    failures += 1
        conn.close()

    started = time.monotonic()
    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.monotonic() - started
    latencies.sort()
    return {
        "requests": len(latencies),
        "failures": failures,
        "requests_per_second": round(len(latencies) / wall, 1),
        "p50_ms": round(statistics.median(latencies) * 1000, 1),
        "p95_ms": round(latencies[int(len(latencies) * 0.95) - 1] * 1000, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--people", type=int, default=5000)
    parser.add_argument("--database", default="")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp) / "data"
        db_args = ["--database", args.database] if args.database else []
        info = json.loads(
            subprocess.run(
                [sys.executable, "-m", "segcio", "info", "--json", "--data-dir", str(data_dir), *db_args],
                check=True,
                capture_output=True,
            ).stdout
        )
        port = free_port()
        serve = ["serve", "--port", str(port), "--data-dir", str(data_dir), "--no-workers", *db_args]
        server = subprocess.Popen(
            [sys.executable, "-m", "segcio", *serve],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            wait_healthy(port)
            auth = "Basic " + base64.b64encode(f"{info['site_id']}:{info['api_key']}".encode()).decode()
            batches = run_clients(
                port,
                auth,
                args.seconds,
                args.concurrency,
                lambda n: ("POST", "/api/v2/batch", batch_body(n, args.people)),
            )
            identifies = run_clients(
                port,
                auth,
                args.seconds,
                args.concurrency,
                lambda n: (
                    "PUT",
                    f"/api/v1/customers/v1-{n % args.people}",
                    json.dumps({"email": f"v1-{n % args.people}@example.com", "plan": "pro", "n": n}).encode(),
                ),
            )
        finally:
            server.terminate()
            server.wait(timeout=30)
    print(
        json.dumps(
            {
                "database": "postgresql" if args.database else "sqlite",
                "concurrency": args.concurrency,
                "v2_batch": {**batches, "operations_per_second": round(batches["requests_per_second"] * OPS_PER_BATCH)},
                "v1_identify": identifies,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()

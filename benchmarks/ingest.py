"""Ingest benchmark: concurrent clients POST /v1/batch (100 realistic events each) to a `segcio serve` process.

Every request is acknowledged only after its events are durably committed. Prints JSON.
Usage: python benchmarks/ingest.py [--seconds 20] [--clients 2] [--concurrency 16] [--database URL] [--processes N]
                                  [--debugger-viewers K [--rounds R]] [--workers]
With --debugger-viewers, runs alternate without and with K live debugger streams open (/ui/debugger/stream, each
logged in and reading), R times each, and the JSON gives both and their ratio. With --workers the server also
routes what it ingests into the default destination's local workspace (ingestion while routing).
"""

from __future__ import annotations

import argparse
import base64
import http.client
import json
import multiprocessing
import os
import random
import re
import selectors
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.pgschema import private_schema

# The server's UI password when debugger viewers log in.
ADMIN_PASSWORD = "benchmark password 1234"
# What each debugger viewer filters on (free text: every row read is searched).
VIEWER_FILTER = "text=order"

EVENTS_PER_REQUEST = 100
# Replaced in each request by a token of its own, so every event sent is new (none is deduplicated).
MESSAGE_ID_SLOT = "slot0000000"


def realistic_event(i: int, client: int) -> dict[str, object]:
    user = f"user-{client}-{i % 5000}"
    kind = i % 10
    base: dict[str, object] = {
        "messageId": f"{uuid.uuid4()}-{MESSAGE_ID_SLOT}",
        "timestamp": "2026-11-24T10:00:00.000Z",
        "context": {
            "library": {"name": "analytics-python", "version": "2.4.0"},
            "ip": "198.51.100.7",
            "userAgent": "Mozilla/5.0 (X11; Linux x86_64)",
            "locale": "en-US",
        },
        "integrations": {},
    }
    if kind < 2:
        return {
            **base,
            "type": "identify",
            "userId": user,
            "traits": {
                "email": f"{user}@example.com",
                "first_name": "Jane",
                "plan": random.choice(["a", "b"]),
                "created_at": "2025-08-13T15:45:17.451Z",
                "logins": i,
            },
        }
    if kind < 8:
        return {
            **base,
            "type": "track",
            "userId": user,
            "event": "Order Completed",
            "properties": {
                "order_id": f"o-{i}",
                "revenue": 42.5,
                "currency": "USD",
                "products": [{"sku": "sku-1", "price": 21.25, "quantity": 2}],
            },
        }
    if kind < 9:
        return {
            **base,
            "type": "page",
            "anonymousId": f"anon-{client}-{i}",
            "name": "Pricing",
            "properties": {"url": "https://example.com/pricing", "path": "/pricing", "title": "Pricing"},
        }
    return {**base, "type": "group", "userId": user, "groupId": f"acme-{i % 50}", "traits": {"name": "Acme"}}


def bodies(client: int, count: int, write_key: str) -> list[bytes]:
    out = []
    for r in range(count):
        batch = [realistic_event(r * EVENTS_PER_REQUEST + i, client) for i in range(EVENTS_PER_REQUEST)]
        out.append(json.dumps({"batch": batch, "sentAt": "2026-11-24T10:00:01.000Z", "writeKey": write_key}).encode())
    return out


class PipelinedClient:
    """`concurrency` keep-alive HTTP/1.1 connections driven by one thread with a selector. The load generator
    shares the machine with the server, so it should spend as little CPU per request as it can (http.client with
    a thread per connection spent about 0.8 ms per request here)."""

    def __init__(self, port: int, concurrency: int, authorization: str) -> None:
        self.selector = selectors.DefaultSelector()
        self.head = f"POST /v1/batch HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: {authorization}\r\n"
        for _ in range(concurrency):
            sock = socket.create_connection(("127.0.0.1", port), timeout=60)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self.selector.register(sock, selectors.EVENT_READ, {"buffer": b"", "sent_at": 0.0})

    def run(self, next_body: Callable[[], bytes], until: float) -> tuple[list[float], int]:
        """Keep every connection busy until `until`; returns the latencies of the 200 answers received by then
        and the error count."""
        latencies: list[float] = []
        errors = 0
        in_flight = 0
        for key in list(self.selector.get_map().values()):
            self._send(key, next_body())
            in_flight += 1
        while in_flight:
            for key, _ in self.selector.select(timeout=60):
                status = self._read(key)
                if status is None:
                    continue
                in_flight -= 1
                in_time = time.time() < until  # answers after the end are not counted
                if status != 200:
                    errors += 1
                elif in_time:
                    latencies.append(time.perf_counter() - key.data["sent_at"])
                if in_time:
                    self._send(key, next_body())
                    in_flight += 1
        return latencies, errors

    def _send(self, key: selectors.SelectorKey, body: bytes) -> None:
        request = f"{self.head}Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n".encode()
        key.data["sent_at"] = time.perf_counter()
        sock: socket.socket = key.fileobj  # type: ignore[assignment]
        sock.sendall(request + body)  # blocking: the server reads while we write

    @staticmethod
    def _read(key: selectors.SelectorKey) -> int | None:
        """The status once a whole response has arrived, else None."""
        sock: socket.socket = key.fileobj  # type: ignore[assignment]
        data = key.data["buffer"] + sock.recv(65536)
        header, found, rest = data.partition(b"\r\n\r\n")
        if found:
            match = re.search(rb"(?i)content-length:\s*(\d+)", header)
            length = int(match.group(1)) if match else 0
            if len(rest) >= length:
                key.data["buffer"] = rest[length:]
                return int(header[9:12])
        key.data["buffer"] = data
        return None


def client_process(
    port: int,
    write_key: str,
    client: int,
    seconds: float,
    concurrency: int,
    start_at: float,
    queue: multiprocessing.Queue,
) -> None:  # type: ignore[type-arg]
    prepared = bodies(client, 100, write_key)
    auth = "Basic " + base64.b64encode(f"{write_key}:".encode()).decode()
    slot = MESSAGE_ID_SLOT.encode()
    sent = [0]

    def next_body() -> bytes:
        n = sent[0]
        sent[0] += 1
        return prepared[n % len(prepared)].replace(slot, f"{client:03d}{n:08d}".encode())

    connections = PipelinedClient(port, concurrency, auth)
    while time.time() < start_at:
        time.sleep(0.001)
    cpu_before = time.process_time()
    latencies, errors = connections.run(next_body, start_at + seconds)
    cpu = time.process_time() - cpu_before
    queue.put({"requests": len(latencies), "errors": errors, "latencies": latencies, "cpu": cpu})


def wait_healthy(port: int, timeout: float = 60) -> None:
    """Wait until the server on `port` answers /healthz with 200 (raises when it never does)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def descendants(pid: int) -> list[int]:
    """A process and every process below it (server processes, the ingest workers' fork server, its workers)."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        children = subprocess.run(["pgrep", "-P", str(current)], capture_output=True, text=True).stdout.split()
        todo.extend(map(int, children))
    return found


def tree_cpu_seconds(pid: int) -> float:
    """User+system CPU time of the server and the processes below it."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for p in descendants(pid):
        try:
            with open(f"/proc/{p}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        total += (int(fields[11]) + int(fields[12])) / ticks
    return total


def tree_rss_mb(pid: int) -> float:
    """RSS of the server and the processes below it, summed: pages they share count once per process, so this
    is an upper bound of the memory they use together."""
    total = 0.0
    for p in descendants(pid):
        try:
            total += rss_mb(p)
        except FileNotFoundError:
            continue
    return total


def writer_totals(port: int, admin_token: str) -> dict[str, float]:
    """Sums and counts of the server's group-commit histograms, from /metrics."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", "/metrics", headers={"Authorization": f"Bearer {admin_token}"})
    text = conn.getresponse().read().decode()
    totals: dict[str, float] = {}
    pattern = r'^segcio_ingest_(writer_seconds|group_events)_(sum|count)(?:\{phase="(\w+)"\})? (\S+)$'
    for name, kind, phase, value in re.findall(pattern, text, re.M):
        totals[f"{name}:{phase}:{kind}"] = float(value)
    return totals


def writer_summary(before: dict[str, float], after: dict[str, float], seconds: float) -> dict[str, float]:
    """Where the group-commit writer spent the measured window: a writer busy near 1.0 is the bottleneck."""
    delta = {key: after.get(key, 0.0) - before.get(key, 0.0) for key in after}
    groups = delta.get("group_events::count", 0.0)
    summary: dict[str, float] = {
        "groups": groups,
        "events_per_group": round(delta.get("group_events::sum", 0.0) / groups) if groups else 0,
    }
    busy = 0.0
    for phase in ("insert", "commit", "checkpoint"):
        spent = delta.get(f"writer_seconds:{phase}:sum", 0.0)
        busy += spent
        summary[f"{phase}_ms_per_group"] = round(spent * 1000 / groups, 2) if groups else 0
    summary["busy"] = round(busy / seconds, 3)
    return summary


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--clients", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=16, help="connections per client process")
    parser.add_argument("--database", default="")
    parser.add_argument("--processes", type=int, default=1, help="segcio serve --processes")
    parser.add_argument("--workers", action="store_true", help="route while ingesting (the default destination)")
    parser.add_argument("--debugger-viewers", type=int, default=0, help="compare with this many debugger streams open")
    parser.add_argument("--rounds", type=int, default=1, help="with --debugger-viewers: runs of each, alternated")
    args = parser.parse_args()
    if args.database.startswith("postgresql"):
        with private_schema(args.database) as url:
            result = compare(args, url)
    else:
        result = compare(args, args.database)
    print(json.dumps(result))


def compare(args: argparse.Namespace, database: str) -> dict[str, Any]:
    if not args.debugger_viewers:
        return measure(args, database)
    runs: dict[str, list[dict[str, Any]]] = {"closed": [], "open": []}
    for _ in range(args.rounds):
        runs["closed"].append(measure(args, database, viewers=0))
        runs["open"].append(measure(args, database, viewers=args.debugger_viewers))
    summary: dict[str, Any] = {
        "benchmark": "ingest-debugger",
        "debugger_viewers": args.debugger_viewers,
        "viewer_filter": VIEWER_FILTER,
    }
    # Throughput, and events per CPU-second of the server (less sensitive to what else runs on the machine).
    for key in ("events_per_s", "events_per_server_cpu_second"):
        closed = statistics.mean(run[key] or 0 for run in runs["closed"])
        opened = statistics.mean(run[key] or 0 for run in runs["open"])
        summary[f"closed_{key}"] = round(closed)
        summary[f"open_{key}"] = round(opened)
        summary[f"open_vs_closed_{key}"] = round(opened / closed, 3) if closed else None
    # Each open run against the closed run just before it: what else loads the machine changes less within a pair.
    summary["pair_ratios_events_per_s"] = [
        round(o["events_per_s"] / c["events_per_s"], 3) for c, o in zip(runs["closed"], runs["open"], strict=True)
    ]
    return {**summary, "runs": runs}


class DebuggerViewer(threading.Thread):
    """One logged-in browser's worth of /ui/debugger: reads the stream until stopped, counting rows."""

    def __init__(self, port: int, cookie: str) -> None:
        super().__init__(daemon=True)
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.conn.request("GET", f"/ui/debugger/stream?{VIEWER_FILTER}", headers={"Cookie": cookie})
        self.response = self.conn.getresponse()
        if self.response.status != 200:
            raise RuntimeError(f"debugger stream refused: {self.response.status}")
        self.rows = 0
        self.last_stats = ""

    def run(self) -> None:
        try:
            for line in self.response:
                if line.startswith(b"event: row"):
                    self.rows += 1
                elif line.startswith(b'data: {"seen"'):
                    self.last_stats = line[6:].decode().strip()
        except (OSError, ValueError, http.client.HTTPException):
            pass  # closed by stop()

    def stop(self) -> dict[str, Any]:
        if self.conn.sock is not None:
            self.conn.sock.close()
        return {"rows": self.rows, "stats": json.loads(self.last_stats) if self.last_stats else None}


def ui_login(port: int) -> str:
    """The session cookie of a UI login with ADMIN_PASSWORD."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", "/ui/login")
    answer = conn.getresponse()
    cookie = answer.getheader("set-cookie", "").split(";", 1)[0]
    token = re.search(r'name="csrf_token" value="([^"]+)"', answer.read().decode())
    assert token is not None, "no CSRF token on the login page"
    form = urllib.parse.urlencode({"csrf_token": token.group(1), "password": ADMIN_PASSWORD, "next": "/ui/"})
    headers = {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"}
    conn.request("POST", "/ui/login", body=form, headers=headers)
    answer = conn.getresponse()
    answer.read()
    if answer.status != 303:
        raise RuntimeError(f"UI login failed: {answer.status}")
    return answer.getheader("set-cookie", "").split(";", 1)[0]


def measure(args: argparse.Namespace, database: str, viewers: int = 0) -> dict[str, Any]:
    data_dir = Path(tempfile.mkdtemp(prefix="segcio-bench-"))
    db_args = ["--database", database] if database else []
    info = json.loads(
        subprocess.run(
            [sys.executable, "-m", "segcio", "info", "--json", "--data-dir", str(data_dir), *db_args],
            check=True,
            capture_output=True,
        ).stdout
    )
    port = 18000 + os.getpid() % 1000
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "segcio",
            "serve",
            "--workers" if args.workers else "--no-workers",
            "--port",
            str(port),
            "--data-dir",
            str(data_dir),
            "--processes",
            str(args.processes),
            *db_args,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "SEGCIO_ADMIN_PASSWORD": ADMIN_PASSWORD},
    )
    watching: list[DebuggerViewer] = []
    try:
        wait_healthy(port)
        load_before = os.getloadavg()[0]
        if viewers:
            cookie = ui_login(port)
            watching = [DebuggerViewer(port, cookie) for _ in range(viewers)]
            for viewer in watching:
                viewer.start()
        queue: multiprocessing.Queue = multiprocessing.Queue()  # type: ignore[type-arg]
        start_at = time.time() + 8  # time for the clients to prepare their bodies
        procs = [
            multiprocessing.Process(
                target=client_process,
                args=(port, info["write_key"], c, args.seconds, args.concurrency, start_at, queue),
            )
            for c in range(args.clients)
        ]
        for p in procs:
            p.start()
        rss_samples = []
        while time.time() < start_at:
            time.sleep(0.01)
        cpu_before = tree_cpu_seconds(server.pid)
        writer_before = writer_totals(port, info["admin_token"])
        while time.time() < start_at + args.seconds:
            time.sleep(1)
            if time.time() > start_at:
                rss_samples.append(tree_rss_mb(server.pid))
        cpu_used = tree_cpu_seconds(server.pid) - cpu_before
        writer_after = writer_totals(port, info["admin_token"])
        writer = writer_summary(writer_before, writer_after, args.seconds) if args.processes == 1 else {}
        results = [queue.get() for _ in procs]
        for p in procs:
            p.join()
    finally:
        viewed = [viewer.stop() for viewer in watching]
        server.terminate()
        server.wait()
        shutil.rmtree(data_dir, ignore_errors=True)  # a run stores gigabytes of events
    latencies = sorted(x for r in results for x in r["latencies"])
    requests = sum(r["requests"] for r in results)
    return {
        "benchmark": "ingest",
        "database": args.database.split("@")[-1] if args.database else "sqlite",
        "seconds": args.seconds,
        "clients": args.clients * args.concurrency,
        "requests": requests,
        "errors": sum(r["errors"] for r in results),
        "events_per_s": round(requests * EVENTS_PER_REQUEST / args.seconds),
        "p50_ms": round(statistics.median(latencies) * 1000, 2) if latencies else None,
        "p99_ms": round(latencies[int(len(latencies) * 0.99)] * 1000, 2) if latencies else None,
        "server_processes": args.processes,
        "routing": args.workers,
        "server_cpu_seconds": round(cpu_used, 2),
        "events_per_server_cpu_second": round(requests * EVENTS_PER_REQUEST / cpu_used) if cpu_used else None,
        "client_cpu_seconds": round(sum(r["cpu"] for r in results), 2),
        "server_rss_mb_max": round(max(rss_samples), 1) if rss_samples else None,
        "writer": writer,
        "load_average_before": round(load_before, 2),
        "debugger_viewers": viewed,
    }


if __name__ == "__main__":
    main()

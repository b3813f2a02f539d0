"""Ingest benchmark: concurrent clients POST /v1/batch (100 realistic events each) to a `segcio serve` process.

Every request is acknowledged only after its events are durably committed. Prints JSON.
Usage: python benchmarks/ingest.py [--seconds 20] [--clients 2] [--concurrency 16] [--database URL] [--processes N]
                                  [--load python|wrk] [--serve-args "--no-workers"]
                                  [--ceiling | --debugger-viewers K] [--rounds R]
--load: the load generator, Python clients (one process and thread per client, a selector over its connections)
or wrk (one thread per client; the same bodies, fresh messageIds per request).
--serve-args: the `segcio serve` arguments measured (default `--no-workers`: ingestion alone).
With --ceiling, runs alternate between segcio and a bare uvicorn app that only reads each body and answers 200
(benchmarks/bare_app.py), R times each, under the same load generator and bodies: the ratio is segcio's share
of the HTTP ceiling.
With --debugger-viewers, runs alternate without and with K live debugger streams open (/ui/debugger/stream, each
logged in and reading), R times each, and the JSON gives both and their ratio.
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
import shlex
import socket
import statistics
import sys
import threading
import time
import urllib.parse
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks import wrk
from benchmarks.pgschema import private_schema
from benchmarks.servers import Server, bare_uvicorn, data_directory, segcio_serve, tree_cpu_seconds, tree_rss_mb

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

    CLOSED = -1  # what _read answers when the server closed the connection

    def __init__(self, port: int, concurrency: int, authorization: str) -> None:
        self.selector = selectors.DefaultSelector()
        self.port = port
        self.head = f"POST /v1/batch HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: {authorization}\r\n"
        for _ in range(concurrency):
            self._connect()

    def _connect(self) -> selectors.SelectorKey:
        sock = socket.create_connection(("127.0.0.1", self.port), timeout=60)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return self.selector.register(sock, selectors.EVENT_READ, {"buffer": b"", "sent_at": 0.0})

    def _reconnect(self, key: selectors.SelectorKey) -> selectors.SelectorKey:
        """A new connection in place of one the server closed (uvicorn closes one idle for 5 s: paced loads)."""
        self.selector.unregister(key.fileobj)
        key.fileobj.close()  # type: ignore[union-attr]
        return self._connect()

    def run(self, next_body: Callable[[], bytes], until: float, rate: float = 0) -> tuple[list[float], int]:
        """Keep every connection busy until `until` (with `rate`, start at most that many requests a second);
        returns the latencies of the 200 answers received by then and the error count."""
        latencies: list[float] = []
        errors = 0
        in_flight = 0
        idle = list(self.selector.get_map().values())
        started = time.perf_counter()
        sent = 0
        while True:
            now = time.perf_counter()
            due = started + sent / rate if rate else now
            while idle and due <= now and time.time() < until:
                key = idle.pop()
                try:
                    self._send(key, next_body())
                except OSError:  # closed by the server since it was last read
                    errors += 1
                    idle.append(self._reconnect(key))
                    continue
                in_flight += 1
                sent += 1
                due = started + sent / rate if rate else now
            if not in_flight and (time.time() >= until or not idle):
                break
            wait = max(0.0, due - now) if idle and time.time() < until else 60
            for key, _ in self.selector.select(timeout=min(wait, max(0.0, until - time.time()) + 60)):
                status = self._read(key)
                if status is None:
                    continue
                if status == self.CLOSED:
                    if key in idle:
                        idle.remove(key)
                    else:  # closed while a request was in flight: that request failed
                        in_flight -= 1
                        errors += 1
                    idle.append(self._reconnect(key))
                    continue
                in_flight -= 1
                in_time = time.time() < until  # answers after the end are not counted
                if status != 200:
                    errors += 1
                elif in_time:
                    latencies.append(time.perf_counter() - key.data["sent_at"])
                idle.append(key)
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
        try:
            received = sock.recv(65536)
        except ConnectionError:
            received = b""
        if not received:
            return PipelinedClient.CLOSED
        data = key.data["buffer"] + received
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
    rate: float,
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
    latencies, errors = connections.run(next_body, start_at + seconds, rate)
    cpu = time.process_time() - cpu_before
    queue.put({"requests": len(latencies), "errors": errors, "latencies": latencies, "cpu": cpu})


class PythonLoad:
    """`clients` processes of `concurrency` connections each (PipelinedClient); with `rate` (events/s over all
    clients) requests are paced instead of sent back to back."""

    PREPARE_SECONDS = 8.0  # time for the clients to build their bodies before the common start

    def __init__(self, write_key: str, clients: int, concurrency: int, rate: float = 0) -> None:
        self.write_key, self.clients, self.concurrency = write_key, clients, concurrency
        self.rate = rate
        self.queue: multiprocessing.Queue = multiprocessing.Queue()  # type: ignore[type-arg]
        self.procs: list[multiprocessing.Process] = []

    def start(self, port: int, seconds: float) -> float:
        """Start the clients; returns when (time.time()) they begin sending."""
        start_at = time.time() + self.PREPARE_SECONDS
        per_client = self.rate / EVENTS_PER_REQUEST / self.clients
        self.procs = [
            multiprocessing.Process(
                target=client_process,
                args=(port, self.write_key, c, seconds, self.concurrency, start_at, per_client, self.queue),
            )
            for c in range(self.clients)
        ]
        for p in self.procs:
            p.start()
        return start_at

    def finish(self) -> dict[str, Any]:
        results = [self.queue.get() for _ in self.procs]
        for p in self.procs:
            p.join()
        latencies = sorted(x for r in results for x in r["latencies"])
        return {
            "requests": sum(r["requests"] for r in results),
            "errors": sum(r["errors"] for r in results),
            "p50_ms": round(statistics.median(latencies) * 1000, 2) if latencies else None,
            "p99_ms": round(latencies[int(len(latencies) * 0.99)] * 1000, 2) if latencies else None,
            "client_cpu_seconds": round(sum(r["cpu"] for r in results), 2),
        }


class WrkLoadAdapter:
    """wrk with the Python clients' bodies (benchmarks/wrk.py)."""

    def __init__(self, write_key: str, clients: int, concurrency: int) -> None:
        prepared = [body for c in range(clients) for body in bodies(c, 50, write_key)]
        self.load = wrk.WrkLoad(prepared, MESSAGE_ID_SLOT.encode(), write_key, clients, clients * concurrency)

    def start(self, port: int, seconds: float) -> float:
        self.load.start(port, seconds)
        return time.time()

    def finish(self) -> dict[str, Any]:
        return self.load.finish()


Load = PythonLoad | WrkLoadAdapter


def make_load(generator: str, write_key: str, clients: int, concurrency: int, rate: float = 0) -> Load:
    """The load generator by name: "python" (PythonLoad) or "wrk"; a paced load is always Python's."""
    if generator == "wrk" and not rate:
        if not wrk.available():
            raise SystemExit("--load wrk: wrk is not installed (Debian: apt-get install wrk)")
        return WrkLoadAdapter(write_key, clients, concurrency)
    return PythonLoad(write_key, clients, concurrency, rate)


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
    parser.add_argument("--debugger-viewers", type=int, default=0, help="compare with this many debugger streams open")
    parser.add_argument("--rounds", type=int, default=1, help="with --debugger-viewers or --ceiling: runs of each")
    parser.add_argument("--ceiling", action="store_true", help="also measure a bare uvicorn app: the HTTP ceiling")
    parser.add_argument("--load", choices=("python", "wrk"), default="python", help="the load generator")
    parser.add_argument(
        "--serve-args", default="--no-workers", help="arguments of `segcio serve` (the process layout measured)"
    )
    args = parser.parse_args()
    if args.database.startswith("postgresql"):
        with private_schema(args.database) as url:
            result = compare(args, url)
    else:
        result = compare(args, args.database)
    print(json.dumps(result))


def compare(args: argparse.Namespace, database: str) -> dict[str, Any]:
    if args.ceiling:
        return ceiling(args, database)
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
    """One `segcio serve` (ingest only unless --serve-args says otherwise) under the load for --seconds."""
    serve_args = [*shlex.split(args.serve_args), "--processes", str(args.processes)]
    with data_directory() as data_dir, segcio_serve(
        data_dir, database, serve_args, env={"SEGCIO_ADMIN_PASSWORD": ADMIN_PASSWORD}
    ) as server:
        watching: list[DebuggerViewer] = []
        if viewers:
            cookie = ui_login(server.port)
            watching = [DebuggerViewer(server.port, cookie) for _ in range(viewers)]
            for viewer in watching:
                viewer.start()
        try:
            load = make_load(args.load, server.write_key, args.clients, args.concurrency)
            result = load_server(server, load, args.seconds, writer=args.processes == 1)
        finally:
            viewed = [viewer.stop() for viewer in watching]
    return {
        "benchmark": "ingest",
        "database": args.database.split("@")[-1] if args.database else "sqlite",
        "serve_args": serve_args,
        **result,
        "server_processes": args.processes,
        "debugger_viewers": viewed,
    }


def load_server(server: Server, load: Load, seconds: float, writer: bool = False) -> dict[str, Any]:
    """Run `load` against a started server for `seconds`: throughput, latency, and the CPU time and RSS (sampled
    every second) of the server's whole process tree; with `writer`, the group-commit writer's figures."""
    load_before = os.getloadavg()[0]
    start_at = load.start(server.port, seconds)
    while time.time() < start_at:
        time.sleep(0.01)
    cpu_before = tree_cpu_seconds(server.pid)
    writer_before = writer_totals(server.port, server.info["admin_token"]) if writer else {}
    rss_samples = []
    while time.time() < start_at + seconds:
        time.sleep(min(1.0, max(0.0, start_at + seconds - time.time())))
        rss_samples.append(tree_rss_mb(server.pid))
    cpu_used = tree_cpu_seconds(server.pid) - cpu_before
    writer_after = writer_totals(server.port, server.info["admin_token"]) if writer else {}
    figures = load.finish()
    events = figures["requests"] * EVENTS_PER_REQUEST
    return {
        "load": "wrk" if isinstance(load, WrkLoadAdapter) else "python",
        "started_at": round(start_at, 3),
        "seconds": seconds,
        "connections": load_connections(load),
        **figures,
        "events_per_s": round(events / seconds),
        "server_cpu_seconds": round(cpu_used, 2),
        "events_per_server_cpu_second": round(events / cpu_used) if cpu_used else None,
        "server_rss_mb_max": round(max(rss_samples), 1) if rss_samples else None,
        "writer": writer_summary(writer_before, writer_after, seconds) if writer else {},
        "load_average_before": round(load_before, 2),
    }


def load_connections(load: Load) -> int:
    if isinstance(load, WrkLoadAdapter):
        return load.load.connections
    return load.clients * load.concurrency


def ceiling(args: argparse.Namespace, database: str) -> dict[str, Any]:
    """segcio's ingest and the bare uvicorn app under the same load generator and bodies, alternated
    (--rounds times each); the ratio of the means is segcio's share of the HTTP ceiling."""
    runs: dict[str, list[dict[str, Any]]] = {"segcio": [], "ceiling": []}
    for _ in range(args.rounds):
        runs["segcio"].append(measure(args, database))
        with bare_uvicorn() as bare:
            load = make_load(args.load, "bare", args.clients, args.concurrency)
            runs["ceiling"].append({"benchmark": "ceiling", **load_server(bare, load, args.seconds)})
    segcio = statistics.mean(run["events_per_s"] for run in runs["segcio"])
    bare_rate = statistics.mean(run["events_per_s"] for run in runs["ceiling"])
    return {
        "benchmark": "ingest-ceiling",
        "load": args.load,
        "segcio_events_per_s": round(segcio),
        "ceiling_events_per_s": round(bare_rate),
        "share_of_ceiling": round(segcio / bare_rate, 4) if bare_rate else None,
        "runs": runs,
    }


if __name__ == "__main__":
    main()

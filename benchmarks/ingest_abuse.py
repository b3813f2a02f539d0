"""Clean clients' throughput with and without abusive Tracking API traffic, in one run against one `segcio serve`.

Clean clients (threads, one keep-alive connection each) POST /v1/batch with 10 realistic events. The run has two
phases of equal length: clean clients alone, then clean clients while abusive clients repeatedly send
  - 500 KB bodies of 250,000 items (`{"batch":[1,1,...]}`) with a valid write key,
  - 100 MB bodies without credentials (no Authorization header, so a key could only be in the body),
  - 100 MB bodies with a wrong Basic write key,
each abusive client (a process of its own) sending its body until the server answers or stops reading. Prints
JSON: per phase, clean requests per second, their latencies, the server's CPU seconds and RSS; and what the abusive
requests got. On a small machine the abusive processes also take CPU from the server: compare `server_cpu_s`.
Usage: python benchmarks/ingest_abuse.py [--seconds 10] [--clean 4] [--abusers 2]
"""

from __future__ import annotations

import argparse
import base64
import http.client
import json
import multiprocessing
import os
import select
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.ingest import realistic_event
from benchmarks.servers import rss_mb, tree_cpu_seconds, wait_healthy

HUNDRED_MB = 100 * 1024 * 1024
PIECE = b"x" * 65536
MANY_ITEMS = b'{"batch":[' + b",".join([b"1"] * 250_000) + b"]}"


def basic(write_key: str) -> str:
    return "Basic " + base64.b64encode(f"{write_key}:".encode()).decode()


class Phase:
    """What the clean clients did while one phase lasted."""

    def __init__(self) -> None:
        self.latencies: list[float] = []
        self.statuses: Counter[int] = Counter()
        self.lock = threading.Lock()

    def record(self, status: int, latency: float) -> None:
        with self.lock:
            self.statuses[status] += 1
            self.latencies.append(latency)


def clean_client(port: int, authorization: str, n: int, phases: list[tuple[float, Phase]], until: float) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    i = 0
    while (now := time.time()) < until:
        body = json.dumps({"batch": [realistic_event(i * 10 + k, n) for k in range(10)]})
        i += 1
        started = time.perf_counter()
        conn.request("POST", "/v1/batch", body=body, headers={"Authorization": authorization})
        response = conn.getresponse()
        response.read()
        latency = time.perf_counter() - started
        if time.time() >= until:
            break
        phase = next(p for start, p in reversed(phases) if now >= start)
        phase.record(response.status, latency)
    conn.close()


def abusive_request(port: int, head: bytes, body: bytes | None) -> int:
    """Send a request head, then the body (or 100 MB of filler) until the server answers or stops reading."""
    sock = socket.create_connection(("127.0.0.1", port))
    try:
        sock.sendall(head)
        sock.settimeout(2)
        pieces = [body] if body is not None else (PIECE for _ in range(HUNDRED_MB // len(PIECE)))
        for piece in pieces:
            if select.select([sock], [], [], 0)[0]:
                break
            try:
                sock.sendall(piece)
            except OSError:
                break
        sock.settimeout(60)
        answer = sock.recv(65536)
        return int(answer.split()[1]) if answer else 0
    except OSError:
        return 0
    finally:
        sock.close()


def abuser(port: int, head: bytes, body: bytes | None, until: float, kind: str, results: Any) -> None:
    """A process of its own, so that its work does not slow the clean clients' threads down in this one."""
    statuses: Counter[str] = Counter()
    while time.time() < until:
        status = abusive_request(port, head, body)
        statuses[f"{kind}:{status}"] += 1
    results.put(dict(statuses))


def heads(write_key: str) -> dict[str, tuple[bytes, bytes | None]]:
    def head(headers: dict[str, str]) -> bytes:
        lines = "".join(f"{k}: {v}\r\n" for k, v in {"Host": "bench", "Connection": "close", **headers}.items())
        return f"POST /v1/batch HTTP/1.1\r\n{lines}\r\n".encode()

    return {
        "250000_items": (head({"Authorization": basic(write_key), "Content-Length": str(len(MANY_ITEMS))}), MANY_ITEMS),
        "100mb_no_credentials": (head({"Content-Length": str(HUNDRED_MB)}), None),
        "100mb_wrong_key": (head({"Authorization": basic("not-a-key"), "Content-Length": str(HUNDRED_MB)}), None),
    }


def summary(phase: Phase, seconds: float, rss: list[float], cpu: float) -> dict[str, Any]:
    latencies = sorted(phase.latencies)
    return {
        "clean_requests_per_s": round(len(latencies) / seconds, 1),
        "server_cpu_s": round(cpu, 2),
        "clean_statuses": dict(phase.statuses),
        "p50_ms": round(statistics.median(latencies) * 1000, 2) if latencies else None,
        "p99_ms": round(latencies[int(len(latencies) * 0.99)] * 1000, 2) if latencies else None,
        "server_rss_mb_max": round(max(rss), 1) if rss else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=10, help="length of each phase")
    parser.add_argument("--clean", type=int, default=4, help="clean clients")
    parser.add_argument("--abusers", type=int, default=2, help="abusive clients of each kind")
    args = parser.parse_args()
    data_dir = Path(tempfile.mkdtemp(prefix="segcio-bench-"))
    info = json.loads(
        subprocess.run(
            [sys.executable, "-m", "segcio", "info", "--json", "--data-dir", str(data_dir)],
            check=True,
            capture_output=True,
        ).stdout
    )
    port = 19000 + os.getpid() % 1000
    server = subprocess.Popen(
        [sys.executable, "-m", "segcio", "serve", "--no-workers", "--port", str(port), "--data-dir", str(data_dir)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        result = run(args, port, info["write_key"], server.pid)
    finally:
        server.terminate()
        server.wait()
        shutil.rmtree(data_dir, ignore_errors=True)
    print(json.dumps(result))


def run(args: argparse.Namespace, port: int, write_key: str, pid: int) -> dict[str, Any]:
    wait_healthy(port)
    quiet, abused = Phase(), Phase()
    start = time.time() + 1
    abuse_at = start + args.seconds
    until = abuse_at + args.seconds
    phases = [(0.0, Phase()), (start, quiet), (abuse_at, abused)]  # the first second warms up, uncounted
    rss_before = rss_mb(pid)
    threads = [
        threading.Thread(target=clean_client, args=(port, basic(write_key), n, phases, until))
        for n in range(args.clean)
    ]
    for thread in threads:
        thread.start()
    rss: dict[str, list[float]] = {"quiet": [], "abused": []}
    while time.time() < start:
        time.sleep(0.01)
    cpu_start = tree_cpu_seconds(pid)
    while time.time() < abuse_at:
        time.sleep(0.25)
        rss["quiet"].append(rss_mb(pid))
    results: Any = multiprocessing.Queue()
    abusers = [
        multiprocessing.Process(target=abuser, args=(port, head, body, until, kind, results), daemon=True)
        for kind, (head, body) in heads(write_key).items()
        for _ in range(args.abusers)
    ]
    cpu_abuse = tree_cpu_seconds(pid)
    for process in abusers:
        process.start()
    while time.time() < until:
        time.sleep(0.25)
        rss["abused"].append(rss_mb(pid))
    cpu_end = tree_cpu_seconds(pid)
    for thread in threads:
        thread.join()
    abusive: Counter[str] = Counter()
    for _ in abusers:
        abusive.update(results.get(timeout=120))
    load = os.getloadavg()
    return {
        "benchmark": "ingest_abuse",
        "seconds_per_phase": args.seconds,
        "clean_clients": args.clean,
        "abusive_clients_per_kind": args.abusers,
        "server_rss_mb_at_start": round(rss_before, 1),
        "quiet": summary(quiet, args.seconds, rss["quiet"], cpu_abuse - cpu_start),
        "abused": summary(abused, args.seconds, rss["abused"], cpu_end - cpu_abuse),
        "abusive_requests": dict(abusive),
        "load_average": [round(x, 2) for x in load],
    }


if __name__ == "__main__":
    main()

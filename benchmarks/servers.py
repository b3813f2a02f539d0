"""The processes a benchmark measures, started through the command line: `segcio serve` (with whatever process
layout its arguments ask for), `segcio worker`, and the bare uvicorn app of the HTTP ceiling. CPU and RSS are
always those of the whole process tree below the started process, so a server that runs its work in child
processes is measured whole."""

from __future__ import annotations

import http.client
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


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


def segcio_info(data_dir: Path, database: str) -> dict[str, Any]:
    """`segcio info --json`: creates the data directory's database and defaults, returns the credentials."""
    db_args = ["--database", database] if database else []
    command = [sys.executable, "-m", "segcio", "info", "--json", "--data-dir", str(data_dir), *db_args]
    return dict(json.loads(subprocess.run(command, check=True, capture_output=True).stdout))


@dataclass
class Server:
    """A started server: its port and root process; `info` holds segcio's credentials (empty for the bare app)."""

    process: subprocess.Popen[bytes]
    port: int
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def write_key(self) -> str:
        return str(self.info.get("write_key", "bare"))

    def backlog(self) -> int:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        conn.request("GET", "/healthz")
        return int(json.loads(conn.getresponse().read())["backlog"])


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(60)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextmanager
def data_directory() -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="segcio-bench-"))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)  # a run stores gigabytes of events


@contextmanager
def segcio_serve(
    data_dir: Path, database: str, serve_args: Sequence[str], env: dict[str, str] | None = None
) -> Iterator[Server]:
    """`python -m segcio serve <serve_args>` on a free port, healthy; stopped (SIGTERM, the tree) on exit."""
    info = segcio_info(data_dir, database)
    port = free_port()
    db_args = ["--database", database] if database else []
    command = [sys.executable, "-m", "segcio", "serve", "--port", str(port), "--data-dir", str(data_dir), *db_args]
    process = subprocess.Popen(
        [*command, *serve_args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, **(env or {})},
    )
    try:
        wait_healthy(port, timeout=120)
        yield Server(process, port, info)
    finally:
        _stop(process)


@contextmanager
def segcio_workers(data_dir: Path, database: str, count: int) -> Iterator[list[subprocess.Popen[bytes]]]:
    """`count` `segcio worker` processes on the database."""
    db_args = ["--database", database] if database else []
    command = [sys.executable, "-m", "segcio", "worker", "--data-dir", str(data_dir), *db_args]
    processes = [
        subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for _ in range(count)
    ]
    try:
        yield processes
    finally:
        for process in processes:
            _stop(process)


@contextmanager
def bare_uvicorn() -> Iterator[Server]:
    """The bare app of benchmarks/bare_app.py under uvicorn, with the options `segcio serve` gives uvicorn."""
    port = free_port()
    command = [sys.executable, "-m", "uvicorn", "benchmarks.bare_app:app", "--port", str(port), "--no-access-log"]
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])},
    )
    try:
        wait_healthy(port)
        yield Server(process, port)
    finally:
        _stop(process)

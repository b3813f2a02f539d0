"""`segcio serve` runs HTTP and routing/delivery in two supervised processes: restarts, kill -9 of any of them,
SIGTERM and Ctrl-C, `--single-process`, `--no-workers`, and `--processes` on PostgreSQL."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from segcio.store.counters import read
from segcio.store.tables.core import events
from segcio.store.tables.workspace import ws_events
from tests.conftest import Server, child_pids, free_port, read_info, running, start_server, wait_gone

EVENT = "Process Test"


class Sender:
    """Posts batches of new events in a thread; a batch that fails (connection refused or cut, 5xx) is sent again
    with the same message ids until it is acknowledged, as Segment's clients retry (or the sender is stopped)."""

    def __init__(self, server: Server) -> None:
        self.url, self.write_key = server.url, server.write_key
        self.acknowledged: list[str] = []
        self.retries = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run)
        self._thread.start()

    def _run(self) -> None:
        n = 0
        with httpx.Client(base_url=self.url, auth=(self.write_key, ""), timeout=10) as client:
            while not self._stop.is_set():
                ids = [str(uuid.uuid4()) for _ in range(20)]
                batch = [{"type": "track", "userId": f"user-{(n + i) % 23}", "event": EVENT, "messageId": mid,
                          "properties": {"n": n + i}} for i, mid in enumerate(ids)]
                n += len(batch)
                while not self._stop.is_set():
                    try:
                        if client.post("/v1/batch", json={"batch": batch}).status_code == 200:
                            self.acknowledged.extend(ids)
                            break
                    except httpx.HTTPError:
                        pass
                    self.retries += 1
                    time.sleep(0.1)

    def wait_for(self, count: int) -> None:
        deadline = time.monotonic() + 60
        while len(self.acknowledged) < count:
            assert time.monotonic() < deadline, f"only {len(self.acknowledged)} events acknowledged"
            time.sleep(0.05)

    def stop(self) -> list[str]:
        self._stop.set()
        self._thread.join()
        return self.acknowledged


def wait_routed(server: Server) -> None:
    deadline = time.monotonic() + 120
    while httpx.get(server.url + "/healthz").json()["backlog"]:
        assert time.monotonic() < deadline, "the backlog did not drain"
        time.sleep(0.1)


def assert_applied_once(server: Server, acknowledged: list[str]) -> None:
    db = server.open_db()
    try:
        with db.connect() as conn:
            applied = Counter(conn.execute(select(ws_events.c.event_id).where(ws_events.c.name == EVENT)).scalars())
            logged = conn.execute(select(func.count()).select_from(events)).scalar_one()
            delivered = read(conn, "destination:1")[("destination:1", "delivered")]
    finally:
        db.dispose()
    missing = [m for m in acknowledged if applied[m] != 1]
    assert missing == [], f"{len(missing)} acknowledged events not applied exactly once"
    assert max(applied.values()) == 1
    assert delivered == logged  # every stored event routed once, none twice


def wait_restarted(server: Server, role: str, old_pid: int) -> dict[str, object]:
    deadline = time.monotonic() + 60
    while True:
        try:
            process = server.processes()[role]
            if process["pid"] != old_pid and process["alive"]:
                return process
        except httpx.HTTPError:
            pass
        assert time.monotonic() < deadline, f"the {role} process was not restarted"
        time.sleep(0.1)


def parent_of(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])


def test_serve_runs_http_and_routing_in_two_processes_and_applies_what_is_posted(tmp_path: Path) -> None:
    server = start_server(tmp_path / "data")
    try:
        processes = server.processes()
        assert set(processes) == {"supervisor", "http", "worker"}
        assert processes["supervisor"]["pid"] == server.process.pid
        for role in ("http", "worker"):
            assert processes[role]["alive"] and processes[role]["restarts"] == 0
            assert parent_of(processes[role]["pid"]) == server.process.pid
        assert sorted(child_pids(server.process.pid)) == sorted([processes["http"]["pid"], processes["worker"]["pid"]])

        posted = httpx.post(server.url + "/v1/identify", auth=(server.write_key, ""),
                            json={"userId": "ada", "traits": {"email": "ada@example.com", "plan": "pro"}})
        assert posted.status_code == 200
        deadline = time.monotonic() + 30
        while True:
            answer = httpx.get(f"{server.url}/v1/customers/ada/attributes",
                               headers={"Authorization": f"Bearer {server.info['app_api_key']}"})
            if answer.status_code == 200:
                break
            assert time.monotonic() < deadline, answer.text
            time.sleep(0.1)
        assert answer.json()["customer"]["attributes"]["plan"] == "pro"
    finally:
        server.stop()


def test_kill_9_of_the_http_then_the_worker_process_restarts_them_and_applies_every_event_once(
    tmp_path: Path,
) -> None:
    server = start_server(tmp_path / "data")
    sender = Sender(server)
    try:
        sender.wait_for(500)
        http_pid = server.pid("http")
        os.kill(http_pid, signal.SIGKILL)  # mid-request
        http = wait_restarted(server, "http", http_pid)
        assert http["restarts"] == 1
        sender.wait_for(len(sender.acknowledged) + 500)  # the clients' retries went through

        worker_pid = server.pid("worker")
        os.kill(worker_pid, signal.SIGKILL)  # mid-batch
        worker = wait_restarted(server, "worker", worker_pid)
        assert worker["restarts"] == 1
        sender.wait_for(len(sender.acknowledged) + 500)
        acknowledged = sender.stop()
        wait_routed(server)
        assert "exited (signal SIGKILL)" in server.log.read_text()
    finally:
        sender.stop()
        server.stop()
    assert_applied_once(server, acknowledged)


def test_kill_9_of_the_supervisor_stops_its_processes_and_a_new_serve_finishes_the_work(tmp_path: Path) -> None:
    data = tmp_path / "data"
    server = start_server(data)
    sender = Sender(server)
    sender.wait_for(500)
    children = child_pids(server.process.pid)
    assert len(children) == 2
    os.kill(server.process.pid, signal.SIGKILL)
    server.process.wait()
    wait_gone(children)  # no orphan keeps the port, the database or its locks
    acknowledged = sender.stop()
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", int(server.url.rsplit(":", 1)[1]))) != 0

    again = start_server(data)
    try:
        wait_routed(again)
    finally:
        again.stop()
    assert_applied_once(again, acknowledged)


def test_sigterm_stops_every_process_with_exit_0_and_loses_nothing(tmp_path: Path) -> None:
    server = start_server(tmp_path / "data")
    sender = Sender(server)
    sender.wait_for(500)
    children = child_pids(server.process.pid)
    server.process.send_signal(signal.SIGTERM)
    assert server.process.wait(60) == 0
    assert not any(running(pid) for pid in children)
    acknowledged = sender.stop()
    db = server.open_db()
    try:
        with db.connect() as conn:
            logged = set(conn.execute(select(events.c.message_id)).scalars())
    finally:
        db.dispose()
    assert set(acknowledged) <= logged


def test_ctrl_c_stops_the_http_process_first_then_the_worker(tmp_path: Path) -> None:
    server = start_server(tmp_path / "data", own_group=True)
    http, worker = server.pid("http"), server.pid("worker")
    os.killpg(server.process.pid, signal.SIGINT)  # what a terminal sends to the foreground command
    assert server.process.wait(60) == 0
    wait_gone([http, worker])
    log = server.log.read_text()
    assert log.index(f"stopped the http process (pid {http})") < log.index(f"stopped the worker process (pid {worker})")


def test_serve_exits_with_the_error_when_it_cannot_listen(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run(
            [sys.executable, "-m", "segcio", "serve", "--data-dir", str(tmp_path), "--port", str(port)],
            capture_output=True, text=True, timeout=60,
        )
    assert done.returncode != 0
    assert f"cannot listen on 127.0.0.1:{port}" in done.stderr


def test_a_process_that_cannot_start_fails_serve_instead_of_restarting(tmp_path: Path) -> None:
    # Python's logging knows the level NOTSET, the HTTP server does not: the HTTP process fails at its start.
    done = subprocess.run(
        [sys.executable, "-m", "segcio", "serve", "--data-dir", str(tmp_path), "--port", str(free_port())],
        capture_output=True, text=True, timeout=60, env={**os.environ, "SEGCIO_LOG_LEVEL": "notset"},
    )
    assert done.returncode != 0
    assert "the http process could not start" in done.stderr
    assert "restarting" not in done.stderr


@pytest.mark.parametrize(("option", "role"), [("--single-process", "serve"), ("--no-workers", "http")])
def test_one_process_options(tmp_path: Path, option: str, role: str) -> None:
    server = start_server(tmp_path / "data", extra_args=[option])
    try:
        processes = server.processes()
        assert list(processes) == [role]
        assert processes[role]["pid"] == server.process.pid
        assert child_pids(server.process.pid) == []
    finally:
        server.stop()


def test_processes_2_on_postgresql_serve_beside_the_worker(postgres_url: str, tmp_path: Path) -> None:
    server = start_server(tmp_path / "data", postgres_url, extra_args=["--processes", "2"])
    sender = Sender(server)
    try:
        processes = server.processes()
        assert set(processes) == {"supervisor", "http", "worker"}
        servers = child_pids(processes["http"]["pid"])
        assert len(servers) >= 2  # the HTTP process's two server processes
        sender.wait_for(400)
        os.kill(processes["http"]["pid"], signal.SIGKILL)
        wait_gone(servers)  # they stop with it, leaving the port to the next ones
        wait_restarted(server, "http", processes["http"]["pid"])
        sender.wait_for(len(sender.acknowledged) + 400)
        acknowledged = sender.stop()
        wait_routed(server)
    finally:
        sender.stop()
        server.stop()
    assert_applied_once(server, acknowledged)


def test_info_tells_how_serve_runs(tmp_path: Path) -> None:
    args = ["--data-dir", str(tmp_path)]
    assert "supervisor" in read_info(args)["processes"]
    single = read_info(args, {"SEGCIO_SINGLE_PROCESS": "true"})["processes"]
    assert single == "HTTP, routing and delivery in one process"

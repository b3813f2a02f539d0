"""`segcio serve`'s supervisor: the HTTP server and the routing/delivery worker as two child processes.

Each child gets a core of its own (one interpreter lock each), instead of ingestion and routing sharing one. The
supervisor binds the listening socket and hands it to the HTTP process, starts both, restarts one that dies (with a
backoff), and on SIGTERM or Ctrl-C stops the HTTP process first (nothing new is accepted, requests in flight are
answered and the ingest writer flushed), then the worker (which releases its leases). It imports nothing of the
web stack: it stays small while the children do the work.

The children run in process groups of their own, so a terminal's Ctrl-C reaches only the supervisor, which stops
them in that order; on Linux they are told to stop (SIGTERM) when the supervisor dies, even by `kill -9`. On
SQLite the supervisor holds `<database>.serve-lock` and passes it to its children, so a new `segcio serve` on the
same database waits until every process of an old one is gone. The supervisor writes its processes to
`<data dir>/processes-<pid>.json` (`segcio.process_status`), which `/healthz` of the HTTP process reads.
"""

from __future__ import annotations

import ctypes
import fcntl
import logging
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import IO

from segcio.child import LISTEN_FD_ENV, READY_FD_ENV
from segcio.config import Settings, export_environment
from segcio.process_status import PR_SET_PDEATHSIG, STATUS_ENV, ProcessInfo, write

log = logging.getLogger(__name__)

POLL_SECONDS = 0.1
STOP_TIMEOUT_SECONDS = 30.0  # each child's time to finish before it is killed
FIRST_BACKOFF_SECONDS = 0.5
MAX_BACKOFF_SECONDS = 30.0
STABLE_SECONDS = 10.0  # a child that ran this long is restarted after the first backoff again
LOCK_WAIT_SECONDS = 15.0


class StartError(Exception):
    """The processes could not be started (the message says why and what to do)."""


class Child:
    def __init__(self, role: str, env: dict[str, str], fds: tuple[int, ...]) -> None:
        self.role, self.env, self.fds = role, env, fds
        self.process: subprocess.Popen[bytes] | None = None
        self.info = ProcessInfo(role, 0, 0.0, alive=False)
        self.ready_fd: int | None = None
        self.ever_ready = False
        self.restart_at: float | None = None
        self.backoff = 0.0

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None


class Supervisor:
    def __init__(self, settings: Settings, listening: socket.socket, keep_fds: tuple[int, ...]) -> None:
        self.listening = listening
        self.status_path = Path(settings.data_dir) / f"processes-{os.getpid()}.json"
        self.me = ProcessInfo("supervisor", os.getpid(), time.time())
        base = {**export_environment(replace(settings, run_workers=False)), STATUS_ENV: str(self.status_path)}
        self.http = Child("http", {**base, LISTEN_FD_ENV: str(listening.fileno())}, (listening.fileno(), *keep_fds))
        self.worker = Child("worker", base, keep_fds)
        self.children = [self.http, self.worker]  # the order they stop in
        self.stopping = False
        self._preexec = _die_with_parent()

    def run(self) -> int:
        """Start the children and watch them until a signal asks to stop; the exit status of `segcio serve`."""
        for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(signum, self._request_stop)
        _remove_stale_status_files(self.status_path.parent)
        try:
            for child in self.children:
                self._start(child)
            while not self.stopping:
                failed = self._watch()
                if failed is not None:
                    self._stop_all()
                    return failed
                time.sleep(POLL_SECONDS)
            self._stop_all()
            return 0
        finally:
            self.status_path.unlink(missing_ok=True)

    def _request_stop(self, signum: int, _frame: object) -> None:
        if not self.stopping:
            log.info("%s: stopping the HTTP process, then the worker", signal.Signals(signum).name)
        self.stopping = True

    def _start(self, child: Child) -> None:
        read_end, write_end = os.pipe()
        try:
            child.process = subprocess.Popen(
                [sys.executable, "-m", "segcio.child", child.role],
                env={**os.environ, **child.env, READY_FD_ENV: str(write_end)},
                pass_fds=(write_end, *child.fds),
                process_group=0,  # a terminal's Ctrl-C goes to the supervisor only
                preexec_fn=self._preexec,
            )
        finally:
            os.close(write_end)
        os.set_blocking(read_end, False)
        child.ready_fd = read_end
        child.restart_at = None
        child.info.pid, child.info.started, child.info.alive = child.process.pid, time.time(), True
        self._write_status()

    def _watch(self) -> int | None:
        """Restart the children that died; the exit status to give up with when one could never start."""
        now = time.monotonic()
        for child in self.children:
            self._read_ready(child)
            if child.restart_at is not None:
                if now >= child.restart_at:
                    child.info.restarts += 1
                    self._start(child)
                continue
            assert child.process is not None
            code = child.process.poll()
            if code is None:
                continue
            self._read_ready(child)
            self._close_ready(child)
            child.info.alive = False
            self._write_status()
            if not child.ever_ready:
                log.error("the %s process could not start (%s); stopping", child.role, _status(code))
                return code if code > 0 else 1
            ran = time.time() - child.info.started
            child.backoff = (FIRST_BACKOFF_SECONDS if ran >= STABLE_SECONDS or not child.backoff
                             else min(child.backoff * 2, MAX_BACKOFF_SECONDS))
            child.restart_at = now + child.backoff
            log.warning("the %s process (pid %d) exited (%s) after %.0f s; restarting it in %.1f s (restart %d)",
                        child.role, child.info.pid, _status(code), ran, child.backoff, child.info.restarts + 1)
        return None

    def _read_ready(self, child: Child) -> None:
        if child.ready_fd is None:
            return
        try:
            data = os.read(child.ready_fd, 1)
        except BlockingIOError:
            return
        if data:
            child.ever_ready = True
        self._close_ready(child)

    def _close_ready(self, child: Child) -> None:
        if child.ready_fd is not None:
            os.close(child.ready_fd)
            child.ready_fd = None

    def _stop_all(self) -> None:
        self.listening.close()  # the HTTP process holds the last copy: once it stops, connections are refused
        for child in self.children:
            child.restart_at = None
            if child.alive:
                assert child.process is not None
                child.process.terminate()
                try:
                    child.process.wait(STOP_TIMEOUT_SECONDS)
                except subprocess.TimeoutExpired:
                    log.error("the %s process did not stop in %.0f s; killing it", child.role, STOP_TIMEOUT_SECONDS)
                    child.process.kill()
                    child.process.wait()
                log.info("stopped the %s process (pid %d)", child.role, child.process.pid)
            self._close_ready(child)
            child.info.alive = False
            self._write_status()

    def _write_status(self) -> None:
        try:
            write(self.status_path, [self.me, *(c.info for c in self.children)])
        except OSError:
            log.exception("could not write %s", self.status_path)


def serve(settings: Settings) -> int:
    """Run `segcio serve`'s processes until stopped; the exit status."""
    lock = _serve_lock(settings)
    try:
        listening = _listen(settings)
    except OSError as exc:
        raise StartError(f"cannot listen on {settings.host}:{settings.port}: {exc.strerror or exc}") from None
    keep = () if lock is None else (lock.fileno(),)
    return Supervisor(settings, listening, keep).run()


def _listen(settings: Settings) -> socket.socket:
    family = socket.AF_INET6 if ":" in settings.host else socket.AF_INET
    listening = socket.socket(family, socket.SOCK_STREAM)
    listening.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listening.bind((settings.host, settings.port))
        listening.listen(2048)
    except OSError:
        listening.close()
        raise
    listening.set_inheritable(True)
    return listening


def _serve_lock(settings: Settings) -> IO[bytes] | None:
    """On SQLite: wait for the processes of an earlier `segcio serve` on this database to be gone (they stop when
    their supervisor dies), then hold the lock for this one's whole process tree."""
    url = settings.database_url
    if not url.startswith("sqlite:///"):
        return None
    path = url.removeprefix("sqlite:///").split("?", 1)[0] + ".serve-lock"
    handle = os.fdopen(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600), "wb")
    deadline = time.monotonic() + LOCK_WAIT_SECONDS
    while True:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            os.set_inheritable(handle.fileno(), True)
            return handle
        except BlockingIOError:
            if time.monotonic() > deadline:
                handle.close()
                raise StartError(f"another segcio serve runs on {url}: stop it first") from None
            time.sleep(0.1)


def _die_with_parent() -> Callable[[], None] | None:
    """What each child runs before it starts: SIGTERM when the supervisor dies."""
    if not sys.platform.startswith("linux"):
        return None
    libc = ctypes.CDLL(None, use_errno=True)  # loaded before the fork: the child only calls it
    parent = os.getpid()

    def preexec() -> None:
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
        if os.getppid() != parent:  # the supervisor died before the request was in place
            os._exit(1)

    return preexec


def _remove_stale_status_files(directory: Path) -> None:
    for path in directory.glob("processes-*.json"):
        pid = path.stem.removeprefix("processes-")
        if pid.isdigit() and not Path(f"/proc/{pid}").exists() and sys.platform.startswith("linux"):
            path.unlink(missing_ok=True)


def _status(code: int) -> str:
    return f"signal {signal.Signals(-code).name}" if code < 0 else f"exit code {code}"

"""Shared fixtures: databases (SQLite and PostgreSQL for real) and a running `segcio serve`."""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import signal
import socket
import ssl
import subprocess
import sys
import time
from collections.abc import Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote

import httpx
import pytest
import sqlalchemy as sa

from segcio.store import Database, open_database
from tests.ci import check_ci_determinism, load_hypothesis_profile, missing

load_hypothesis_profile()
# Servers the tests start read their settings from the environment: the App API's rate limit (10 requests per second
# by default) is off for them, as tests read after every step; the tests of the limit turn it on.
os.environ.setdefault("SEGCIO_APP_API_RATE_LIMIT", "0")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    check_ci_determinism(items)


POSTGRES_URL = os.environ.get("SEGCIO_TEST_POSTGRES_URL", "")
SKIP_POSTGRES = (
    "SEGCIO_TEST_POSTGRES_URL is not set (e.g. postgresql://postgres@127.0.0.1:5432/test): PostgreSQL tests need it"
)


def postgres_schema_url(schema: str) -> str:
    """The test PostgreSQL URL with its search_path pointed at a private schema."""
    sep = "&" if "?" in POSTGRES_URL else "?"
    return f"{POSTGRES_URL}{sep}options={quote(f'-csearch_path={schema}')}"


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL schema for one test (dropped afterwards)."""
    yield from postgres_schema()


def postgres_schema() -> Iterator[str]:
    """A fresh, empty PostgreSQL schema's URL, dropped when the generator is closed (for fixtures of any scope)."""
    if not POSTGRES_URL:
        missing(SKIP_POSTGRES)
    schema = "t_" + secrets.token_hex(6)
    admin = sa.create_engine(POSTGRES_URL.replace("postgresql://", "postgresql+psycopg://", 1))
    with admin.begin() as conn:
        conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
    try:
        yield postgres_schema_url(schema)
    finally:
        with admin.begin() as conn:
            conn.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Each test that takes this runs on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'segcio.db'}"
    url: str = request.getfixturevalue("postgres_url")
    return url


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    """A migrated database (SQLite and PostgreSQL)."""
    database = open_database(database_url)
    try:
        yield database
    finally:
        database.dispose()


T = TypeVar("T")


def run_coroutine(coroutine: Coroutine[Any, Any, T]) -> T:
    """`asyncio.run` in a thread of its own: the browser tests' Playwright keeps an event loop running in the
    worker's main thread for the whole session, where `asyncio.run` refuses to start."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def read_info(args: list[str], env: dict[str, str] | None = None) -> dict[str, Any]:
    """`segcio info --json` for these CLI arguments."""
    done = subprocess.run(
        [sys.executable, "-m", "segcio", "info", "--json", *args],
        check=True,
        capture_output=True,
        env={**os.environ, **(env or {})},
    )
    answer: dict[str, Any] = json.loads(done.stdout)
    return answer


@contextmanager
def module_database(backend: str) -> Iterator[str]:
    """The database URL for a whole module: empty for SQLite in the data dir, else a private PostgreSQL schema."""
    if backend == "sqlite":
        yield ""
        return
    yield from postgres_schema()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass(frozen=True)
class Certificate:
    """A server certificate for localhost and 127.0.0.1, and the test CA that issued it (trustme)."""

    certfile: Path
    keyfile: Path
    ca_file: Path

    def ssl_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.ca_file))


def make_certificate(directory: Path) -> Certificate:
    import trustme

    ca = trustme.CA()
    leaf = ca.issue_cert("localhost", "127.0.0.1")
    directory.mkdir(parents=True, exist_ok=True)
    certificate = Certificate(directory / "server.pem", directory / "server.key", directory / "ca.pem")
    leaf.private_key_pem.write_to_path(str(certificate.keyfile))
    certificate.certfile.write_bytes(b"".join(blob.bytes() for blob in leaf.cert_chain_pems))
    ca.cert_pem.write_to_path(str(certificate.ca_file))
    return certificate


@dataclass
class Server:
    """A `segcio serve` subprocess and its default credentials."""

    url: str
    data_dir: Path
    database: str
    info: dict[str, Any]
    process: subprocess.Popen[bytes]
    log: Path
    certificate: Certificate | None = None  # serving HTTPS with it

    @property
    def write_key(self) -> str:
        return str(self.info["write_key"])

    def open_db(self) -> Database:
        """The server's database, for reading what it stored (the caller disposes of it)."""
        return Database(self.database or f"sqlite:///{self.data_dir / 'segcio.db'}")

    def processes(self) -> dict[str, dict[str, Any]]:
        """The processes of this `segcio serve` by role (`/healthz`): supervisor, http, worker; or serve alone."""
        verify = True if self.certificate is None else self.certificate.ssl_context()
        listed = httpx.get(self.url + "/healthz", timeout=10, verify=verify).json()["processes"]
        return {p["role"]: p for p in listed}

    def pid(self, role: str) -> int:
        return int(self.processes()[role]["pid"])

    def kill_9_all(self) -> list[int]:
        """kill -9 every process of this server, its children first (a crash of the machine, as far as segcio can
        tell); returns their pids, gone when this returns."""
        pids = [*child_pids(self.process.pid), self.process.pid]
        for pid in pids:
            with suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        self.process.wait()
        wait_gone(pids)
        return pids

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def child_pids(parent: int) -> list[int]:
    """The pids of `parent`'s children (Linux /proc)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with suppress(OSError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[1]) == parent:
                found.append(int(stat.parent.name))
    return found


def running(pid: int) -> bool:
    """Whether `pid` runs (a zombie no longer does)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")


def wait_gone(pids: list[int], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while any(running(pid) for pid in pids):
        assert time.monotonic() < deadline, f"still running: {[pid for pid in pids if running(pid)]}"
        time.sleep(0.05)


def start_server(
    data_dir: Path,
    database: str = "",
    extra_args: list[str] | None = None,
    env: dict[str, str] | None = None,
    first: str = "info",
    certificate: Certificate | None = None,
    own_group: bool = False,
) -> Server:
    """Start `segcio serve` on a free port and wait until /healthz answers.

    `first="info"` creates the credentials with `segcio info` before; `first="serve"` lets the server create them.
    With a `certificate`, the server speaks HTTPS (`--ssl-certfile`/`--ssl-keyfile`). `own_group` starts it in a
    process group of its own, as a shell starts a command (for a terminal's Ctrl-C: SIGINT to the group).
    """
    port = free_port()
    args = ["--data-dir", str(data_dir)] + (["--database", database] if database else [])
    info = read_info(args, env) if first == "info" else {}
    log = data_dir / f"serve-{port}.log"
    data_dir.mkdir(parents=True, exist_ok=True)
    tls_args = [] if certificate is None else [
        "--ssl-certfile", str(certificate.certfile), "--ssl-keyfile", str(certificate.keyfile)]
    process = subprocess.Popen(
        [sys.executable, "-m", "segcio", "serve", "--port", str(port), *args, *tls_args, *(extra_args or [])],
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        env={**os.environ, **(env or {})},
        process_group=0 if own_group else None,
    )
    url = f"{'http' if certificate is None else 'https'}://127.0.0.1:{port}"
    verify = True if certificate is None else certificate.ssl_context()
    deadline = time.monotonic() + 120  # a loaded machine; an idle one starts in a second or two
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"segcio serve exited: {log.read_text()}")
        try:
            if httpx.get(url + "/healthz", timeout=1, verify=verify).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.1)
    else:
        process.kill()
        raise RuntimeError(f"segcio serve did not start: {log.read_text()}")
    info = info or read_info(args, env)
    info["url"] = url
    return Server(url=url, data_dir=data_dir, database=database, info=info, process=process, log=log,
                  certificate=certificate)


def start_worker(database: str, name: str, log: Path) -> subprocess.Popen[bytes]:
    """Start `segcio worker` (routing and remote delivery, no HTTP) on `database`, its output into `log`."""
    return subprocess.Popen(
        [sys.executable, "-m", "segcio", "worker", "--database", database, "--name", name],
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        env=os.environ.copy(),
    )


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    """A running `segcio serve` on SQLite in a temporary data dir."""
    srv = start_server(tmp_path / "data")
    try:
        yield srv
    finally:
        srv.stop()

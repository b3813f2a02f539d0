"""Fixtures of the workspace API tests: a segcio served over TLS with a certificate made for the test."""

from __future__ import annotations

import json
import os
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
import trustme
from fastapi.testclient import TestClient

from segcio import jsonutil
from segcio.app import create_app
from segcio.config import Settings
from segcio.runtime import Runtime
from tests.conftest import free_port, module_database

# Serve the real application (the same factory `segcio serve` uses) with uvicorn's TLS options.
TLS_SERVE = """
import sys, uvicorn
from segcio.app import create_app
from segcio.config import load_settings
data_dir, database, port, cert, key = sys.argv[1:6]
settings = load_settings(data_dir=data_dir, database=database or None, port=int(port))
uvicorn.run(create_app(settings), host="127.0.0.1", port=int(port), ssl_certfile=cert, ssl_keyfile=key,
            log_level="warning", access_log=False, timeout_graceful_shutdown=2)
"""


@dataclass
class TlsServer:
    host: str
    port: int
    ca_bundle: Path
    info: dict[str, Any]
    data_dir: Path
    database: str

    @property
    def url(self) -> str:
        return f"https://{self.host}:{self.port}"

    def ssl_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.ca_bundle))


@contextmanager
def serve_tls(tmp_path: Path, database: str, env: dict[str, str] | None = None) -> Iterator[TlsServer]:
    ca = trustme.CA()
    leaf = ca.issue_cert("localhost", "127.0.0.1")
    cert, key, bundle = tmp_path / "server.pem", tmp_path / "server.key", tmp_path / "ca.pem"
    leaf.private_key_pem.write_to_path(str(key))
    cert.write_bytes(b"".join(blob.bytes() for blob in leaf.cert_chain_pems))
    ca.cert_pem.write_to_path(str(bundle))
    data_dir = tmp_path / "data"
    db_args = ["--database", database] if database else []
    info = json.loads(
        subprocess.run(
            [sys.executable, "-m", "segcio", "info", "--json", "--data-dir", str(data_dir), *db_args],
            check=True,
            capture_output=True,
        ).stdout
    )
    port = free_port()
    log = tmp_path / "tls-serve.log"
    process = subprocess.Popen(
        [sys.executable, "-c", TLS_SERVE, str(data_dir), database, str(port), str(cert), str(key)],
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        env={**os.environ, "SEGCIO_RUN_WORKERS": "false", **(env or {})},
    )
    server = TlsServer("localhost", port, bundle, info, data_dir, database)
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"TLS server exited: {log.read_text()}")
            try:
                if httpx.get(server.url + "/healthz", verify=server.ssl_context(), timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"TLS server did not start: {log.read_text()}") from None
                time.sleep(0.1)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def tls_server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TlsServer]:
    """segcio over HTTPS on localhost, one per module and backend (tests use their own identifiers);
    `requests` trusts its CA through REQUESTS_CA_BUNDLE."""
    tmp_path = tmp_path_factory.mktemp("tls")
    with (
        module_database(request.param) as database,
        serve_tls(tmp_path, database) as server,
        pytest.MonkeyPatch.context() as patch,
    ):
        patch.setenv("REQUESTS_CA_BUNDLE", str(server.ca_bundle))
        yield server


class Api:
    """The Track and App APIs of an in-process segcio (real database) behind Starlette's TestClient."""

    def __init__(self, client: TestClient, runtime: Runtime) -> None:
        self.client = client
        self.runtime = runtime
        self.track_auth = (runtime.defaults.site_id, runtime.defaults.api_key)
        self.app_headers = {"Authorization": f"Bearer {runtime.defaults.app_api_key}"}

    def track(self, method: str, path: str, body: Any = None, **kwargs: Any) -> httpx.Response:
        """A Track API request with the default workspace's Basic credentials (unless `auth`/`headers` say else)."""
        if body is not None and "content" not in kwargs:
            kwargs["content"] = jsonutil.dumpb(body)
            kwargs.setdefault("headers", {"Content-Type": "application/json"})
        if "headers" not in kwargs or "Authorization" not in kwargs["headers"]:
            kwargs.setdefault("auth", self.track_auth)
        return self.client.request(method, path, **kwargs)

    def app(self, method: str, path: str, body: Any = None, **kwargs: Any) -> httpx.Response:
        """An App API request with the default workspace's Bearer key."""
        if body is not None:
            kwargs["json"] = body
        kwargs.setdefault("headers", self.app_headers)
        return self.client.request(method, path, **kwargs)

    def attributes(self, identifier: str, id_type: str = "id") -> dict[str, Any] | None:
        """The App API view of one person, or None when there is nobody with that identifier."""
        response = self.app(
            "GET", f"/v1/customers/{quote(identifier, safe='')}/attributes", params={"id_type": id_type}
        )
        if response.status_code == 404:
            return None
        assert response.status_code == 200, response.text
        customer: dict[str, Any] = response.json()["customer"]
        return customer


def make_api(database_url: str, tmp_path: Path) -> Iterator[Api]:
    # The App API's rate limit is off: the tests read after every step (tests of the limit turn it on).
    app = create_app(Settings(data_dir=tmp_path, database=database_url, run_workers=False, app_api_rate_limit=0))
    with TestClient(app) as client:
        yield Api(client, app.state.runtime)


@pytest.fixture
def api(database_url: str, tmp_path: Path) -> Iterator[Api]:
    """Runs each test on SQLite and on PostgreSQL."""
    yield from make_api(database_url, tmp_path)

"""Fixtures of the workspace API tests: `segcio serve` over HTTPS with a certificate made for the test."""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import httpx
import pytest
from fastapi.testclient import TestClient

from segcio import jsonutil
from segcio.app import create_app
from segcio.config import Settings
from segcio.runtime import Runtime
from tests.conftest import make_certificate, module_database, start_server


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
    """`segcio serve --ssl-certfile ... --ssl-keyfile ...` with a certificate for localhost made by the test."""
    certificate = make_certificate(tmp_path / "tls")
    server = start_server(tmp_path / "data", database, env={"SEGCIO_RUN_WORKERS": "false", **(env or {})},
                          certificate=certificate)
    try:
        port = urlsplit(server.url).port
        assert port is not None
        yield TlsServer("localhost", port, certificate.ca_file, server.info, server.data_dir, database)
    finally:
        server.stop()


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

"""A running `segcio serve` per backend for a whole module, with valid credentials for every API (a logged-in UI
session included) and invalid ones."""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from tests.conftest import module_database, start_server

ADMIN_PASSWORD = "any input, any route"
CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')
TRACK_PREFIXES = ("/api/v1/", "/api/v2/", "/auth", "/push/", "/unsubscribe/")
APP_PREFIXES = ("/v1/customers", "/v1/objects", "/v1/object_types", "/v1/exports")


@dataclass
class Target:
    url: str
    credentials: dict[str, dict[str, str]]  # by route family, plus "invalid" ones
    csrf: str
    client: httpx.Client

    def request(self, family: str, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """A request with the valid credentials of `family` (track, app, admin, ingest, ui)."""
        headers = {**self.credentials[family], **kwargs.pop("headers", {})}
        return self.client.request(method, self.url + path, headers=headers, **kwargs)

    def family_of(self, path: str) -> str:
        if path.startswith(TRACK_PREFIXES):
            return "track"
        if path.startswith(APP_PREFIXES):
            return "app"
        if path.startswith("/ui"):
            return "ui"
        if path.startswith("/v1/"):
            return "ingest"
        return "admin"


def _basic(user: str, password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def target(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Target]:
    """One `segcio serve` per backend for the whole module, with a logged-in UI session among the credentials."""
    tmp_path = tmp_path_factory.mktemp("any-input")
    with module_database(request.param) as database:
        server = start_server(tmp_path / "data", database, env={"SEGCIO_ADMIN_PASSWORD": ADMIN_PASSWORD})
        try:
            info = server.info
            with httpx.Client(base_url=server.url) as client:
                match = CSRF_RE.search(client.get("/ui/login").text)
                assert match is not None
                login = client.post("/ui/login", data={"csrf_token": match.group(1), "password": ADMIN_PASSWORD,
                                                       "next": "/ui/"})
                assert login.status_code in (200, 303), login.text
                cookie = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
                match = CSRF_RE.search(client.get("/ui/").text)
                csrf = match.group(1) if match else ""
            credentials = {
                "track": _basic(info["site_id"], info["api_key"]),
                "app": {"Authorization": f"Bearer {info['app_api_key']}"},
                "admin": {"Authorization": f"Bearer {info['admin_token']}"},
                "ingest": _basic(info["write_key"], ""),
                "ui": {"Cookie": cookie},
                "odd": _basic("\x7f", "x"),
                "unknown": {"Authorization": "Bearer 99999999999999999999999"},
                "none": {},
            }
            with httpx.Client(timeout=30) as session:
                yield Target(server.url, credentials, csrf, session)
        finally:
            server.stop()

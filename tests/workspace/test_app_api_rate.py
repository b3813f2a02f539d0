"""The App API answers 429 with `Retry-After` past 10 requests per second and workspace, as Customer.io does:
a real burst over HTTPS (SQLite and PostgreSQL), the `customerio` package's APIClient backing off on it, and the
UI's own reads, which do not go through the App API, unaffected."""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from customerio import APIClient
from fastapi.testclient import TestClient

from segcio.app import create_app
from segcio.config import Settings
from tests.conftest import module_database
from tests.web.conftest import ADMIN_PASSWORD, UI
from tests.workspace.conftest import TlsServer, serve_tls

RATE = 10


@pytest.fixture(scope="module")
def limited(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TlsServer]:
    """segcio over HTTPS with the App API limit at Customer.io's documented rate (`requests` trusts its CA).
    SQLite only: the limit counts requests in memory before anything reads the database."""
    tmp_path = tmp_path_factory.mktemp("rate")
    with (
        module_database("sqlite") as database,
        serve_tls(tmp_path, database, {"SEGCIO_APP_API_RATE_LIMIT": str(RATE)}) as server,
        pytest.MonkeyPatch.context() as patch,
    ):
        patch.setenv("REQUESTS_CA_BUNDLE", str(server.ca_bundle))
        yield server


def app_client(server: TlsServer, key: str | None = None) -> httpx.Client:
    return httpx.Client(
        base_url=server.url,
        verify=server.ssl_context(),
        headers={"Authorization": f"Bearer {key or server.info['app_api_key']}"},
    )


def wait_for_a_fresh_window(client: httpx.Client) -> None:
    """Until the App API admits requests again (earlier tests may have used this second's requests)."""
    while (response := client.get("/v1/object_types")).status_code == 429:
        time.sleep(float(response.headers["Retry-After"]) / 4)


def test_a_burst_past_the_rate_is_answered_429_with_retry_after(limited: TlsServer) -> None:
    with app_client(limited) as client, app_client(limited, key="wrong") as stranger:
        wait_for_a_fresh_window(client)
        time.sleep(1.0)  # the whole window is free
        with ThreadPoolExecutor(8) as pool:
            responses = list(pool.map(lambda _: client.get("/v1/object_types"), range(3 * RATE)))
        statuses = [r.status_code for r in responses]
        # requests over HTTPS on loopback: the burst fits in about one window
        assert RATE <= statuses.count(200) < 2 * RATE, statuses
        refused = [r for r in responses if r.status_code == 429]
        assert len(refused) >= RATE
        for response in refused:
            assert int(response.headers["Retry-After"]) >= 1
            (error,) = response.json()["errors"]
            assert error["status"] == "429" and f"{RATE} requests per 1s" in error["detail"]
        # requests without valid credentials are refused as such, not counted against the workspace
        assert stranger.get("/v1/object_types").status_code == 401
        # after Retry-After the workspace is admitted again
        time.sleep(float(refused[-1].headers["Retry-After"]))
        assert client.get("/v1/object_types").status_code == 200


def test_the_customerio_api_client_backs_off_on_retry_after(limited: TlsServer) -> None:
    """APIClient's urllib3 Retry honours Retry-After on 429 (https only), so it retries and succeeds."""
    with app_client(limited) as client:
        wait_for_a_fresh_window(client)
        while client.get("/v1/object_types").status_code != 429:
            pass  # use up the window
    with APIClient(limited.info["app_api_key"], url=limited.url, retries=3) as api:
        response = api.send_request("POST", limited.url + "/v1/customers/attributes", {"ids": ["nobody"]})
    assert response.status_code == 200
    assert [h.status for h in response.raw.retries.history][:1] == [429]


def test_the_ui_reads_are_not_limited(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, run_workers=False, admin_password=ADMIN_PASSWORD, app_api_rate_limit=2)
    app = create_app(settings)
    with TestClient(app) as client:
        ui = UI(client, app.state.runtime)
        assert ui.login().status_code == 303
        headers = {"Authorization": f"Bearer {app.state.runtime.defaults.app_api_key}"}
        statuses = [client.get("/v1/object_types", headers=headers).status_code for _ in range(3)]
        assert statuses == [200, 200, 429]
        for page in ("/ui/people", "/ui/objects", "/ui/"):
            assert client.get(page).status_code == 200, page

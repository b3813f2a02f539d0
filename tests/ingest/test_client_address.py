"""`context.ip` is the TCP peer unless the peer is a configured trusted proxy; then what the proxies forwarded."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from segcio import jsonutil
from segcio.store import open_database
from segcio.store.tables.core import events
from tests.conftest import Server, start_server


@pytest.fixture
def behind_proxies(tmp_path: Path) -> Iterator[Server]:
    server = start_server(tmp_path / "data", env={"SEGCIO_TRUSTED_PROXIES": "127.0.0.1, 10.0.0.0/8"})
    try:
        yield server
    finally:
        server.stop()


def context_ips(server: Server, headers: list[dict[str, str]]) -> list[Any]:
    """Send one identify per header set; the `context.ip` each was stored with."""
    for n, extra in enumerate(headers):
        response = httpx.post(
            server.url + "/v1/identify",
            json={"userId": f"u{n}", "messageId": f"m{n}"},
            auth=(server.write_key, ""),
            headers=extra,
            timeout=10,
        )
        assert response.status_code == 200
    db = open_database(f"sqlite:///{server.data_dir / 'segcio.db'}", upgrade=False)
    try:
        with db.connect() as conn:
            bodies = conn.execute(select(events.c.body).order_by(events.c.seq)).scalars().all()
    finally:
        db.dispose()
    return [jsonutil.loads(body)["context"]["ip"] for body in bodies]


def test_forwarded_headers_from_an_untrusted_peer_are_ignored(server: Server) -> None:
    headers = [
        {"X-Forwarded-For": "203.0.113.9"},
        {"X-Real-IP": "203.0.113.9"},
        {"Forwarded": "for=203.0.113.9"},
    ]
    assert context_ips(server, headers) == ["127.0.0.1"] * 3


def test_a_trusted_proxy_names_the_client(behind_proxies: Server) -> None:
    headers = [
        {"X-Forwarded-For": "203.0.113.9"},
        # Entries added by trusted proxies are skipped; the nearest untrusted one is the client; what the client
        # itself put further left is not believed.
        {"X-Forwarded-For": "198.51.100.66, 203.0.113.9, 10.1.2.3"},
        {"Forwarded": 'for=192.0.2.60;proto=http, for="[2001:db8::1]:4711"'},
        {"X-Real-IP": "203.0.113.10"},
        {},
        {"X-Forwarded-For": "not an address, 10.1.2.3"},
    ]
    assert context_ips(behind_proxies, headers) == [
        "203.0.113.9",
        "203.0.113.9",
        "2001:db8::1",
        "203.0.113.10",
        "127.0.0.1",
        "10.1.2.3",
    ]

"""Unmodified Segment clients (Python, Customer.io's fork, Node) against a running `segcio serve`."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from segcio import jsonutil
from segcio.store import Database
from segcio.store.tables.core import events
from tests.ci import missing
from tests.conftest import Server

NODE_DIR = Path(__file__).parent / "node"


def stored_events(server: Server) -> list[dict[str, Any]]:
    db = Database(f"sqlite:///{server.data_dir / 'segcio.db'}")
    try:
        with db.connect() as conn:
            return [jsonutil.loads(b) for b in conn.execute(select(events.c.body).order_by(events.c.seq)).scalars()]
    finally:
        db.dispose()


def send_all(client: Any) -> None:
    client.identify("user-1", {"email": "jane@example.com", "plan": "pro"})
    client.track("user-1", "Order Completed", {"revenue": 42.5, "items": [{"sku": "a"}]})
    client.page("user-1", "Docs", "Pricing", {"url": "https://example.com/pricing"})
    client.screen("user-1", "App", "Home", {"build": 7})
    client.group("user-1", "acme", {"name": "Acme", "object_type_id": "2"})
    client.alias("anon-old", "user-1")
    client.track(anonymous_id="anon-9", event="Viewed", properties={"n": 1})
    client.flush()


def assert_normalised(stored: list[dict[str, Any]], library: str) -> None:
    assert [m["type"] for m in stored] == ["identify", "track", "page", "screen", "group", "alias", "track"]
    identify, track, page, screen, group, alias, anonymous = stored
    assert identify["userId"] == "user-1" and identify["traits"] == {"email": "jane@example.com", "plan": "pro"}
    assert "anonymousId" not in identify  # the client sends null: treated as absent
    assert track["event"] == "Order Completed" and track["properties"]["revenue"] == 42.5
    assert page["name"] == "Pricing" and page["category"] == "Docs"
    assert screen["properties"] == {"build": 7}
    assert group["groupId"] == "acme" and group["traits"]["object_type_id"] == "2"
    assert alias["previousId"] == "anon-old" and alias["userId"] == "user-1"
    assert anonymous["anonymousId"] == "anon-9" and "userId" not in anonymous
    for message in stored:
        assert message["context"]["library"]["name"] == library
        assert message["context"]["ip"] == "127.0.0.1"
        assert message["receivedAt"].endswith("Z") and message["timestamp"].endswith("Z")
        assert "writeKey" not in message
    assert len({m["messageId"] for m in stored}) == len(stored)


@pytest.mark.parametrize("gzip", [False, True])
@pytest.mark.parametrize("sync_mode", [True, False])
def test_segment_analytics_python(server: Server, gzip: bool, sync_mode: bool) -> None:
    from segment.analytics import Client

    errors: list[Any] = []
    client = Client(
        server.write_key,
        host=server.url,
        gzip=gzip,
        sync_mode=sync_mode,
        on_error=lambda error, batch: errors.append(error),
    )
    send_all(client)
    if not sync_mode:
        client.shutdown()  # joins the consumer thread once the queue is empty
    assert errors == []
    assert_normalised(stored_events(server), "analytics-python")


def test_segment_analytics_python_with_a_wrong_key_is_refused(server: Server) -> None:
    from segment.analytics import Client
    from segment.analytics.request import APIError

    client = Client("wrong", host=server.url, sync_mode=True, max_retries=0)
    with pytest.raises(APIError) as refused:
        client.identify("u", {})
    assert refused.value.status == 401
    assert refused.value.code == "invalid_write_key"
    assert stored_events(server) == []


def test_customerio_cdp_analytics(server: Server) -> None:
    from customerio.analytics import Client

    errors: list[Any] = []
    client = Client(server.write_key, host=server.url, sync_mode=True, on_error=lambda e, b: errors.append(e))
    send_all(client)
    assert errors == []
    assert_normalised(stored_events(server), "analytics-python")


def test_segment_analytics_node(server: Server) -> None:
    if shutil.which("node") is None:
        missing("node is not installed: this test runs Segment's Node client (@segment/analytics-node)")
    if not (NODE_DIR / "node_modules" / "@segment" / "analytics-node").exists():
        missing("run `npm ci` in tests/clients/node (CI does) to install @segment/analytics-node")
    calls = [
        {"method": "identify", "args": {"userId": "user-1", "traits": {"email": "jane@example.com", "plan": "pro"}}},
        {
            "method": "track",
            "args": {
                "userId": "user-1",
                "event": "Order Completed",
                "properties": {"revenue": 42.5, "items": [{"sku": "a"}]},
            },
        },
        {
            "method": "page",
            "args": {
                "userId": "user-1",
                "category": "Docs",
                "name": "Pricing",
                "properties": {"url": "https://example.com/pricing"},
            },
        },
        {"method": "screen", "args": {"userId": "user-1", "name": "Home", "properties": {"build": 7}}},
        {
            "method": "group",
            "args": {"userId": "user-1", "groupId": "acme", "traits": {"name": "Acme", "object_type_id": "2"}},
        },
        {"method": "alias", "args": {"previousId": "anon-old", "userId": "user-1"}},
        {"method": "track", "args": {"anonymousId": "anon-9", "event": "Viewed", "properties": {"n": 1}}},
    ]
    result = subprocess.run(
        ["node", str(NODE_DIR / "send.js")],
        input=json.dumps({"writeKey": server.write_key, "host": server.url, "events": calls}),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert json.loads(result.stdout) == {"failures": []}
    stored = stored_events(server)
    assert [m["type"] for m in stored] == ["identify", "track", "page", "screen", "group", "alias", "track"]
    assert stored[0]["traits"] == {"email": "jane@example.com", "plan": "pro"}
    assert stored[2]["name"] == "Pricing"
    assert all(m["context"]["library"]["name"] == "@segment/analytics-node" for m in stored)
    assert stored[6]["anonymousId"] == "anon-9"


def test_segment_analytics_python_flushes_past_a_poison_message_with_clean_clients_alongside(server: Server) -> None:
    """A lone surrogate (which no JSON encoder can write as UTF-8) in one queued event: that event is rejected with
    its reason, the good events of the same batch and of concurrent clients arrive, and flush() returns."""
    from segment.analytics import Client

    errors: list[Any] = []

    def clean_client(n: int) -> None:
        client = Client(server.write_key, host=server.url, on_error=lambda e, b: errors.append(e))
        for i in range(50):
            client.track(f"clean-{n}-{i}", "Clean", {"i": i})
        client.flush()

    poisoned = Client(server.write_key, host=server.url, on_error=lambda e, b: errors.append(e))
    for i in range(10):
        poisoned.track(f"good-{i}", "Good", {"i": i})
    poisoned.track("bad", "Bad", {"text": "\ud800"})
    for i in range(10, 20):
        poisoned.track(f"good-{i}", "Good", {"i": i})
    threads = [threading.Thread(target=clean_client, args=(n,), daemon=True) for n in range(3)]
    threads.append(threading.Thread(target=poisoned.flush, daemon=True))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)  # a hang guard: a retried batch would keep flush() waiting for hours
    assert not any(thread.is_alive() for thread in threads), "flush() did not return"
    assert errors == []
    stored = stored_events(server)
    assert sorted(m["userId"] for m in stored if m["event"] == "Good") == sorted(f"good-{i}" for i in range(20))
    assert len([m for m in stored if m["event"] == "Clean"]) == 150
    listed = subprocess.run(
        [sys.executable, "-m", "segcio", "events", "rejected", "--json", "--data-dir", str(server.data_dir)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    [rejection] = [json.loads(line) for line in listed.splitlines()]
    assert rejection["code"] == "invalid_unicode" and "properties.text" in rejection["reason"]

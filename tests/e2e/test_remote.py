"""Forwarding: segcio routes to a second segcio acting as Customer.io, through the outbox and /api/v2/batch."""

from __future__ import annotations

import time
from pathlib import Path

import httpx

from tests.conftest import start_server
from tests.e2e.conftest import Stack


def test_events_reach_a_remote_customerio_compatible_workspace(stack: Stack, tmp_path: Path) -> None:
    remote = start_server(tmp_path / "remote")
    try:
        stack.cli(
            "destination",
            "target",
            "remote",
            "--site-id",
            remote.info["site_id"],
            "--api-key",
            remote.info["api_key"],
            "--base-url",
            remote.url,
        )
        time.sleep(3)  # a running router picks up destination changes within 2 seconds
        stack.segment.identify("r1", {"email": "r1@example.com", "plan": "pro"})
        stack.segment.track("r1", "Order Completed", {"total": 42})
        stack.settle(60)  # the backlog counts the outbox too: settled means delivered
        app = httpx.Client(base_url=remote.url, headers={"Authorization": f"Bearer {remote.info['app_api_key']}"})
        person = app.get("/v1/customers/r1/attributes").json()["customer"]
        assert person["attributes"]["plan"] == "pro"
        activities = app.get("/v1/customers/r1/activities", params={"limit": 100}).json()["activities"]
        assert ("event", "Order Completed") in {(a["type"], a["name"]) for a in activities}
        assert stack.customer("r1") is None  # forwarded, not applied locally
    finally:
        remote.stop()

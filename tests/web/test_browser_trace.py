"""The trace of an event in headless Chromium: events sent with segment-analytics-python to a running
`segcio serve`, found by messageId on the Events page, their trace opened (screenshot: docs/screenshots/trace.png)."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import Server
from tests.pipeline.conftest import wait_until

pytestmark = pytest.mark.browser
SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "screenshots" / "trace.png"


def test_search_by_message_id_and_open_the_trace(page: Any, ui_server: Server) -> None:
    from segment.analytics import Client

    client = Client(ui_server.write_key, host=ui_server.url, sync_mode=True)
    client.identify("jane-42", {"email": "jane@example.com", "first_name": "Jane", "plan": "pro"})
    message_id = f"order-{uuid.uuid4()}"
    client.track("jane-42", "Order Completed", {"revenue": 42.5, "currency": "EUR"}, message_id=message_id)
    wait_until(lambda: httpx.get(ui_server.url + "/healthz").json()["backlog"] == 0, "backlog 0")

    page.get_by_role("link", name="Events").click()
    page.get_by_label("Find an event by seq, messageId, userId, anonymousId or email").fill(message_id)
    page.get_by_role("button", name="Find").click()
    page.get_by_role("link", name=message_id).click()
    page.wait_for_selector("h1:has-text('Order Completed')")

    assert page.get_by_test_id("message-id").inner_text() == message_id
    assert page.get_by_role("heading", name="Received").is_visible()
    assert page.get_by_role("heading", name="Ingestion").is_visible()
    assert "applied to the local workspace" in page.get_by_test_id("fate").inner_text()
    assert page.get_by_role("heading", name="In the workspace").is_visible()
    assert page.get_by_role("cell", name="matched; the request(s) above would be sent").count() >= 1
    page.screenshot(path=str(SCREENSHOT), full_page=True)

    page.get_by_role("link", name="jane-42").first.click()  # the userId: every event of the person
    page.wait_for_selector("text=matching")
    assert page.locator("tbody tr").count() == 2

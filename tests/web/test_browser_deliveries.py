"""The Deliveries page in headless Chromium: filter the log to failed rows, page through them, open one."""

from __future__ import annotations

import re
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import Server

pytestmark = pytest.mark.browser
REFUSED = 55  # more than one page (50 rows)


def test_filter_the_delivery_log_to_failed_rows_page_and_open_one(page: Any, ui_server: Server, tmp_path: Path) -> None:
    batch: list[dict[str, Any]] = [
        {"type": "identify", "userId": f"ok-{i}", "traits": {"plan": "pro"}} for i in range(5)
    ]
    batch += [{"type": "screen", "userId": f"screen-{i}"} for i in range(REFUSED)]  # no name: refused
    batch = [{"messageId": str(uuid.uuid4()), **m} for m in batch]
    response = httpx.post(ui_server.url + "/v1/batch", json={"batch": batch}, auth=(ui_server.write_key, ""))
    assert response.status_code == 200
    deadline = time.monotonic() + 30
    while httpx.get(ui_server.url + "/healthz").json()["backlog"] and time.monotonic() < deadline:
        time.sleep(0.1)

    page.goto(ui_server.url + "/ui/deliveries")
    page.get_by_label("Outcome").select_option("failed")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url(re.compile(r".*outcome=failed.*"))
    rows = page.locator('[data-testid="delivery-log"] tbody tr')
    assert rows.count() == 50
    assert page.locator('[data-testid="delivery-log"] tbody tr[data-outcome="failed"]').count() == 50
    assert page.get_by_test_id("failures-total").inner_text() == str(REFUSED)
    page.screenshot(path=str(tmp_path / "deliveries.png"), full_page=False)

    page.get_by_role("link", name="Older →").click()
    page.wait_for_url(re.compile(r".*before=\d+.*"))
    assert "outcome=failed" in page.url
    assert rows.count() == REFUSED - 50
    assert page.get_by_label("Outcome").input_value() == "failed"

    first = rows.first
    first.get_by_text("Request / response").click()
    assert "missing the required field" in first.locator("details").inner_text()
    link = first.get_by_role("link")
    assert re.fullmatch(r"/ui/events/\d+", link.get_attribute("href") or "")

    page.get_by_role("link", name="← Newer").click()
    page.wait_for_url(re.compile(r".*after=\d+.*"))
    assert rows.count() == 50 and "outcome=failed" in page.url

"""Browser walk-throughs over the real pipeline: Segment events in, people, CSV, duplicates, dead letters."""

from __future__ import annotations

import csv
import io
import re
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from tests.conftest import Server

pytestmark = pytest.mark.browser
SCRIPT = "<script>window.__xss=1</script>"


def send(server: Server, *messages: dict[str, Any]) -> None:
    response = httpx.post(server.url + "/v1/batch", json={"batch": list(messages)}, auth=(server.write_key, ""))
    assert response.status_code == 200, response.text


def eventually(page: Any, url: str, ready: Callable[[str], bool], patience: float = 90.0) -> str:
    """Reload `url` until the page content satisfies `ready` (routing and delivery run in the background)."""
    deadline = time.monotonic() + patience
    while time.monotonic() < deadline:
        page.goto(url)
        content = str(page.content())
        if ready(content):
            return content
        time.sleep(0.3)
    raise AssertionError(f"{url} did not show the expected state within {patience:.0f} s")


def test_lead_becomes_customer_search_profile_and_csv(page: Any, ui_server: Server) -> None:
    send(
        ui_server,
        {
            "type": "identify",
            "userId": "",
            "anonymousId": "anon-lead",
            "traits": {"email": "person@example.com", "first_name": "person", "interested_in": "baseball"},
        },
    )
    send(
        ui_server,
        {
            "type": "identify",
            "userId": "userId123",
            "traits": {"email": "person@example.com", "account_created": 1629224941},
        },
    )
    people = ui_server.url + "/ui/people?q=userId123&by=identifier"
    eventually(page, people, lambda html: "person@example.com" in html)
    page.get_by_role("link", name=page.locator("tbody code").first.inner_text()).click()
    assert page.get_by_test_id("person-id").inner_text() == "userId123"
    assert page.get_by_test_id("person-email").inner_text() == "person@example.com"
    attributes = page.locator("section", has=page.get_by_role("heading", name="Attributes")).inner_text()
    assert "interested_in" in attributes and "baseball" in attributes and "1629224941" in attributes

    page.goto(ui_server.url + "/ui/people")
    page.get_by_label("Search").fill("interested_in=baseball")
    page.get_by_label("By").select_option("attribute")
    page.get_by_role("button", name="Search").click()
    assert page.locator("tbody tr").count() == 1

    with page.expect_download() as info:
        page.get_by_role("link", name="Export to CSV").click()
    download = info.value
    with open(download.path(), encoding="utf-8") as fh:
        rows = list(csv.DictReader(io.StringIO(fh.read())))
    assert [(r["id"], r["email"], r["interested_in"]) for r in rows] == [
        ("userId123", "person@example.com", "baseball")
    ]


def test_duplicates_resolved_in_the_browser(page: Any, ui_server: Server) -> None:
    # An ID-only workspace with the classic behaviour: a new id with a known email is a second profile.
    page.goto(ui_server.url + "/ui/settings")
    page.get_by_label("ID only (classic)", exact=False).check()
    page.get_by_role("button", name="Save settings").click()
    page.wait_for_selector("text=Workspace settings saved.")
    send(ui_server, {"type": "identify", "userId": "first", "traits": {"email": "dup@example.com"}})
    eventually(page, ui_server.url + "/ui/people?q=first", lambda html: "dup@example.com" in html)
    send(ui_server, {"type": "identify", "userId": "second", "traits": {"email": "dup@example.com"}})
    eventually(page, ui_server.url + "/ui/duplicates", lambda html: "dup@example.com" in html)
    group = page.locator('[data-email="dup@example.com"]')
    assert group.locator("tbody tr").count() == 2
    group.get_by_role("button", name="Delete 1 duplicate(s)").click()  # confirm() accepted by the fixture
    page.wait_for_selector("text=1 duplicate(s) deleted.")
    assert "No duplicates." in page.content()
    page.goto(ui_server.url + "/ui/people")
    assert page.locator("tbody tr").count() == 1 and "first" in page.locator("tbody").inner_text()


def page_text(page: Any, url: str) -> str:
    """The text of a page opened in a second tab (the first keeps its place)."""
    other = page.context.new_page()
    try:
        other.goto(url)
        return str(other.locator("main").inner_text())
    finally:
        other.close()


def test_dead_letter_replayed_after_fixing_credentials(page: Any, ui_server: Server) -> None:
    info = ui_server.info
    # The destination forwards to a Customer.io-compatible Track API (this very server) with a wrong API key.
    page.goto(ui_server.url + "/ui/destinations/1")
    page.get_by_label("Send events to").select_option("remote")
    page.get_by_label("Site ID").fill(info["site_id"])
    page.get_by_label("API Key").fill("wrong-key")
    page.get_by_label("Track API URL (optional, remote only)").fill(ui_server.url)
    page.get_by_role("button", name="Save settings").click()
    page.wait_for_selector("text=Settings saved.")
    # The router picks up changed destination settings within a few seconds: send until one is refused.
    deliveries = ui_server.url + "/ui/deliveries?destination=1"
    deadline = time.monotonic() + 90
    attempt = 0
    while "HTTP 401" not in page.content():
        assert time.monotonic() < deadline, "no request was refused with 401 within 90 s"
        attempt += 1
        send(ui_server, {"type": "identify", "userId": f"replayed-{attempt}", "traits": {"email": f"r{attempt}@x.io"}})
        time.sleep(0.5)
        page.goto(deliveries)
    refused = set()
    for link in page.locator("#dead-letters tbody a").all():
        detail = page_text(page, ui_server.url + str(link.get_attribute("href")))
        refused.update(re.findall(r"replayed-\d+", detail))
    assert refused

    page.goto(ui_server.url + "/ui/destinations/1")
    page.get_by_label("API Key").fill(info["api_key"])
    page.get_by_role("button", name="Save settings").click()
    page.wait_for_selector("text=Settings saved.")
    page.goto(ui_server.url + "/ui/deliveries?destination=1")
    page.get_by_role("button", name="Replay all").click()
    page.wait_for_selector("text=moved back to the outbox")
    for user_id in sorted(refused):
        eventually(page, ui_server.url + f"/ui/people?q={user_id}", lambda html, u=user_id: f">{u}<" in html)
    page.goto(ui_server.url + "/ui/deliveries?destination=1")
    assert page.get_by_test_id("dead-count").inner_text() == "0"


def test_markup_in_user_data_is_shown_as_text_everywhere(page: Any, ui_server: Server) -> None:
    send(
        ui_server,
        {"type": "identify", "userId": "xss", "traits": {"nickname": SCRIPT, SCRIPT: "key"}},
        {"type": "track", "userId": "xss", "event": SCRIPT, "properties": {SCRIPT: SCRIPT}},
        {"type": "group", "userId": "xss", "groupId": SCRIPT, "traits": {"name": SCRIPT}},
        {"type": "track", "event": SCRIPT},  # rejected: no user; listed with its body on Sources
    )
    eventually(page, ui_server.url + "/ui/people?q=xss", lambda html: "/ui/people/" in html.split("<tbody>")[1])
    page.locator("tbody a").first.click()
    eventually(
        page,
        page.url,
        lambda html: "No events." not in html and "Relationships" in html and "No relationships." not in html,
    )
    person_url = page.url
    assert SCRIPT in page.locator("main").inner_text()  # shown as text
    visited = [
        person_url,
        ui_server.url + "/ui/sources",
        ui_server.url + "/ui/objects",
        ui_server.url + "/ui/objects/1",
        ui_server.url + "/ui/",
        ui_server.url + "/ui/people?by=attribute&q=" + "nickname%3D" + SCRIPT,
    ]
    for url in visited:
        page.goto(url)
        assert page.evaluate("window.__xss") is None, url
        assert page.locator("main script").count() == 0, url
    page.goto(ui_server.url + "/ui/objects/1")
    page.locator("tbody a").first.click()
    assert page.evaluate("window.__xss") is None
    assert SCRIPT in page.locator("h1").inner_text()

"""The live debugger against a real `segcio serve`: events sent with segment-analytics-python appear as they are
accepted; filters, pause and resume; the stream needs a login and is bounded in number."""

from __future__ import annotations

import contextlib
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from segcio.web import live
from segcio.web.pages.debugger import SESSION_CHECK_SECONDS
from tests.conftest import Server, start_server
from tests.web.conftest import ADMIN_PASSWORD, CSRF_RE, login


@pytest.fixture(scope="module")
def debug_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    srv = start_server(tmp_path_factory.mktemp("debugger") / "data", env={"SEGCIO_ADMIN_PASSWORD": ADMIN_PASSWORD})
    try:
        yield srv
    finally:
        srv.stop()


@pytest.fixture(scope="module")
def segment(debug_server: Server) -> Any:
    from segment.analytics import Client

    return Client(debug_server.write_key, host=debug_server.url, sync_mode=True)


def logged_in_client(url: str) -> httpx.Client:
    client = httpx.Client(base_url=url)
    match = CSRF_RE.search(client.get("/ui/login").text)
    assert match is not None
    answer = client.post("/ui/login", data={"csrf_token": match.group(1), "password": ADMIN_PASSWORD, "next": "/ui/"})
    assert answer.status_code == 303 and answer.headers["location"] == "/ui/"
    return client


def test_stream_refuses_without_login(debug_server: Server) -> None:
    answer = httpx.get(debug_server.url + "/ui/debugger/stream", follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"].startswith("/ui/login")
    assert "event-stream" not in answer.headers.get("content-type", "")


def test_streams_are_bounded_per_process(debug_server: Server) -> None:
    client = logged_in_client(debug_server.url)
    with contextlib.closing(client), contextlib.ExitStack() as streams:
        opened = [
            streams.enter_context(client.stream("GET", "/ui/debugger/stream")) for _ in range(live.MAX_STREAMS + 1)
        ]
        assert [r.status_code for r in opened[:-1]] == [200] * live.MAX_STREAMS
        assert opened[0].headers["content-type"].startswith("text/event-stream")
        assert opened[-1].status_code == 429
        assert "close one" in opened[-1].read().decode()
    # Closed streams free their places (the server notices the disconnect).
    client = logged_in_client(debug_server.url)
    with contextlib.closing(client):
        deadline = time.monotonic() + 10
        while True:
            with client.stream("GET", "/ui/debugger/stream") as again:
                if again.status_code == 200 or time.monotonic() > deadline:
                    break
            time.sleep(0.2)
        assert again.status_code == 200


def test_a_stream_ends_when_its_login_does(debug_server: Server) -> None:
    client = logged_in_client(debug_server.url)
    with contextlib.closing(client), client.stream("GET", "/ui/debugger/stream") as stream:
        assert stream.status_code == 200
        match = CSRF_RE.search(client.get("/ui/").text)
        assert match is not None
        assert client.post("/ui/logout", data={"csrf_token": match.group(1)}).status_code == 303
        logged_out = time.monotonic()
        for _ in stream.iter_lines():  # stats every half second until the stream ends
            assert time.monotonic() - logged_out < 30, "the stream outlived its login"
        assert time.monotonic() - logged_out < 2 * SESSION_CHECK_SECONDS + 1


def test_serve_stops_at_once_with_a_stream_open(tmp_path: Path) -> None:
    srv = start_server(tmp_path / "data", env={"SEGCIO_ADMIN_PASSWORD": ADMIN_PASSWORD})
    try:
        client = logged_in_client(srv.url)
        with contextlib.closing(client), client.stream("GET", "/ui/debugger/stream") as stream:
            assert stream.status_code == 200
            srv.process.terminate()
            srv.process.wait(timeout=10)  # without the stream ending first, it would wait for it forever
    finally:
        srv.stop()


@pytest.mark.browser
def test_events_appear_live_filtered_paused_and_resumed(
    browser: Any, debug_server: Server, segment: Any, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.set_default_timeout(15000)
    login(page, debug_server.url)
    page.get_by_role("link", name="Debugger").click()
    page.wait_for_url(debug_server.url + "/ui/debugger")
    page.wait_for_selector("#debugger-state:has-text('Live')")
    rows = page.locator("#debugger-rows tbody tr")

    segment.identify("jane-1", {"email": "jane@example.com", "name": "<b>Jane</b>"})
    segment.track("jane-1", "Order Completed", {"revenue": 42.5})
    segment.page("jane-1", name="<img src=x onerror=alert(1)>")
    segment.track(anonymous_id="anon-7", event="Signed Up")
    page.wait_for_selector("#debugger-rows td:has-text('Signed Up')")
    assert rows.first.locator("td").nth(2).inner_text() == "Signed Up"  # newest first
    assert page.locator("#debugger-rows td:has-text('<img src=x onerror=alert(1)>')").count() == 1  # as text
    link = rows.first.locator("a")
    assert re.fullmatch(r"/ui/events/\d+", link.get_attribute("href") or "")
    page.wait_for_selector("#debugger-counts:has-text('4 shown')")
    page.screenshot(path=str(tmp_path / "debugger.png"))  # docs/screenshots/debugger.png is one of these

    page.get_by_label("User").fill("jane@example.com")
    # The new stream starts with the matches among the latest events: the identify, which carries the email.
    expect(rows).to_have_count(1)
    assert rows.first.locator("td").nth(1).inner_text() == "identify"
    segment.track("bob-2", "Not For Jane")
    segment.track("jane-1", "Checkout Started", {"email": "jane@example.com"})
    page.wait_for_selector("#debugger-rows td:has-text('Checkout Started')")
    assert page.locator("#debugger-rows td:has-text('Not For Jane')").count() == 0

    page.get_by_role("button", name="Pause").click()
    page.wait_for_selector("#debugger-state:has-text('Paused')")
    before = rows.count()
    segment.track("jane-1", "While Paused", {"email": "jane@example.com"})
    time.sleep(3 * live.TICK_SECONDS)
    assert rows.count() == before

    page.get_by_role("button", name="Resume").click()  # continues after the last row shown: nothing is lost
    page.wait_for_selector("#debugger-rows td:has-text('While Paused')")
    assert rows.first.locator("td").nth(2).inner_text() == "While Paused"
    assert page.locator("#debugger-rows td:has-text('Checkout Started')").count() == 1
    context.close()

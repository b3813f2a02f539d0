"""Take a screenshot of every UI page (desktop and phone widths) into this folder.

Usage: python docs/screenshots/make.py [NAME ...]   (names: only those shots, e.g. tester-limits)
Starts `segcio serve` on a free port with a throw-away data directory, sends some sample events,
then drives headless Chromium (the system `chromium` package) through the pages.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import Page, sync_playwright

HERE = Path(__file__).resolve().parent
PASSWORD = "screenshots-password"
CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start(data_dir: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {**os.environ, "SEGCIO_ADMIN_PASSWORD": PASSWORD}
    proc = subprocess.Popen(
        [sys.executable, "-m", "segcio", "serve", "--port", str(port), "--data-dir", str(data_dir)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                return proc, url
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("segcio serve did not start")


def write_key(data_dir: Path) -> str:
    out = subprocess.run(
        [sys.executable, "-m", "segcio", "info", "--json", "--data-dir", str(data_dir)], check=True, capture_output=True
    ).stdout
    import json

    return str(json.loads(out)["write_key"])


def sample_traffic(url: str, key: str) -> None:
    batch: list[dict[str, Any]] = [
        {"type": "page", "anonymousId": "anon-1", "name": "Home", "properties": {"url": "https://example.com/"}},
        {
            "type": "identify",
            "userId": "",
            "anonymousId": "anon-1",
            "traits": {"email": "lead@example.com", "first_name": "Lena", "interested_in": "baseball"},
        },
        {
            "type": "identify",
            "userId": "user-123",
            "traits": {"email": "lead@example.com", "account_created": 1629224941},
        },
        {"type": "track", "userId": "user-123", "event": "Order Completed", "properties": {"total": 42.5}},
        {"type": "identify", "userId": "user-456", "traits": {"email": "sam@example.com", "plan": "pro"}},
        {"type": "group", "userId": "user-456", "groupId": "acme", "traits": {"name": "Acme", "object_type_id": "1"}},
        {"type": "track", "event": "No user at all"},
    ]
    httpx.post(url + "/v1/batch", json={"batch": batch}, auth=(key, ""))
    time.sleep(2)  # let the router apply the events to the local workspace


def pages(page: Page, url: str) -> list[tuple[str, str, Callable[[Page], None] | None]]:
    """(file name, path, optional action before the shot) for every page that is in the navigation."""
    page.goto(url + "/ui/")
    hrefs = page.eval_on_selector_all("header nav a", "els => els.map(e => e.getAttribute('href'))")
    shots: list[tuple[str, str, Callable[[Page], None] | None]] = [("login", "/ui/login", None)]
    for href in hrefs:
        name = href.removeprefix("/ui/").strip("/").replace("/", "-") or "overview"
        shots.append((name, href, NAV_ACTIONS.get(name)))
    return shots


def shoot(page: Page, path: Path, full_page: bool) -> None:
    """A screenshot; headless Chromium now and then fails one capture, so try again."""
    for attempt in range(3):
        try:
            page.screenshot(path=str(path), full_page=full_page)
            return
        except Exception:
            if attempt == 2:
                raise
            time.sleep(1)


def wanted(name: str) -> bool:
    return not sys.argv[1:] or name in sys.argv[1:]


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp) / "data"
        key = write_key(data_dir)
        proc, url = start(data_dir)
        try:
            sample_traffic(url, key)
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
                for label, viewport in (
                    ("desktop", {"width": 1280, "height": 900}),
                    ("phone", {"width": 390, "height": 844}),
                ):
                    context = browser.new_context(viewport=viewport)
                    page = context.new_page()
                    page.on("dialog", lambda d: d.accept())
                    page.goto(url + "/ui/login")
                    if label == "desktop" and wanted("login"):
                        page.screenshot(path=str(HERE / "login-desktop.png"))
                    page.get_by_label("Admin password").fill(PASSWORD)
                    page.get_by_role("button", name="Log in").click()
                    page.wait_for_url(url + "/ui/")
                    for name, path, action in pages(page, url)[1:]:
                        if not wanted(name):
                            continue
                        page.goto(url + path)
                        if action is not None:
                            action(page)
                        shoot(page, HERE / f"{name}-{label}.png", full_page=label == "desktop")
                    for name, path, action in EXTRA:
                        if not wanted(name):
                            continue
                        page.goto(url + path)
                        if action is not None:
                            action(page)
                        shoot(page, HERE / f"{name}-{label}.png", full_page=label == "desktop")
                    for name, path, action in DESKTOP_ONLY if label == "desktop" else []:
                        if not wanted(name):
                            continue
                        page.goto(url + path)
                        action(page)
                        shoot(page, HERE / f"{name}.png", full_page=True)
                    context.close()
                browser.close()
        finally:
            proc.terminate()
            proc.wait(timeout=15)
    print("screenshots written to", HERE)


def _debugger_rows(page: Page) -> None:
    page.wait_for_selector("#debugger-rows tbody tr")


# Actions before the shot of a page in the navigation.
NAV_ACTIONS: dict[str, Callable[[Page], None]] = {"debugger": _debugger_rows}


def _first_person(page: Page) -> None:
    page.goto(page.url.split("/ui/")[0] + "/ui/people?q=user-123")
    page.locator("tbody a").first.click()


def _tester_page_error(page: Page) -> None:
    page.get_by_label("Type").select_option("page")
    page.get_by_role("button", name="Send test event").click()


def _tester_identify(page: Page) -> None:
    page.get_by_label("Type").select_option("identify")
    page.get_by_role("button", name="Send test event").click()


def _tester_limits(page: Page) -> None:
    """An identify whose `bio` trait is over Customer.io's 1000-byte limit for attribute values."""
    page.get_by_label("Type").select_option("identify")
    event = {"type": "identify", "userId": "test-person", "timestamp": "2026-01-02T03:04:05.000Z",
             "traits": {"email": "test-person@example.com", "bio": "Loves long walks. " * 59}}
    page.get_by_label("Event (JSON)").fill(json.dumps(event, indent=2))
    page.get_by_role("button", name="Send test event").click()
    page.locator(".limit-warnings").first.scroll_into_view_if_needed()


def _first_object(page: Page) -> None:
    page.locator("tbody a").first.click()


# Pages reached from other pages (detail views), with the action that brings them into view.
EXTRA: list[tuple[str, str, Callable[[Page], None] | None]] = [
    ("person", "/ui/people", _first_person),
    ("destination-settings", "/ui/destinations/1", None),
    ("subscriptions", "/ui/destinations/1/subscriptions", None),
    ("subscription-editor", "/ui/destinations/1/subscriptions/new?action=trackPageView", None),
    ("event-tester-error", "/ui/destinations/1/tester", _tester_page_error),
    ("event-tester-success", "/ui/destinations/1/tester", _tester_identify),
    ("object", "/ui/objects/1", _first_object),
]
# One desktop shot each, named `{name}.png`.
DESKTOP_ONLY: list[tuple[str, str, Callable[[Page], None]]] = [
    ("tester-limits", "/ui/destinations/1/tester", _tester_limits),
]


if __name__ == "__main__":
    main()

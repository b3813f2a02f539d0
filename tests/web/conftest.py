"""Web UI fixtures: an in-process app behind TestClient, a real `segcio serve`, and headless Chromium."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from segcio.app import create_app
from segcio.config import Settings
from segcio.runtime import Runtime
from segcio.web.throttle import throttle
from tests.ci import missing
from tests.conftest import Server, start_server

ADMIN_PASSWORD = "correct horse battery staple"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


class UI:
    """A TestClient on the whole app with helpers for the UI's forms."""

    def __init__(self, client: TestClient, runtime: Runtime) -> None:
        self.client = client
        self.runtime = runtime

    def csrf(self, path: str = "/ui/login") -> str:
        match = CSRF_RE.search(self.client.get(path).text)
        assert match is not None, f"no CSRF token on {path}"
        return match.group(1)

    def login(self, password: str = ADMIN_PASSWORD) -> Any:
        token = self.csrf()
        return self.client.post(
            "/ui/login", data={"csrf_token": token, "password": password, "next": "/ui/"}, follow_redirects=False
        )

    def post(self, path: str, data: dict[str, str] | None = None, **kwargs: Any) -> Any:
        """A form post with the session's CSRF token."""
        token = self.csrf("/ui/")
        return self.client.post(path, data={"csrf_token": token, **(data or {})}, **kwargs)


def make_ui(database_url: str, tmp_path: Path) -> Iterator[UI]:
    throttle.succeeded("testclient")  # wrong passwords of earlier tests in this process do not count
    settings = Settings(data_dir=tmp_path, database=database_url, run_workers=False, admin_password=ADMIN_PASSWORD)
    app = create_app(settings)
    with TestClient(app, base_url="http://testserver") as client:
        yield UI(client, app.state.runtime)


@pytest.fixture
def ui(tmp_path: Path) -> Iterator[UI]:
    """Not logged in yet; SQLite."""
    yield from make_ui(f"sqlite:///{tmp_path / 'segcio.db'}", tmp_path)


@pytest.fixture
def admin(ui: UI) -> UI:
    """Logged in; SQLite."""
    assert ui.login().status_code == 303
    return ui


@pytest.fixture
def admin_both(database_url: str, tmp_path: Path) -> Iterator[UI]:
    """Logged in, on SQLite and on PostgreSQL."""
    for ui in make_ui(database_url, tmp_path):
        assert ui.login().status_code == 303
        yield ui


@pytest.fixture
def ui_server(tmp_path: Path) -> Iterator[Server]:
    """A real `segcio serve` with a known admin password."""
    srv = start_server(tmp_path / "data", env={"SEGCIO_ADMIN_PASSWORD": ADMIN_PASSWORD})
    try:
        yield srv
    finally:
        srv.stop()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        missing(f"{CHROMIUM} is missing: install the Debian package 'chromium' to run the browser tests")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        instance = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield instance
        finally:
            instance.close()


def login(page: Any, url: str, password: str = ADMIN_PASSWORD) -> None:
    page.goto(url + "/ui/")
    page.get_by_label("Admin password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(url + "/ui/")


@pytest.fixture
def page(browser: Any, ui_server: Server) -> Iterator[Any]:
    """A logged-in browser page on `ui_server` (desktop width); dialogs are accepted."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    pg = context.new_page()
    pg.on("dialog", lambda dialog: dialog.accept())
    pg.set_default_timeout(15000)
    login(pg, ui_server.url)
    try:
        yield pg
    finally:
        context.close()

"""Browser walk-throughs in headless Chromium against a real `segcio serve`."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Server
from tests.web.conftest import login

pytestmark = pytest.mark.browser


def test_login_page_then_overview(browser: Any, ui_server: Server) -> None:
    context = browser.new_context()
    page = context.new_page()
    page.goto(ui_server.url + "/ui/sources")
    assert "/ui/login" in page.url
    page.get_by_label("Admin password").fill("wrong")
    page.get_by_role("button", name="Log in").click()
    assert page.get_by_role("alert").inner_text() == "Wrong password."
    page.get_by_label("Admin password").fill("correct horse battery staple")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(ui_server.url + "/ui/sources")
    assert ui_server.write_key in page.locator("code.write-key").first.inner_text()
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(ui_server.url + "/ui/login")
    context.close()


def test_keyboard_only_login(browser: Any, ui_server: Server) -> None:
    context = browser.new_context()
    page = context.new_page()
    page.goto(ui_server.url + "/ui/login")
    page.keyboard.type("correct horse battery staple")  # the password field has focus
    page.keyboard.press("Enter")
    page.wait_for_url(ui_server.url + "/ui/")
    assert page.get_by_role("heading", name="Overview").is_visible()
    context.close()


def test_revoke_a_write_key_after_confirming(page: Any, ui_server: Server) -> None:
    page.goto(ui_server.url + "/ui/sources")
    page.get_by_role("button", name="Revoke key").click()  # the confirm() dialog is accepted by the fixture
    page.wait_for_selector("text=revoked.")
    assert page.locator(".badge.off").first.inner_text() == "revoked"


def test_phone_width_layout_has_no_horizontal_scroll(browser: Any, ui_server: Server) -> None:
    context = browser.new_context(viewport={"width": 375, "height": 740})
    page = context.new_page()
    login(page, ui_server.url)
    for path in ("/ui/", "/ui/sources"):
        page.goto(ui_server.url + path)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 375, (path, width)
    context.close()

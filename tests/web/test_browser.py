"""Browser walk-throughs in headless Chromium against a real `segcio serve`."""

from __future__ import annotations

import json
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
    paths = [
        "/ui/",
        "/ui/sources",
        "/ui/destinations",
        "/ui/destinations/1",
        "/ui/destinations/1/subscriptions",
        "/ui/destinations/1/subscriptions/new?action=trackEvent",
        "/ui/destinations/1/tester",
        "/ui/people",
        "/ui/objects",
        "/ui/duplicates",
        "/ui/deliveries",
        "/ui/debugger",
        "/ui/settings",
    ]
    for path in paths:
        page.goto(ui_server.url + path)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 375, (path, width)
    context.close()


def test_quick_setup_in_the_browser(page: Any, ui_server: Server) -> None:
    page.goto(ui_server.url + "/ui/destinations")
    page.get_by_label("Customer.io (Actions)").check()
    page.get_by_label("Send events to").select_option("remote")
    page.get_by_label("Site ID").fill("site-123")
    page.get_by_label("API Key").fill("key-456")
    page.get_by_label("Region").select_option("EU")
    page.get_by_label("Quick Setup").check()
    page.get_by_role("button", name="Create Destination").click()
    page.wait_for_selector("text=created.")
    page.get_by_role("link", name="Actions").click()
    rows = page.locator("tbody tr")
    assert rows.count() >= 15
    assert page.get_by_role("link", name="Track Page View", exact=True).is_visible()
    assert page.locator(".badge.off").count() == 0


def test_event_tester_walk_through_from_the_documentation(page: Any, ui_server: Server) -> None:
    base = ui_server.url + "/ui/destinations/1"
    # 1. A Page event sent through Segment's API has no properties.url: the default subscription fails.
    page.goto(base + "/tester")
    page.get_by_label("Type").select_option("page")
    assert '"name": "Home"' in page.get_by_label("Event (JSON)").input_value()
    page.get_by_role("button", name="Send test event").click()
    failure = page.locator('[data-subscription="Track Page View"]')
    assert "The root value is missing the required field 'url'." in failure.locator(".error").inner_text()
    assert "No request sent to the destination." in failure.inner_text()

    # 2. A new Page subscription (trigger built with the condition builder) with Page URL mapped to `name`.
    page.goto(base + "/subscriptions")
    page.get_by_role("link", name="Add subscription").click()
    page.get_by_label("Action").select_option("trackPageView")
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Name", exact=True).fill("Page from the API")
    page.get_by_label("Trigger", exact=True).fill("")
    assert page.locator(".cond-rows .cond").count() == 1  # the action's default trigger, type = "page"
    page.get_by_role("button", name="Remove").click()
    page.get_by_role("button", name="Add condition").click()
    page.get_by_label("Field").select_option("type")
    page.get_by_label("Operator").select_option("is")
    page.get_by_label("Value", exact=True).fill("page")
    page.get_by_role("button", name="Use these conditions").click()
    assert page.get_by_label("Trigger", exact=True).input_value() == 'type = "page"'
    page.wait_for_selector("#trigger-status.valid")
    page.get_by_label("How Page URL is mapped").select_option("path")
    page.get_by_role("textbox", name="Page URL").fill("name")
    page.get_by_role("button", name="Save subscription").click()
    page.wait_for_selector("text=saved.")

    # 3. The same event now goes through.
    page.goto(base + "/tester")
    page.get_by_label("Type").select_option("page")
    page.get_by_role("button", name="Send test event").click()
    success = page.locator('[data-subscription="Page from the API"]')
    assert "POST https://track.customer.io/api/v2/entity" in success.inner_text()
    assert '"name": "Home"' in success.inner_text()
    assert success.locator(".error").count() == 0


def test_event_tester_warns_of_customerio_limits(page: Any, ui_server: Server) -> None:
    page.goto(ui_server.url + "/ui/destinations/1/tester")
    page.get_by_label("Type").select_option("identify")
    event = {"type": "identify", "userId": "test-person", "traits": {"email": "test-person@example.com",
                                                                      "bio": "é" * 600}}
    page.get_by_label("Event (JSON)").fill(json.dumps(event))
    page.get_by_role("button", name="Send test event").click()
    result = page.locator('[data-subscription="Create or Update Person"]')
    warnings = result.get_by_role("list", name="Customer.io limits")
    assert warnings.inner_text() == ("attributes.bio (limit 1000 bytes): the value is 1200 bytes; Customer.io drops "
                                     "attribute values over 1000 bytes")
    assert "POST https://track.customer.io/api/v2/entity" in result.inner_text()


def test_trigger_is_validated_as_you_type(page: Any, ui_server: Server) -> None:
    page.goto(ui_server.url + "/ui/destinations/1/subscriptions/new?action=trackEvent")
    field = page.get_by_label("Trigger", exact=True)
    field.fill('type = "track" and')
    page.wait_for_selector("#trigger-status.invalid")
    assert field.get_attribute("aria-invalid") == "true"
    field.fill('type = "track" and event = "Order Completed"')
    page.wait_for_selector("#trigger-status.valid")
    assert page.locator("#trigger-status").inner_text() == "Valid trigger."


def test_typing_a_value_picks_the_mapping_kind(page: Any, ui_server: Server) -> None:
    page.goto(ui_server.url + "/ui/destinations/1/subscriptions/new?action=trackEvent")
    kind = page.get_by_label("How Event Name is mapped")
    assert kind.input_value() == "default"
    page.get_by_role("textbox", name="Event Name").fill("properties.label")
    assert kind.input_value() == "path"
    person_kind = page.get_by_label("How Person ID is mapped")
    page.get_by_role("textbox", name="Person ID").fill("user-{{traits.plan}}")
    assert person_kind.input_value() == "template"


def test_condition_builder_shows_a_stored_trigger_and_writes_it_back(page: Any, ui_server: Server) -> None:
    page.goto(ui_server.url + "/ui/destinations/1/subscriptions")
    page.get_by_role("link", name="Track Event", exact=True).click()
    original = page.get_by_label("Trigger", exact=True).input_value()
    assert page.locator(".cond-rows .cond").count() == 13
    page.get_by_label("Trigger", exact=True).fill("")
    page.get_by_role("button", name="Use these conditions").click()
    assert page.get_by_label("Trigger", exact=True).input_value() == original
    page.wait_for_selector("#trigger-status.valid")

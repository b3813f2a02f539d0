"""The trace through its interfaces, against a running `segcio serve` (SQLite and PostgreSQL): the admin API
(`/admin/api/events`, `/admin/api/events/{seq}/trace`), `segcio events trace` and the UI pages
(`/ui/events`, `/ui/events/{seq}`, and the links to them from a person's page and a dead letter's page)."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from typing import Any

import httpx

from tests.e2e.conftest import Stack
from tests.pipeline.conftest import settle, ui_login


def _sent(stack: Stack, **traits: Any) -> tuple[str, str]:
    """An identify and a track of a new user, routed; returns (userId, the track's messageId)."""
    user = f"tr-{uuid.uuid4().hex[:8]}"
    stack.segment.identify(user, {"email": f"{user}@example.com", **traits})
    message_id = f"m-{uuid.uuid4()}"
    stack.segment.track(user, "Order <b>Completed</b>", {"revenue": 1}, message_id=message_id)
    settle(stack)
    return user, message_id


def test_the_admin_api_needs_the_token_and_finds_and_traces_events(shared_stack: Stack) -> None:
    stack = shared_stack
    user, message_id = _sent(stack)
    url = stack.server.url
    assert httpx.get(url + "/admin/api/events", params={"q": user}).status_code == 401
    assert httpx.get(url + "/admin/api/events/1/trace").status_code == 401
    wrong = {"Authorization": "Bearer wrong"}
    assert httpx.get(url + "/admin/api/events/1/trace", headers=wrong).status_code == 401

    found = stack.admin.get("/admin/api/events", params={"q": user}).json()
    assert [e["type"] for e in found["events"]] == ["track", "identify"]  # newest first
    seq = found["events"][0]["seq"]
    assert found["events"][0]["message_id"] == message_id

    traced = stack.admin.get(f"/admin/api/events/{seq}/trace").json()
    assert traced["message_id"] == message_id and traced["user_id"] == user
    [dest] = traced["destinations"]
    assert dest["routing"]["state"] == "routed"
    assert [(e["type"], e["name"]) for e in dest["workspace"]["events"]] == [("event", "Order <b>Completed</b>")]

    missing = stack.admin.get("/admin/api/events/999999999/trace")
    assert missing.status_code == 404 and "No event 999999999" in missing.json()["error"]["message"]
    assert stack.admin.get("/admin/api/events", params={"q": " "}).status_code == 422


def test_the_cli_traces_by_message_id_readably_and_as_the_api_in_json(shared_stack: Stack) -> None:
    stack = shared_stack
    user, message_id = _sent(stack)
    as_json = json.loads(stack.cli("events", "trace", message_id, "--json"))
    from_api = stack.admin.get(f"/admin/api/events/{as_json['seq']}/trace").json()
    assert as_json == from_api

    text = stack.cli("events", "trace", message_id)
    assert f"messageId {message_id}" in text and "Subscription verdicts are computed now" in text
    assert "[sent] Track Event" in text and "fate: applied to the local workspace" in text

    by_user = stack.cli("events", "trace", user)
    assert "2 events match; the newest is traced" in by_user and "Event " in by_user
    data_dir = str(stack.server.data_dir)
    command = [sys.executable, "-m", "segcio", "events", "trace", "nobody-such", "--data-dir", data_dir]
    if stack.server.database:
        command += ["--database", stack.server.database]
    nothing = subprocess.run(command, capture_output=True, text=True)
    assert nothing.returncode == 1 and "no event matches 'nobody-such'" in nothing.stderr


def test_the_ui_search_and_trace_pages_escape_user_data_and_are_linked(shared_stack: Stack) -> None:
    stack = shared_stack
    user, message_id = _sent(stack)
    with httpx.Client(base_url=stack.server.url) as browser:
        assert browser.get("/ui/events", params={"q": user}).status_code in (302, 303, 401)  # login first
        ui_login(browser)
        listing = browser.get("/ui/events", params={"q": message_id})
        assert listing.status_code == 200 and 'href="/ui/events"' in listing.text  # in the navigation
        seq = stack.admin.get("/admin/api/events", params={"q": message_id}).json()["events"][0]["seq"]
        assert f'href="/ui/events/{seq}"' in listing.text

        page = browser.get(f"/ui/events/{seq}")
        assert page.status_code == 200
        assert "Order &lt;b&gt;Completed&lt;/b&gt;" in page.text and "<b>Completed</b>" not in page.text
        assert "Subscription verdicts are computed now" in page.text and "Fate:" in page.text
        assert browser.get("/ui/events/999999999").status_code == 404

        traced = stack.admin.get(f"/admin/api/events/{seq}/trace").json()
        cio_id = traced["destinations"][0]["workspace"]["events"][0]["person"]
        person = browser.get(f"/ui/people/{cio_id}").text
        assert f'href="/ui/events/{seq}"' in person  # the person's events link to their trace


def test_a_dead_letter_page_links_to_the_trace_of_its_event(shared_stack: Stack) -> None:
    from segcio.delivery.dlq import Burial, bury
    from segcio.delivery.outbox import OutboxRow

    stack = shared_stack
    user, message_id = _sent(stack)
    seq = stack.admin.get("/admin/api/events", params={"q": message_id}).json()["events"][0]["seq"]
    db = stack.server.open_db()
    try:
        row = OutboxRow(0, user, seq, "POST", "https://track.customer.io/api/v2/entity", "{}", "{}", 1, None)
        with db.begin() as conn:
            bury(conn, 1, [Burial(row, "invalid: rejected id", 207, '{"errors":[]}', 1)], 0.0)
            dead_id = conn.exec_driver_sql("SELECT max(id) FROM dead_letters").scalar()
    finally:
        db.dispose()
    with httpx.Client(base_url=stack.server.url) as browser:
        ui_login(browser)
        page = browser.get(f"/ui/deliveries/dead/{dead_id}").text
        assert f'href="/ui/events/{seq}"' in page
        traced = browser.get(f"/ui/events/{seq}").text
        assert f'href="/ui/deliveries/dead/{dead_id}"' in traced and "invalid: rejected id" in traced

"""A destination starts at the end of the log when it is created, enabled, re-enabled or switched: history is
never sent again by configuration (through the CLI, the admin API and the UI, against a running server)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator

import httpx
import pytest

from tests.e2e.conftest import Stack
from tests.pipeline.conftest import settle, ui_login


@pytest.fixture
def stack(shared_stack: Stack) -> Iterator[Stack]:
    """The module's server, switched back to actions only after each test (the tests share it)."""
    yield shared_stack
    shared_stack.cli("destination", "use", "actions")
    assert shared_stack.admin.patch("/admin/api/destinations/1", json={"enabled": True}).status_code == 200


def count(stack: Stack, user: str, event: str) -> int:
    return sum(1 for activity in stack.activities(user) if activity["name"] == event)


def test_switching_to_classic_does_not_send_the_history_again(stack: Stack) -> None:
    user = f"hist-{uuid.uuid4().hex[:8]}"
    stack.segment.track(user, "Viewed")
    settle(stack)
    assert count(stack, user, "Viewed") == 1
    stack.cli("destination", "use", "classic")
    stack.segment.track(user, "Bought")
    settle(stack)
    assert count(stack, user, "Viewed") == 1, "classic started at the end of the log, not at its beginning"
    assert count(stack, user, "Bought") == 1


def test_classic_to_actions_walkthrough_duplicates_only_what_arrives_while_both_are_on(stack: Stack) -> None:
    """The seed page's migration: actions on, then both, then actions only (classic off and removed)."""
    user = f"walk-{uuid.uuid4().hex[:8]}"
    stack.segment.identify(user, {"email": f"{user}@example.com"})
    stack.segment.track(user, "Before")
    settle(stack)
    stack.cli("destination", "use", "both")
    stack.segment.track(user, "During")
    settle(stack)
    stack.cli("destination", "use", "actions")
    stack.segment.track(user, "After")
    settle(stack)
    assert {name: count(stack, user, name) for name in ("Before", "During", "After")} == {
        "Before": 1,
        "During": 2,  # the documented duplicates: both destinations were on
        "After": 1,
    }


def test_a_destination_re_enabled_by_the_admin_api_does_not_receive_what_arrived_while_it_was_off(
    stack: Stack,
) -> None:
    user = f"off-{uuid.uuid4().hex[:8]}"
    assert stack.admin.patch("/admin/api/destinations/1", json={"enabled": False}).status_code == 200
    stack.segment.track(user, "WhileOff")
    settle(stack)
    assert stack.admin.patch("/admin/api/destinations/1", json={"enabled": True}).status_code == 200
    stack.segment.track(user, "WhileOn")
    settle(stack)
    assert count(stack, user, "WhileOn") == 1
    assert count(stack, user, "WhileOff") == 0


def test_the_ui_migration_form_and_on_off_switch_start_at_the_end(stack: Stack) -> None:
    user = f"ui-{uuid.uuid4().hex[:8]}"
    stack.segment.track(user, "Earlier")
    settle(stack)
    with httpx.Client(base_url=stack.server.url, follow_redirects=True) as browser:
        csrf = ui_login(browser)
        switched = browser.post("/ui/destinations/migration/1", data={"csrf_token": csrf, "mode": "both"})
        assert switched.status_code == 200
        assert re.search(r"starts? at the end of the log|from now on", switched.text), switched.text[:2000]
        stack.segment.track(user, "Meanwhile")
        settle(stack)
        off = {"csrf_token": csrf, "confirm": "yes"}
        assert browser.post("/ui/destinations/1/enabled", data=off).status_code == 200
        stack.segment.track(user, "Skipped")
        settle(stack)
        assert browser.post("/ui/destinations/1/enabled", data={"csrf_token": csrf, "enabled": "on"}).status_code == 200
    stack.segment.track(user, "Later")
    settle(stack)
    assert {name: count(stack, user, name) for name in ("Earlier", "Meanwhile", "Skipped", "Later")} == {
        "Earlier": 1,  # classic, created by the switch, did not read the history
        "Meanwhile": 2,
        "Skipped": 1,  # classic only: actions was off and does not catch up when it is turned on again
        "Later": 2,
    }

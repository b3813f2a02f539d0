"""Replay: bounded, previewed, through the live routing code; into the local workspace never twice; to a remote
destination it says that Customer.io receives the events again (CLI and admin API against a running server)."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from tests.conftest import start_server
from tests.delivery.conftest import KEY, SITE
from tests.delivery.standin import StandIn
from tests.e2e.conftest import Stack
from tests.pipeline.conftest import settle, ui_login, wait_until


def iso(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).isoformat()


def count(stack: Stack, user: str, event: str) -> int:
    if stack.customer(user) is None:
        return 0
    return sum(1 for activity in stack.activities(user) if activity["name"] == event)


def replay(stack: Stack, *args: str) -> dict[str, object]:
    out: dict[str, object] = json.loads(stack.cli("replay", "--destination", "1", *args))
    return out


def set_enabled(stack: Stack, enabled: bool) -> None:
    assert stack.admin.patch("/admin/api/destinations/1", json={"enabled": enabled}).status_code == 200


def test_replay_into_the_local_workspace_applies_what_is_missing_once_and_never_twice(shared_stack: Stack) -> None:
    stack, run = shared_stack, uuid.uuid4().hex[:8]
    user, other = f"rp-{run}", f"rp-other-{run}"
    since = iso(time.time() - 1)
    stack.segment.track(user, "Applied")
    settle(stack)
    set_enabled(stack, False)
    stack.segment.track(user, "Missed")
    stack.segment.track(other, "OtherMissed")
    settle(stack)
    set_enabled(stack, True)
    stack.segment.track(user, "Live")
    settle(stack)
    assert count(stack, user, "Missed") == 0  # turned on again, it started at the end of the log

    preview = replay(stack, "--since", since, "--user", user, "--dry-run")
    assert (preview["events"], preview["to_send"], preview["skipped_already_applied"]) == (3, 1, 2)
    assert preview["actions"] == {"Track Event": 1}
    assert count(stack, user, "Missed") == 0, "a dry run changes nothing"

    done = replay(stack, "--since", since, "--user", user)
    assert (done["to_send"], done["skipped_already_applied"], done["failed"]) == (1, 2, 0)
    again = replay(stack, "--since", since, "--user", user)
    assert (again["to_send"], again["skipped_already_applied"]) == (0, 3)
    assert {name: count(stack, user, name) for name in ("Applied", "Missed", "Live")} == {
        "Applied": 1,
        "Missed": 1,
        "Live": 1,
    }
    assert count(stack, other, "OtherMissed") == 0, "--user restricted the replay"

    body = {"since": since, "user": other, "dry_run": True}
    previewed = stack.admin.post("/admin/api/destinations/1/replay", json=body).json()
    assert (previewed["to_send"], previewed["actions"]) == (1, {"Track Event": 1})
    body["dry_run"] = False
    assert stack.admin.post("/admin/api/destinations/1/replay", json=body).json()["to_send"] == 1
    assert stack.admin.post("/admin/api/destinations/1/replay", json=body).json()["to_send"] == 0
    assert count(stack, other, "OtherMissed") == 1


def test_the_ui_replay_form_shows_the_dry_run_escaped_then_replays(shared_stack: Stack) -> None:
    stack, user = shared_stack, f"<b>ui-{uuid.uuid4().hex[:8]}"
    since = iso(time.time() - 1)
    set_enabled(stack, False)
    stack.segment.track(user, "UIMissed")
    settle(stack)
    set_enabled(stack, True)
    form = {"since": since, "user": user}
    with httpx.Client(base_url=stack.server.url, follow_redirects=True) as browser:
        assert browser.post("/ui/destinations/1/replay", data=form, follow_redirects=False).status_code in (302, 303)
        csrf = ui_login(browser)
        preview = browser.post("/ui/destinations/1/replay", data={"csrf_token": csrf, **form})
        assert preview.status_code == 200
        assert "Replay 1 of the 1 event(s)" in preview.text and "Track Event x1" in preview.text, preview.text[:3000]
        assert user not in preview.text and "&lt;b&gt;ui-" in preview.text
        assert count(stack, user, "UIMissed") == 0, "the preview changes nothing"
        done = browser.post("/ui/destinations/1/replay", data={"csrf_token": csrf, "confirm": "yes", **form})
        assert "Replayed 1 event(s)" in done.text, done.text[:3000]
    assert count(stack, user, "UIMissed") == 1


def test_a_dry_run_says_when_the_range_starts_before_the_oldest_retained_event(shared_stack: Stack) -> None:
    preview = replay(shared_stack, "--since", "30d", "--until", "29d", "--dry-run")
    assert preview["events"] == 0
    assert any("before the oldest event still in the log" in str(note) for note in preview["notes"])  # type: ignore[attr-defined]


def test_bad_replay_input_names_the_field(shared_stack: Stack) -> None:
    answer = shared_stack.admin.post("/admin/api/destinations/1/replay", json={"since": "yesterday"})
    assert answer.status_code == 400
    assert answer.json()["error"]["field"] == "since" and "ISO-8601" in answer.json()["error"]["message"]


@pytest.fixture
def remote_stack(database_url: str, tmp_path: Path) -> Iterator[tuple[Stack, StandIn]]:
    standin = StandIn(SITE, KEY)
    standin.start()
    database = "" if database_url.startswith("sqlite") else database_url
    stack = Stack(start_server(tmp_path / "data", database))
    try:
        stack.cli(
            "destination", "target", "remote",
            "--site-id", SITE, "--api-key", KEY, "--base-url", standin.url, "--rate-limit", "1000",
        )  # fmt: skip
        # A running router picks a target change up at its next reload of the destinations: warm up until it has.
        for _ in range(20):
            stack.segment.track("warm-up", "Warmed")
            settle(stack)
            if standin.arrivals:
                break
        yield stack, standin
    finally:
        stack.close()
        stack.server.stop()
        standin.stop()


def _received(standin: StandIn, user: str) -> int:
    return sum(1 for _, item in standin.processed_items() if json.dumps(item).find(user) >= 0 and "Ordered" in
               json.dumps(item))


def test_a_replay_to_a_remote_destination_sends_again_and_says_so(remote_stack: tuple[Stack, StandIn]) -> None:
    stack, standin = remote_stack
    user, since = f"remote-{uuid.uuid4().hex[:8]}", iso(time.time() - 1)
    stack.segment.track(user, "Ordered")
    wait_until(lambda: _received(standin, user) == 1, "Customer.io received the event")

    preview = replay(stack, "--since", since, "--user", user, "--dry-run")
    assert preview["to_send"] == 1 and preview["skipped_already_applied"] == 0
    assert any("Customer.io will receive these 1 event(s) again" in str(n) for n in preview["notes"])  # type: ignore[attr-defined]
    done = replay(stack, "--since", since, "--user", user)
    assert any("receives these 1 event(s) again" in str(n) for n in done["notes"])  # type: ignore[attr-defined]
    wait_until(lambda: _received(standin, user) == 2, "Customer.io received the event again")

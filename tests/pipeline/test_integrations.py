"""Segment's `integrations` object, end to end: segment-analytics-python and raw /v1/batch -> a running
`segcio serve` (SQLite and PostgreSQL) -> what reaches the workspace, the counters and the delivery log.

A message whose `integrations` turn a destination off is not delivered by it, and is counted and logged as
"filtered" for it, with its message id and person; the Event Tester reports the same decision.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from segcio.store.tables.core import counters
from tests.conftest import start_server
from tests.e2e.conftest import Stack
from tests.pipeline.conftest import wait_until

ACTIONS_NAMES = ("Customer.io (Actions)", "Customer.io Actions", "Actions Customerio")


@pytest.fixture
def both_stack(shared_stack: Stack) -> Stack:
    """The module's running segcio (SQLite, PostgreSQL); each test uses its own people and counts differences."""
    return shared_stack


def destination_ids(stack: Stack) -> dict[str, int]:
    rows = json.loads(stack.cli("destinations", "list", "--json"))
    return {row["kind"]: int(row["id"]) for row in rows if row["enabled"]}


def outcome_counts(stack: Stack, destination_id: int) -> dict[str, int]:
    db = stack.server.open_db()
    try:
        with db.connect() as conn:
            rows = conn.execute(
                select(counters.c.name, counters.c.value).where(counters.c.scope == f"destination:{destination_id}")
            ).all()
    finally:
        db.dispose()
    return {row.name: int(row.value) for row in rows}


def delivery_log(stack: Stack, destination_id: int) -> list[dict[str, Any]]:
    out = json.loads(
        stack.cli("delivery", "status", "--destination", str(destination_id), "--recent", "100", "--json")
    )
    rows: list[dict[str, Any]] = out["recent"]
    return rows


def post_batch(stack: Stack, body: dict[str, Any]) -> None:
    response = httpx.post(stack.server.url + "/v1/batch", json=body, auth=(stack.server.write_key, ""))
    assert response.status_code == 200, response.text


def test_all_false_reaches_nothing_and_is_counted_and_logged_as_filtered(both_stack: Stack) -> None:
    stack = both_stack
    actions = destination_ids(stack)["customerio-actions"]
    before = outcome_counts(stack, actions).get("filtered", 0)
    stack.segment.identify("u-off", {"email": "off@example.com"}, integrations={"All": False})
    stack.segment.track("u-off", "Clicked", {"n": 1}, integrations={"All": False})
    batch_message_id = f"m-{uuid.uuid4().hex}"
    post_batch(stack, {
        "integrations": {"All": False},  # batch level: merged into every message of the batch
        "batch": [{"type": "identify", "userId": "u-batch-off", "messageId": batch_message_id,
                   "traits": {"email": "batch-off@example.com"}}],
    })
    stack.settle()
    assert stack.customer("u-off") is None
    assert stack.customer("u-batch-off") is None
    assert outcome_counts(stack, actions).get("filtered", 0) - before == 3
    filtered = [row for row in delivery_log(stack, actions)
                if row["outcome"] == "filtered" and row["person_key"] in ("u-off", "u-batch-off")]
    assert len(filtered) == 3
    assert {row["person_key"] for row in filtered} == {"u-off", "u-batch-off"}
    batch_row = next(row for row in filtered if row["person_key"] == "u-batch-off")
    assert batch_row["response_summary"].startswith("filtered by integrations")
    assert batch_message_id in batch_row["response_summary"]
    assert '"All": false' in batch_row["response_summary"]


def test_all_false_with_an_actions_key_true_is_delivered_by_actions(both_stack: Stack) -> None:
    stack = both_stack
    actions = destination_ids(stack)["customerio-actions"]
    before = outcome_counts(stack, actions).get("filtered", 0)
    for number, name in enumerate(ACTIONS_NAMES):
        stack.segment.identify(f"u-on-{number}", {"email": f"on{number}@example.com"},
                               integrations={"All": False, name: True})
    stack.settle()
    for number in range(len(ACTIONS_NAMES)):
        customer = stack.customer(f"u-on-{number}")
        assert customer is not None and customer["attributes"]["email"] == f"on{number}@example.com"
    assert outcome_counts(stack, actions).get("filtered", 0) == before


def test_message_level_key_overrides_batch_level_all_false(both_stack: Stack) -> None:
    stack = both_stack
    post_batch(stack, {
        "integrations": {"All": False},
        "batch": [
            {"type": "identify", "userId": "u-kept", "traits": {"email": "kept@example.com"},
             "integrations": {"Customer.io (Actions)": True}},
            {"type": "identify", "userId": "u-dropped", "traits": {"email": "dropped@example.com"}},
        ],
    })
    stack.settle()
    assert stack.customer("u-kept") is not None
    assert stack.customer("u-dropped") is None


def test_a_destination_key_with_an_options_object_counts_as_enabled(both_stack: Stack) -> None:
    stack = both_stack
    stack.segment.track("u-opts", "Viewed", {}, integrations={"All": False, "Customer.io (Actions)": {"x": 1}})
    stack.segment.identify("u-opts", {"email": "opts@example.com"},
                           integrations={"All": False, "Customer.io (Actions)": {}})
    stack.settle()
    assert stack.customer("u-opts") is not None
    assert [a["name"] for a in stack.activities("u-opts") if a.get("type") == "event"] == ["Viewed"]


def test_actions_key_false_filters_only_that_destination(both_stack: Stack) -> None:
    stack = both_stack
    actions = destination_ids(stack)["customerio-actions"]
    before = outcome_counts(stack, actions).get("filtered", 0)
    stack.segment.identify("u-no-actions", {"email": "na@example.com"},
                           integrations={"Customer.io (Actions)": False, "Customer.io": True})
    stack.settle()
    assert stack.customer("u-no-actions") is None
    assert outcome_counts(stack, actions).get("filtered", 0) - before == 1


def test_classic_key_false_with_both_on_filters_classic_and_actions_delivers(both_stack: Stack) -> None:
    stack = both_stack
    stack.cli("destination", "use", "both")
    try:
        classic_filtered_with_actions_delivering(stack)
    finally:
        stack.cli("destination", "use", "actions")


def classic_filtered_with_actions_delivering(stack: Stack) -> None:
    ids = destination_ids(stack)
    actions_before = outcome_counts(stack, ids["customerio-actions"]).get("filtered", 0)
    stack.segment.identify("u-both", {"email": "both@example.com"})
    stack.segment.track("u-both", "Bought", {"sku": "a"}, integrations={"Customer.io": False})
    stack.segment.track("u-both", "Returned", {"sku": "a"}, integrations={"Customer.io": {"opt": True}})
    stack.settle()
    names = [a["name"] for a in stack.activities("u-both") if a.get("type") == "event"]
    # "Bought" once (actions only); "Returned" from both destinations (duplicates while both are on).
    assert sorted(names) == ["Bought", "Returned", "Returned"]
    assert outcome_counts(stack, ids["customerio-classic"]).get("filtered", 0) >= 1
    assert outcome_counts(stack, ids["customerio-actions"]).get("filtered", 0) == actions_before
    [row] = [row for row in delivery_log(stack, ids["customerio-classic"])
             if row["outcome"] == "filtered" and row["person_key"] == "u-both"]
    assert row["person_key"] == "u-both"
    assert '"Customer.io": false' in row["response_summary"]


def test_a_remote_destination_queues_nothing_for_a_filtered_event(tmp_path: Path) -> None:
    server = start_server(tmp_path / "data")  # its own: what it queues stays pending (nothing listens there)
    stack = Stack(server)
    try:
        actions = destination_ids(stack)["customerio-actions"]
        stack.cli("destination", "target", "remote", "--site-id", "s", "--api-key", "k",
                  "--base-url", "http://127.0.0.1:9")
        time.sleep(3)  # a running router picks up destination changes within 2 seconds
        stack.segment.track("u-remote", "Kept", {})
        stack.segment.track("u-remote", "Filtered", {}, integrations={"All": False})
        wait_until(lambda: outcome_counts(stack, actions).get("queued") == 1, "the kept event queued")
        wait_until(lambda: outcome_counts(stack, actions).get("filtered") == 1, "the filtered event counted")
        [row] = [row for row in delivery_log(stack, actions) if row["outcome"] == "filtered"]
        assert row["person_key"] == "u-remote" and '"All": false' in row["response_summary"]
        outbox = json.loads(stack.cli("delivery", "status", "--json"))
        assert outbox["pending"] + outbox["dead_letters"] == 1  # the kept event's request only
    finally:
        stack.close()
        server.stop()


FILTERED_EVENT = {"type": "track", "event": "Clicked", "userId": "u1", "messageId": "m-t",
                  "integrations": {"All": False}}


def test_event_tester_cli_reports_the_filtering(tmp_path: Path) -> None:
    command = [sys.executable, "-m", "segcio", "test-event", "--json", "--data-dir", str(tmp_path / "none"), "-"]
    done = subprocess.run(command, input=json.dumps(FILTERED_EVENT), capture_output=True, text=True, check=True)
    report = json.loads(done.stdout)
    assert report["requests"] == []
    assert report["filtered"].startswith("filtered by integrations")
    assert '"All": false' in report["filtered"]
    assert "filtered by integrations" in done.stderr
    allowed = {**FILTERED_EVENT, "integrations": {"All": False, "Actions Customerio": True}}
    done = subprocess.run(command, input=json.dumps(allowed), capture_output=True, text=True, check=True)
    report = json.loads(done.stdout)
    assert "filtered" not in report and len(report["requests"]) == 1


def test_event_tester_admin_api_reports_the_filtering(both_stack: Stack) -> None:
    stack = both_stack
    response = stack.admin.post("/admin/api/event-tester",
                                json={"event": FILTERED_EVENT, "destination_id": destination_ids(stack)[
                                    "customerio-actions"]})
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["requests"] == []
    assert report["filtered"].startswith("filtered by integrations")

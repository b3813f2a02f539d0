"""One event must never stop a destination: an event that fails in routing or in the workspace is parked in the
destination's failed state (listed, counted, shown as degraded, replayable) and everything else goes on.

Through the real interfaces of a running `segcio serve`: the Tracking API, the App API, the CLI, the admin API,
the UI, /healthz and /metrics, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import uuid
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import Stack
from tests.pipeline.conftest import settle, wait_until
from tests.web.conftest import ADMIN_PASSWORD, CSRF_RE

# Every value segcio knows a column cannot hold is refused by rule, so the fault is put into the database itself: a
# trigger refuses to store the objects named in `test_faults`, as a bug or a broken database would (not a transient
# error: retrying does not help).
FAULT = "injected fault: this object cannot be stored"
SQLITE_FAULT = [
    "CREATE TABLE test_faults (object_id TEXT PRIMARY KEY)",
    "CREATE TRIGGER test_fault BEFORE INSERT ON ws_objects WHEN NEW.object_id IN (SELECT object_id FROM test_faults) "
    f"BEGIN SELECT RAISE(ABORT, '{FAULT}'); END",
]
POSTGRES_FAULT = [
    "CREATE TABLE test_faults (object_id TEXT PRIMARY KEY)",
    "CREATE FUNCTION test_fault() RETURNS trigger AS $$ BEGIN IF EXISTS (SELECT 1 FROM test_faults WHERE object_id = "
    f"NEW.object_id) THEN RAISE EXCEPTION '{FAULT}'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql",
    "CREATE TRIGGER test_fault BEFORE INSERT ON ws_objects FOR EACH ROW EXECUTE FUNCTION test_fault()",
]


@pytest.fixture(scope="module")
def stack(shared_stack: Stack) -> Stack:
    """The module's server, with a database that refuses to store the objects named in `test_faults`."""
    db = shared_stack.server.open_db()
    try:
        with db.begin() as conn:
            for statement in POSTGRES_FAULT if shared_stack.server.database else SQLITE_FAULT:
                conn.exec_driver_sql(statement)
    finally:
        db.dispose()
    return shared_stack


def _set_fault(stack: Stack, object_id: str, *, on: bool) -> None:
    db = stack.server.open_db()
    try:
        with db.begin() as conn:
            if on:
                conn.exec_driver_sql(f"INSERT INTO test_faults (object_id) VALUES ('{object_id}')")
            else:
                conn.exec_driver_sql(f"DELETE FROM test_faults WHERE object_id = '{object_id}'")
    finally:
        db.dispose()


def _post(stack: Stack, batch: list[dict[str, Any]]) -> None:
    response = httpx.post(stack.server.url + "/v1/batch", json={"batch": batch}, auth=(stack.server.write_key, ""))
    assert response.status_code == 200, response.text


def _poison(stack: Stack, user: str) -> dict[str, Any]:
    """A group call whose object the database refuses to store."""
    group = f"poison-{uuid.uuid4().hex}"
    _set_fault(stack, group, on=True)
    return {
        "type": "group",
        "userId": user,
        "groupId": group,
        "traits": {"name": "Acme"},
        "messageId": f"poison-{uuid.uuid4()}",
    }


def _identify(user: str, **traits: Any) -> dict[str, Any]:
    return {"type": "identify", "userId": user, "traits": {"plan": "pro", **traits}, "messageId": str(uuid.uuid4())}


def _cli_json(stack: Stack, *args: str) -> tuple[int, Any]:
    command = [sys.executable, "-m", "segcio", *args, "--json", "--data-dir", str(stack.server.data_dir)]
    if stack.server.database:
        command += ["--database", stack.server.database]
    done = subprocess.run(command, capture_output=True, text=True)
    assert done.stdout, done.stderr
    return done.returncode, json.loads(done.stdout)


def _failed_by_message(stack: Stack) -> dict[str, dict[str, Any]]:
    _, rows = _cli_json(stack, "events", "failed", "--destination", "1")
    return {row["message_id"]: row for row in rows}


def _log_lines(stack: Stack, needle: str) -> list[str]:
    return [line for line in stack.server.log.read_text(errors="replace").splitlines() if needle in line]


def test_a_poison_event_is_parked_and_every_other_person_goes_on(stack: Stack) -> None:
    run = uuid.uuid4().hex[:8]
    poison = _poison(stack, f"poisoned-{run}")
    _post(stack, [poison, _identify(f"canary-a-{run}"), _identify(f"poisoned-{run}", stage="later")])
    _post(stack, [_identify(f"canary-b-{run}")])

    wait_until(lambda: stack.customer(f"canary-b-{run}") is not None, "the canary of the later batch is applied")
    settle(stack)
    assert stack.customer(f"canary-a-{run}") is not None, "the canary in the poison's own batch is applied"
    later = stack.customer(f"poisoned-{run}")
    assert later is not None and later["attributes"]["stage"] == "later", "the same person's later events go on"

    parked = _failed_by_message(stack)[poison["messageId"]]
    assert parked["destination_id"] == 1
    assert parked["person_key"] == f"poisoned-{run}"
    assert parked["type"] == "group"
    assert FAULT in parked["reason"], parked["reason"]
    assert "Traceback" not in parked["reason"]

    lines = _log_lines(stack, poison["messageId"])
    assert len(lines) == 1, lines
    assert "destination 1" in lines[0] and parked["reason"][:40] in lines[0]


def test_health_metrics_and_admin_api_show_the_failed_state(stack: Stack) -> None:
    run = uuid.uuid4().hex[:8]
    poison = _poison(stack, f"poisoned-{run}")
    _post(stack, [poison])
    wait_until(lambda: poison["messageId"] in _failed_by_message(stack), "the poison is parked")
    unresolved = len(_failed_by_message(stack))

    health = httpx.get(stack.server.url + "/healthz")
    assert health.status_code == 200
    assert health.json()["status"] == "degraded"
    assert health.json()["failed"] == unresolved
    assert "backlog" in health.json()

    metrics = stack.admin.get("/metrics").text
    assert f'segcio_failed_events{{destination="1"}} {float(unresolved)}' in metrics

    listed = stack.admin.get("/admin/api/failed-events", params={"destination": 1})
    assert listed.status_code == 200, listed.text
    by_message = {row["message_id"]: row for row in listed.json()["failed_events"]}
    assert by_message[poison["messageId"]]["reason"] == _failed_by_message(stack)[poison["messageId"]]["reason"]
    assert httpx.get(stack.server.url + "/admin/api/failed-events").status_code == 401


def test_replay_runs_the_event_again_and_keeps_it_failed_with_its_reason(stack: Stack) -> None:
    run = uuid.uuid4().hex[:8]
    poison = _poison(stack, f"poisoned-{run}")
    _post(stack, [poison])
    wait_until(lambda: poison["messageId"] in _failed_by_message(stack), "the poison is parked")
    parked = _failed_by_message(stack)[poison["messageId"]]

    code, outcome = _cli_json(stack, "events", "replay-failed", "--id", str(parked["id"]))
    assert (code, outcome) == (1, {"replayed": 0, "failed": 1})
    again = _failed_by_message(stack)[poison["messageId"]]
    assert again["attempts"] == 2 and again["reason"] == parked["reason"]

    replayed = stack.admin.post("/admin/api/failed-events/replay", json={"id": parked["id"]})
    assert replayed.status_code == 200, replayed.text
    assert replayed.json() == {"replayed": 0, "failed": 1}
    assert _failed_by_message(stack)[poison["messageId"]]["attempts"] == 3
    assert len(_log_lines(stack, poison["messageId"])) == 2  # the router's failure, the admin replay's failure

    refused = stack.admin.post("/admin/api/failed-events/replay", json={})
    assert refused.status_code == 422
    assert "id" in refused.json()["error"]["message"]


def test_a_replay_that_succeeds_applies_the_event_once_and_clears_it(stack: Stack) -> None:
    """A fix between the failure and the replay: the database stores the object again."""
    run = uuid.uuid4().hex[:8]
    poison = _poison(stack, f"fixed-{run}")
    _post(stack, [_identify(f"fixed-{run}"), poison])
    wait_until(lambda: poison["messageId"] in _failed_by_message(stack), "the poison is parked")
    parked = _failed_by_message(stack)[poison["messageId"]]

    _set_fault(stack, poison["groupId"], on=False)
    first = stack.admin.post("/admin/api/failed-events/replay", json={"id": parked["id"]})
    second = stack.admin.post("/admin/api/failed-events/replay", json={"id": parked["id"]})

    assert first.json() == {"replayed": 1, "failed": 0}
    assert second.json() == {"replayed": 0, "failed": 0}  # nothing left to replay: never applied twice
    assert poison["messageId"] not in _failed_by_message(stack)
    relationships = stack.relationships(f"fixed-{run}")
    assert [r["identifiers"]["object_id"] for r in relationships] == [poison["groupId"]], relationships


def test_the_ui_lists_failed_events_escaped_and_replays_them(stack: Stack) -> None:
    run = uuid.uuid4().hex[:8]
    poison = _poison(stack, f"<b>ui-{run}</b>")
    _post(stack, [poison])
    wait_until(lambda: poison["messageId"] in _failed_by_message(stack), "the poison is parked")
    parked = _failed_by_message(stack)[poison["messageId"]]

    with httpx.Client(base_url=stack.server.url, follow_redirects=True) as browser:
        assert browser.get("/ui/deliveries?destination=1", follow_redirects=False).status_code in (302, 303)
        token = CSRF_RE.search(browser.get("/ui/login").text)
        assert token is not None
        login = {"csrf_token": token.group(1), "password": ADMIN_PASSWORD, "next": "/ui/"}
        assert browser.post("/ui/login", data=login).status_code in (200, 303)
        page = browser.get("/ui/deliveries?destination=1").text
        assert "Failed events" in page
        assert poison["messageId"] in page
        assert f"&lt;b&gt;ui-{run}&lt;/b&gt;" in page and f"<b>ui-{run}</b>" not in page
        csrf = CSRF_RE.search(page)
        assert csrf is not None
        form = {"csrf_token": csrf.group(1), "destination": "1", "id": str(parked["id"])}
        replayed = browser.post("/ui/deliveries/failed/replay", data=form)
        assert replayed.status_code == 200
        assert re.search(r"0 event\(s\) replayed, 1 still failed", replayed.text), replayed.text[:2000]
    assert _failed_by_message(stack)[poison["messageId"]]["attempts"] == 2


def test_a_deletion_regulation_removes_the_persons_failed_events(stack: Stack) -> None:
    """A replay must not bring a deleted person's data back."""
    run = uuid.uuid4().hex[:8]
    poison = _poison(stack, f"forgotten-{run}")
    _post(stack, [poison])
    wait_until(lambda: poison["messageId"] in _failed_by_message(stack), "the poison is parked")

    regulation = {"regulationType": "DELETE_ONLY", "subjectType": "USER_ID", "subjectIds": [f"forgotten-{run}"]}
    assert stack.admin.post("/regulations", json=regulation).status_code == 200
    assert poison["messageId"] not in _failed_by_message(stack)

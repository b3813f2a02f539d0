"""Log sequence numbers are never reused: after retention or a regulation deletes the newest events, and after a
restart, new events get numbers above any ever issued, and every destination routes them.

Through a running `segcio serve` (SQLite and PostgreSQL): events sent with segment-analytics-python, regulations
through the regulations API, people read back through the App API.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select, update

from segcio.eventlog import writes as eventlog
from segcio.pipeline.regulations import INTERNAL_DELETE_TYPES, SUPPRESS_TYPES
from segcio.pipeline.retention import prune
from segcio.store import Database
from segcio.store.tables.core import events
from tests.conftest import start_server
from tests.e2e.conftest import Stack
from tests.pipeline.log_helpers import logged_seqs

NEW_USERS = [f"new-{i}" for i in range(200)]
RETENTION = {"SEGCIO_EVENT_LOG_RETENTION_HOURS": "1", "SEGCIO_DEDUPE_WINDOW_SECONDS": "60"}
KEEP_SECONDS = 3600.0


@pytest.fixture
def log_db(database_url: str) -> Iterator[Database]:
    """The server's database, read (and aged) by the test beside it."""
    database = Database(database_url)
    try:
        yield database
    finally:
        database.dispose()


def _serve(database_url: str, tmp_path: Path, env: dict[str, str] | None = None) -> Stack:
    return Stack(start_server(tmp_path / "data", database_url, env=env))


def _stop(stack: Stack) -> None:
    stack.close()
    stack.server.stop()


@pytest.fixture
def stack(database_url: str, tmp_path: Path) -> Iterator[Stack]:
    served = _serve(database_url, tmp_path)
    try:
        yield served
    finally:
        _stop(served)


def _post_batch(stack: Stack, batch: list[dict[str, Any]]) -> None:
    response = httpx.post(
        stack.server.url + "/v1/batch", json={"batch": batch}, auth=(stack.server.write_key, ""), timeout=60
    )
    assert response.status_code == 200, response.text


def _fill_log_ending_with(stack: Stack, user: str) -> None:
    """Older events of someone else, then 30 of `user`: the newest rows of the log; all routed."""
    older = [{"type": "track", "userId": "stays", "event": "Older", "properties": {"n": n}} for n in range(5)]
    newest = [{"type": "track", "userId": user, "event": "Soon Deleted", "properties": {"n": n}} for n in range(30)]
    _post_batch(stack, older + newest)
    stack.settle()


def _regulate(stack: Stack, kind: str, user: str) -> None:
    response = stack.admin.post(
        "/regulations", json={"regulationType": kind, "subjectType": "USER_ID", "subjectIds": [user]}
    )
    assert response.status_code == 200, response.text


def _send_new_identifies(stack: Stack, deleted_user: str) -> None:
    """The deleted user's identify first (with the real client), then one for each of 200 other users."""
    stack.segment.identify(deleted_user, {"email": f"{deleted_user}@example.com"})
    _post_batch(stack, [{"type": "identify", "userId": u, "traits": {"email": f"{u}@example.com"}} for u in NEW_USERS])
    stack.settle()


def _missing(stack: Stack, users: list[str]) -> list[str]:
    """The users not in the workspace with the email of their new identify."""
    emails = {}
    for start in range(0, len(users), 100):
        # A generous timeout: 100 people read on a machine busy with other tests can take more than httpx's 5 s.
        ids = users[start : start + 100]
        response = stack.app.post("/v1/customers/attributes", json={"ids": ids}, timeout=60)
        assert response.status_code == 200, response.text
        for item in response.json()["customers"]:
            emails[item["customer"]["identifiers"]["id"]] = item["customer"]["identifiers"].get("email")
    return [user for user in users if emails.get(user) != f"{user}@example.com"]


def _assert_numbered_above(db: Database, kept: list[int], issued: list[int]) -> None:
    """Every event logged after the deletion (that left `kept`) has a number above all of those ever `issued`."""
    new = sorted(set(logged_seqs(db)) - set(kept))
    assert new, "no new event was logged"
    assert new[0] > max(issued), f"new events numbered from {new[0]}; {max(issued)} was issued before"


@pytest.mark.parametrize("kind", sorted(INTERNAL_DELETE_TYPES))
def test_events_after_a_regulation_deleted_the_newest_ones_are_routed(
    stack: Stack, log_db: Database, kind: str
) -> None:
    _fill_log_ending_with(stack, "gone")
    issued = logged_seqs(log_db)

    _regulate(stack, kind, "gone")
    kept = logged_seqs(log_db)
    assert max(kept) < max(issued)  # the newest rows are gone
    _send_new_identifies(stack, "gone")

    assert _missing(stack, NEW_USERS) == []
    # The deleted person's own new identify arrives too, unless the regulation also suppresses them.
    assert _missing(stack, ["gone"]) == ([] if kind not in SUPPRESS_TYPES else ["gone"])
    _assert_numbered_above(log_db, kept, issued)


def test_a_forwarded_deletion_after_the_newest_events_were_deleted_reaches_the_workspace(
    stack: Stack, log_db: Database
) -> None:
    """The regulations' own appender (the delete events of DELETE_ONLY) numbers above every seq issued too."""
    stack.segment.identify("gone", {"email": "gone@example.com"})
    _fill_log_ending_with(stack, "gone")
    issued = logged_seqs(log_db)
    _regulate(stack, "DELETE_INTERNAL", "gone")
    kept = logged_seqs(log_db)

    _regulate(stack, "DELETE_ONLY", "gone")
    stack.settle()

    assert stack.customer("gone") is None  # the delete event was routed: the person is removed
    _assert_numbered_above(log_db, kept, issued)


def test_events_after_retention_emptied_the_log_are_routed(stack: Stack, log_db: Database) -> None:
    _fill_log_ending_with(stack, "old")
    issued = logged_seqs(log_db)

    # The routing worker's retention pass, run as an hour past the retention period.
    assert prune(log_db, KEEP_SECONDS, now=time.time() + 2 * KEEP_SECONDS).events == len(issued)
    assert logged_seqs(log_db) == []
    _send_new_identifies(stack, "old")

    assert _missing(stack, [*NEW_USERS, "old"]) == []
    _assert_numbered_above(log_db, [], issued)


@pytest.mark.parametrize("deleted_by", ["regulation", "retention at start"])
def test_a_restart_after_the_newest_events_were_deleted_numbers_new_ones_above_them(
    database_url: str, tmp_path: Path, log_db: Database, deleted_by: str
) -> None:
    stack = _serve(database_url, tmp_path, env=RETENTION)
    try:
        _fill_log_ending_with(stack, "gone")
        issued = logged_seqs(log_db)
        if deleted_by == "regulation":
            _regulate(stack, "DELETE_INTERNAL", "gone")
    finally:
        _stop(stack)
    if deleted_by == "retention at start":
        # As if the server had been down for two hours: the worker's first retention pass deletes the whole log.
        with eventlog.transaction(log_db) as conn:
            conn.execute(update(events).values(received_at=events.c.received_at - 2 * KEEP_SECONDS))

    stack = _serve(database_url, tmp_path, env=RETENTION)
    try:
        if deleted_by == "retention at start":
            _wait_for_an_empty_log(log_db)
        kept = logged_seqs(log_db)
        assert max(kept, default=0) < max(issued)
        _send_new_identifies(stack, "gone")

        assert _missing(stack, [*NEW_USERS, "gone"]) == []
        _assert_numbered_above(log_db, kept, issued)
    finally:
        _stop(stack)


def _wait_for_an_empty_log(db: Database) -> None:
    deadline = time.monotonic() + 30
    while _logged(db) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _logged(db) == 0, "the routing worker's retention pass did not run at start"


def _logged(db: Database) -> int:
    with db.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(events)).scalar_one())

"""One event's trace (`segcio.pipeline.trace`): ingested, routed and delivered by the real code, on SQLite and
PostgreSQL, then traced from the database alone."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from segcio.bootstrap import ensure_defaults
from segcio.delivery import dlq
from segcio.delivery.sender import RemoteSender
from segcio.destinations.subscriptions import add_subscription
from segcio.ingest.service import IngestService
from segcio.pipeline import destination_config, regulations
from segcio.pipeline.credentials import destination_auth
from segcio.pipeline.event_search import search
from segcio.pipeline.router import Router
from segcio.pipeline.trace import VERDICTS_NOTE, trace
from segcio.store import Database
from tests.conftest import run_coroutine
from tests.delivery.conftest import FAST, KEY, SITE
from tests.delivery.standin import StandIn


@pytest.fixture
def customerio() -> Iterator[StandIn]:
    """The fake Customer.io of the delivery tests (answers 207 for the items of `reject_ids`)."""
    fake = StandIn(SITE, KEY)
    fake.start()
    try:
        yield fake
    finally:
        fake.stop()


def ingest(db: Database, *messages: dict[str, Any]) -> None:
    service = IngestService(db)
    service.start()
    try:
        request = service.prepare(1, {"batch": list(messages)}, batch=True, route_type=None, peer_ip=None)
        run_coroutine(service.write(request))
    finally:
        service.stop()


_routers: dict[int, Router] = {}


def route(db: Database) -> None:
    """Route until idle, with one router per database (a second one would wait for the first one's leases)."""
    router = _routers.setdefault(id(db), Router(db))
    for _ in range(100):
        if not router.step():
            return
    raise AssertionError("the router never went idle")


def traced(db: Database, message_id: str) -> dict[str, Any]:
    found = search(db, message_id)["events"]
    assert [e["message_id"] for e in found] == [message_id]
    out = trace(db, found[0]["seq"])
    assert out is not None
    return out


def test_an_event_applied_locally_shows_its_verdicts_delivery_and_activity_entries(db: Database) -> None:
    ensure_defaults(db)
    mid = f"m-{uuid.uuid4()}"
    ingest(db, {"type": "identify", "userId": "t-1", "messageId": mid, "traits": {"email": "t1@example.com"},
                "timestamp": "2026-01-01T00:00:00Z", "sentAt": "2026-01-01T00:00:10Z"})  # fmt: skip
    route(db)

    out = traced(db, mid)
    assert out["received"]["timestamps"]["original"] == "2026-01-01T00:00:00Z"
    assert out["received"]["timestamps"]["correction_seconds"] is not None  # receivedAt - sentAt skew applied
    assert out["verdicts_note"] == VERDICTS_NOTE
    [dest] = out["destinations"]
    assert dest["routing"]["state"] == "routed" and dest["integrations"] is None
    verdicts = {d["name"]: d["status"] for d in dest["verdicts"]["details"]}
    assert verdicts["Create or Update Person"] == "sent"
    assert [e["outcome"] for e in dest["delivery_log"]] == ["delivered"]
    activities = dest["workspace"]["activities"]
    assert {"profile_create", "attribute_change"} <= {a["type"] for a in activities}
    assert all(a["person"] == activities[0]["person"] for a in activities)
    assert dest["fate"].startswith("applied to the local workspace")
    # The search by email finds it through the traits and through the workspace person.
    by_email = search(db, "T1@example.com")["events"]
    assert [e["message_id"] for e in by_email] == [mid]
    assert "email (workspace person)" in by_email[0]["matched_by"]

    track = f"m-{uuid.uuid4()}"
    ingest(db, {"type": "track", "userId": "t-1", "event": "Clicked", "messageId": track})
    route(db)
    [dest] = traced(db, track)["destinations"]
    assert [(e["type"], e["name"]) for e in dest["workspace"]["events"]] == [("event", "Clicked")]


def test_integrations_false_stops_the_event_for_the_destination(db: Database) -> None:
    ensure_defaults(db)
    off, actions_off = f"m-{uuid.uuid4()}", f"m-{uuid.uuid4()}"
    ingest(
        db,
        {"type": "track", "userId": "t-2", "event": "A", "messageId": off, "integrations": {"All": False}},
        {"type": "track", "userId": "t-2", "event": "B", "messageId": actions_off,
         "integrations": {"Customer.io (Actions)": False}},
    )  # fmt: skip
    route(db)
    for mid, reason in ((off, '"All": false'), (actions_off, '"Customer.io (Actions)": false')):
        [dest] = traced(db, mid)["destinations"]
        assert reason in dest["integrations"] and dest["fate"].startswith("not sent: filtered by integrations")
        assert dest["verdicts"]["filtered"] == dest["integrations"]
        assert [e["outcome"] for e in dest["delivery_log"]] == ["filtered"]
        assert dest["workspace"] == {"events": [], "activities": []}


def test_a_deduplicated_copy_is_not_stored_and_the_trace_says_so(db: Database) -> None:
    ensure_defaults(db)
    mid = f"m-{uuid.uuid4()}"
    ingest(db, {"type": "identify", "userId": "t-3", "messageId": mid, "traits": {"plan": "first"}})
    ingest(db, {"type": "identify", "userId": "t-3", "messageId": mid, "traits": {"plan": "second"}})
    route(db)
    out = traced(db, mid)
    assert out["event"]["traits"] == {"plan": "first"}
    dedupe = out["ingest"]["deduplication"]
    assert dedupe["source_deduplicated_total"] == 1 and "first copy" in dedupe["note"]


def test_a_suppressed_user_has_no_event_and_the_search_says_why(db: Database) -> None:
    ensure_defaults(db)
    before = f"m-{uuid.uuid4()}"
    ingest(db, {"type": "track", "userId": "t-4", "event": "Before", "messageId": before})
    regulations.create(db, {"regulationType": "SUPPRESS", "subjectType": "USER_ID", "subjectIds": ["t-4"]})
    ingest(db, {"type": "track", "userId": "t-4", "event": "After", "messageId": f"m-{uuid.uuid4()}"})
    route(db)
    found = search(db, "t-4")
    assert [e["message_id"] for e in found["events"]] == [before]
    assert any("'t-4' is suppressed" in note and "dropped at ingestion" in note for note in found["notes"])
    suppression = traced(db, before)["ingest"]["suppression"]
    assert suppression["regulation_type"] == "SUPPRESS" and suppression["applies_to_this_event"] is False


def test_a_mapping_that_fails_validation_shows_the_error(db: Database) -> None:
    ensure_defaults(db)
    with db.begin() as conn:
        add_subscription(conn, 1, {
            "name": "Broken", "subscribe": 'type = "track" and event = "Broken"', "partnerAction": "trackEvent",
            "mapping": {"id": {"@path": "$.userId"}, "name": {"@path": "$.properties.missing"}},
        })  # fmt: skip
    mid = f"m-{uuid.uuid4()}"
    ingest(db, {"type": "track", "userId": "t-5", "event": "Broken", "messageId": mid})
    route(db)
    [dest] = traced(db, mid)["destinations"]
    broken = next(d for d in dest["verdicts"]["details"] if d["name"] == "Broken")
    assert broken["status"] == "invalid payload"
    error = next(s["error"] for s in dest["verdicts"]["subscriptions"] if s["name"] == "Broken")
    assert "name" in error
    [entry] = dest["delivery_log"]
    assert entry["outcome"] == "failed" and "Broken" in entry["response"]
    # Track Event matched too and was applied; the broken subscription's error is the event's delivery error.
    assert dest["fate"].startswith("applied to the local workspace with errors")


def test_a_remote_207_item_error_is_shown_at_its_batch_index_and_dead_lettered(
    db: Database, customerio: StandIn
) -> None:
    defaults = ensure_defaults(db)
    with db.begin() as conn:
        destination_config.set_target(conn, defaults, "remote", site_id=SITE, api_key=KEY, base_url=customerio.url)
    customerio.reject_ids = {"t-bad"}
    good, bad = f"m-{uuid.uuid4()}", f"m-{uuid.uuid4()}"
    ingest(
        db,
        {"type": "identify", "userId": "t-good", "messageId": good, "traits": {"plan": "a"}},
        {"type": "identify", "userId": "t-bad", "messageId": bad, "traits": {"plan": "b"}},
    )
    route(db)
    queued = traced(db, bad)["destinations"][0]
    assert queued["outbox"] and queued["fate"] == "queued in the outbox"

    sender = RemoteSender(db, 1, FAST, authenticate=lambda d: destination_auth(db, d), lease_seconds=15)
    run_coroutine(sender.drain(30))

    [dest] = traced(db, bad)["destinations"]
    [batch] = [e for e in dest["delivery_log"] if e.get("batch_index") is not None]
    assert batch["outcome"] == "partial" and batch["status"] == 207
    [index] = batch["batch_index"]
    assert "rejected id" in batch["item_errors"][str(index)]
    [letter] = dest["dead_letters"]
    assert letter["status"] == 207 and "rejected id" in letter["reason"]
    assert dest["outbox"] == [] and dest["fate"].startswith("dead-lettered")

    dlq.replay(db, ids=[letter["id"]])  # back into the outbox: the trace keeps the dead letter's history
    [replayed] = traced(db, bad)["destinations"]
    assert replayed["delivery_log"][-1]["outcome"] == "replayed"
    assert f"dead letter {letter['id']}" in replayed["delivery_log"][-1]["response"]
    assert len(replayed["outbox"]) == 1 and replayed["fate"] == "queued in the outbox"

    [sent] = traced(db, good)["destinations"]
    [batch_of_good] = [e for e in sent["delivery_log"] if e.get("batch_index") is not None]
    assert batch_of_good["id"] == batch["id"] and batch_of_good["item_errors"] == {}
    assert sent["fate"].startswith("sent to Customer.io") and sent["dead_letters"] == []
